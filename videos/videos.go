// Package videos owns uploads, videos and their encodes: the resumable
// upload protocol (upload_*.go), the video records learners and instructors
// read (video_*.go), and the job records of the pipeline runs the worker
// keeps up to date (encode_*.go). It is a top-level domain because courses,
// checkpoints and the ops console all point at videos, and the worker
// writes its records.
//
// Like every domain it has one Store (the *_store.go files hold its SQL,
// returning domain errors) and handlers per resource (*_handlers.go) that
// decode, validate, call the store and respond.
package videos

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

type ObjectStore interface {
	NewMultipart(ctx context.Context, key, contentType string) (string, error)
	PutPart(ctx context.Context, key, uploadID string, part int, r io.Reader, size int64, sha256Hex string) (string, error)
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []blob.Part) error
	AbortMultipart(ctx context.Context, key, uploadID string) error
	Stat(ctx context.Context, key string) (int64, error)
}

// Queue enqueues and cancels encodes.
type Queue interface {
	EnqueueEncode(ctx context.Context, videoID, encodeID string) error
	CancelEncode(ctx context.Context, encodeID string) error
}

// Settings are the knobs of the upload protocol and the URLs clients get.
type Settings struct {
	ChunkSize int64
	MaxSize   int64
	TTL       time.Duration
	// Media turns object keys into CDN URLs (signed for the caller).
	Media     *cdn.Signer
	PublicURL string
}

// Handlers serves uploads, videos and encodes.
type Handlers struct {
	Store *Store
	// DB is the tenant pool a streamed part opens its short transactions on
	// (other routes run in the request's tenant transaction).
	DB database.Querier
	// Watchable reports whether a learner may watch a video (it is a lesson
	// of a course they are enrolled in). Nil lets no learner watch.
	Watchable func(ctx context.Context, userID, videoID string) (bool, error)
	Blob      ObjectStore
	Queue     Queue
	Settings  Settings
	Log       *slog.Logger
	Clock     clock.Clock
}

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
}

// Register mounts the routes. Instructors upload (and see only their own
// uploads); admins, ops and instructors see the organization's videos and
// encodes; a learner sees a video only as a lesson of a course they are
// enrolled in. Re-encoding and cancelling are for the video's owner, admins
// and ops.
func (h *Handlers) Register(r fiber.Router) {
	uploader := auth.Require("videos", auth.Admin, auth.Instructor)
	staff := auth.Require("videos", auth.Admin, auth.Instructor, auth.Ops)
	r.Post("/uploads", uploader, h.createUpload)
	r.Get("/uploads/:id", uploader, h.getUpload)
	r.Put("/uploads/:id/parts/:n", uploader, h.putPart)
	r.Post("/uploads/:id/complete", uploader, h.completeUpload)
	r.Delete("/uploads/:id", uploader, h.abortUpload)
	r.Get("/videos", staff, h.listVideos)
	r.Get("/videos/:id", auth.Require("videos"), h.getVideo)
	r.Post("/videos/:id/encodes", staff, h.reencode)
	r.Get("/encodes/:id", staff, h.getEncode)
	r.Post("/encodes/:id/cancel", staff, h.cancelEncode)
}

// mine reports whether p may change what ownerID owns: admins and ops may
// change any, an instructor only their own.
func mine(p *auth.Principal, ownerID *string) bool {
	return p.Has(auth.Admin, auth.Ops) || (ownerID != nil && *ownerID == p.UserID)
}

// Store reads and writes the videos tables.
type Store struct {
	db database.Querier
}

// NewStore returns a store over db.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

// q is the transaction the context carries (a request's tenant
// transaction), else the store's pool.
func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }
