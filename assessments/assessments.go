// Package assessments owns what is asked of learners and what they may
// watch because of it: questions (six types, graded here and only here),
// checkpoints pinned to moments of a video lesson, quiz lessons (the same
// questions with attempts, a time limit, shuffling and a pass score;
// quiz_handlers.go), learners' attempts, each
// video lesson's policy (navigation, speed, completion threshold, mastery),
// what each learner has watched (derived from their xAPI Video Profile
// statements in the LRS, credited only as far as it is plausible) and the
// gating decision: how far a learner may watch, which the playback
// endpoint turns into per-learner manifests and CDN tokens that end at the
// next required checkpoint they have not passed.
//
// Answer keys never leave the server: a learner's views carry no
// correctness flags, answers are posted and graded here.
//
// It builds on courses (lessons, who the caller is to a course) and
// enrollments (progress, completion), and reads the LRS (xapi) for the
// statements it derives watching from; none of them imports it.
package assessments

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/cdn"
	clk "github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi"
)

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	// ErrNotReady: the lesson's video cannot be played yet.
	ErrNotReady = errors.New("not ready")
	// ErrNoAttempts: the learner has used every attempt of a checkpoint.
	ErrNoAttempts = errors.New("no attempts left")
	// ErrLocked: the checkpoint or lesson is not reachable yet.
	ErrLocked = errors.New("locked")
)

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrNotReady, Status: fiber.StatusConflict, Code: "not_ready"},
	{Err: ErrNoAttempts, Status: fiber.StatusConflict, Code: "no_attempts_left"},
	{Err: ErrLocked, Status: fiber.StatusLocked, Code: "locked"},
}

// Courses is what assessments reads of authoring (courses.Store).
type Courses interface {
	Relation(ctx context.Context, courseID string, p *auth.Principal) (*courses.Relation, error)
	Outline(ctx context.Context, courseID string, full bool) ([]*courses.Module, error)
}

// Progress is what assessments needs of learners' progress (enrollments).
type Progress interface {
	LessonStatuses(ctx context.Context, courseID, userID string) (map[string]string, error)
	// CompleteLesson completes a lesson for a learner (lesson.completed),
	// stores the course percentage and completes the enrollment at 100%.
	CompleteLesson(ctx context.Context, courseID, lessonID, userID string) error
	// Registration is the id of the learner's enrollment in the course,
	// the xAPI registration of everything they do in it.
	Registration(ctx context.Context, courseID, userID string) (string, error)
}

// Statements is what assessments reads of the LRS: a learner's statements
// about one activity stored after a seq, in stored order.
type Statements interface {
	LearnerStatements(ctx context.Context, learner map[string]any, activity string, afterSeq int64, limit int) ([]*xapi.StoredStatement, error)
}

// Objects reads published media (manifests) from the object store.
type Objects interface {
	Read(ctx context.Context, key string, max int64) ([]byte, error)
}

// Settings are the deployment's URLs and secrets.
type Settings struct {
	// PublicURL is the API as browsers see it (playback manifests, the
	// LRS endpoint, activity IRIs).
	PublicURL string
	// Secret signs playback tokens (a key derived from it).
	Secret string
	// Media signs CDN URLs: gated segment URLs for learners.
	Media *cdn.Signer
}

// Handlers serves the assessment routes.
type Handlers struct {
	// DB is the tenant pool: work outside a request's transaction (the
	// LRS's observer, a playback grant) opens its own.
	DB       database.Querier
	Store    *Store
	Courses  Courses
	Progress Progress
	LRS      Statements
	Objects  Objects
	Log      *slog.Logger
	Clock    clk.Clock
	Settings Settings

	manifests manifestCache
}

// Register mounts the checkpoint, policy, attempt and playback routes.
func (h *Handlers) Register(r fiber.Router) {
	member := auth.Require("courses")
	r.Get("/courses/:id/lessons/:lesson_id/checkpoints", member, h.listCheckpoints)
	r.Post("/courses/:id/lessons/:lesson_id/checkpoints", member, h.createCheckpoint)
	r.Patch("/courses/:id/lessons/:lesson_id/checkpoints/:checkpoint_id", member, h.patchCheckpoint)
	r.Delete("/courses/:id/lessons/:lesson_id/checkpoints/:checkpoint_id", member, h.deleteCheckpoint)
	r.Get("/courses/:id/lessons/:lesson_id/policy", member, h.getPolicy)
	r.Put("/courses/:id/lessons/:lesson_id/policy", member, h.putPolicy)
	r.Get("/courses/:id/lessons/:lesson_id/playback", member, h.getPlayback)
	r.Get("/courses/:id/lessons/:lesson_id/analytics", member, h.getAnalytics)
	r.Post("/checkpoints/:id/attempts", member, h.postAttempt)
	r.Get("/courses/:id/lessons/:lesson_id/quiz", member, h.getQuiz)
	r.Put("/courses/:id/lessons/:lesson_id/quiz", member, h.putQuiz)
	r.Post("/courses/:id/lessons/:lesson_id/quiz/attempts", member, h.startQuizAttempt)
	r.Get("/quiz-attempts/:id", member, h.getQuizAttempt)
	r.Put("/quiz-attempts/:id/answers", member, h.saveQuizAnswers)
	r.Post("/quiz-attempts/:id/submit", member, h.submitQuizAttempt)
}

// RegisterMedia mounts the per-learner manifests (/play/<token>/...): the
// token is the credential (a player's manifest requests carry no session
// on every platform), so they sit outside /api/v1's tenant transaction.
func (h *Handlers) RegisterMedia(app fiber.Router) {
	app.Get("/play/:token/*", h.getManifest)
}

// Store reads and writes the assessment tables, in the transaction the
// context carries.
type Store struct {
	db database.Querier
}

// NewStore returns a store over the tenant pool.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }
