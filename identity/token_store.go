package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
)

// Token is a personal API token as listed (never with its secret).
type Token struct {
	ID         string     `json:"id" db:"id"`
	Name       string     `json:"name" db:"name"`
	Scopes     []string   `json:"scopes" db:"scopes"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at" db:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at" db:"last_used_at"`
}

// Tokens lists a user's live API tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]Token, error) {
	rows, _ := s.q(ctx).Query(ctx, `select id, name, scopes, created_at, expires_at, last_used_at
		from tokens where user_id = $1 and kind = 'api' and revoked_at is null
		order by created_at desc, id`, userID)
	tokens, err := pgx.CollectRows(rows, pgx.RowToStructByName[Token])
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// CreateToken stores a new API token of userID by the hash of its secret.
func (s *Store) CreateToken(ctx context.Context, userID string, t *Token, hash []byte) error {
	err := s.q(ctx).QueryRow(ctx, `insert into tokens (user_id, kind, name, hash, scopes, expires_at)
		values ($1, 'api', $2, $3, $4, $5) returning id, created_at`, userID, t.Name, hash, t.Scopes, t.ExpiresAt).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// RevokeToken revokes one of userID's API tokens, in every process.
func (s *Store) RevokeToken(ctx context.Context, userID, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `update tokens set revoked_at = now()
		where id = $1 and user_id = $2 and kind = 'api' and revoked_at is null`, id, userID)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %s: %w", id, ErrNotFound)
	}
	return s.changed(ctx, "t:"+id)
}

// signInCandidate is a user an address (and organization slug) may name.
type signInCandidate struct {
	UserID string
	OrgID  string
	Hash   *string
	Active bool
}

// signInCandidates finds, on the system pool (the organization is not known
// yet), the users with email in the organization org ("" for any), at most
// two.
func (s *Store) signInCandidates(ctx context.Context, email, org string) ([]signInCandidate, error) {
	rows, _ := s.system.Query(ctx, `select u.id, u.org_id, u.password_hash, u.active
		from users u join organizations o on o.id = u.org_id
		where u.email = $1 and ($2 = '' or o.slug = $2) order by u.org_id limit 2`, email, org)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[signInCandidate])
	if err != nil {
		return nil, fmt.Errorf("sign-in look-up: %w", err)
	}
	return found, nil
}

// OpenSession stores a session of a user who just signed in (by the hash
// of its secret), in a transaction of their organization, and returns the
// user.
func (s *Store) OpenSession(ctx context.Context, orgID, userID string, hash []byte, expires time.Time) (*User, error) {
	var u *User
	err := database.InOrg(ctx, s.tenant, orgID, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into tokens (user_id, kind, name, hash, expires_at) values ($1, 'session', 'session', $2, $3)`,
			userID, hash, expires); err != nil {
			return fmt.Errorf("open session: %w", err)
		}
		var err error
		u, err = s.User(ctx, userID)
		return err
	})
	return u, err
}

// RevokeSession revokes a session token, in every process.
func (s *Store) RevokeSession(ctx context.Context, tokenID string) error {
	if _, err := s.q(ctx).Exec(ctx, `update tokens set revoked_at = now() where id = $1 and kind = 'session' and revoked_at is null`, tokenID); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return s.changed(ctx, "t:"+tokenID)
}

// Organization is a tenant.
type Organization struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Organization reads the transaction's organization.
func (s *Store) Organization(ctx context.Context) (*Organization, error) {
	var o Organization
	err := s.q(ctx).QueryRow(ctx, `select id, slug, name, created_at from organizations where id = lectern_org()`).
		Scan(&o.ID, &o.Slug, &o.Name, &o.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("organization: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load organization: %w", err)
	}
	return &o, nil
}
