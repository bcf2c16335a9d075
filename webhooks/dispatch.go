package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
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

// Dispatch moves pending deliveries from the outbox into asynq until ctx is
// done. The outbox triggers NOTIFY lectern_webhooks when they write, which
// wakes it at once; it also looks every Poll, for notifications lost while
// it was not listening. Several workers may dispatch at once: TaskIDs keep
// each delivery queued once.
func (s *Sender) Dispatch(ctx context.Context) {
	for {
		err := s.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		s.Log.Warn("webhook dispatcher cannot listen for notifications; polling", "err", err)
		s.dispatchAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.poll()):
		}
	}
}

// listen holds a connection of its own (taken out of the pool, so that no
// one else inherits its LISTEN) and dispatches after each notification or
// Poll, whichever comes first.
func (s *Sender) listen(ctx context.Context) error {
	pc, err := s.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{NotifyChannel}.Sanitize()); err != nil {
		return err
	}
	for {
		s.dispatchAll(ctx)
		wctx, cancel := context.WithTimeout(ctx, s.poll())
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		if conn.IsClosed() {
			return errors.New("listening connection closed")
		}
	}
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

// DispatchRound enqueues up to Batch pending deliveries: those never
// enqueued, oldest first, then those enqueued more than Requeue ago and
// still pending (a task Redis lost). It reports how many it enqueued.
func (s *Sender) DispatchRound(ctx context.Context) (int, error) {
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
