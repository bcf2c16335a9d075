package courses

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Instructor is a row of a course's teaching staff.
type Instructor struct {
	ID      string    `json:"id" db:"id"`
	Name    string    `json:"name" db:"name"`
	Email   string    `json:"email" db:"email"`
	Role    string    `json:"role" db:"role"`
	AddedAt time.Time `json:"added_at" db:"added_at"`
}

// Instructors lists a course's staff, its owner first.
func (s *Store) Instructors(ctx context.Context, courseID string) ([]Instructor, error) {
	rows, _ := s.q(ctx).Query(ctx, `select u.id::text as id, u.name, u.email, ci.role, ci.added_at
		from course_instructors ci join users u on u.id = ci.user_id
		where ci.course_id = $1 order by ci.role = 'owner' desc, ci.added_at, u.id`, courseID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Instructor])
	if err != nil {
		return nil, fmt.Errorf("list instructors of %s: %w", courseID, err)
	}
	return out, nil
}

// Candidate is a user of the organization as a would-be co-instructor.
type Candidate struct {
	Roles  []string
	Active bool
}

// Candidate reads the roles and state of a user of the organization
// (ErrNotFound when there is none).
func (s *Store) Candidate(ctx context.Context, userID string) (*Candidate, error) {
	var c Candidate
	err := s.q(ctx).QueryRow(ctx, `select roles, active from users where id = $1`, userID).Scan(&c.Roles, &c.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", userID, err)
	}
	return &c, nil
}

// AddInstructor makes a user a co-instructor; it reports false when they
// already teach the course.
func (s *Store) AddInstructor(ctx context.Context, courseID, userID string) (bool, error) {
	tag, err := s.q(ctx).Exec(ctx, `insert into course_instructors (course_id, user_id, role) values ($1, $2, 'co')
		on conflict (course_id, user_id) do nothing`, courseID, userID)
	if err != nil {
		return false, fmt.Errorf("add instructor: %w", err)
	}
	return tag.RowsAffected() == 1, s.changed(ctx)
}

// RemoveInstructor takes a co-instructor off a course. The owner cannot be
// removed (ErrConflict).
func (s *Store) RemoveInstructor(ctx context.Context, courseID, userID string) error {
	var role string
	err := s.q(ctx).QueryRow(ctx, `delete from course_instructors where course_id = $1 and user_id = $2 and role <> 'owner'
		returning role`, courseID, userID).Scan(&role)
	if !errors.Is(err, pgx.ErrNoRows) {
		if err != nil {
			return fmt.Errorf("remove instructor %s: %w", userID, err)
		}
		return s.changed(ctx)
	}
	var owner bool
	if err := s.q(ctx).QueryRow(ctx, `select exists (select 1 from course_instructors where course_id = $1 and user_id = $2)`,
		courseID, userID).Scan(&owner); err != nil {
		return fmt.Errorf("remove instructor %s: %w", userID, err)
	}
	if owner {
		return fmt.Errorf("user %s owns the course and cannot be removed from it: %w", userID, ErrConflict)
	}
	return fmt.Errorf("instructor %s: %w", userID, ErrNotFound)
}
