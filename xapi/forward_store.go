package xapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Forward is an LRS an organization already runs: every statement its
// Lectern LRS stores (matching Verbs and Activities, when given) is sent
// there once, in stored order. The password is never read back.
type Forward struct {
	ID            string     `json:"id"`
	URL           string     `json:"url"`
	Username      string     `json:"username"`
	HasPassword   bool       `json:"has_password"`
	Verbs         []string   `json:"verbs"`
	Activities    []string   `json:"activities"`
	Active        bool       `json:"active"`
	DeliveredSeq  int64      `json:"-"`
	Delivered     int64      `json:"delivered"`
	Pending       int64      `json:"pending"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	LastError     *string    `json:"last_error"`
	CreatedAt     time.Time  `json:"created_at"`
}

// forwardCols read a Forward (pending: statements stored after its
// cursor, filtered or not).
const forwardCols = `f.id, f.url, f.username, f.password <> '' as has_password, f.verbs, f.activities, f.active,
	f.delivered_seq, f.delivered,
	(select count(*) from xapi_statements s where s.org_id = f.org_id and s.seq > f.delivered_seq) as pending,
	f.attempts, f.next_attempt_at, f.last_attempt_at, f.last_success_at, f.last_error, f.created_at`

func collectForward(rows pgx.Rows, err error, id string) (*Forward, error) {
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", id, err)
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Forward])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("forward %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", id, err)
	}
	return f, nil
}

// NewForward is what an admin registers.
type NewForward struct {
	URL, Username, Password string
	Verbs, Activities       []string
	// Backfill sends the statements stored before it too (else it starts
	// with the next one).
	Backfill bool
}

// CreateForward registers an endpoint.
func (s *Store) CreateForward(ctx context.Context, n NewForward) (*Forward, error) {
	rows, err := s.q(ctx).Query(ctx, `with f as (
			insert into xapi_forwards (url, username, password, verbs, activities, delivered_seq)
			values ($1, $2, $3, $4, $5, case when $6 then 0 else (select coalesce(max(seq), 0) from xapi_statements) end)
			returning *)
		select `+forwardCols+` from f`, n.URL, n.Username, n.Password, n.Verbs, n.Activities, n.Backfill)
	return collectForward(rows, err, "new")
}

// Forwards lists up to limit+1 endpoints, newest first, after the cursor.
func (s *Store) Forwards(ctx context.Context, after []string, limit int) ([]*Forward, error) {
	sql := `select ` + forwardCols + ` from xapi_forwards f`
	args := []any{limit + 1}
	if after != nil {
		sql += ` where (f.created_at, f.id) < ($2::timestamptz, $3::uuid)`
		args = append(args, after[0], after[1])
	}
	rows, err := s.q(ctx).Query(ctx, sql+` order by f.created_at desc, f.id desc limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list forwards: %w", err)
	}
	fs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Forward])
	if err != nil {
		return nil, fmt.Errorf("list forwards: %w", err)
	}
	return fs, nil
}

// Forward reads one.
func (s *Store) Forward(ctx context.Context, id string) (*Forward, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+forwardCols+` from xapi_forwards f where f.id = $1`, id)
	return collectForward(rows, err, id)
}

// ForwardChange is a PATCH; nil fields stay.
type ForwardChange struct {
	URL, Username, Password *string
	Verbs, Activities       []string
	Active                  *bool
}

// UpdateForward applies a change. Re-activating or changing the address
// retries at once.
func (s *Store) UpdateForward(ctx context.Context, id string, ch ForwardChange) (*Forward, error) {
	rows, err := s.q(ctx).Query(ctx, `with f as (
			update xapi_forwards set url = coalesce($2, url), username = coalesce($3, username), password = coalesce($4, password),
				verbs = coalesce($5, verbs), activities = coalesce($6, activities), active = coalesce($7, active),
				next_attempt_at = null, attempts = 0
			where id = $1 returning *)
		select `+forwardCols+` from f`, id, ch.URL, ch.Username, ch.Password, ch.Verbs, ch.Activities, ch.Active)
	return collectForward(rows, err, id)
}

// DeleteForward removes an endpoint.
func (s *Store) DeleteForward(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from xapi_forwards where id = $1`, id)
	if err != nil {
		return fmt.Errorf("forward %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("forward %s: %w", id, ErrNotFound)
	}
	return nil
}
