// Package auth resolves who is calling: sessions (HttpOnly cookie in the
// browser, bearer elsewhere) and personal API tokens, both opaque secrets
// kept only as SHA-256 hashes. It also holds the middleware every route
// uses to check roles and scopes, and the per-request tenant transaction.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
)

// Roles a user may hold, several at once.
const (
	Admin      = "admin"
	Instructor = "instructor"
	Learner    = "learner"
	Ops        = "ops"
)

// AllRoles lists the roles in a stable order.
var AllRoles = []string{Admin, Instructor, Learner, Ops}

// Scopes a personal API token may carry. A session carries every scope (its
// user's roles still apply); "*" on a token means every scope.
var AllScopes = []string{
	"videos:read", "videos:write",
	"courses:read", "courses:write",
	"enrollments:read", "enrollments:write",
	"users:read", "users:write",
	"webhooks:read", "webhooks:write",
	"xapi:read", "xapi:write",
}

// Principal is the authenticated caller.
type Principal struct {
	UserID  string   `json:"user_id"`
	OrgID   string   `json:"org_id"`
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	Scopes  []string `json:"scopes"`
	TokenID string   `json:"-"`
	Kind    string   `json:"kind"` // session or api
}

// Has reports whether the principal holds any of roles.
func (p *Principal) Has(roles ...string) bool {
	if p == nil {
		return false
	}
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Allows reports whether the principal's credential carries scope.
func (p *Principal) Allows(scope string) bool {
	if p == nil {
		return false
	}
	if p.Kind == "session" {
		return true
	}
	return slices.Contains(p.Scopes, "*") || slices.Contains(p.Scopes, scope)
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal carried by ctx, or nil for an anonymous call.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// TokenPrefix starts every secret Lectern issues, so a leaked one is easy to
// recognise (and to scan for).
const TokenPrefix = "lct_"

// NewSecret returns a fresh random secret and the hash that is stored.
func NewSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is how a presented secret is looked up.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ValidScope reports whether s names a scope (or is "*").
func ValidScope(s string) bool {
	return s == "*" || slices.Contains(AllScopes, s)
}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool { return slices.Contains(AllRoles, r) }
