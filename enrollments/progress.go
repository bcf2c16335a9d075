package enrollments

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/httpapp"
)

// Progress records learners' progress through lessons: the progress
// routes, and the domains that decide a lesson is complete (a video
// lesson completes when the assessments say so, never by a learner's
// word).
type Progress struct {
	Store   *Store
	Courses Courses
}

// LessonStatuses maps a learner's started or completed lessons of a
// course to in_progress or completed.
func (p *Progress) LessonStatuses(ctx context.Context, courseID, userID string) (map[string]string, error) {
	return p.Store.LessonStatuses(ctx, courseID, userID)
}

// CompleteLesson completes a lesson for a learner (lesson.completed),
// stores the course percentage and completes the enrollment at 100%.
func (p *Progress) CompleteLesson(ctx context.Context, courseID, lessonID, userID string) error {
	_, err := p.record(ctx, courseID, lessonID, userID, courses.Completed, false)
	return err
}

// Registration is the id of a learner's enrollment in a course (active or
// completed), "" when they do not follow it.
func (p *Progress) Registration(ctx context.Context, courseID, userID string) (string, error) {
	var id string
	err := p.Store.q(ctx).QueryRow(ctx, `select id::text from enrollments where course_id = $1 and user_id = $2
		and status in ('active', 'completed')`, courseID, userID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("registration in %s: %w", courseID, err)
	}
	return id, nil
}

// record records that a learner started or completed a lesson, then
// stores the course percentage; the last lesson completes the enrollment.
// byLearner says the learner asked: they may not complete a video lesson
// themselves.
func (p *Progress) record(ctx context.Context, courseID, lessonID, userID, status string, byLearner bool) (*courses.Progress, error) {
	if _, err := p.Store.LockEnrollment(ctx, courseID, userID); err != nil {
		return nil, err
	}
	modules, err := p.Courses.Outline(ctx, courseID, false)
	if err != nil {
		return nil, err
	}
	statuses, err := p.Store.LessonStatuses(ctx, courseID, userID)
	if err != nil {
		return nil, err
	}
	var kind string
	for _, m := range modules {
		for _, l := range m.Lessons {
			if l.ID == lessonID {
				kind = l.Kind
			}
		}
	}
	var state *courses.LessonState
	before := courses.ComputeProgress(modules, statuses)
	for i := range before.Lessons {
		if before.Lessons[i].LessonID == lessonID {
			state = &before.Lessons[i]
		}
	}
	switch {
	case state == nil:
		return nil, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	case state.Status == courses.Completed:
		// Nothing to record: completed never goes back.
	case state.Locked:
		return nil, fmt.Errorf("lesson %s is locked until its prerequisites are completed: %w", lessonID, ErrLocked)
	case byLearner && kind == "video" && status == courses.Completed:
		return nil, httpapp.Errorf(fiber.StatusConflict, "completed_by_watching",
			"a video lesson completes when you have watched enough of it and passed its required checkpoints, not by marking it")
	case byLearner && kind == "quiz" && status == courses.Completed:
		return nil, httpapp.Errorf(fiber.StatusConflict, "completed_by_passing",
			"a quiz lesson completes when you pass it, not by marking it")
	default:
		if err := p.Store.RecordProgress(ctx, courseID, lessonID, userID, status); err != nil {
			return nil, err
		}
		statuses[lessonID] = status
	}
	pr := courses.ComputeProgress(modules, statuses)
	pr.CourseID = courseID
	st, err := p.Store.StoreProgress(ctx, courseID, userID, pr.Percent)
	if err != nil {
		return nil, err
	}
	pr.Status, pr.CompletedAt = st.Status, st.CompletedAt
	return &pr, nil
}
