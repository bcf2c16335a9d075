package enrollments

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// learner is relation for a learner's own progress: 403 unless the caller
// is enrolled (active or completed).
func (h *Handlers) learner(c *fiber.Ctx) (*courses.Relation, error) {
	r, err := h.relation(c)
	if err != nil {
		return nil, err
	}
	if !r.Enrolled() {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s", r.CourseID)
	}
	return r, nil
}

func (h *Handlers) getProgress(c *fiber.Ctx) error {
	r, err := h.learner(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	me := auth.From(ctx).UserID
	modules, err := h.Courses.Outline(ctx, r.CourseID, false)
	if err != nil {
		return err
	}
	statuses, err := h.Store.LessonStatuses(ctx, r.CourseID, me)
	if err != nil {
		return err
	}
	p := courses.ComputeProgress(modules, statuses)
	p.CourseID = r.CourseID
	st, err := h.Store.EnrollmentState(ctx, r.CourseID, me)
	if err != nil {
		return err
	}
	p.Status, p.CompletedAt = st.Status, st.CompletedAt
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(p)
}

// postProgress records that the caller started or completed a lesson, then
// stores the course percentage; the last lesson completes the enrollment.
func (h *Handlers) postProgress(c *fiber.Ctx) error {
	r, err := h.learner(c)
	if err != nil {
		return err
	}
	lessonID, err := httpapp.PathID(c, "lesson_id", "lesson", ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		Status *string `json:"status"`
	}
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	switch {
	case req.Status == nil:
		return httpapp.Invalid("status", "is required")
	case *req.Status != courses.InProgress && *req.Status != courses.Completed:
		return httpapp.Invalid("status", "must be in_progress or completed")
	}
	ctx := c.UserContext()
	me := auth.From(ctx).UserID
	p, err := (&Progress{Store: h.Store, Courses: h.Courses}).record(ctx, r.CourseID, lessonID, me, *req.Status, true)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
