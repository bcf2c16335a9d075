package xapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/database"
)

// Scopes an xAPI credential may hold (the xAPI OAuth scope names).
const (
	ScopeAll             = "all"
	ScopeAllRead         = "all/read"
	ScopeStatementsWrite = "statements/write"
	ScopeStatementsRead  = "statements/read"
	ScopeStatementsMine  = "statements/read/mine"
	ScopeState           = "state"
	ScopeProfile         = "profile"
	ScopeDefine          = "define"
)

// AllScopes lists them.
var AllScopes = []string{ScopeAll, ScopeAllRead, ScopeStatementsWrite, ScopeStatementsRead, ScopeStatementsMine,
	ScopeState, ScopeProfile, ScopeDefine}

// Topic is the changes topic of credentials (key: the credential id).
const Topic = "xapi.credentials"

// Credential is a client's HTTP Basic key and secret. Secret is set only in
// the answer that creates it.
type Credential struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Key       string     `json:"key"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Secret    string     `json:"secret,omitempty" db:"-"`
}

const credentialCols = `id, name, key, scopes, created_at, revoked_at`

// Store reads and writes the LRS's tables. Its queries run in the
// transaction (or read scope) the context carries, which row-level
// security confines to the caller's organization.
type Store struct {
	db database.Querier
	// Changes announces revoked credentials to every process.
	Changes *changes.Bus
	// groups holds each organization's queue of statement writes
	// (statement_commit.go).
	groups sync.Map
}

// NewStore returns a store over the tenant pool.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

// NewKeyPair returns a fresh key (public, the Basic user name) and secret.
func NewKeyPair() (key, secret string) {
	return "lrk_" + random(12), "lrs_" + random(24)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateCredential stores a new credential in the transaction's
// organization; the answer carries its secret.
func (s *Store) CreateCredential(ctx context.Context, name string, scopes []string) (*Credential, error) {
	key, secret := NewKeyPair()
	rows, err := s.q(ctx).Query(ctx, `insert into xapi_credentials (name, key, secret_hash, scopes)
		values ($1, $2, $3, $4) returning `+credentialCols, name, key, hashSecret(secret), scopes)
	c, err := collectCredential(rows, err, "new")
	if err != nil {
		return nil, err
	}
	c.Secret = secret
	return c, nil
}

// CreateCredentialIn stores a new credential in org, on a system-scope
// querier (the CLI).
func CreateCredentialIn(ctx context.Context, db database.Querier, org, name string, scopes []string) (*Credential, error) {
	var c *Credential
	err := database.InOrg(ctx, db, org, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, err = (&Store{db: tx}).CreateCredential(ctx, name, scopes)
		return err
	})
	return c, err
}

func collectCredential(rows pgx.Rows, err error, id string) (*Credential, error) {
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", id, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Credential])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("credential %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", id, err)
	}
	return c, nil
}

// Credentials lists up to limit+1 credentials, newest first, after the
// cursor (created_at, id).
func (s *Store) Credentials(ctx context.Context, after []string, limit int) ([]*Credential, error) {
	sql := `select ` + credentialCols + ` from xapi_credentials`
	args := []any{limit + 1}
	if after != nil {
		sql += ` where (created_at, id) < ($2::timestamptz, $3::uuid)`
		args = append(args, after[0], after[1])
	}
	rows, err := s.q(ctx).Query(ctx, sql+` order by created_at desc, id desc limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Credential])
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return cs, nil
}

// Credential reads one.
func (s *Store) Credential(ctx context.Context, id string) (*Credential, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+credentialCols+` from xapi_credentials where id = $1`, id)
	return collectCredential(rows, err, id)
}

// RevokeCredential ends a credential at once, in every process.
func (s *Store) RevokeCredential(ctx context.Context, id string) (*Credential, error) {
	rows, err := s.q(ctx).Query(ctx, `update xapi_credentials set revoked_at = coalesce(revoked_at, now())
		where id = $1 returning `+credentialCols, id)
	c, err := collectCredential(rows, err, id)
	if err != nil {
		return nil, err
	}
	if err := s.Changes.Publish(ctx, s.q(ctx), changes.Change{Topic: Topic, Key: id}); err != nil {
		return nil, err
	}
	return c, nil
}

// ValidScopes reports whether every scope is known.
func ValidScopes(scopes []string) bool {
	for _, s := range scopes {
		if !slices.Contains(AllScopes, s) {
			return false
		}
	}
	return len(scopes) > 0
}
