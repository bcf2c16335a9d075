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
		// Request queries are prepared once per connection and confined by
		// row-level security through a setting, not a parameter: their
		// parameters are ids, whose plan does not depend on the value.
		// Planning each execution anew (PostgreSQL's custom plans) cost
		// more than running them (0.7 ms against 0.3 ms for "my learning").
		if _, err := c.Exec(ctx, "set plan_cache_mode = force_generic_plan"); err != nil {
			return fmt.Errorf("plan_cache_mode: %w", err)
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

// Q returns the transaction carried by ctx, else the read-only scope of
// ReadInOrg, else fallback.
func Q(ctx context.Context, fallback Querier) Querier {
	if tx, ok := TxFrom(ctx); ok {
		return tx
	}
	if s, ok := ctx.Value(readKey{}).(*readScope); ok {
		return readQuerier{s}
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

type readKey struct{}

type readScope struct {
	pool Querier
	org  string
}

// ReadInOrg returns a context in which the queries of a request that only
// reads run confined to org without the cost of a transaction: each query
// (Q(ctx, ...)) is sent together with the statement that enters the
// organization, as one pipelined batch, which PostgreSQL runs as one
// implicit transaction (entering the organization lasts for it alone). A
// read-only request thus costs one round trip per query instead of BEGIN,
// entering, the query and COMMIT; it gives up a snapshot shared by its
// queries, which a read of independent lists does not need. Begin in such a
// context starts a real transaction confined to org.
func ReadInOrg(ctx context.Context, pool Querier, org string) (context.Context, error) {
	id, err := uuid.Parse(org)
	if err != nil {
		return nil, fmt.Errorf("database: organization %q is not a uuid", org)
	}
	return context.WithValue(ctx, readKey{}, &readScope{pool: pool, org: id.String()}), nil
}

const enterOrg = "select set_config('role', $2, true), set_config('lectern.org_id', $1, true)"

// readQuerier runs each query in its own implicit transaction that enters
// the organization first.
type readQuerier struct{ s *readScope }

func (r readQuerier) batch(sql string, args ...any) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(enterOrg, r.s.org, TenantRole)
	if sql != "" {
		b.Queue(sql, args...)
	}
	return b
}

func (r readQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br := r.s.pool.SendBatch(ctx, r.batch(sql, args...))
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return pgconn.CommandTag{}, fmt.Errorf("enter organization: %w", err)
	}
	return br.Exec()
}

func (r readQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br := r.s.pool.SendBatch(ctx, r.batch(sql, args...))
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, fmt.Errorf("enter organization: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (r readQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := r.Query(ctx, sql, args...)
	return &batchRow{rows: rows, err: err}
}

func (r readQuerier) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := r.s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, enterOrg, r.s.org, TenantRole); err != nil {
		_ = tx.Rollback(ctx)
		return nil, fmt.Errorf("enter organization: %w", err)
	}
	return tx, nil
}

func (r readQuerier) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errors.New("database: COPY in a read-only request")
}

func (r readQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	nb := r.batch("")
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	br := r.s.pool.SendBatch(ctx, nb)
	if _, err := br.Exec(); err != nil {
		return failedBatch{br, fmt.Errorf("enter organization: %w", err)}
	}
	return br
}

// batchRows closes its batch with its rows.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow is QueryRow's row over a batch.
type batchRow struct {
	rows pgx.Rows
	err  error
}

func (r *batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// failedBatch is a batch whose first statement (entering the
// organization) failed: every result is that failure.
type failedBatch struct {
	pgx.BatchResults
	err error
}

func (f failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedBatch) Query() (pgx.Rows, error)         { return nil, f.err }
func (f failedBatch) QueryRow() pgx.Row                { return &batchRow{err: f.err} }
