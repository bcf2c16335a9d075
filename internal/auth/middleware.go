package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// CookieName is the browser session cookie.
const CookieName = "lectern_session"

// Authenticator resolves the credential of a request. DB must be a
// system-scope pool: the organization is not known until the token is.
type Authenticator struct {
	DB database.Querier
}

var errUnauthenticated = httpapp.Errorf(fiber.StatusUnauthorized, "unauthenticated",
	"sign in, or send Authorization: Bearer <token>")

// Resolve returns the principal for a presented secret, or an error when
// the secret is unknown, revoked, expired or its user is deactivated.
func (a *Authenticator) Resolve(ctx context.Context, secret string) (*Principal, error) {
	var p Principal
	var lastUsed *time.Time
	err := a.DB.QueryRow(ctx, `select t.id, t.org_id, t.user_id, t.kind, t.scopes, t.last_used_at, u.email, u.name, u.roles
		from tokens t join users u on u.id = t.user_id
		where t.hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()) and u.active`,
		HashSecret(secret)).Scan(&p.TokenID, &p.OrgID, &p.UserID, &p.Kind, &p.Scopes, &lastUsed, &p.Email, &p.Name, &p.Roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, httpapp.Errorf(fiber.StatusUnauthorized, "invalid_token", "the token is unknown, revoked or expired, or its user is deactivated")
	}
	if err != nil {
		return nil, err
	}
	// last_used_at is informative: write it at most once a minute per token.
	if lastUsed == nil || time.Since(*lastUsed) > time.Minute {
		_, _ = a.DB.Exec(ctx, `update tokens set last_used_at = now() where id = $1`, p.TokenID)
	}
	return &p, nil
}

// Secret returns the credential a request presents: the bearer token, else
// the session cookie.
func Secret(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if after, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(after)
		}
		return h // a malformed header is still a presented (and then rejected) credential
	}
	return c.Cookies(CookieName)
}

// Middleware attaches the principal of a presented credential to the
// request. No credential leaves the request anonymous (routes that need one
// say so with Require); a bad credential is a 401 at once.
func (a *Authenticator) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		secret := Secret(c)
		if secret == "" {
			return c.Next()
		}
		p, err := a.Resolve(c.UserContext(), secret)
		if err != nil {
			if c.Get(fiber.HeaderAuthorization) == "" {
				// A stale browser cookie: forget it and carry on anonymously,
				// so that the sign-in page still loads.
				c.ClearCookie(CookieName)
				return c.Next()
			}
			return err
		}
		c.Locals("principal", p)
		c.SetUserContext(WithPrincipal(c.UserContext(), p))
		return c.Next()
	}
}

// Require answers 401 to an anonymous call, 403 when the caller holds none
// of roles (any role will do when none are listed), and 403 when an API
// token lacks the scope for resource ("courses" → courses:read on GET and
// HEAD, courses:write otherwise). An empty resource checks no scope.
func Require(resource string, roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := From(c.UserContext())
		if p == nil {
			return errUnauthenticated
		}
		if len(roles) > 0 && !p.Has(roles...) {
			return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "this needs the role %s", strings.Join(roles, " or "))
		}
		if resource != "" {
			scope := resource + ":write"
			if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
				scope = resource + ":read"
			}
			if !p.Allows(scope) {
				return httpapp.Errorf(fiber.StatusForbidden, "insufficient_scope", "this token lacks the scope %s", scope)
			}
		}
		return c.Next()
	}
}

// Tenant runs the rest of the request in one transaction confined by
// row-level security to the caller's organization (database.InOrg). The
// transaction commits when the handler succeeds with a status below 400 and
// rolls back otherwise, so a failed request writes nothing. Anonymous
// requests and those skip selects pass through without one (a streamed
// upload part opens short transactions of its own).
func Tenant(pool database.Querier, skip func(*fiber.Ctx) bool) fiber.Handler {
	errRollback := errors.New("rollback")
	return func(c *fiber.Ctx) error {
		p := From(c.UserContext())
		if p == nil || (skip != nil && skip(c)) {
			return c.Next()
		}
		base := c.UserContext()
		var herr error
		err := database.InOrg(base, pool, p.OrgID, func(ctx context.Context, tx pgx.Tx) error {
			c.SetUserContext(ctx)
			herr = c.Next()
			c.SetUserContext(base)
			if herr != nil || c.Response().StatusCode() >= 400 {
				return errRollback
			}
			return nil
		})
		if herr != nil {
			return herr
		}
		if err != nil && !errors.Is(err, errRollback) {
			return err
		}
		return nil
	}
}
