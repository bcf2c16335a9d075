package xapi

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Access is who calls the LRS and what they may do: an xAPI client with a
// credential of the organization, or a signed-in learner (session or API
// token), who may write statements about themselves and read their own.
type Access struct {
	OrgID string
	// CredentialID is the credential's id; empty for a learner.
	CredentialID string
	Scopes       []string
	// Authority is the Agent the LRS sets as the authority of what this
	// caller writes.
	Authority map[string]any
	// Learner, when set, is the signed-in learner's Agent: every statement
	// written must have it as actor, and reads are confined to it.
	Learner map[string]any
}

// Allows reports whether the caller holds one of scopes (or "all").
func (a *Access) Allows(scopes ...string) bool {
	if slices.Contains(a.Scopes, ScopeAll) {
		return true
	}
	for _, s := range scopes {
		if slices.Contains(a.Scopes, s) {
			return true
		}
	}
	return false
}

// CanRead reports whether the caller may read statements (some of them).
func (a *Access) CanRead() bool {
	return a.Allows(ScopeAllRead, ScopeStatementsRead, ScopeStatementsMine)
}

// ReadsMine reports whether the caller reads only statements it wrote
// (statements/read/mine, without a broader read scope).
func (a *Access) ReadsMine() bool {
	return a.Learner == nil && !a.Allows(ScopeAllRead, ScopeStatementsRead) && a.Allows(ScopeStatementsMine)
}

type accessKey struct{}

func withAccess(ctx context.Context, a *Access) context.Context {
	return context.WithValue(ctx, accessKey{}, a)
}

// AccessFrom returns the caller of an LRS request.
func AccessFrom(ctx context.Context) *Access {
	a, _ := ctx.Value(accessKey{}).(*Access)
	return a
}

// HomePage is the URL that names an organization: learners' xAPI accounts
// are {homePage: HomePage(...), name: user id}.
func HomePage(publicURL, orgID string) string {
	return strings.TrimRight(publicURL, "/") + "/orgs/" + orgID
}

// LearnerAgent is the xAPI Agent of a Lectern user.
func LearnerAgent(publicURL, orgID, userID, name string) map[string]any {
	a := map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": HomePage(publicURL, orgID), "name": userID}}
	if name != "" {
		a["name"] = name
	}
	return a
}

// Credentials resolves HTTP Basic credentials. DB is a system-scope pool
// (the organization is not known until the key is). Resolved credentials
// are kept in memory for at most TTL while Changes is healthy; a revoked
// credential is forgotten in every process at once.
type Credentials struct {
	DB      database.Querier
	Changes *changes.Bus
	Clock   clock.Clock
	TTL     time.Duration
	// PublicURL names the authorities of credentials.
	PublicURL string

	once    sync.Once
	mu      sync.Mutex
	gen     uint64
	entries map[string]*credEntry // by key
}

type credEntry struct {
	id, org, name string
	hash          []byte
	scopes        []string
	fetched       time.Time
}

func (cs *Credentials) init() {
	cs.once.Do(func() {
		cs.entries = map[string]*credEntry{}
		if cs.TTL <= 0 {
			cs.TTL = 5 * time.Minute
		}
		cs.Changes.Subscribe(func(c changes.Change) {
			if c.Topic != Topic && c.Topic != "" {
				return
			}
			cs.mu.Lock()
			defer cs.mu.Unlock()
			cs.gen++
			for k, e := range cs.entries {
				if c.Topic == "" || c.Key == "" && c.Org == e.org || c.Key == e.id {
					delete(cs.entries, k)
				}
			}
		})
	})
}

var errBadCredentials = httpapp.Errorf(fiber.StatusUnauthorized, "invalid_credentials", "the xAPI key or secret is unknown, or the credential is revoked")

// Resolve returns the access of key:secret.
func (cs *Credentials) Resolve(ctx context.Context, key, secret string) (*Access, error) {
	cs.init()
	now := cs.Clock.Now()
	healthy := cs.Changes.Healthy()
	var gen uint64
	var e *credEntry
	if healthy {
		cs.mu.Lock()
		e = cs.entries[key]
		if e != nil && now.Sub(e.fetched) >= cs.TTL {
			e = nil
		}
		gen = cs.gen
		cs.mu.Unlock()
	}
	if e == nil {
		e = &credEntry{fetched: now}
		err := cs.DB.QueryRow(ctx, `select id, org_id, name, secret_hash, scopes from xapi_credentials
			where key = $1 and revoked_at is null`, key).Scan(&e.id, &e.org, &e.name, &e.hash, &e.scopes)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, errBadCredentials
		}
		if err != nil {
			return nil, err
		}
		if healthy {
			cs.mu.Lock()
			if cs.gen == gen {
				cs.entries[strings.Clone(key)] = e
				if len(cs.entries) > 10_000 {
					clear(cs.entries)
				}
			}
			cs.mu.Unlock()
		}
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), e.hash) != 1 {
		return nil, errBadCredentials
	}
	return &Access{
		OrgID: e.org, CredentialID: e.id, Scopes: e.scopes,
		Authority: map[string]any{"objectType": "Agent", "name": e.name,
			"account": map[string]any{"homePage": strings.TrimRight(cs.PublicURL, "/") + "/xapi/credentials", "name": key}},
	}, nil
}

// basic splits an Authorization: Basic header.
func basic(h string) (key, secret string, ok bool) {
	v, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// authenticate attaches the caller's Access (and, for the tenant
// transaction, a principal of its organization) to the request.
func (h *Handlers) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var a *Access
	if hdr := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(hdr, "Basic ") {
		key, secret, ok := basic(hdr)
		if !ok {
			return httpapp.Errorf(fiber.StatusUnauthorized, "invalid_credentials", "the Basic credentials are not base64 key:secret")
		}
		var err error
		if a, err = h.Credentials.Resolve(ctx, key, secret); err != nil {
			return err
		}
		ctx = auth.WithPrincipal(ctx, &auth.Principal{OrgID: a.OrgID, TokenID: a.CredentialID, Kind: "xapi", Scopes: a.Scopes})
	} else if p := auth.From(ctx); p != nil {
		// A signed-in user writes and reads statements about themselves.
		// An API token needs the scopes xapi:read and xapi:write for it.
		agent := LearnerAgent(h.Settings.PublicURL, p.OrgID, p.UserID, "")
		a = &Access{OrgID: p.OrgID, Authority: agent, Learner: agent}
		if p.Allows("xapi:read") {
			a.Scopes = append(a.Scopes, ScopeStatementsRead)
		}
		if p.Allows("xapi:write") {
			a.Scopes = append(a.Scopes, ScopeStatementsWrite, ScopeState, ScopeProfile)
		}
	} else {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Lectern LRS"`)
		return httpapp.Errorf(fiber.StatusUnauthorized, "unauthenticated", "send Authorization: Basic with an xAPI key and secret, or sign in")
	}
	c.SetUserContext(withAccess(ctx, a))
	return c.Next()
}
