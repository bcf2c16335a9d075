package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/egress"
)

// Task type, queue and limits of a delivery.
const (
	TypeDeliver = "webhook:deliver"
	// Queue is the asynq queue deliveries wait in; the worker serves it
	// with a server of its own so a long encode never holds them up.
	Queue = "webhooks"
	// MaxRetry is how many times a failed delivery is tried again (about
	// five hours of backoff in all).
	MaxRetry = 12
	// AttemptTimeout bounds one attempt, connection to last byte.
	AttemptTimeout = 15 * time.Second
	// UserAgent identifies deliveries.
	UserAgent = "Lectern-Webhooks/1"
)

// DeliverPayload names the delivery a task sends.
type DeliverPayload struct {
	DeliveryID string `json:"delivery_id"`
}

// NewDeliverTask builds the task of one delivery; its TaskID is the
// delivery's id, so enqueuing it twice queues it once.
func NewDeliverTask(deliveryID string) (*asynq.Task, error) {
	b, err := json.Marshal(DeliverPayload{DeliveryID: deliveryID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeDeliver, b,
		asynq.TaskID(deliveryID),
		asynq.Queue(Queue),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(AttemptTimeout),
	), nil
}

// Enqueuer is the part of an asynq client the dispatcher uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Sender fans events out into deliveries and moves them into asynq
// (Dispatch), and sends deliveries (HandleDeliver). It works on the system-scope pool: the worker acts for
// every organization.
type Sender struct {
	DB    *pgxpool.Pool
	Queue Enqueuer
	Log   *slog.Logger
	// Client sends deliveries; nil means one that follows no redirects and
	// dials only public addresses (see AllowPrivate).
	Client *http.Client
	// AllowPrivate lets deliveries reach loopback and private networks
	// (a receiver on the developer's machine; tests).
	AllowPrivate bool
	// Backoff is the wait before retry n (Backoff by default); tests make
	// it tiny.
	Backoff func(n int) time.Duration
	// Poll is how often the dispatcher looks for pending deliveries when no
	// notification wakes it (5 s by default).
	Poll time.Duration
	// Requeue is how long a delivery may stay enqueued but unsent before
	// it is enqueued again, for tasks Redis lost (1 h by default).
	Requeue time.Duration
	// Batch is how many deliveries one dispatch round enqueues (500).
	Batch int
	// Concurrency is how many deliveries are sent at once (10).
	Concurrency int
	// Clock stamps the signatures.
	Clock clock.Clock
}

// Backoff is the default wait before retry n: 10 s doubling up to an hour,
// ±25 % jitter so endpoints that failed together do not retry together.
func Backoff(n int) time.Duration {
	d := min(10*time.Second<<min(n, 12), time.Hour)
	return d*3/4 + rand.N(d/2+1)
}

// RetryDelay is the asynq RetryDelayFunc of the deliveries' server.
func (s *Sender) RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(n)
	}
	return Backoff(n)
}

// Workers is how many deliveries are sent at once.
func (s *Sender) Workers() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return 10
}

func (s *Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	if s.AllowPrivate {
		return privateClient
	}
	return publicClient
}

var (
	publicClient  = egress.Client(false, AttemptTimeout)
	privateClient = egress.Client(true, AttemptTimeout)
)

// pending is what one attempt needs.
type pending struct {
	ID        string          `db:"id"`
	OrgID     string          `db:"org_id"`
	Event     string          `db:"event"`
	Payload   json.RawMessage `db:"payload"`
	Status    string          `db:"status"`
	CreatedAt time.Time       `db:"created_at"`
	URL       string          `db:"url"`
	Secret    string          `db:"secret"`
	Active    bool            `db:"active"`
}

// Envelope is the JSON body of every delivery.
type Envelope struct {
	ID             string          `json:"id"`
	Event          string          `json:"event"`
	CreatedAt      time.Time       `json:"created_at"`
	OrganizationID string          `json:"organization_id"`
	Data           json.RawMessage `json:"data"`
}

