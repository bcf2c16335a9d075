// Package changes tells every API process, as it happens, that something it
// may hold in memory has changed: a token was revoked, a user's roles or
// name changed, a course of the catalog was edited. A change is published
// in the transaction that makes it (PostgreSQL NOTIFY, delivered when the
// transaction commits, never when it rolls back); each process LISTENs and
// hands changes to its subscribers (the caches).
//
// A cache must not answer from memory while its process cannot hear of
// changes: Healthy is false until the listener is connected, and every
// (re)connection is reported to subscribers as a change of everything,
// since notifications sent meanwhile are lost.
//
// When the request that made a change answers, every process has heard
// it: the publishing process hands it to its own subscribers as soon as it
// commits, and waits (up to AckWait) until every other live process has
// acknowledged it. Processes know each other from the heartbeats each
// sends on the channel every second; one not heard for three seconds is
// no longer waited for.
package changes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/database"
)

// Channel starts the name of the NOTIFY channel changes, acknowledgements
// and heartbeats travel on; the schema's name ends it, so that processes
// of two deployments sharing one database (tests, each in its schema) do
// not hear each other.
const Channel = "lectern_changes."

const (
	heartbeat = time.Second
	peerGone  = 3 * time.Second
)

// Change names what changed: a topic ("auth", "catalog"), the organization
// it is in, and a key within the topic ("" for all of it). The zero Change
// (no topic) means everything may have changed.
type Change struct {
	Topic string
	Org   string
	Key   string
}

// Bus delivers changes. The zero value is not usable; see New.
type Bus struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	id   string
	// AckWait bounds how long Publish waits for the other processes to
	// acknowledge a change (2 s by default).
	AckWait time.Duration

	healthy atomic.Bool
	mu      sync.RWMutex
	subs    []func(Change)

	pmu     sync.Mutex
	peers   map[string]time.Time // other processes, when last heard
	waiting map[string]*waiter   // by nonce
}

// waiter is a Publish waiting for its change to come back (echo) and be
// acknowledged by every process that was live when it committed.
type waiter struct {
	echo bool
	need map[string]bool
	done chan struct{}
	at   time.Time
}

func (w *waiter) check() {
	if w.echo && len(w.need) == 0 {
		select {
		case <-w.done:
		default:
			close(w.done)
		}
	}
}

// New returns a bus listening on pool (nil: a bus that is never healthy,
// so caches never answer from memory).
func New(pool *pgxpool.Pool, log *slog.Logger) *Bus {
	return &Bus{pool: pool, log: log, id: nonce(), AckWait: 2 * time.Second,
		peers: map[string]time.Time{}, waiting: map[string]*waiter{}}
}

