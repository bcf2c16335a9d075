package courses

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrLocked   = errors.New("locked")
)

func init() {
	Errors = append(Errors,
		httpapp.Mapping{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
		httpapp.Mapping{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
		httpapp.Mapping{Err: ErrLocked, Status: fiber.StatusLocked, Code: "locked"},
	)
}

// Relation is what the caller is to a course.
type Relation struct {
	CourseID string
	Status   string // draft, published, archived
	Teaches  bool   // owner or co-instructor
	Owner    bool
	Admin    bool
	// Enrollment is the caller's enrollment status, "" when not enrolled.
	Enrollment string
}

// CanEdit reports whether the caller may change the course.
func (r *Relation) CanEdit() bool { return r.Admin || r.Teaches }

// CanSee reports whether the caller may see the course at all: staff of
// the course always; others once it is published, or (archived) while they
// are enrolled.
func (r *Relation) CanSee() bool {
	return r.CanEdit() || r.Status == "published" || (r.Status == "archived" && r.Enrollment != "")
}

// relation loads the caller's relation to a course in the request's tenant
// transaction. A course of another organization is invisible (row-level
// security), so it is ErrNotFound like a missing one; so is a course the
// caller may not see.
func (h *Handlers) relation(ctx context.Context, courseID string) (*Relation, error) {
	if _, err := uuid.Parse(courseID); err != nil {
		return nil, fmt.Errorf("course %q: %w", courseID, ErrNotFound)
	}
	p := auth.From(ctx)
	r := &Relation{CourseID: courseID, Admin: p.Has(auth.Admin)}
	var role, enr *string
	err := database.Q(ctx, h.DB).QueryRow(ctx, `select c.status,
			(select role from course_instructors ci where ci.course_id = c.id and ci.user_id = $2),
			(select status from enrollments e where e.course_id = c.id and e.user_id = $2)
		from courses c where c.id = $1`, courseID, p.UserID).Scan(&r.Status, &role, &enr)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("course %s: %w", courseID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	r.Teaches = role != nil
	r.Owner = role != nil && *role == "owner"
	if enr != nil {
		r.Enrollment = *enr
	}
	if !r.CanSee() {
		return nil, fmt.Errorf("course %s: %w", courseID, ErrNotFound)
	}
	return r, nil
}

// editable is relation for a change: 403 when the caller may see the course
// but not change it.
func (h *Handlers) editable(ctx context.Context, courseID string) (*Relation, error) {
	r, err := h.relation(ctx, courseID)
	if err != nil {
		return nil, err
	}
	if !r.CanEdit() {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may change it")
	}
	return r, nil
}
