package auth

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// CookieName is the browser session cookie.
const CookieName = "lectern_session"

// Topic is the changes topic of credentials: a change keyed "t:<token id>"
// (a revoked token or session), "u:<user id>" (a user changed: roles,
// name, deactivation) or "" (the whole organization) ends what the
// Authenticators of every process hold for it.
const Topic = "auth"

// Authenticator resolves the credential of a request. DB must be a
// system-scope pool: the organization is not known until the token is.
//
// With Changes set, it keeps the principals it resolved in memory (for at
// most CacheTTL, never past a token's expiry), so a known credential costs
// no database round trip; every change to a token or user, in any process,
// ends the entries it concerns at once, and while Changes cannot hear of
// changes nothing is answered from memory. Credentials that resolve to
// nothing are counted per client address (Failures): an address past its
// budget is refused before the look-up.
type Authenticator struct {
	DB      database.Querier
	Changes *changes.Bus
	// CacheTTL bounds how long a principal is kept (5 min by default).
	CacheTTL time.Duration
	// Failures, when set, limits the failed look-ups of each address.
	Failures Budget
	Clock    clock.Clock

	once    sync.Once
	mu      sync.Mutex
	gen     uint64
	entries map[string]*entry
}

// Budget is a per-key allowance (ratelimit.Local).
type Budget interface {
	Exhausted(key string) (bool, time.Duration)
	Spend(key string)
}

// entry is a resolved credential held in memory.
type entry struct {
	p        *Principal
	expires  *time.Time
	fetched  time.Time
	lastUsed time.Time // last written to the database
}

var errUnauthenticated = httpapp.Errorf(fiber.StatusUnauthorized, "unauthenticated",
	"sign in, or send Authorization: Bearer <token>")

var errInvalidToken = httpapp.Errorf(fiber.StatusUnauthorized, "invalid_token", "the token is unknown, revoked or expired, or its user is deactivated")

func (a *Authenticator) init() {
	a.once.Do(func() {
		a.entries = map[string]*entry{}
		if a.CacheTTL <= 0 {
			a.CacheTTL = 5 * time.Minute
		}
		if a.Changes != nil {
			a.Changes.Subscribe(a.forget)
		}
	})
}

// forget ends the entries a change concerns.
func (a *Authenticator) forget(c changes.Change) {
	if c.Topic != Topic && c.Topic != "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	kind, id, _ := strings.Cut(c.Key, ":")
	for k, e := range a.entries {
		switch {
		case c.Topic == "",
			c.Key == "" && e.p.OrgID == c.Org,
			kind == "t" && e.p.TokenID == id,
			kind == "u" && e.p.UserID == id:
			delete(a.entries, k)
		}
	}
}

// Resolve returns the principal for a presented secret, or an error when
// the secret is unknown, revoked, expired or its user is deactivated.
func (a *Authenticator) Resolve(ctx context.Context, secret string) (*Principal, error) {
	return a.resolve(ctx, secret, nil)
}

// resolve is Resolve; before a database look-up it asks gate, when set.
func (a *Authenticator) resolve(ctx context.Context, secret string, gate func() error) (*Principal, error) {
	a.init()
	key := string(HashSecret(secret))
	now := a.Clock.Now()
	cached := a.Changes.Healthy()
	var gen uint64
	if cached {
		a.mu.Lock()
		e := a.entries[key]
		if e != nil && now.Sub(e.fetched) < a.CacheTTL && (e.expires == nil || e.expires.After(now)) {
			p, touch := e.p, now.Sub(e.lastUsed) > time.Minute
			if touch {
				e.lastUsed = now
			}
			a.mu.Unlock()
			if touch {
				a.touch(p.TokenID)
			}
			return p, nil
		}
		gen = a.gen
		a.mu.Unlock()
	}
	if gate != nil {
		if err := gate(); err != nil {
			return nil, err
		}
	}
	var p Principal
	var lastUsed, expires *time.Time
	err := a.DB.QueryRow(ctx, `select t.id, t.org_id, t.user_id, t.kind, t.scopes, t.last_used_at, t.expires_at, u.email, u.name, u.roles
		from tokens t join users u on u.id = t.user_id
		where t.hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()) and u.active`,
		[]byte(key)).Scan(&p.TokenID, &p.OrgID, &p.UserID, &p.Kind, &p.Scopes, &lastUsed, &expires, &p.Email, &p.Name, &p.Roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errInvalidToken
	}
	if err != nil {
		return nil, err
	}
	// last_used_at is informative: write it at most once a minute per token.
	written := now
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		a.touch(p.TokenID)
	} else {
		written = *lastUsed
	}
	if cached {
		a.mu.Lock()
		// A change heard while the look-up ran may concern it: keep it only
		// if none was.
		if a.gen == gen {
			a.entries[key] = &entry{p: &p, expires: expires, fetched: now, lastUsed: written}
			if len(a.entries) > 100_000 {
				a.sweep(now)
			}
		}
		a.mu.Unlock()
	}
	return &p, nil
}

// sweep drops stale entries (a.mu held); when every entry is fresh, it
// drops them all rather than grow without bound.
func (a *Authenticator) sweep(now time.Time) {
	for k, e := range a.entries {
		if now.Sub(e.fetched) >= a.CacheTTL || (e.expires != nil && !e.expires.After(now)) {
			delete(a.entries, k)
		}
	}
	if len(a.entries) > 100_000 {
		a.entries = map[string]*entry{}
	}
}

// touch records, without making the request wait, that a token was used.
func (a *Authenticator) touch(tokenID string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = a.DB.Exec(ctx, `update tokens set last_used_at = now() where id = $1`, tokenID)
	}()
}

// Secret returns the credential a request presents: the bearer token, else
// the session cookie.
func Secret(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if after, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(after)
		}
		if strings.HasPrefix(h, "Basic ") {
			return "" // HTTP Basic is an xAPI credential: the LRS resolves it (xapi)
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
		ip := c.IP()
		var gate func() error
		if a.Failures != nil {
			// An address that presented too many credentials that resolve
			// to nothing costs no more look-ups for a while (what is held in
			// memory still answers).
			gate = func() error {
				if out, wait := a.Failures.Exhausted(ip); out {
					c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
					return httpapp.Errorf(fiber.StatusTooManyRequests, "rate_limited",
						"too many unknown or revoked credentials from this address; retry after %s", wait.Round(time.Millisecond))
				}
				return nil
			}
		}
		p, err := a.resolve(c.UserContext(), secret, gate)
		if err != nil {
			if a.Failures != nil && errors.Is(err, errInvalidToken) {
				a.Failures.Spend(strings.Clone(ip))
			}
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
// rolls back otherwise, so a failed request writes nothing. A GET or HEAD
// writes nothing and takes no transaction: each of its queries runs
// confined to the organization on its own (database.ReadInOrg). Anonymous
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
		if m := c.Method(); m == fiber.MethodGet || m == fiber.MethodHead {
			// A read writes nothing: no transaction, one round trip a query.
			ctx, err := database.ReadInOrg(base, pool, p.OrgID)
			if err != nil {
				return err
			}
			c.SetUserContext(ctx)
			defer c.SetUserContext(base)
			return c.Next()
		}
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
