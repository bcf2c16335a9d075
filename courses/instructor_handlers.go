package courses

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

func (h *Handlers) getInstructors(c *fiber.Ctx) error {
	r, err := h.editable(c)
	if err != nil {
		return err
	}
	items, err := h.Store.Instructors(c.UserContext(), r.CourseID)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.All(items))
}

// staffManager is editable narrowed to those who choose a course's staff:
// its owner and admins (a co-instructor may edit, not add teachers).
func (h *Handlers) staffManager(c *fiber.Ctx) (*Relation, error) {
	r, err := h.editable(c)
	if err != nil {
		return nil, err
	}
	if !r.Owner && !r.Admin {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's owner and admins may change its instructors")
	}
	return r, nil
}

// addInstructor makes a user of the organization who holds the instructor
// (or admin) role a co-instructor; adding one already teaching answers 200
// with the existing row.
func (h *Handlers) addInstructor(c *fiber.Ctx) error {
	r, err := h.staffManager(c)
	if err != nil {
		return err
	}
	var req struct {
		UserID *string `json:"user_id"`
	}
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.UserID == nil {
		return httpapp.Invalid("user_id", "is required")
	}
	userID, err := httpapp.ID("user_id", *req.UserID)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := h.Store.Candidate(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return httpapp.Unprocessable("user_id", "no user %s in this organization", userID)
	case err != nil:
		return err
	case !u.Active:
		return httpapp.Unprocessable("user_id", "user %s is deactivated", userID)
	case !slices.Contains(u.Roles, auth.Instructor) && !slices.Contains(u.Roles, auth.Admin):
		return httpapp.Unprocessable("user_id", "user %s does not hold the instructor role", userID)
	}
	added, err := h.Store.AddInstructor(ctx, r.CourseID, userID)
	if err != nil {
		return err
	}
	items, err := h.Store.Instructors(ctx, r.CourseID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(it Instructor) bool { return it.ID == userID })
	if i < 0 {
		return fmt.Errorf("instructor %s vanished", userID)
	}
	status := fiber.StatusOK
	if added {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(items[i])
}

func (h *Handlers) removeInstructor(c *fiber.Ctx) error {
	r, err := h.staffManager(c)
	if err != nil {
		return err
	}
	userID, err := httpapp.PathID(c, "user_id", "instructor", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.RemoveInstructor(c.UserContext(), r.CourseID, userID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
