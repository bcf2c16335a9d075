// Package identity owns organizations, users, roles, groups, sessions and
// personal API tokens, and the provisioning API an HR system syncs through.
//
// Like every domain it has one Store (the *_store.go files hold its SQL,
// returning domain errors) and handlers per resource (*_handlers.go) that
// decode, validate, call the store and respond.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

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
	// ErrEmailTaken and the others name the unique field a write collided on.
	ErrEmailTaken      = errors.New("email: another user has it")
	ErrExternalIDTaken = errors.New("external_id: another user has it")
	ErrGroupNameTaken  = errors.New("name: another group has it")
	ErrSlugTaken       = errors.New("slug: another organization has it")
	// ErrRaced is a provisioning request that lost a race with another
	// writer of the same users; sending it again is safe.
	ErrRaced = errors.New("users were added while this request ran; send it again")
)

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrEmailTaken, Status: fiber.StatusConflict, Code: "conflict", Field: "email"},
	{Err: ErrExternalIDTaken, Status: fiber.StatusConflict, Code: "conflict", Field: "external_id"},
	{Err: ErrGroupNameTaken, Status: fiber.StatusConflict, Code: "conflict", Field: "name"},
	{Err: ErrSlugTaken, Status: fiber.StatusConflict, Code: "conflict", Field: "slug"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
	{Err: ErrRaced, Status: fiber.StatusConflict, Code: "conflict"},
}

// Membership is one user in one group.
type Membership struct {
	GroupID string
	UserID  string
}

// GroupJoins is told, in the transaction that added them, of the users who
// joined groups (by any path: an admin, a provisioning sync), so that what
// follows from membership happens with it: the enrollments domain enrolls
// them by the groups' rules.
type GroupJoins interface {
	Joined(ctx context.Context, joins []Membership) error
}

// Handlers serves /api/v1 identity routes.
type Handlers struct {
	Store        *Store
	Log          *slog.Logger
	SessionTTL   time.Duration
	SecureCookie bool
	Clock        clock.Clock
	// SignInGuard, when set, is asked before a password is checked, with
	// the client address and the account (normalised email): it refuses
	// (429) an address or an account past its budget of attempts, whatever
	// credential the request presents, against password guessing.
	SignInGuard func(c *fiber.Ctx, address, account string) error
}

// Register mounts the routes. Sign-in is anonymous; /me, /me/tokens and
// /organization are for anyone signed in; users and groups are for admins
// (a user may read their own record), with the "users" token scope.
func (h *Handlers) Register(r fiber.Router) {
	anyone := auth.Require("")
	admin := auth.Require("users", auth.Admin)
	r.Post("/sessions", h.signIn)
	r.Delete("/sessions/current", anyone, h.signOut)
	r.Get("/me", anyone, h.me)
	r.Get("/me/tokens", anyone, h.listTokens)
	r.Post("/me/tokens", anyone, h.createToken)
	r.Delete("/me/tokens/:id", anyone, h.deleteToken)
	r.Get("/organization", anyone, h.organization)

	r.Get("/users", admin, h.listUsers)
	r.Post("/users", admin, h.createUser)
	r.Post("/users/bulk", admin, h.bulk)
	r.Get("/users/:id", auth.Require("users"), h.getUser)
	r.Patch("/users/:id", admin, h.patchUser)

	r.Get("/groups", admin, h.listGroups)
	r.Post("/groups", admin, h.createGroup)
	r.Get("/groups/:id", admin, h.getGroup)
	r.Patch("/groups/:id", admin, h.patchGroup)
	r.Delete("/groups/:id", admin, h.deleteGroup)
	r.Get("/groups/:id/members", admin, h.listMembers)
	r.Post("/groups/:id/members", admin, h.addMembers)
	r.Delete("/groups/:id/members/:user_id", admin, h.removeMember)
}

// Store reads and writes the identity tables. Its tenant queries run in the
// transaction the context carries (the request's, confined by row-level
// security to the caller's organization); what precedes knowing the
// organization (sign-in, the CLI's administration, the bootstrap token)
// runs on the system pool.
type Store struct {
	tenant database.Querier
	system database.Querier
	// Joins, when set, hears of every user who joined a group.
	Joins GroupJoins
	// Changes, when set, is told of every change to a user or a token, in
	// its transaction, so that no process keeps authenticating what it no
	// longer should.
	Changes *changes.Bus
}

// NewStore returns a store over the tenant pool and the system pool; tenant
// may be nil for system work only (the CLI).
func NewStore(tenant, system database.Querier) *Store {
	return &Store{tenant: tenant, system: system}
}

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.tenant) }

// changed announces a change of credentials (auth.Topic): "t:<token>",
// "u:<user>", or "" for the whole organization.
func (s *Store) changed(ctx context.Context, key string) error {
	return s.Changes.Publish(ctx, s.q(ctx), changes.Change{Topic: auth.Topic, Key: key})
}

// joined passes new memberships on to Joins.
func (s *Store) joined(ctx context.Context, joins []Membership) error {
	if s.Joins == nil || len(joins) == 0 {
		return nil
	}
	return s.Joins.Joined(ctx, joins)
}

// taken maps a unique violation on users, groups or organizations to the
// error naming the field; other errors pass through.
func taken(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return err
	}
	switch c := pe.ConstraintName; {
	case strings.Contains(c, "external_id"):
		return ErrExternalIDTaken
	case strings.Contains(c, "email"):
		return ErrEmailTaken
	case strings.Contains(c, "name"):
		return ErrGroupNameTaken
	case strings.Contains(c, "slug"):
		return ErrSlugTaken
	}
	return err
}

// checkRoles validates and normalises roles: at least one, no unknown one,
// in the order of auth.AllRoles.
func checkRoles(roles []string) ([]string, string) {
	if len(roles) == 0 {
		return nil, "must name at least one role"
	}
	for _, r := range roles {
		if !auth.ValidRole(strings.TrimSpace(r)) {
			return nil, fmt.Sprintf("%q is not a role (one of %s)", r, strings.Join(auth.AllRoles, ", "))
		}
	}
	var out []string
	for _, r := range auth.AllRoles {
		if slices.ContainsFunc(roles, func(s string) bool { return strings.TrimSpace(s) == r }) {
			out = append(out, r)
		}
	}
	return out, ""
}

func checkPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	if n < 10 || n > 200 {
		return "must be from 10 to 200 characters"
	}
	return ""
}

// newPasswordHash checks and hashes a password given in a request; nil
// when none was given.
func newPasswordHash(pw *string) (*string, error) {
	if pw == nil {
		return nil, nil
	}
	if bad := checkPassword(*pw); bad != "" {
		return nil, httpapp.Invalid("password", "%s", bad)
	}
	h, err := auth.HashPassword(*pw)
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// reason is the text of a field error without its "field: " prefix, for
// the per-row reports of bulk requests.
func reason(err error) string {
	var he *httpapp.Error
	if errors.As(err, &he) {
		return strings.TrimPrefix(he.Message, he.Field+": ")
	}
	return err.Error()
}
