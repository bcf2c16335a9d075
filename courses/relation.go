package courses

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
)

// Relation is what the caller is to a course.
type Relation struct {
	CourseID string
	Status   string // draft, published, archived
	Teaches  bool   // owner or co-instructor
	Owner    bool
	Admin    bool
	// Enrollment is the caller's enrollment status, "" when not enrolled.
	Enrollment string
	// Learner reports whether the caller holds a role that learns (ops-only
	// users never see nor record progress).
	Learner bool
	// SelfEnroll is true when learners may enroll themselves (an open
	// course), false when staff enroll them (by invitation).
	SelfEnroll bool
}

// CanEdit reports whether the caller may change the course.
func (r *Relation) CanEdit() bool { return r.Admin || r.Teaches }

// CanSee reports whether the caller may see the course at all: staff of
// the course always; others once it is published, or (archived) while they
// are enrolled.
func (r *Relation) CanSee() bool {
	return r.CanEdit() || r.Status == "published" || (r.Status == "archived" && r.Enrollment != "")
}

// Enrolled reports whether the caller follows the course as a learner.
func (r *Relation) Enrolled() bool {
	return (r.Enrollment == "active" || r.Enrollment == Completed) && r.Learner
}

// Relation loads p's relation to a course in one query. A course of another
// organization is invisible (row-level security), so it is ErrNotFound like
// a missing one; so is a course p may not see. The caller's enrollment
// status is read here too (the enrollments domain writes it), to keep the
// check that runs on every course request one round trip.
func (s *Store) Relation(ctx context.Context, courseID string, p *auth.Principal) (*Relation, error) {
	id, err := uuid.Parse(courseID)
	if err != nil {
		return nil, fmt.Errorf("course %q: %w", courseID, ErrNotFound)
	}
	r := &Relation{CourseID: id.String(), Admin: p.Has(auth.Admin), Learner: p.Has(auth.Admin, auth.Instructor, auth.Learner)}
	var role, enr *string
	err = s.q(ctx).QueryRow(ctx, `select c.status, c.enrollment = 'open',
			(select role from course_instructors ci where ci.course_id = c.id and ci.user_id = $2),
			(select status from enrollments e where e.course_id = c.id and e.user_id = $2)
		from courses c where c.id = $1`, r.CourseID, p.UserID).Scan(&r.Status, &r.SelfEnroll, &role, &enr)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("course %s: %w", r.CourseID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("course %s: %w", r.CourseID, err)
	}
	r.Teaches = role != nil
	r.Owner = role != nil && *role == "owner"
	if enr != nil {
		r.Enrollment = *enr
	}
	if !r.CanSee() {
		return nil, fmt.Errorf("course %s: %w", r.CourseID, ErrNotFound)
	}
	return r, nil
}
