// Package courses owns courses, modules, lessons, prerequisites,
// co-instructors, the catalog, enrollments (one, bulk, by rule) and
// learners' progress.
package courses

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Handlers serves /api/v1 course and enrollment routes.
type Handlers struct {
	// DB is the tenant pool; handlers run inside the request's tenant
	// transaction (database.Q(ctx, DB)).
	DB        database.Querier
	Log       *slog.Logger
	PublicURL string
	CDNURL    string
	// Media signs CDN URLs (nil: plain CDNURL + key).
	Media *cdn.Signer
	Now   func() time.Time
}

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{}

// Register mounts the routes: courses, their outline and progress
// (course_handlers.go), enrollments and rules (enrollment_handlers.go).
func (h *Handlers) Register(r fiber.Router) {
	h.registerCourses(r)
	h.registerEnrollments(r)
}
