package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what a store needs from PostgreSQL: a pool, a transaction or a
// tenant transaction carried in the context all satisfy it.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// TenantRole is the database role tenant work runs as. Row-level security
// applies to it (not to the tables' owner): it sees the rows of the
// organization a transaction names, and none outside such a transaction.
// A superuser creates it once per cluster and lets the owner use it:
//
//	create role lectern_tenant nologin;
//	grant lectern_tenant to lectern;  -- the role LECTERN_DATABASE_URL connects as
//
// (the local stack does). GrantTenant gives it the table privileges.
const TenantRole = "lectern_tenant"

// OpenTenant opens a pool whose connections act as TenantRole from the
// moment they connect: a query run outside InOrg sees no tenant-owned row
// (fails closed).
func OpenTenant(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if _, err := c.Exec(ctx, "set role "+TenantRole); err != nil {
			return fmt.Errorf("act as %s (create it: create role %s nologin; grant %s to <the owner role>): %w",
				TenantRole, TenantRole, TenantRole, err)
		}
		return nil
	}
	return openConfig(ctx, cfg, maxConns)
}

// GrantTenant gives TenantRole what tenant work needs in the pool's
// schema: the tenant-owned tables (row-level security decides which rows),
// never the migrations' bookkeeping. It runs after every Migrate.
func GrantTenant(ctx context.Context, owner Querier) error {
	var schema string
	if err := owner.QueryRow(ctx, "select current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("grant tenant role: %w", err)
	}
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{TenantRole}.Sanitize()
	for _, stmt := range []string{
		"grant usage on schema " + s + " to " + r,
		"grant select, insert, update, delete on all tables in schema " + s + " to " + r,
		"revoke all on " + s + ".schema_migrations from " + r,
	} {
		if _, err := owner.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("grant tenant role (a superuser creates it once: create role %s nologin; grant %s to <the owner role>): %s: %w",
				TenantRole, TenantRole, stmt, err)
		}
	}
	return nil
}

type txKey struct{}

type txState struct {
	tx    pgx.Tx
	after []func(context.Context)
}

// TxFrom returns the transaction carried by ctx, if any.
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return nil, false
	}
	return st.tx, true
}

// AfterCommit runs fn once the transaction carried by ctx commits (never if
// it rolls back), or at once when ctx carries none. Enqueuing a task that
// reads rows the transaction writes belongs here: a worker must not look
// for them before they exist.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		fn(ctx)
		return
	}
	st.after = append(st.after, fn)
}

// Q returns the transaction carried by ctx, or fallback when there is none.
func Q(ctx context.Context, fallback Querier) Querier {
	if tx, ok := TxFrom(ctx); ok {
		return tx
	}
	return fallback
}

// ErrNoOrganization is returned by InOrg without an organization.
var ErrNoOrganization = errors.New("database: no organization for a tenant transaction")

// InOrg runs fn in a transaction that row-level security confines to one
// organization, whatever pool it is begun on (it acts as TenantRole): every
// tenant-owned row read or written in it belongs to org. The context passed to fn carries the
// transaction (see Q). A transaction already in ctx for the same
// organization is reused; fn's error rolls back.
func InOrg(ctx context.Context, pool Querier, org string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if org == "" {
		return ErrNoOrganization
	}
	if tx, ok := TxFrom(ctx); ok {
		var cur string
		if err := tx.QueryRow(ctx, "select coalesce(lectern_org()::text, '')").Scan(&cur); err != nil {
			return err
		}
		if cur == org {
			return fn(ctx, tx)
		}
	}
	id, err := uuid.Parse(org)
	if err != nil {
		return fmt.Errorf("database: organization %q is not a uuid", org)
	}
	var st *txState
	// Entering the organization is a prepared statement: cheaper for
	// PostgreSQL than folding it into BEGIN as one simple-protocol string
	// (measured: about 10% more requests a second), though one round trip more.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select set_config('role', $2, true), set_config('lectern.org_id', $1, true)", id.String(), TenantRole); err != nil {
			return fmt.Errorf("enter organization: %w", err)
		}
		st = &txState{tx: tx}
		return fn(context.WithValue(ctx, txKey{}, st), tx)
	})
	if err != nil {
		return err
	}
	for _, f := range st.after {
		f(context.WithoutCancel(ctx))
	}
	return nil
}
