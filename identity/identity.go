// Package identity owns organizations, users, roles, groups, sessions and
// personal API tokens, and the provisioning API an HR system syncs through.
package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

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
	// SignInLimit, when set, guards sign-in (a tighter budget per client
	// address than the API's, against password guessing).
	SignInLimit fiber.Handler
}

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
}

// Register mounts the routes. Sign-in is anonymous; /me, /me/tokens and
// /organization are for anyone signed in; users and groups are for admins
// (a user may read their own record), with the "users" token scope.
func (h *Handlers) Register(r fiber.Router) {
	anyone := auth.Require("")
	admin := auth.Require("users", auth.Admin)
	if h.SignInLimit != nil {
		r.Post("/sessions", h.SignInLimit, h.signIn)
	} else {
		r.Post("/sessions", h.signIn)
	}
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

func (h *Handlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// pathID reads a UUID path parameter; one that is not a UUID names nothing.
func pathID(c *fiber.Ctx, name, what string) (string, error) {
	id := c.Params(name)
	if _, err := uuid.Parse(id); err != nil {
		return "", fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return strings.Clone(id), nil
}

// nullable is a JSON field that distinguishes absent, null and a value.
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

var emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*$`)

// checkEmail normalises an address and checks its shape.
func checkEmail(s string) (string, string) {
	e := auth.NormalizeEmail(s)
	switch {
	case e == "":
		return "", "is required"
	case len(e) < 3 || len(e) > 254 || !emailShape.MatchString(e) || !printable(e):
		return "", "is not an email address"
	}
	return e, ""
}

// checkText trims s and checks it has from min to max printable characters.
func checkText(s string, min, max int) (string, string) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n < min && min == 1:
		return "", "is required"
	case n < min || n > max:
		return "", fmt.Sprintf("must be from %d to %d characters", min, max)
	case !printable(s):
		return "", "must be printable text"
	}
	return s, ""
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

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// uniqueViolation returns the constraint a unique violation names, or "".
func uniqueViolation(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName
	}
	return ""
}

// conflictOn maps a unique violation on users or groups to a 409 naming the
// field; other errors pass through.
func conflictOn(err error) error {
	switch c := uniqueViolation(err); {
	case c == "":
		return err
	case strings.Contains(c, "external_id"):
		return &httpapp.Error{Status: fiber.StatusConflict, Code: "conflict", Field: "external_id", Message: "external_id: another user has it"}
	case strings.Contains(c, "email"):
		return &httpapp.Error{Status: fiber.StatusConflict, Code: "conflict", Field: "email", Message: "email: another user has it"}
	case strings.Contains(c, "name"):
		return &httpapp.Error{Status: fiber.StatusConflict, Code: "conflict", Field: "name", Message: "name: another group has it"}
	case strings.Contains(c, "slug"):
		return &httpapp.Error{Status: fiber.StatusConflict, Code: "conflict", Field: "slug", Message: "slug: another organization has it"}
	}
	return err
}
