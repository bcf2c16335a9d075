// Package courses owns authoring: courses, modules, lessons, their
// prerequisites, co-instructors and the catalog. What learners do with a
// course (enrollments, progress, "my learning") is the enrollments domain,
// which builds on this one; this package never imports it and reads what
// it needs of learners through the Learners interface.
//
// Like every domain it has one Store (the *_store.go files hold its SQL,
// returning domain errors) and handlers per resource (*_handlers.go) that
// decode, validate, call the store and respond.
package courses

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrLocked   = errors.New("locked")
)

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
	{Err: ErrLocked, Status: fiber.StatusLocked, Code: "locked"},
}

// Learners is what authoring needs to know of a course's learners; the
// enrollments domain provides it.
type Learners interface {
	// HasEnrollments reports whether anyone was ever enrolled in the course.
	HasEnrollments(ctx context.Context, courseID string) (bool, error)
	// LessonStatuses maps a learner's started or completed lessons of the
	// course to in_progress or completed.
	LessonStatuses(ctx context.Context, courseID, userID string) (map[string]string, error)
	// OutlineChanged brings what learners' progress stores up to date after
	// lessons were added or removed.
	OutlineChanged(ctx context.Context, courseID string) error
}

// Handlers serves /api/v1 course routes.
type Handlers struct {
	Store    *Store
	Learners Learners
	Log      *slog.Logger
	// PublicURL is the API as browsers see it (a lesson video's player link).
	PublicURL string
	// Media turns object keys into CDN URLs (signed for the caller).
	Media *cdn.Signer
	// Catalog, when set, keeps the catalog's pages.
	Catalog *CatalogCache
}

// Register mounts courses, their outline and staff. Route guards check the
// role and token scope; who the caller is to the course (Relation) decides
// the rest: 404 when they may not see it, 403 when they may see but not
// change it.
func (h *Handlers) Register(r fiber.Router) {
	member := auth.Require("courses")
	author := auth.Require("courses", auth.Admin, auth.Instructor)
	r.Get("/catalog", member, h.getCatalog)
	r.Get("/courses", author, h.getCourses)
	r.Post("/courses", author, h.createCourse)
	r.Get("/courses/:id", member, h.getCourse)
	r.Patch("/courses/:id", member, h.patchCourse)
	r.Delete("/courses/:id", member, h.deleteCourse)
	r.Put("/courses/:id/outline", member, h.putOutline)
	r.Post("/courses/:id/modules", member, h.createModule)
	r.Patch("/courses/:id/modules/:module_id", member, h.patchModule)
	r.Delete("/courses/:id/modules/:module_id", member, h.deleteModule)
	r.Post("/courses/:id/lessons", member, h.createLesson)
	r.Patch("/courses/:id/lessons/:lesson_id", member, h.patchLesson)
	r.Delete("/courses/:id/lessons/:lesson_id", member, h.deleteLesson)
	r.Get("/courses/:id/instructors", member, h.getInstructors)
	r.Post("/courses/:id/instructors", member, h.addInstructor)
	r.Delete("/courses/:id/instructors/:user_id", member, h.removeInstructor)
}

// Store reads and writes the authoring tables. Its queries run in the
// transaction the context carries: the request's, which row-level security
// confines to the caller's organization.
type Store struct {
	db database.Querier
	// Changes, when set, is told of every change to what readers of courses
	// may keep (a course, its lessons and their order, its instructors), in
	// its transaction.
	Changes *changes.Bus
}

// NewStore returns a store over the tenant pool.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

// Topic is the changes topic of courses: a change (by organization) to a
// course, its outline or its staff, which whoever keeps what courses show
// (the catalog, "my learning") hears.
const Topic = "courses"

// changed announces that a course of the transaction's organization, its
// outline or its staff changed.
func (s *Store) changed(ctx context.Context) error {
	return s.Changes.Publish(ctx, s.q(ctx), changes.Change{Topic: Topic})
}

// relation is Store.Relation for the caller of a request whose :id names
// the course.
func (h *Handlers) relation(c *fiber.Ctx) (*Relation, error) {
	ctx := c.UserContext()
	return h.Store.Relation(ctx, c.Params("id"), auth.From(ctx))
}

// editable is relation for a change: 403 when the caller may see the course
// but not change it.
func (h *Handlers) editable(c *fiber.Ctx) (*Relation, error) {
	r, err := h.relation(c)
	if err != nil {
		return nil, err
	}
	if !r.CanEdit() {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may change it")
	}
	return r, nil
}

// media is the CDN URL of an object key (nil for none).
func (h *Handlers) media(key *string) *string {
	if key == nil || *key == "" {
		return nil
	}
	s := h.Media.URL(*key)
	return &s
}
