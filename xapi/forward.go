package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/egress"
)

// Task type and queue of forwarding.
const (
	TypeForward  = "xapi:forward"
	ForwardQueue = "xapi"
	// ForwardBatch is how many statements one POST carries.
	ForwardBatch = 100
	// forwardTimeout bounds one POST to an endpoint.
	forwardTimeout = 30 * time.Second
	// forwardSlice bounds how long one task keeps delivering.
	forwardSlice = 20 * time.Second
)

type forwardPayload struct {
	ForwardID string `json:"forward_id"`
}

// NewForwardTask is the task that delivers an endpoint's pending
// statements; its TaskID keeps one queued per endpoint.
func NewForwardTask(forwardID string) (*asynq.Task, error) {
	b, err := json.Marshal(forwardPayload{ForwardID: forwardID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeForward, b, asynq.TaskID("xapi-forward:"+forwardID), asynq.Queue(ForwardQueue),
		asynq.MaxRetry(3), asynq.Timeout(2*forwardSlice+forwardTimeout)), nil
}

// Enqueuer is the part of an asynq client the dispatcher uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Forwarder sends every statement of an organization's LRS to the LRSs it
// registered (Forward), in stored order, in batches of ForwardBatch, each
// once. The endpoint's cursor (delivered_seq) lives in PostgreSQL and
// moves in the transaction that follows a successful POST, so a worker or
// Redis restart loses nothing; a POST whose answer was lost is sent again,
// and the statement ids make that a no-op at a conformant LRS (a 409 is
// answered by PUTting each statement by its id). A failure is recorded
// (visible to admins) and retried with backoff from 5 s doubling to 10
// minutes, for as long as the endpoint is down. DB is the system pool.
type Forwarder struct {
	DB    *pgxpool.Pool
	Queue Enqueuer
	Log   *slog.Logger
	Clock clock.Clock
	// AllowPrivate lets endpoints be on private addresses (tests, a
	// company LRS on the same network).
	AllowPrivate bool
	// Poll is how often the dispatcher looks for pending statements (1 s).
	Poll   time.Duration
	client *http.Client
}

func (f *Forwarder) http() *http.Client {
	if f.client == nil {
		f.client = egress.Client(f.AllowPrivate, forwardTimeout)
	}
	return f.client
}

// Dispatch enqueues a task for every active endpoint with statements
// stored after its cursor and no retry pending, every Poll, until ctx is
// done.
func (f *Forwarder) Dispatch(ctx context.Context) {
	poll := f.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := f.DispatchRound(ctx); err != nil && ctx.Err() == nil {
			f.Log.Warn("dispatch LRS forwarding", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DispatchRound enqueues the endpoints that have something to deliver.
func (f *Forwarder) DispatchRound(ctx context.Context) error {
	rows, err := f.DB.Query(ctx, `select f.id::text from xapi_forwards f
		where f.active and (f.next_attempt_at is null or f.next_attempt_at <= now())
		and exists (select 1 from xapi_statements s where s.org_id = f.org_id and s.seq > f.delivered_seq)`)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, id := range ids {
		t, err := NewForwardTask(id)
		if err != nil {
			return err
		}
		if _, err := f.Queue.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
			return fmt.Errorf("enqueue forward %s: %w", id, err)
		}
	}
	return nil
}

// HandleForward is the asynq handler of TypeForward.
func (f *Forwarder) HandleForward(ctx context.Context, t *asynq.Task) error {
	var p forwardPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("forward payload: %v: %w", err, asynq.SkipRetry)
	}
	return f.Deliver(ctx, p.ForwardID)
}

// Deliver sends an endpoint's pending statements, a batch at a time, for
// up to forwardSlice (the next task carries on).
func (f *Forwarder) Deliver(ctx context.Context, id string) error {
	start := f.Clock.Now()
	for f.Clock.Since(start) < forwardSlice {
		more, err := f.deliverBatch(ctx, id)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// forwardRow is an endpoint as its delivery reads it.
type forwardRow struct {
	org, url, user, password string
	verbs, activities        []string
	active                   bool
	seq                      int64
	attempts                 int
}

// deliverBatch sends one batch in a transaction that holds the endpoint's
// row (one delivery at a time per endpoint, whatever the workers) and
// moves its cursor when the endpoint took it. It reports whether more may
// be pending. A failed POST is recorded, not returned: the dispatcher
// retries at next_attempt_at.
func (f *Forwarder) deliverBatch(ctx context.Context, id string) (bool, error) {
	tx, err := f.DB.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var fw forwardRow
	err = tx.QueryRow(ctx, `select org_id, url, username, password, verbs, activities, active, delivered_seq, attempts
		from xapi_forwards where id = $1 for update skip locked`, id).
		Scan(&fw.org, &fw.url, &fw.user, &fw.password, &fw.verbs, &fw.activities, &fw.active, &fw.seq, &fw.attempts)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !fw.active) {
		return false, nil // deleted, paused, or another worker holds it
	}
	if err != nil {
		return false, err
	}
	// The statements after the cursor, up to what is stored now: those
	// the filters keep, a batch at most.
	var through int64
	if err := tx.QueryRow(ctx, `select coalesce(max(seq), 0) from xapi_statements where org_id = $1`, fw.org).Scan(&through); err != nil {
		return false, err
	}
	acts := make([][16]byte, len(fw.activities))
	for i, a := range fw.activities {
		acts[i] = digest(keyActivity, a)
	}
	rows, err := tx.Query(ctx, `select s.seq, s.body::text from xapi_statements s
		where s.org_id = $1 and s.seq > $2 and s.seq <= $3
		and (cardinality($4::text[]) = 0 or s.verb = any($4))
		and (cardinality($5::uuid[]) = 0 or exists (select 1 from xapi_statement_keys k
			where k.org_id = $1 and k.kind = 'c' and k.key = any($5) and k.seq = s.seq and not k.related))
		order by s.seq limit $6`, fw.org, fw.seq, through, fw.verbs, acts, ForwardBatch)
	if err != nil {
		return false, err
	}
	type row struct {
		seq  int64
		body string
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.seq, &x.body)
	})
	if err != nil {
		return false, err
	}
	next, more := through, false
	if len(batch) == ForwardBatch {
		next, more = batch[len(batch)-1].seq, true
	}
	if len(batch) > 0 {
		bodies := make([]string, len(batch))
		for i, r := range batch {
			bodies[i] = r.body
		}
		if err := f.post(ctx, fw, bodies); err != nil {
			delay := min(5*time.Second<<min(fw.attempts, 10), 10*time.Minute)
			f.Log.Info("LRS forward failed; retrying", "forward", id, "attempts", fw.attempts+1, "in", delay, "err", err)
			if _, err := tx.Exec(ctx, `update xapi_forwards set attempts = attempts + 1, last_attempt_at = now(),
				last_error = $2, next_attempt_at = now() + make_interval(secs => $3) where id = $1`,
				id, truncate(err.Error(), 500), delay.Seconds()); err != nil {
				return false, err
			}
			return false, tx.Commit(ctx)
		}
	}
	if _, err := tx.Exec(ctx, `update xapi_forwards set delivered_seq = $2, delivered = delivered + $3, attempts = 0,
		next_attempt_at = null, last_error = null,
		last_attempt_at = case when $3 > 0 then now() else last_attempt_at end,
		last_success_at = case when $3 > 0 then now() else last_success_at end
		where id = $1`, id, next, len(batch)); err != nil {
		return false, err
	}
	return more, tx.Commit(ctx)
}

// post sends a batch: one POST of the array; a 409 (some ids are there
// already) falls back to a PUT of each by its id, where 204 and 409 both
// mean the endpoint has it.
func (f *Forwarder) post(ctx context.Context, fw forwardRow, bodies []string) error {
	base := strings.TrimRight(fw.url, "/")
	st, msg, err := f.send(ctx, fw, http.MethodPost, base+"/statements", "["+strings.Join(bodies, ",")+"]")
	if err != nil {
		return err
	}
	switch {
	case st/100 == 2:
		return nil
	case st != http.StatusConflict:
		return fmt.Errorf("POST %s/statements: %d %s", base, st, msg)
	}
	for _, b := range bodies {
		var s struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(b), &s); err != nil {
			return err
		}
		st, msg, err := f.send(ctx, fw, http.MethodPut, base+"/statements?statementId="+s.ID, b)
		if err != nil {
			return err
		}
		if st/100 != 2 && st != http.StatusConflict {
			return fmt.Errorf("PUT %s/statements?statementId=%s: %d %s", base, s.ID, st, msg)
		}
	}
	return nil
}

func (f *Forwarder) send(ctx context.Context, fw forwardRow, method, url, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.Header.Set("User-Agent", "Lectern-LRS-Forward/1")
	if fw.user != "" || fw.password != "" {
		req.SetBasicAuth(fw.user, fw.password)
	}
	resp, err := f.http().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
