// Package ratelimit limits requests per API token (per client IP for
// anonymous calls) with the generic cell rate algorithm, kept in Redis so
// every API process shares one budget. Each request costs one round trip:
// a Lua script reads, decides and writes the key atomically.
//
// A key holds its theoretical arrival time (TAT): the moment the client's
// budget is whole again. A request at now is allowed when
// TAT+interval-burst·interval <= now, and then moves TAT one interval on.
// Sustained traffic gets rate requests a second; an idle client may send
// burst at once.
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

// gcra works in milliseconds (fractional for rates above 1000/s). TAT is
// written with %.3f: Lua 5.1's tostring keeps only 14 digits.
var gcra = redis.NewScript(`
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval
local allow_at = next_tat - burst * interval
if now < allow_at then
  return {0, 0, tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now) + 1)
return {1, math.floor((now - allow_at) / interval), '0'}
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
	// Clock is the time (the real clock by default); tests pin it.
	Clock clock.Clock
}

// New returns a limiter allowing rate requests a second sustained and burst
// at once.
func New(rdb redis.UniversalClient, rate float64, burst int) *Limiter {
	return &Limiter{rdb: rdb, rate: rate, burst: burst, interval: 1000 / rate, Prefix: "lectern:rl:"}
}

// Allow spends one request of key's budget, if there is one.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	now := float64(l.Clock.Now().UnixMicro()) / 1000
	v, err := gcra.Run(ctx, l.rdb, []string{l.Prefix + key},
		strconv.FormatFloat(now, 'f', 3, 64), strconv.FormatFloat(l.interval, 'f', 6, 64), l.burst).Slice()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if len(v) != 3 {
		return Result{}, fmt.Errorf("rate limit %s: unexpected reply %v", key, v)
	}
	allowed, _ := v[0].(int64)
	remaining, _ := v[1].(int64)
	s, _ := v[2].(string)
	wait, _ := strconv.ParseFloat(s, 64)
	return Result{Allowed: allowed == 1, Remaining: int(remaining), RetryAfter: time.Duration(wait * float64(time.Millisecond))}, nil
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
	var mu sync.Mutex
	var skipUntil, warned time.Time
	limit := strconv.Itoa(l.burst)
	return func(c *fiber.Ctx) error {
		now := l.Clock.Now()
		mu.Lock()
		skip := now.Before(skipUntil)
		mu.Unlock()
		if skip {
			return c.Next()
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 250*time.Millisecond)
		r, err := l.Allow(ctx, Key(c))
		cancel()
		if err != nil {
			mu.Lock()
			skipUntil = now.Add(time.Second)
			warn := now.Sub(warned) >= 10*time.Second
			if warn {
				warned = now
			}
			mu.Unlock()
			if warn {
				log.WarnContext(c.UserContext(), "rate limiter unavailable: requests pass unlimited", "err", err)
			}
			return c.Next()
		}
		c.Set("X-RateLimit-Limit", limit)
		c.Set("X-RateLimit-Remaining", strconv.Itoa(r.Remaining))
		if !r.Allowed {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(RetryAfterSeconds(r.RetryAfter)))
			return httpapp.Errorf(fiber.StatusTooManyRequests, "rate_limited",
				"too many requests: at most %s a second with bursts of %d; retry after %s", strconv.FormatFloat(l.rate, 'f', -1, 64), l.burst, r.RetryAfter.Round(time.Millisecond))
		}
		return c.Next()
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
