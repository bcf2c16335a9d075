// Package ratelimit limits requests with the generic cell rate algorithm
// (GCRA): per API token (per client address for anonymous calls), for
// sign-in per address and per account, and, in this process alone, the
// failed token look-ups of an address.
//
// A budget holds its theoretical arrival time (TAT): the moment it is whole
// again. At now, floor((now + burst·interval - TAT) / interval) requests are
// available; spending n moves TAT n intervals on. Sustained traffic gets
// rate requests a second; an idle client may send burst at once.
//
// Budgets every API process shares live in Redis (Limiter), but a request
// does not pay a Redis round trip: a process leases a few requests of a
// budget at once (Lease: a tenth of the burst, within a second) and spends
// them locally; a refused budget is remembered until it may succeed again.
// Across processes a client can exceed its budget by at most the unspent
// leases, and an idle lease lapses within a second.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/httpapp"
)

// gcra spends up to ARGV[4] requests of a budget and returns how many it
// spent, how many remain, and (spending none) how long until one may be.
// It works in milliseconds (fractional for rates above 1000/s); TAT is
// written with %.3f because Lua 5.1's tostring keeps only 14 digits.
var gcra = redis.NewScript(`
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local avail = math.floor((now + burst * interval - tat) / interval + 1e-9)
if avail < 1 then
  return {0, 0, tostring(tat + interval - burst * interval - now)}
end
local n = math.min(want, avail)
local next_tat = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now) + 1)
return {n, avail - n, '0'}
`)

// Result is the decision for one request.
type Result struct {
	Allowed bool
	// Remaining is how many more requests could be made right now.
	Remaining int
	// RetryAfter is how long a refused client must wait.
	RetryAfter time.Duration
}

// Limiter decides requests against budgets in Redis.
type Limiter struct {
	rdb      redis.UniversalClient
	rate     float64
	burst    int
	interval float64 // milliseconds between requests at the sustained rate
	// Prefix starts every Redis key ("lectern:rl:" by default).
	Prefix string
	// Lease is how many requests a process takes from Redis at once
	// (default a tenth of the burst, at least 1); 1 makes every decision
	// in Redis.
	Lease int
	// Clock is the time (the real clock by default); tests pin it.
	Clock clock.Clock

	mu     sync.Mutex
	leases map[string]*lease
	swept  time.Time
}

// lease is a process's share of a budget: n requests to spend before
// until, or a refusal standing until until.
type lease struct {
	n         int
	remaining int // what Redis said was left after the lease
	refused   bool
	until     time.Time
	fetching  chan struct{} // closed when a lease being fetched is in
}

// New returns a limiter allowing rate requests a second sustained and burst
// at once. Its lease is a tenth of the burst, and never more than a second
// of the rate, so that what lapses unspent is refilled within the second.
func New(rdb redis.UniversalClient, rate float64, burst int) *Limiter {
	return &Limiter{rdb: rdb, rate: rate, burst: burst, interval: 1000 / rate, Prefix: "lectern:rl:",
		Lease: max(1, min(burst/10, int(rate))), leases: map[string]*lease{}}
}

// Allow spends one request of key's budget, if there is one, in Redis.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	n, r, err := l.spend(ctx, key, 1)
	if err != nil {
		return Result{}, err
	}
	r.Allowed = n == 1
	return r, nil
}

