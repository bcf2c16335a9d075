package enrollments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/events"
)

// Enrollment is one learner's place in a course.
type Enrollment struct {
	ID          string           `json:"id"`
	CourseID    string           `json:"course_id"`
	User        EnrollmentUser   `json:"user"`
	Status      string           `json:"status"` // active, completed, withdrawn
	Source      string           `json:"source"` // self, instructor, admin, bulk, rule
	DueAt       *time.Time       `json:"due_at"`
	Overdue     bool             `json:"overdue"`
	Progress    float64          `json:"progress"`
	EnrolledAt  time.Time        `json:"enrolled_at"`
	CompletedAt *time.Time       `json:"completed_at"`
	WithdrawnAt *time.Time       `json:"withdrawn_at"`
	Lessons     []LessonProgress `json:"lessons,omitempty"`
}

// EnrollmentUser is the enrollee as a course's staff see them.
type EnrollmentUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// LessonProgress is where an enrollee stands on one lesson, in outline
// order; a lesson without a lesson_progress row is not_started.
type LessonProgress struct {
	LessonID    string     `json:"lesson_id"`
	Title       string     `json:"title"`
	Status      string     `json:"status"` // not_started, in_progress, completed
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// MyEnrollment is one row of a learner's "my learning" list.
type MyEnrollment struct {
	ID          string      `json:"id"`
	Course      MyCourse    `json:"course"`
	Status      string      `json:"status"`
	Source      string      `json:"source"`
	Progress    float64     `json:"progress"`
	DueAt       *time.Time  `json:"due_at"`
	Overdue     bool        `json:"overdue"`
	EnrolledAt  time.Time   `json:"enrolled_at"`
	CompletedAt *time.Time  `json:"completed_at"`
	NextLesson  *NextLesson `json:"next_lesson"`
}

// MyCourse is the course of a MyEnrollment.
type MyCourse struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// NextLesson is the first lesson, in outline order, not yet completed.
type NextLesson struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

const enrollmentSelect = `select e.id, e.course_id, u.id, u.name, u.email, e.status, e.source, e.due_at,
	e.progress, e.created_at, e.completed_at, e.withdrawn_at
	from enrollments e join users u on u.id = e.user_id`

func scanEnrollment(row pgx.Row, now time.Time) (*Enrollment, error) {
	var e Enrollment
	err := row.Scan(&e.ID, &e.CourseID, &e.User.ID, &e.User.Name, &e.User.Email, &e.Status, &e.Source, &e.DueAt,
		&e.Progress, &e.EnrolledAt, &e.CompletedAt, &e.WithdrawnAt)
	if err != nil {
		return nil, err
	}
	e.Overdue = isOverdue(e.Status, e.DueAt, now)
	return &e, nil
}

// Enrollment returns the enrollment of userID in courseID.
func (s *Store) Enrollment(ctx context.Context, courseID, userID string, now time.Time) (*Enrollment, error) {
	e, err := scanEnrollment(s.q(ctx).QueryRow(ctx, enrollmentSelect+` where e.course_id = $1 and e.user_id = $2`, courseID, userID), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("enrollment of user %s in course %s: %w", userID, courseID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get enrollment: %w", err)
	}
	return e, nil
}

// LessonProgress returns userID's progress on every lesson of courseID, in
// outline order.
func (s *Store) LessonProgress(ctx context.Context, courseID, userID string) ([]LessonProgress, error) {
	rows, err := s.q(ctx).Query(ctx, `select l.id, l.title, coalesce(lp.status, 'not_started'), lp.started_at, lp.completed_at
		from lessons l join modules m on m.id = l.module_id
		left join lesson_progress lp on lp.user_id = $2 and lp.lesson_id = l.id
		where l.course_id = $1
		order by m.position, l.position, l.id`, courseID, userID)
	if err != nil {
		return nil, fmt.Errorf("lesson progress: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LessonProgress, error) {
		var lp LessonProgress
		err := r.Scan(&lp.LessonID, &lp.Title, &lp.Status, &lp.StartedAt, &lp.CompletedAt)
		return lp, err
	})
	if err != nil {
		return nil, fmt.Errorf("lesson progress: %w", err)
	}
	if out == nil {
		out = []LessonProgress{}
	}
	return out, nil
}

// Enrollee is a user a staff member names as the one to enroll.
type Enrollee struct {
	ID     string
	Active bool
}

// FindUser looks a user of the organization up by id or (normalized)
// email, exactly one of which is set.
func (s *Store) FindUser(ctx context.Context, id, email string) (*Enrollee, error) {
	var u Enrollee
	var err error
	if id != "" {
		err = s.q(ctx).QueryRow(ctx, `select id, active from users where id = $1`, id).Scan(&u.ID, &u.Active)
	} else {
		err = s.q(ctx).QueryRow(ctx, `select id, active from users where email = $1`, email).Scan(&u.ID, &u.Active)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return &u, nil
}

// Enroll enrolls userID and reports enrollment.created; it reports false
// when an enrollment already exists (a concurrent request won).
func (s *Store) Enroll(ctx context.Context, courseID, userID, source string, by *string, due *time.Time) (bool, error) {
	q := s.q(ctx)
	e := EnrollmentCreated{CourseID: courseID, UserID: userID, Source: source, DueAt: due}
	err := q.QueryRow(ctx, `insert into enrollments (course_id, user_id, source, enrolled_by, due_at)
		values ($1, $2, $3, $4, $5) on conflict (course_id, user_id) do nothing returning id::text, created_at`,
		courseID, userID, source, by, due).Scan(&e.EnrollmentID, &e.EnrolledAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("enroll: %w", err)
	}
	if err := events.Append(ctx, q, e.event()); err != nil {
		return false, err
	}
	return true, s.changed(ctx, userID)
}

// Reactivate turns a withdrawn enrollment active again, keeping its
// progress; a new due date replaces the old one.
func (s *Store) Reactivate(ctx context.Context, courseID, userID string, due *time.Time) error {
	_, err := s.q(ctx).Exec(ctx, `update enrollments set status = 'active', withdrawn_at = null,
		due_at = coalesce($3, due_at), updated_at = now()
		where course_id = $1 and user_id = $2 and status = 'withdrawn'`, courseID, userID, due)
	if err != nil {
		return fmt.Errorf("reactivate enrollment: %w", err)
	}
	return s.changed(ctx, userID)
}

// Patch is a change to an enrollment; nil fields stay.
type Patch struct {
	SetDue bool
	DueAt  *time.Time
	Status *string // active or withdrawn
}

// Update changes an enrollment's due date or status.
func (s *Store) Update(ctx context.Context, courseID, userID string, p Patch) error {
	// Asking a completed enrollment to be active leaves it completed;
	// reactivating a withdrawn one keeps its progress.
	tag, err := s.q(ctx).Exec(ctx, `update enrollments set
			due_at = case when $3 then $4 else due_at end,
			status = case when $5::text is null then status
				when $5 = 'active' and status = 'completed' then status
				else $5 end,
			withdrawn_at = case when $5 = 'withdrawn' then coalesce(withdrawn_at, now())
				when $5 = 'active' then null
				else withdrawn_at end,
			updated_at = now()
		where course_id = $1 and user_id = $2`, courseID, userID, p.SetDue, p.DueAt, p.Status)
	if err != nil {
		return fmt.Errorf("update enrollment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("enrollment of user %s in course %s: %w", userID, courseID, ErrNotFound)
	}
	return s.changed(ctx, userID)
}

// Withdraw marks an enrollment withdrawn; lesson progress stays.
func (s *Store) Withdraw(ctx context.Context, courseID, userID string) error {
	tag, err := s.q(ctx).Exec(ctx, `update enrollments set status = 'withdrawn',
		withdrawn_at = coalesce(withdrawn_at, now()), updated_at = now()
		where course_id = $1 and user_id = $2`, courseID, userID)
	if err != nil {
		return fmt.Errorf("withdraw enrollment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("enrollment of user %s in course %s: %w", userID, courseID, ErrNotFound)
	}
	return s.changed(ctx, userID)
}

// EnrolleeFilter narrows a course's enrollee list.
type EnrolleeFilter struct {
	Status string // "" for every status
	Query  string // substring of name or email
	// After is the cursor: enrolled_at (RFC 3339) and id of the last row seen.
	After []string
	Limit int
}

// Enrollees returns up to f.Limit+1 enrollees of courseID in enrollment
// order.
func (s *Store) Enrollees(ctx context.Context, courseID string, f EnrolleeFilter, now time.Time) ([]*Enrollment, error) {
	args := []any{courseID, f.Limit + 1}
	where := []string{"e.course_id = $1"}
	if f.Status != "" {
		args = append(args, f.Status)
		where = append(where, fmt.Sprintf("e.status = $%d", len(args)))
	}
	if f.Query != "" {
		args = append(args, "%"+enrollmentLikeEscaper.Replace(f.Query)+"%")
		where = append(where, fmt.Sprintf("(u.name ilike $%d or u.email ilike $%[1]d)", len(args)))
	}
	if f.After != nil {
		args = append(args, f.After[0], f.After[1])
		where = append(where, fmt.Sprintf("(e.created_at, e.id) > ($%d::timestamptz, $%d::uuid)", len(args)-1, len(args)))
	}
	rows, err := s.q(ctx).Query(ctx, enrollmentSelect+` where `+strings.Join(where, " and ")+
		` order by e.created_at, e.id limit $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Enrollment, error) { return scanEnrollment(r, now) })
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}

var enrollmentLikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// MineFilter narrows a learner's own enrollments.
type MineFilter struct {
	Status string // "" for every status but withdrawn
	After  []string
	Limit  int
}

// Mine returns up to f.Limit+1 of userID's enrollments, newest first, in
// ONE query: the page of enrollments is picked first (by the
// enrollments_user index), then the next lesson of every course of the
// page in one pass over their lessons (lessons_course, and the
// lesson_progress primary key for what is completed). Courses in draft are
// left out: their learners cannot open them.
func (s *Store) Mine(ctx context.Context, userID string, f MineFilter, now time.Time) ([]*MyEnrollment, error) {
	args := []any{userID, f.Limit + 1}
	where := []string{"e.user_id = $1", "c.status <> 'draft'"}
	if f.Status != "" {
		args = append(args, f.Status)
		where = append(where, fmt.Sprintf("e.status = $%d", len(args)))
	} else {
		where = append(where, "e.status <> 'withdrawn'")
	}
	if f.After != nil {
		args = append(args, f.After[0], f.After[1])
		where = append(where, fmt.Sprintf("(e.created_at, e.id) < ($%d::timestamptz, $%d::uuid)", len(args)-1, len(args)))
	}
	rows, err := s.q(ctx).Query(ctx, `with page as (
			select e.id, e.user_id, e.course_id, c.title, c.summary, e.status, e.source, e.progress, e.due_at,
				e.created_at, e.completed_at
			from enrollments e join courses c on c.id = e.course_id
			where `+strings.Join(where, " and ")+`
			order by e.created_at desc, e.id desc
			limit $2),
		next as (
			select distinct on (l.course_id) l.course_id, l.id, l.title
			from lessons l join modules m on m.id = l.module_id
			where l.course_id in (select course_id from page) and not exists (
				select 1 from lesson_progress lp
				where lp.user_id = $1 and lp.lesson_id = l.id and lp.status = 'completed')
			order by l.course_id, m.position, l.position, l.id)
		select p.id, p.course_id, p.title, p.summary, p.status, p.source, p.progress, p.due_at, p.created_at,
			p.completed_at, nl.id, nl.title
		from page p left join next nl on nl.course_id = p.course_id
		order by p.created_at desc, p.id desc`, args...)
	if err != nil {
		return nil, fmt.Errorf("my enrollments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*MyEnrollment, error) {
		var m MyEnrollment
		var nlID, nlTitle *string
		err := r.Scan(&m.ID, &m.Course.ID, &m.Course.Title, &m.Course.Summary, &m.Status, &m.Source, &m.Progress,
			&m.DueAt, &m.EnrolledAt, &m.CompletedAt, &nlID, &nlTitle)
		if nlID != nil {
			m.NextLesson = &NextLesson{ID: *nlID, Title: *nlTitle}
		}
		m.Overdue = isOverdue(m.Status, m.DueAt, now)
		return &m, err
	})
	if err != nil {
		return nil, fmt.Errorf("my enrollments: %w", err)
	}
	return out, nil
}
