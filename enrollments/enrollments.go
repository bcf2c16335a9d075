// Package enrollments owns what learners do with courses: enrollments (one,
// bulk, by group rule), their progress through the lessons, "my learning",
// and whether a learner may watch a video. It builds on the courses domain
// (who the caller is to a course, its outline), never the reverse, and
// reports what happens (enrollment.created, lesson.completed,
// course.completed) to the event log in the transaction of the change.
//
// Like every domain it has one Store (the *_store.go files hold its SQL,
// returning domain errors) and handlers per resource (*_handlers.go) that
// decode, validate, call the store and respond.
package enrollments

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
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

// Courses is what this domain reads of courses.
type Courses interface {
	// Relation is who p is to a course (ErrNotFound when p may not see it).
	Relation(ctx context.Context, courseID string, p *auth.Principal) (*courses.Relation, error)
	// Outline is a course's modules and lessons in order.
	Outline(ctx context.Context, courseID string, full bool) ([]*courses.Module, error)
}

// Handlers serves /api/v1 enrollment and progress routes.
type Handlers struct {
	Store   *Store
	Courses Courses
	Log     *slog.Logger
	Clock   clock.Clock
	// Learning, when set, keeps "my learning" pages.
	Learning *LearningCache
}

// Register mounts one learner's enrollment (self or by staff), a course's
// enrollee list, bulk enrollment, "my learning", progress and the group
// enrollment rules. Ops never see enrollments nor progress.
func (h *Handlers) Register(r fiber.Router) {
	member := auth.Require("enrollments", auth.Admin, auth.Instructor, auth.Learner)
	admin := auth.Require("enrollments", auth.Admin)
	learner := auth.Require("courses", auth.Admin, auth.Instructor, auth.Learner)
	r.Get("/me/enrollments", auth.Require("enrollments"), h.myEnrollments)
	r.Post("/courses/:id/enrollments/bulk", member, h.enrollBulk)
	r.Get("/courses/:id/enrollments", member, h.enrollList)
	r.Post("/courses/:id/enrollments", member, h.enrollCreate)
	r.Get("/courses/:id/enrollments/:user_id", member, h.enrollGet)
	r.Patch("/courses/:id/enrollments/:user_id", member, h.enrollPatch)
	r.Delete("/courses/:id/enrollments/:user_id", member, h.enrollDelete)
	r.Get("/courses/:id/progress", learner, h.getProgress)
	r.Post("/courses/:id/lessons/:lesson_id/progress", learner, h.postProgress)
	r.Get("/enrollment-rules", admin, h.ruleList)
	r.Post("/enrollment-rules", admin, h.ruleCreate)
	r.Delete("/enrollment-rules/:id", admin, h.ruleDelete)
}

// relation is who the caller is to the course the path's :id names.
func (h *Handlers) relation(c *fiber.Ctx) (*courses.Relation, error) {
	ctx := c.UserContext()
	return h.Courses.Relation(ctx, c.Params("id"), auth.From(ctx))
}

// staffOnly answers 403 to a caller who may see the course but is not its
// staff.
func staffOnly(rel *courses.Relation) error {
	if !rel.CanEdit() {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may manage its enrollments")
	}
	return nil
}

// Store reads and writes enrollments, lesson progress and enrollment rules.
// Its queries run in the transaction the context carries: the request's,
// which row-level security confines to the caller's organization.
type Store struct {
	db database.Querier
	// Changes, when set, is told of every change to a learner's
	// enrollments or progress, in its transaction (LearningCache hears it).
	Changes *changes.Bus
}

// Topic is the changes topic of learning: a change keyed "u:<user>" (one
// learner's enrollments or progress) or "" (many of the organization's).
const Topic = "learning"

// changed announces a change to the learning of userID ("" for many
// learners of the transaction's organization).
func (s *Store) changed(ctx context.Context, userID string) error {
	key := ""
	if userID != "" {
		key = "u:" + userID
	}
	return s.Changes.Publish(ctx, s.q(ctx), changes.Change{Topic: Topic, Key: key})
}

// NewStore returns a store over the tenant pool.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

// isOverdue reports an active enrollment past its due date.
func isOverdue(status string, due *time.Time, now time.Time) bool {
	return status == "active" && due != nil && due.Before(now)
}
