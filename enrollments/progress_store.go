package enrollments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/events"
)

// LessonStatuses maps a learner's started or completed lessons of a course
// to in_progress or completed (courses.Learners).
func (s *Store) LessonStatuses(ctx context.Context, courseID, userID string) (map[string]string, error) {
	rows, _ := s.q(ctx).Query(ctx, `select lesson_id::text, status from lesson_progress where course_id = $1 and user_id = $2`, courseID, userID)
	out := map[string]string{}
	var id, st string
	_, err := pgx.ForEachRow(rows, []any{&id, &st}, func() error {
		out[id] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("progress in %s: %w", courseID, err)
	}
	return out, nil
}

// HasEnrollments reports whether anyone was ever enrolled in the course
// (courses.Learners).
func (s *Store) HasEnrollments(ctx context.Context, courseID string) (bool, error) {
	var ok bool
	if err := s.q(ctx).QueryRow(ctx, `select exists (select 1 from enrollments where course_id = $1)`, courseID).Scan(&ok); err != nil {
		return false, fmt.Errorf("enrollments of %s: %w", courseID, err)
	}
	return ok, nil
}

// OutlineChanged recomputes the stored progress of a course's active
// enrollments after lessons were added or removed (courses.Learners). It
// never completes or reopens one: that happens when the learner next
// records progress.
func (s *Store) OutlineChanged(ctx context.Context, courseID string) error {
	_, err := s.q(ctx).Exec(ctx, `update enrollments e set progress = p.pct, updated_at = now()
		from (select e2.id,
				case when t.n = 0 then 0
				     when coalesce(d.n, 0) >= t.n then 100
				     else floor(coalesce(d.n, 0) * 1000.0 / t.n) / 10 end as pct
			from enrollments e2
			cross join (select count(*) as n from lessons where course_id = $1) t
			left join (select user_id, count(*) as n from lesson_progress
				where course_id = $1 and status = 'completed' group by user_id) d on d.user_id = e2.user_id
			where e2.course_id = $1 and e2.status = 'active') p
		where e.id = p.id and e.progress is distinct from p.pct`, courseID)
	if err != nil {
		return fmt.Errorf("refresh progress of course %s: %w", courseID, err)
	}
	return s.changed(ctx, "")
}

// LockEnrollment reads a learner's enrollment and locks it for the rest of
// the transaction, so that one learner's progress updates in one course
// serialise (the percentage counts every completion).
func (s *Store) LockEnrollment(ctx context.Context, courseID, userID string) (status string, err error) {
	err = s.q(ctx).QueryRow(ctx, `select status from enrollments where course_id = $1 and user_id = $2 for no key update`,
		courseID, userID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("enrollment in %s: %w", courseID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("enrollment in %s: %w", courseID, err)
	}
	return status, nil
}

// EnrollmentState is where an enrollment stands.
type EnrollmentState struct {
	Status      string
	CompletedAt *time.Time
}

// EnrollmentState reads a learner's enrollment status.
func (s *Store) EnrollmentState(ctx context.Context, courseID, userID string) (*EnrollmentState, error) {
	var st EnrollmentState
	err := s.q(ctx).QueryRow(ctx, `select status, completed_at from enrollments where course_id = $1 and user_id = $2`,
		courseID, userID).Scan(&st.Status, &st.CompletedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("enrollment in %s: %w", courseID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("enrollment in %s: %w", courseID, err)
	}
	return &st, nil
}

// RecordProgress upserts a lesson's progress (a completed lesson stays
// completed); completing it reports lesson.completed.
func (s *Store) RecordProgress(ctx context.Context, courseID, lessonID, userID, status string) error {
	q := s.q(ctx)
	var done *time.Time
	err := q.QueryRow(ctx, `insert into lesson_progress (user_id, course_id, lesson_id, status, completed_at)
		values ($1, $2, $3, $4, case when $4 = 'completed' then now() end)
		on conflict (user_id, lesson_id) do update
		set status = excluded.status, completed_at = excluded.completed_at, updated_at = now()
		where lesson_progress.status <> 'completed'
		returning completed_at`, userID, courseID, lessonID, status).Scan(&done)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("record progress of lesson %s: %w", lessonID, err)
	}
	if done == nil {
		return nil
	}
	return events.Append(ctx, q, LessonCompleted{CourseID: courseID, LessonID: lessonID, UserID: userID, CompletedAt: *done}.event())
}

// StoreProgress writes the course percentage of a learner's enrollment; at
// 100 the enrollment is completed, which reports course.completed.
func (s *Store) StoreProgress(ctx context.Context, courseID, userID string, percent float64) (*EnrollmentState, error) {
	q := s.q(ctx)
	var st EnrollmentState
	var id, was string
	err := q.QueryRow(ctx, `update enrollments e set progress = $3::real,
			status = case when $3::real >= 100 then 'completed' else e.status end,
			completed_at = case when $3::real >= 100 then coalesce(e.completed_at, now()) else e.completed_at end,
			updated_at = now()
		from (select id, status from enrollments where course_id = $1 and user_id = $2) o
		where e.id = o.id returning e.id::text, o.status, e.status, e.completed_at`, courseID, userID, percent).
		Scan(&id, &was, &st.Status, &st.CompletedAt)
	if err != nil {
		return nil, fmt.Errorf("store progress in %s: %w", courseID, err)
	}
	if st.Status == "completed" && was != "completed" {
		ev := CourseCompleted{EnrollmentID: id, CourseID: courseID, UserID: userID, CompletedAt: *st.CompletedAt}
		if err := events.Append(ctx, q, ev.event()); err != nil {
			return nil, err
		}
	}
	return &st, s.changed(ctx, userID)
}

// Watchable reports whether a user may watch a video: it is a lesson of a
// published (or archived) course they are enrolled in (active or
// completed).
func (s *Store) Watchable(ctx context.Context, userID, videoID string) (bool, error) {
	if _, err := uuid.Parse(videoID); err != nil {
		return false, nil
	}
	var ok bool
	err := s.q(ctx).QueryRow(ctx, `select exists (
		select 1 from lessons l
		join courses c on c.id = l.course_id and c.status in ('published', 'archived')
		join enrollments e on e.course_id = l.course_id and e.user_id = $1 and e.status in ('active', 'completed')
		where l.video_id = $2)`, userID, videoID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("watchable %s: %w", videoID, err)
	}
	return ok, nil
}
