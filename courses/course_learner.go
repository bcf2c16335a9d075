package courses

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// learner is relation for a learner's own progress: 403 unless the caller
// is enrolled (active or completed).
func (h *Handlers) learner(ctx context.Context, courseID string) (*Relation, error) {
	r, err := h.relation(ctx, courseID)
	if err != nil {
		return nil, err
	}
	if !enrolled(ctx, r) {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s", r.CourseID)
	}
	return r, nil
}

func (h *Handlers) getProgress(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.learner(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	me := auth.From(ctx).UserID
	modules, err := h.loadOutline(ctx, r.CourseID, false)
	if err != nil {
		return err
	}
	statuses, err := h.lessonStatuses(ctx, r.CourseID, me)
	if err != nil {
		return err
	}
	p := computeProgress(modules, statuses)
	p.CourseID = r.CourseID
	if p.Status, p.CompletedAt, err = h.enrollment(ctx, r.CourseID, me, false); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(p)
}

// postProgress records that the caller started or completed a lesson, then
// stores the course percentage; the last lesson completes the enrollment.
func (h *Handlers) postProgress(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := h.learner(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	lessonID, err := param(c, "lesson_id", "lesson")
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
	case *req.Status != InProgress && *req.Status != Completed:
		return httpapp.Invalid("status", "must be in_progress or completed")
	}
	me := auth.From(ctx).UserID
	// Lock the enrollment: one learner's updates in one course serialise,
	// so the percentage counts every completion.
	if _, _, err := h.enrollment(ctx, r.CourseID, me, true); err != nil {
		return err
	}
	modules, err := h.loadOutline(ctx, r.CourseID, false)
	if err != nil {
		return err
	}
	statuses, err := h.lessonStatuses(ctx, r.CourseID, me)
	if err != nil {
		return err
	}
	var state *LessonState
	before := computeProgress(modules, statuses)
	for i := range before.Lessons {
		if before.Lessons[i].LessonID == lessonID {
			state = &before.Lessons[i]
		}
	}
	if state == nil {
		return fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	if state.Status == Completed {
		// Nothing to record: completed never goes back.
	} else if state.Locked {
		return fmt.Errorf("lesson %s is locked until its prerequisites are completed: %w", lessonID, ErrLocked)
	} else {
		if err := h.recordProgress(ctx, r.CourseID, lessonID, me, *req.Status); err != nil {
			return err
		}
		statuses[lessonID] = *req.Status
	}
	p := computeProgress(modules, statuses)
	p.CourseID = r.CourseID
	if p.Status, p.CompletedAt, err = h.storeEnrollmentProgress(ctx, r.CourseID, me, p.Percent); err != nil {
		return err
	}
	return c.JSON(p)
}

// Watchable reports whether a user may watch a video: it is a lesson of a
// published (or archived) course they are enrolled in (active or
// completed). It runs in the request's tenant transaction.
func (h *Handlers) Watchable(ctx context.Context, userID, videoID string) (bool, error) {
	if _, err := uuid.Parse(videoID); err != nil {
		return false, nil
	}
	var ok bool
	err := h.q(ctx).QueryRow(ctx, `select exists (
		select 1 from lessons l
		join courses c on c.id = l.course_id and c.status in ('published', 'archived')
		join enrollments e on e.course_id = l.course_id and e.user_id = $1 and e.status in ('active', 'completed')
		where l.video_id = $2)`, userID, videoID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("watchable %s: %w", videoID, err)
	}
	return ok, nil
}