// spend takes up to want requests of key's budget in Redis.
func (l *Limiter) spend(ctx context.Context, key string, want int) (int, Result, error) {
	now := float64(l.Clock.Now().UnixMicro()) / 1000
	v, err := gcra.Run(ctx, l.rdb, []string{l.Prefix + key},
		strconv.FormatFloat(now, 'f', 3, 64), strconv.FormatFloat(l.interval, 'f', 6, 64), l.burst, want).Slice()
	if err != nil {
		return 0, Result{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if len(v) != 3 {
		return 0, Result{}, fmt.Errorf("rate limit %s: unexpected reply %v", key, v)
	}
	got, _ := v[0].(int64)
	remaining, _ := v[1].(int64)
	s, _ := v[2].(string)
	wait, _ := strconv.ParseFloat(s, 64)
	return int(got), Result{Remaining: int(remaining), RetryAfter: time.Duration(wait * float64(time.Millisecond))}, nil
}

// Take spends one request of key's budget, from this process's lease when
// it holds one (no round trip), else by leasing more from Redis. One
// request at a time leases a key's budget; the others wait for its lease.
func (l *Limiter) Take(ctx context.Context, key string) (Result, error) {
	for {
		now := l.Clock.Now()
		l.mu.Lock()
		ls := l.leases[key]
		if ls != nil && ls.fetching != nil {
			wait := ls.fetching
			l.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
		}
		if ls != nil && now.Before(ls.until) && (ls.n > 0 || ls.refused) {
			defer l.mu.Unlock()
			if ls.refused {
				return Result{RetryAfter: ls.until.Sub(now)}, nil
			}
			ls.n--
			return Result{Allowed: true, Remaining: ls.remaining + ls.n}, nil
		}
		l.sweep(now)
		fetching := make(chan struct{})
		l.leases[key] = &lease{fetching: fetching}
		l.mu.Unlock()

		n, r, err := l.spend(ctx, key, max(1, l.Lease))
		next := &lease{remaining: r.Remaining, until: now.Add(time.Second)}
		switch {
		case err != nil:
			next = nil
		case n > 0:
			next.n = n - 1
			r.Allowed, r.Remaining = true, r.Remaining+next.n
		default:
			next.refused, next.until = true, now.Add(r.RetryAfter)
		}
		l.mu.Lock()
		if next == nil {
			delete(l.leases, key)
		} else {
			l.leases[key] = next
		}
		l.mu.Unlock()
		close(fetching)
		return r, err
	}
}

// sweep forgets lapsed leases now and then (l.mu held).
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < 10*time.Second {
		return
	}
	l.swept = now
	for k, ls := range l.leases {
		if ls.fetching == nil && !now.Before(ls.until) {
			delete(l.leases, k)
		}
	}
}

// Key names the budget a request spends: its API token or session, else
// the client address.
func Key(c *fiber.Ctx) string {
	if p := auth.From(c.UserContext()); p != nil && p.TokenID != "" {
		return "t:" + p.TokenID
	}
	return "ip:" + c.IP()
}

// Middleware limits each caller (see Key) to rate requests a second with
// bursts of burst; either at 0 turns limiting off. Every limited response
// carries X-RateLimit-Limit (the burst) and X-RateLimit-Remaining; a refused
// one is 429 rate_limited with Retry-After in whole seconds. When Redis
// fails the request goes through (fail open): an outage of the limiter must
// not become an outage of the API. It then stays out of Redis's way for a
// second and warns at most every 10 s.
func Middleware(client redis.UniversalClient, rate float64, burst int, log *slog.Logger) fiber.Handler {
	if client == nil || rate <= 0 || burst <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return New(client, rate, burst).Middleware(log)
}

// Middleware is the package Middleware on this limiter.
func (l *Limiter) Middleware(log *slog.Logger) fiber.Handler {
	limit := strconv.Itoa(l.burst)
	open := failOpen{log: log, clock: l.Clock}
	return func(c *fiber.Ctx) error {
		if open.skipping() {
			return c.Next()
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 250*time.Millisecond)
		r, err := l.Take(ctx, Key(c))
		cancel()
		if err != nil {
			open.failed(c.UserContext(), err)
			return c.Next()
		}
		c.Set("X-RateLimit-Limit", limit)
		c.Set("X-RateLimit-Remaining", strconv.Itoa(r.Remaining))
		if !r.Allowed {
			return l.refuse(c, r)
		}
		return c.Next()
	}
}

// Refused is the 429 of a refused request, with its Retry-After set.
func (l *Limiter) refuse(c *fiber.Ctx, r Result) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(RetryAfterSeconds(r.RetryAfter)))
	return httpapp.Errorf(fiber.StatusTooManyRequests, "rate_limited",
		"too many requests: at most %s a second with bursts of %d; retry after %s", strconv.FormatFloat(l.rate, 'f', -1, 64), l.burst, r.RetryAfter.Round(time.Millisecond))
}

// Guard checks keys against the limiter in Redis (no lease: each attempt
// counts where every process sees it), answering 429 when any is spent;
// each allowed key is charged. It fails open like Middleware.
func (l *Limiter) Guard(log *slog.Logger) func(c *fiber.Ctx, keys ...string) error {
	open := failOpen{log: log, clock: l.Clock}
	return func(c *fiber.Ctx, keys ...string) error {
		if open.skipping() {
			return nil
		}
		for _, k := range keys {
			ctx, cancel := context.WithTimeout(c.UserContext(), 250*time.Millisecond)
			r, err := l.Allow(ctx, k)
			cancel()
			if err != nil {
				open.failed(c.UserContext(), err)
				return nil
			}
			if !r.Allowed {
				return l.refuse(c, r)
			}
		}
		return nil
	}
}

// failOpen lets requests through for a second after Redis failed, warning
// at most every 10 s.
type failOpen struct {
	log               *slog.Logger
	clock             clock.Clock
	mu                sync.Mutex
	skipUntil, warned time.Time
}

func (f *failOpen) skipping() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock.Now().Before(f.skipUntil)
}

func (f *failOpen) failed(ctx context.Context, err error) {
	now := f.clock.Now()
	f.mu.Lock()
	f.skipUntil = now.Add(time.Second)
	warn := now.Sub(f.warned) >= 10*time.Second
	if warn {
		f.warned = now
	}
	f.mu.Unlock()
	if warn {
		f.log.WarnContext(ctx, "rate limiter unavailable: requests pass unlimited", "err", err)
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// Local is a GCRA budget per key kept in this process alone, for decisions
// that need no other process: how many failed token look-ups an address
// has made.
type Local struct {
	interval time.Duration
	burst    int
	// Clock is the time (the real clock by default).
	Clock clock.Clock

	mu    sync.Mutex
	tat   map[string]time.Time
	swept time.Time
}

// NewLocal returns a budget of rate a second sustained and burst at once,
// per key.
func NewLocal(rate float64, burst int) *Local {
	return &Local{interval: time.Duration(float64(time.Second) / rate), burst: burst, tat: map[string]time.Time{}}
}

// Exhausted reports whether key has nothing left to spend now, and how
// long until it has.
func (l *Local) Exhausted(key string) (bool, time.Duration) {
	now := l.Clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.tat[key]
	if !ok || !tat.After(now) {
		return false, 0
	}
	allowAt := tat.Add(l.interval - time.Duration(l.burst)*l.interval)
	if now.Before(allowAt) {
		return true, allowAt.Sub(now)
	}
	return false, 0
}

// Spend spends one of key's budget (going into debt is refused by
// Exhausted, not here).
func (l *Local) Spend(key string) {
	now := l.Clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	l.tat[key] = tat.Add(l.interval)
	if now.Sub(l.swept) > time.Minute {
		l.swept = now
		for k, t := range l.tat {
			if t.Before(now) {
				delete(l.tat, k)
			}
		}
	}
}
