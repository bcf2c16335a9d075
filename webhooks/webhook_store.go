package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/events"
)

// Webhook is an endpoint. Secret is set only in the answer that creates or
// rotates it.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Events      []string  `json:"events"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Secret      string    `json:"secret,omitempty" db:"-"`
}

// Delivery is one event sent (or to be sent) to one endpoint.
type Delivery struct {
	ID             string          `json:"id"`
	Event          string          `json:"event"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	ResponseStatus *int            `json:"response_status"`
	Error          *string         `json:"error"`
	CreatedAt      time.Time       `json:"created_at"`
	DeliveredAt    *time.Time      `json:"delivered_at"`
	Payload        json.RawMessage `json:"payload"`
}

const webhookCols = `id, url, description, events, active, created_at, updated_at`

const deliveryCols = `id, event, status, attempts, response_status, error, created_at, delivered_at, payload`

// Store reads and writes endpoints and the delivery log. Its queries run
// in the transaction the context carries: the request's, which row-level
// security confines to the caller's organization.
type Store struct {
	db database.Querier
}

// NewStore returns a store over the tenant pool.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

// Webhooks lists up to limit+1 endpoints, newest first, after the cursor
// (created_at, id).
func (s *Store) Webhooks(ctx context.Context, after []string, limit int) ([]*Webhook, error) {
	sql := `select ` + webhookCols + ` from webhooks`
	args := []any{limit + 1}
	if after != nil {
		sql += ` where (created_at, id) < ($2::timestamptz, $3::uuid)`
		args = append(args, after[0], after[1])
	}
	rows, err := s.q(ctx).Query(ctx, sql+` order by created_at desc, id desc limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	ws, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Webhook])
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return ws, nil
}

func collectOne(rows pgx.Rows, err error, id string) (*Webhook, error) {
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", id, err)
	}
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Webhook])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("webhook %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", id, err)
	}
	return w, nil
}

// CreateWebhook stores a new endpoint; the answer carries its secret.
func (s *Store) CreateWebhook(ctx context.Context, url, description string, events []string, active bool, secret string) (*Webhook, error) {
	rows, err := s.q(ctx).Query(ctx, `insert into webhooks (url, description, events, active, secret)
		values ($1, $2, $3, $4, $5) returning `+webhookCols, url, description, events, active, secret)
	w, err := collectOne(rows, err, "new")
	if err != nil {
		return nil, err
	}
	w.Secret = secret
	return w, nil
}

// Webhook reads one endpoint.
func (s *Store) Webhook(ctx context.Context, id string) (*Webhook, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+webhookCols+` from webhooks where id = $1`, id)
	return collectOne(rows, err, id)
}

// Change is a PATCH; nil fields stay as they are.
type Change struct {
	URL         *string
	Events      []string
	Description *string
	Active      *bool
	Secret      *string
}

// UpdateWebhook applies a change; the answer carries a rotated secret.
func (s *Store) UpdateWebhook(ctx context.Context, id string, ch Change) (*Webhook, error) {
	var events any
	if ch.Events != nil {
		events = ch.Events
	}
	rows, err := s.q(ctx).Query(ctx, `update webhooks set url = coalesce($2, url), events = coalesce($3, events),
		description = coalesce($4, description), active = coalesce($5, active), secret = coalesce($6, secret),
		updated_at = now()
		where id = $1 returning `+webhookCols, id, ch.URL, events, ch.Description, ch.Active, ch.Secret)
	w, err := collectOne(rows, err, id)
	if err != nil {
		return nil, err
	}
	if ch.Secret != nil {
		w.Secret = *ch.Secret
	}
	return w, nil
}

// DeleteWebhook removes an endpoint and, by cascade, its delivery log;
// queued deliveries find nothing to send.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from webhooks where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook %s: %w", id, ErrNotFound)
	}
	return nil
}

// Deliveries lists up to limit+1 deliveries of an endpoint, newest first,
// after the cursor (created_at, id); status "" for all.
func (s *Store) Deliveries(ctx context.Context, webhookID, status string, after []string, limit int) ([]*Delivery, error) {
	sql := `select ` + deliveryCols + ` from webhook_deliveries where webhook_id = $1 and ($2 = '' or status = $2)`
	args := []any{webhookID, status, limit + 1}
	if after != nil {
		sql += ` and (created_at, id) < ($4::timestamptz, $5::uuid)`
		args = append(args, after[0], after[1])
	}
	rows, err := s.q(ctx).Query(ctx, sql+` order by created_at desc, id desc limit $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", webhookID, err)
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Delivery])
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", webhookID, err)
	}
	return ds, nil
}

// QueuePing writes a ping delivery and wakes the dispatcher (PostgreSQL
// sends the notification when the transaction commits).
func (s *Store) QueuePing(ctx context.Context, webhookID string) (*Delivery, error) {
	q := s.q(ctx)
	rows, err := q.Query(ctx, `insert into webhook_deliveries (webhook_id, event, payload)
		values ($1, 'ping', jsonb_build_object('webhook_id', $1::uuid, 'message', 'Lectern webhook test'))
		returning `+deliveryCols, webhookID)
	if err != nil {
		return nil, fmt.Errorf("ping webhook %s: %w", webhookID, err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Delivery])
	if err != nil {
		return nil, fmt.Errorf("ping webhook %s: %w", webhookID, err)
	}
	if _, err := q.Exec(ctx, `select pg_notify($1, '')`, events.Channel); err != nil {
		return nil, fmt.Errorf("ping webhook %s: %w", webhookID, err)
	}
	return d, nil
}
