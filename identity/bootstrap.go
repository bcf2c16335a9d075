package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
)

// BootstrapEmail is the address of the user the bootstrap token belongs to.
const BootstrapEmail = "admin@localhost"

// Bootstrap makes the local stack's admin token (LECTERN_ADMIN_TOKEN) an API
// token with every scope, held by the first admin of the first
// organization, creating both when the database has none. It runs on a
// system-scope pool and is idempotent. It returns the organization's id.
func Bootstrap(ctx context.Context, system database.Querier, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	var org string
	err := pgx.BeginFunc(ctx, system, func(tx pgx.Tx) error {
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