// HandleDeliver is the asynq handler of TypeDeliver: one attempt of one
// delivery. A 2xx answer marks it delivered; anything else is recorded and
// returned so asynq retries, until the last retry marks it failed.
func (s *Sender) HandleDeliver(ctx context.Context, t *asynq.Task) error {
	var p DeliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || uuid.Validate(p.DeliveryID) != nil {
		return fmt.Errorf("bad payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	rows, err := s.DB.Query(ctx, `select d.id, d.org_id, d.event, d.payload, d.status, d.created_at, w.url, w.secret, w.active
		from webhook_deliveries d join webhooks w on w.id = d.webhook_id where d.id = $1`, p.DeliveryID)
	if err != nil {
		return fmt.Errorf("load delivery %s: %w", p.DeliveryID, err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[pending])
	if errors.Is(err, pgx.ErrNoRows) {
		// Deleting a webhook deletes its deliveries.
		return fmt.Errorf("delivery %s no longer exists: its webhook was deleted: %w", p.DeliveryID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("load delivery %s: %w", p.DeliveryID, err)
	}
	if d.Status != "pending" {
		return nil // a duplicate of a finished delivery
	}
	log := s.Log.With("delivery", d.ID, "event", d.Event)
	rec := context.WithoutCancel(ctx)
	if !d.Active {
		msg := "the webhook was deactivated before this delivery was sent"
		if err := s.record(rec, d.ID, "failed", nil, msg, false); err != nil {
			return err
		}
		return fmt.Errorf("delivery %s: %s: %w", d.ID, msg, asynq.SkipRetry)
	}
	status, err := s.post(ctx, &d)
	if err == nil {
		log.Debug("webhook delivered", "status", status)
		return s.record(rec, d.ID, "delivered", &status, "", true)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	state := "pending"
	if retried >= maxRetry {
		state = "failed"
		err = fmt.Errorf("gave up after %d attempts: %w", retried+1, err)
	}
	var st *int
	if status != 0 {
		st = &status
	}
	if rerr := s.record(rec, d.ID, state, st, err.Error(), true); rerr != nil {
		log.Warn("record webhook attempt", "err", rerr)
	}
	return err
}

// post sends one attempt and returns the response status (0 when there was
// none) and an error unless it was 2xx.
func (s *Sender) post(ctx context.Context, d *pending) (int, error) {
	body, err := json.Marshal(Envelope{ID: d.ID, Event: d.Event, CreatedAt: d.CreatedAt, OrganizationID: d.OrgID, Data: d.Payload})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, strings.NewReader(string(body)))
	if err != nil {
		return 0, fmt.Errorf("bad webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Lectern-Event", d.Event)
	req.Header.Set("Lectern-Delivery", d.ID)
	req.Header.Set(SignatureHeader, Sign(d.Secret, s.Clock.Now(), body))
	resp, err := s.client().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp.StatusCode, fmt.Errorf("HTTP %d redirect to %q refused: webhooks follow no redirects, register the final URL",
			resp.StatusCode, resp.Header.Get("Location"))
	}
	msg := "HTTP " + strconv.Itoa(resp.StatusCode)
	if s := strings.TrimSpace(string(snippet)); s != "" {
		msg += ": " + s
	}
	return resp.StatusCode, errors.New(msg)
}

// record stores the outcome of an attempt (attempted) or of a decision
// not to send (a deactivated webhook).
func (s *Sender) record(ctx context.Context, id, state string, status *int, msg string, attempted bool) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var errText *string
	if msg != "" {
		m := truncate(msg, 500)
		errText = &m
	}
	inc := 0
	if attempted {
		inc = 1
	}
	_, err := s.DB.Exec(ctx, `update webhook_deliveries set status = $2, response_status = $3,
		error = $4, attempts = attempts + $5, updated_at = now(),
		delivered_at = case when $2 = 'delivered' then now() end
		where id = $1 and status = 'pending'`, id, state, status, errText, inc)
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", id, err)
	}
	return nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
