// Package identity owns organizations, users, roles, groups, sessions and
// personal API tokens, and the provisioning API an HR system syncs through.
package identity

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Handlers serves /api/v1 identity routes.
type Handlers struct {
	// DB is the tenant pool; handlers run inside the request's tenant
	// transaction (database.Q(ctx, DB)).
	DB database.Querier
	// System is the system-scope pool, for what precedes knowing the
	// organization (sign-in).
	System       database.Querier
	Auth         *auth.Authenticator
	Log          *slog.Logger
	SessionTTL   time.Duration
	SecureCookie bool
	Now          func() time.Time
}

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{}

// Register mounts the routes.
func (h *Handlers) Register(r fiber.Router) {}
