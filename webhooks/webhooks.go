// Package webhooks lets admins register endpoints for events and delivers
// the events of the event log (internal/events) to them, signed with
// HMAC-SHA256 and retried with backoff through asynq.
//
// The API side (webhook_handlers.go, webhook_store.go) manages endpoints
// and shows the delivery log. The worker side (dispatch.go, sender.go) fans
// new events out into deliveries, moves pending deliveries into asynq and
// sends them.
package webhooks

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// Events an endpoint may subscribe to.
var Events = []string{"video.ready", "enrollment.created", "lesson.completed", "course.completed"}

// EventPing is the event of a test delivery (POST /webhooks/{id}/ping).
const EventPing = "ping"

// ErrNotFound is a webhook that does not exist or belongs to another
// organization.
var ErrNotFound = errors.New("not found")

// ErrInactive is a ping of a deactivated endpoint.
var ErrInactive = errors.New("the webhook is inactive: activate it first")

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrInactive, Status: fiber.StatusConflict, Code: "webhook_inactive"},
}

// Handlers serves /api/v1/webhooks.
type Handlers struct {
	Store *Store
	Log   *slog.Logger
}

// Register mounts the routes, all for admins (token scope webhooks).
func (h *Handlers) Register(r fiber.Router) {
	admin := auth.Require("webhooks", auth.Admin)
	r.Get("/webhooks", admin, h.list)
	r.Post("/webhooks", admin, h.create)
	r.Get("/webhooks/:id", admin, h.get)
	r.Patch("/webhooks/:id", admin, h.update)
	r.Delete("/webhooks/:id", admin, h.delete)
	r.Get("/webhooks/:id/deliveries", admin, h.deliveries)
	r.Post("/webhooks/:id/ping", admin, h.ping)
}
