package identity

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

var slugShape = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NewOrg describes an organization to create with its first admin.
type NewOrg struct {
	Slug, Name    string
	AdminEmail    string
	AdminName     string   // default: the address
	AdminPassword string   // empty: no password yet (see SetPassword)
	AdminRoles    []string // default: admin
}

// CreateOrg creates an organization and its first admin, in one
// transaction on the system pool. It returns their ids.
func (s *Store) CreateOrg(ctx context.Context, o NewOrg) (orgID, userID string, err error) {
	if !slugShape.MatchString(o.Slug) {
		return "", "", fmt.Errorf("slug %q: must be lower-case letters, digits and '-', at most 63, starting with a letter or digit", o.Slug)
	}
	name, err := httpapp.Text("name", o.Name, 1, 200)
	if err != nil {
		return "", "", err
	}
	email, err := httpapp.Email("admin email", o.AdminEmail)
	if err != nil {
		return "", "", err
	}
	adminName := o.AdminName
	if adminName == "" {
		adminName = email
	}
	var hash *string
	if o.AdminPassword != "" {
		if bad := checkPassword(o.AdminPassword); bad != "" {
			return "", "", fmt.Errorf("admin password: %s", bad)
		}
		h, err := auth.HashPassword(o.AdminPassword)
		if err != nil {
			return "", "", err
		}
		hash = &h
	}
	roles := o.AdminRoles
	if len(roles) == 0 {
		roles = []string{auth.Admin}
	}
	err = pgx.BeginFunc(ctx, s.system, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into organizations (slug, name) values ($1, $2) returning id`, o.Slug, name).Scan(&orgID); err != nil {
			if taken(err) == ErrSlugTaken {
				return fmt.Errorf("organization %q exists already: %w", o.Slug, ErrConflict)
			}
			return err
		}
		return tx.QueryRow(ctx, `insert into users (org_id, email, name, roles, password_hash) values ($1, $2, $3, $4, $5) returning id`,
			orgID, email, adminName, roles, hash).Scan(&userID)
	})
	if err != nil {
		return "", "", fmt.Errorf("create organization: %w", err)
	}
	return orgID, userID, nil
}

// SetPassword sets the password of the user with email, in the organization
// with slug org (which may be empty when the address is in one only), on the
// system pool. It returns the user's id.
func (s *Store) SetPassword(ctx context.Context, email, org, password string) (string, error) {
	email, err := httpapp.Email("email", email)
	if err != nil {
		return "", err
	}
	if bad := checkPassword(password); bad != "" {
		return "", fmt.Errorf("password: %s", bad)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	var ids []string
	err = pgx.BeginFunc(ctx, s.system, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `select u.id from users u join organizations o on o.id = u.org_id
			where u.email = $1 and ($2 = '' or o.slug = $2) limit 2 for update of u`, email, org)
		var err error
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		switch {
		case len(ids) == 0:
			return fmt.Errorf("user %s: %w", email, ErrNotFound)
		case len(ids) > 1:
			return errors.New("this address is in several organizations: name one with --org")
		}
		_, err = tx.Exec(ctx, `update users set password_hash = $2, updated_at = now() where id = $1`, ids[0], hash)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("set password: %w", err)
	}
	return ids[0], nil
}

// BootstrapEmail is the address of the user the bootstrap token belongs to.
const BootstrapEmail = "admin@localhost"

// Bootstrap makes the local stack's admin token (LECTERN_ADMIN_TOKEN) an API
// token with every scope, held by the first admin of the first
// organization, creating both when the database has none. It runs on the
// system pool and is idempotent. It returns the organization's id.
func (s *Store) Bootstrap(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	var org string
	err := pgx.BeginFunc(ctx, s.system, func(tx pgx.Tx) error {
		// Serialise concurrent starts (API and worker processes).
		if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock(1818584949)"); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, "select org_id from tokens where hash = $1", auth.HashSecret(token)).Scan(&org)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		err = tx.QueryRow(ctx, "select id from organizations order by created_at, id limit 1").Scan(&org)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, "insert into organizations (slug, name) values ('default', 'Lectern') returning id").Scan(&org)
		}
		if err != nil {
			return err
		}
		var user string
		err = tx.QueryRow(ctx, `insert into users (org_id, email, name, roles) values ($1, $2, 'Administrator', '{admin,instructor,ops}')
			on conflict (org_id, email) do update set roles = (select array_agg(distinct r) from unnest(users.roles || '{admin}'::text[]) r), active = true
			returning id`, org, BootstrapEmail).Scan(&user)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into tokens (org_id, user_id, kind, name, hash, scopes) values ($1, $2, 'api', 'bootstrap (LECTERN_ADMIN_TOKEN)', $3, '{*}')`,
			org, user, auth.HashSecret(token))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("bootstrap admin: %w", err)
	}
	return org, nil
}
