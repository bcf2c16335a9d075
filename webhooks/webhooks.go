// Package webhooks lets admins register endpoints for events and delivers
// the events written to the outbox (webhook_deliveries) by triggers, signed
// with HMAC-SHA256 and retried with backoff through asynq.
package webhooks

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Handlers serves /api/v1/webhooks.
type Handlers struct {
	DB  database.Querier
	Log *slog.Logger
}

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{}

// Register mounts the routes.
func (h *Handlers) Register(r fiber.Router) {}