func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Subscribe registers fn for every change (and for the zero Change when
// everything may have changed). fn must be quick and must not block.
func (b *Bus) Subscribe(fn func(Change)) {
	b.mu.Lock()
	b.subs = append(b.subs, fn)
	b.mu.Unlock()
}

// Healthy reports whether the bus hears of changes now: what a cache holds
// may be used only then.
func (b *Bus) Healthy() bool { return b != nil && b.healthy.Load() }

func (b *Bus) deliver(c Change) {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	for _, fn := range subs {
		fn(c)
	}
}

// Publish announces c in the transaction ctx carries (on q), to every
// process once it commits; an empty Org is the transaction's organization.
// After the commit it hands c to this process's subscribers at once and
// waits, up to AckWait, for the other live processes to acknowledge it.
// Without a transaction it announces at once.
func (b *Bus) Publish(ctx context.Context, q database.Querier, c Change) error {
	if b == nil {
		return nil
	}
	if strings.ContainsRune(c.Topic+c.Org+c.Key, '|') {
		return fmt.Errorf("change %+v: '|' is not allowed in its fields", c)
	}
	n := nonce()
	// The waiter exists before the change can come back. If the
	// transaction rolls back, it is swept later.
	w := &waiter{need: map[string]bool{}, done: make(chan struct{}), at: time.Now()}
	b.pmu.Lock()
	for p, seen := range b.peers {
		if w.at.Sub(seen) < peerGone {
			w.need[p] = true
		}
	}
	// Alone, there is no one to wait for (not even the echo).
	w.echo = len(w.need) == 0
	w.check()
	for k, old := range b.waiting {
		if w.at.Sub(old.at) > 2*b.AckWait+time.Minute {
			delete(b.waiting, k)
		}
	}
	b.waiting[n] = w
	b.pmu.Unlock()
	// Without an organization, the change is in the transaction's own.
	if err := q.QueryRow(ctx, `select org, pg_notify($1 || current_schema(), 'c|' || $2 || '|' || org || '|' || $4 || '|' || $5 || '|' || $6)
		from (select coalesce(nullif($3, ''), lectern_org()::text, '') as org) o`,
		Channel, c.Topic, c.Org, c.Key, n, b.id).Scan(&c.Org, new(string)); err != nil {
		b.pmu.Lock()
		delete(b.waiting, n)
		b.pmu.Unlock()
		return fmt.Errorf("publish change %s: %w", c.Topic, err)
	}
	database.AfterCommit(ctx, func(context.Context) {
		b.deliver(c)
		if !b.Healthy() {
			b.pmu.Lock()
			delete(b.waiting, n)
			b.pmu.Unlock()
			return
		}
		select {
		case <-w.done:
		case <-time.After(b.AckWait):
			b.log.Warn("a change was not acknowledged by every process in time", "topic", c.Topic, "waited", b.AckWait)
		}
		b.pmu.Lock()
		delete(b.waiting, n)
		b.pmu.Unlock()
	})
	return nil
}

// Run listens until ctx is done, reconnecting after a failure (the bus is
// unhealthy meanwhile, and everything is reported changed when it hears
// again).
func (b *Bus) Run(ctx context.Context) {
	if b.pool == nil {
		return
	}
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listen(ctx)
		b.healthy.Store(false)
		b.deliver(Change{})
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("change listener lost its connection; caches are bypassed until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (b *Bus) listen(ctx context.Context) error {
	pc, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Its own connection, out of the pool: no one else inherits the LISTEN.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "select current_schema()").Scan(&schema); err != nil {
		return err
	}
	channel := Channel + schema
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	send := func(payload string) error {
		_, err := conn.Exec(ctx, "select pg_notify($1, $2)", channel, payload)
		return err
	}
	if err := send("h|" + b.id); err != nil {
		return err
	}
	// Whatever changed while no one listened is unknown: everything did.
	b.deliver(Change{})
	b.healthy.Store(true)
	beat := time.Now()
	for {
		if time.Since(beat) >= heartbeat {
			if err := send("h|" + b.id); err != nil {
				return err
			}
			beat = time.Now()
		}
		wctx, cancel := context.WithTimeout(ctx, heartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && wctx.Err() != nil && !conn.IsClosed() {
				continue // time for a heartbeat
			}
			return err
		}
		if ack := b.hear(n.Payload); ack != "" {
			if err := send(ack); err != nil {
				return err
			}
		}
	}
}

// hear handles one notification and returns what to answer on the
// channel, if anything: an acknowledgement of a change, or a heartbeat to
// a process heard for the first time.
func (b *Bus) hear(payload string) string {
	parts := strings.Split(payload, "|")
	switch {
	case len(parts) == 2 && parts[0] == "h":
		if parts[1] == b.id {
			return ""
		}
		b.pmu.Lock()
		_, known := b.peers[parts[1]]
		b.peers[parts[1]] = time.Now()
		b.pmu.Unlock()
		if !known {
			return "h|" + b.id // a newcomer learns of this process at once
		}
	case len(parts) == 3 && parts[0] == "a":
		b.pmu.Lock()
		if w := b.waiting[parts[1]]; w != nil {
			delete(w.need, parts[2])
			w.check()
		}
		b.pmu.Unlock()
	case len(parts) == 6 && parts[0] == "c":
		nonce, sender := parts[4], parts[5]
		if sender == b.id {
			b.pmu.Lock()
			if w := b.waiting[nonce]; w != nil {
				w.echo = true
				w.check()
			}
			b.pmu.Unlock()
			return ""
		}
		b.deliver(Change{Topic: parts[1], Org: parts[2], Key: parts[3]})
		b.pmu.Lock()
		b.peers[sender] = time.Now()
		b.pmu.Unlock()
		return "a|" + nonce + "|" + b.id
	default:
		b.deliver(Change{})
	}
	return ""
}

// Peers returns how many other processes this one hears from.
func (b *Bus) Peers() int {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	n := 0
	for _, seen := range b.peers {
		if time.Since(seen) < peerGone {
			n++
		}
	}
	return n
}
