package enrollments

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

func (h *Handlers) ruleList(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	items, err := h.Store.Rules(c.UserContext(), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(r *EnrollmentRule) []string {
		return []string{httpapp.TimeKey(r.CreatedAt), r.ID}
	}))
}

type ruleReq struct {
	GroupID  *string `json:"group_id"`
	CourseID *string `json:"course_id"`
	DueDays  *int32  `json:"due_days"`
}

// ruleCreate answers 201 with the rule and how many members it enrolled.
func (h *Handlers) ruleCreate(c *fiber.Ctx) error {
	var req ruleReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	var groupID, courseID string
	for _, f := range []struct {
		name string
		in   *string
		out  *string
	}{{"group_id", req.GroupID, &groupID}, {"course_id", req.CourseID, &courseID}} {
		if f.in == nil || *f.in == "" {
			return httpapp.Invalid(f.name, "is required")
		}
		id, err := httpapp.ID(f.name, *f.in)
		if err != nil {
			return err
		}
		*f.out = id
	}
	if req.DueDays != nil && (*req.DueDays < 1 || *req.DueDays > 3650) {
		return httpapp.Invalid("due_days", "must be a whole number of days from 1 to 3650")
	}
	ctx := c.UserContext()
	groupOK, status, err := h.Store.RuleRefs(ctx, groupID, courseID)
	if err != nil {
		return err
	}
	switch {
	case !groupOK:
		return httpapp.Unprocessable("group_id", "no such group in this organization")
	case status == "":
		return httpapp.Unprocessable("course_id", "no such course in this organization")
	case status == "archived":
		return httpapp.Unprocessable("course_id", "the course is archived and takes no enrollments")
	}
	id, n, err := h.Store.CreateRule(ctx, groupID, courseID, req.DueDays, auth.From(ctx).UserID, h.Clock.Now())
	if err != nil {
		return err
	}
	rule, err := h.Store.Rule(ctx, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/enrollment-rules/" + id)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"rule": rule, "enrolled": n})
}

// ruleDelete removes a rule; the enrollments it made stay.
func (h *Handlers) ruleDelete(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "enrollment rule", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteRule(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
