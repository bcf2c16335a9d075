package identity

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
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

// CreateOrg creates an organization and its first admin on a system-scope
// pool, in one transaction. It returns their ids.
func CreateOrg(ctx context.Context, system database.Querier, o NewOrg) (orgID, userID string, err error) {
	if !slugShape.MatchString(o.Slug) {
		return "", "", fmt.Errorf("slug %q: must be lower-case letters, digits and '-', at most 63, starting with a letter or digit", o.Slug)
	}
	name, bad := checkText(o.Name, 1, 200)
	if bad != "" {
		return "", "", fmt.Errorf("name: %s", bad)
	}
	email, bad := checkEmail(o.AdminEmail)
	if bad != "" {
		return "", "", fmt.Errorf("admin email: %s", bad)
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
	err = pgx.BeginFunc(ctx, system, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into organizations (slug, name) values ($1, $2) returning id`, o.Slug, name).Scan(&orgID); err != nil {
			if uniqueViolation(err) != "" {
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
// with slug org (which may be empty when the address is in one only), on a
// system-scope pool. It returns the user's id.
func SetPassword(ctx context.Context, system database.Querier, email, org, password string) (string, error) {
	email, bad := checkEmail(email)
	if bad != "" {
		return "", fmt.Errorf("email: %s", bad)
	}
	if bad := checkPassword(password); bad != "" {
		return "", fmt.Errorf("password: %s", bad)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	var ids []string
	err = pgx.BeginFunc(ctx, system, func(tx pgx.Tx) error {
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
