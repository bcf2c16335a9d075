package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/events"
)

func (s *Sender) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 5 * time.Second
}

func (s *Sender) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return 500
}

func (s *Sender) requeue() time.Duration {
	if s.Requeue > 0 {
		return s.Requeue
	}
	return time.Hour
}

// Dispatch turns new events into deliveries and moves pending deliveries
// into asynq until ctx is done. Appending events notifies events.Channel,
// which wakes it at once; it also looks every Poll, for notifications lost
// while it was not listening (events.Follow). Several workers may dispatch
// at once: the fan-out skips the events another has locked, and TaskIDs
// keep each delivery queued once.
func (s *Sender) Dispatch(ctx context.Context) {
	events.Follow(ctx, s.DB, s.poll(), s.Log, "webhook dispatcher", s.dispatchAll)
}

// dispatchAll runs rounds until one finds less than a batch.
func (s *Sender) dispatchAll(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.DispatchRound(ctx)
		if err != nil {
			s.Log.Warn("dispatch webhook deliveries", "err", err)
			return
		}
		if n < s.batch() {
			return
		}
	}
}

// FanOut turns up to Batch events the webhooks have not taken yet into one
// delivery per active endpoint of the event's organization subscribed to
// its type, and marks them taken, in one statement (a data-modifying CTE
// runs whether or not the final select reads it): an event is fanned out
// exactly once, whoever else runs the fan-out at the same time. It reports
// how many events it took.
func (s *Sender) FanOut(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `with ev as (
			select id from events where webhooks_at is null order by id limit $1 for update skip locked),
		d as (
			insert into webhook_deliveries (org_id, webhook_id, event_id, event, payload, created_at)
			select e.org_id, w.id, e.id, e.type, e.payload, e.occurred_at
			from ev join events e on e.id = ev.id
			join webhooks w on w.org_id = e.org_id and w.active and e.type = any (w.events)
			returning 1),
		u as (
			update events e set webhooks_at = now() from ev where e.id = ev.id returning 1)
		select count(*) from u`, s.batch()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("fan events out to webhooks: %w", err)
	}
	return n, nil
}

// DispatchRound fans new events out (FanOut), then enqueues up to Batch
// pending deliveries: those never enqueued, oldest first, then those
// enqueued more than Requeue ago and still pending (a task Redis lost). It
// reports how many it enqueued.
func (s *Sender) DispatchRound(ctx context.Context) (int, error) {
	for ctx.Err() == nil {
		n, err := s.FanOut(ctx)
		if err != nil {
			return 0, err
		}
		if n < s.batch() {
			break
		}
	}
	rows, err := s.DB.Query(ctx, `
		(select id::text from webhook_deliveries where status = 'pending' and enqueued_at is null
			order by created_at limit $1)
		union all
		(select id::text from webhook_deliveries where status = 'pending' and enqueued_at < now() - make_interval(secs => $2)
			order by enqueued_at limit $1)
		limit $1`, s.batch(), s.requeue().Seconds())
	if err != nil {
		return 0, fmt.Errorf("select pending deliveries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("select pending deliveries: %w", err)
	}
	done := make([]string, 0, len(ids))
	var qerr error
	for _, id := range ids {
		t, err := NewDeliverTask(id)
		if err != nil {
			return 0, err
		}
		_, err = s.Queue.EnqueueContext(ctx, t)
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
			qerr = fmt.Errorf("enqueue delivery %s: %w", id, err)
			break // Redis is unwell: the rest wait for the next round
		}
		done = append(done, id)
	}
	if len(done) > 0 {
		if _, err := s.DB.Exec(ctx, `update webhook_deliveries set enqueued_at = now() where id = any($1::uuid[])`, done); err != nil {
			return len(done), errors.Join(qerr, fmt.Errorf("mark deliveries enqueued: %w", err))
		}
	}
	return len(done), qerr
}
