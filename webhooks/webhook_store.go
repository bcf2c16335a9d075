package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

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

// The queries below run in the request's tenant transaction: row-level
// security confines them to the caller's organization.

func listWebhooks(ctx context.Context, q database.Querier, pr httpapp.PageRequest) ([]*Webhook, error) {
	sql := `select ` + webhookCols + ` from webhooks`
	args := []any{pr.Limit + 1}
	if pr.After != nil {
		after, err := time.Parse(time.RFC3339Nano, pr.After[0])
		if err != nil || uuid.Validate(pr.After[1]) != nil {
			return nil, httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
		sql += ` where (created_at, id) < ($2, $3)`
		args = append(args, after, pr.After[1])
	}
	rows, err := q.Query(ctx, sql+` order by created_at desc, id desc limit $1`, args...)
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

func createWebhook(ctx context.Context, q database.Querier, url, description string, events []string, active bool, secret string) (*Webhook, error) {
	rows, err := q.Query(ctx, `insert into webhooks (url, description, events, active, secret)
		values ($1, $2, $3, $4, $5) returning `+webhookCols, url, description, events, active, secret)
	w, err := collectOne(rows, err, "new")
	if err != nil {
		return nil, err
	}
	w.Secret = secret
	return w, nil
}

func getWebhook(ctx context.Context, q database.Querier, id string) (*Webhook, error) {
	if uuid.Validate(id) != nil {
		return nil, fmt.Errorf("webhook %q: %w", id, ErrNotFound)
	}
	rows, err := q.Query(ctx, `select `+webhookCols+` from webhooks where id = $1`, id)
	return collectOne(rows, err, id)
}

// change is a PATCH; nil fields stay as they are.
type change struct {
	URL         *string
	Events      []string
	Description *string
	Active      *bool
	Secret      *string
}

func updateWebhook(ctx context.Context, q database.Querier, id string, ch change) (*Webhook, error) {
	if uuid.Validate(id) != nil {
		return nil, fmt.Errorf("webhook %q: %w", id, ErrNotFound)
	}
	var events any
	if ch.Events != nil {
		events = ch.Events
	}
	rows, err := q.Query(ctx, `update webhooks set url = coalesce($2, url), events = coalesce($3, events),
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

// deleteWebhook removes an endpoint and, by cascade, its delivery log;
// queued deliveries find nothing to send.
func deleteWebhook(ctx context.Context, q database.Querier, id string) error {
	if uuid.Validate(id) != nil {
		return fmt.Errorf("webhook %q: %w", id, ErrNotFound)
	}
	tag, err := q.Exec(ctx, `delete from webhooks where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook %s: %w", id, ErrNotFound)
	}
	return nil
}

func listDeliveries(ctx context.Context, q database.Querier, webhookID, status string, pr httpapp.PageRequest) ([]*Delivery, error) {
	sql := `select ` + deliveryCols + ` from webhook_deliveries where webhook_id = $1 and ($2 = '' or status = $2)`
	args := []any{webhookID, status, pr.Limit + 1}
	if pr.After != nil {
		after, err := time.Parse(time.RFC3339Nano, pr.After[0])
		if err != nil || uuid.Validate(pr.After[1]) != nil {
			return nil, httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
		sql += ` and (created_at, id) < ($4, $5)`
		args = append(args, after, pr.After[1])
	}
	rows, err := q.Query(ctx, sql+` order by created_at desc, id desc limit $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", webhookID, err)
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Delivery])
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", webhookID, err)
	}
	return ds, nil
}

// queuePing writes a ping delivery to the outbox and wakes the dispatcher
// (PostgreSQL sends the notification when the transaction commits).
func queuePing(ctx context.Context, q database.Querier, webhookID string) (*Delivery, error) {
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
	if _, err := q.Exec(ctx, `select pg_notify($1, '')`, NotifyChannel); err != nil {
		return nil, fmt.Errorf("ping webhook %s: %w", webhookID, err)
	}
	return d, nil
}
