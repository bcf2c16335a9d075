package courses

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

func (h *Handlers) getInstructors(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.editable(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	items, err := h.listInstructors(ctx, r.CourseID)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, len(items), nil))
}

// staffManager is editable narrowed to those who choose a course's staff:
// its owner and admins (a co-instructor may edit, not add teachers).
func (h *Handlers) staffManager(c *fiber.Ctx) (*Relation, error) {
	r, err := h.editable(c.UserContext(), c.Params("id"))
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
	u, err := uuid.Parse(*req.UserID)
	if err != nil {
		return httpapp.Invalid("user_id", "is not an id")
	}
	userID := u.String()
	ctx := c.UserContext()
	var roles []string
	var active bool
	err = h.q(ctx).QueryRow(ctx, `select roles, active from users where id = $1`, userID).Scan(&roles, &active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return unprocessable("user_id", "no user %s in this organization", userID)
	case err != nil:
		return err
	case !active:
		return unprocessable("user_id", "user %s is deactivated", userID)
	case !slices.Contains(roles, auth.Instructor) && !slices.Contains(roles, auth.Admin):
		return unprocessable("user_id", "user %s does not hold the instructor role", userID)
	}
	tag, err := h.q(ctx).Exec(ctx, `insert into course_instructors (course_id, user_id, role) values ($1, $2, 'co')
		on conflict (course_id, user_id) do nothing`, r.CourseID, userID)
	if err != nil {
		return fmt.Errorf("add instructor: %w", err)
	}
	items, err := h.listInstructors(ctx, r.CourseID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(it Instructor) bool { return it.ID == userID })
	if i < 0 {
		return fmt.Errorf("instructor %s vanished", userID)
	}
	status := fiber.StatusCreated
	if tag.RowsAffected() == 0 {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(items[i])
}

func (h *Handlers) removeInstructor(c *fiber.Ctx) error {
	r, err := h.staffManager(c)
	if err != nil {
		return err
	}
	userID, err := param(c, "user_id", "instructor")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var role string
	err = h.q(ctx).QueryRow(ctx, `delete from course_instructors where course_id = $1 and user_id = $2 returning role`, r.CourseID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("instructor %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if role == "owner" {
		// The request's transaction rolls the delete back.
		return fmt.Errorf("user %s owns the course and cannot be removed from it: %w", userID, ErrConflict)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
