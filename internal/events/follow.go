package events

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Follow runs round until ctx is done: at once, after every notification
// on Channel (an Append committed), and every poll in any case (for
// notifications sent while it was not listening). It listens on a
// connection of its own, taken out of the pool so that no one else
// inherits its LISTEN; when it cannot listen it polls, and warns as name.
// Every reader of the log (webhook fan-out, the LRS's own record) follows
// it this way.
func Follow(ctx context.Context, pool *pgxpool.Pool, poll time.Duration, log *slog.Logger, name string, round func(context.Context)) {
	for {
		err := listen(ctx, pool, poll, round)
		if ctx.Err() != nil {
			return
		}
		log.Warn(name+" cannot listen for events; polling", "err", err)
		round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

func listen(ctx context.Context, pool *pgxpool.Pool, poll time.Duration, round func(context.Context)) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	for {
		round(ctx)
		wctx, cancel := context.WithTimeout(ctx, poll)
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
