package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// stackRedis is the local stack's Redis; every test works under a random
// key prefix, so tests and the running stack do not meet.
func stackRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	if os.Getenv("LECTERN_INTEGRATION") != "1" {
		t.Skip("integration test: needs the stack's Redis (LECTERN_INTEGRATION=1 with .data/env sourced)")
	}
	addr := os.Getenv("LECTERN_REDIS_ADDR")
	if addr == "" {
		t.Fatal("LECTERN_REDIS_ADDR is not set: source .data/env")
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

func prefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "lectern:test:rl:" + hex.EncodeToString(b) + ":"
}

// stepClock is a pinned, steppable clock.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGCRA(t *testing.T) {
	rdb := stackRedis(t)
	ctx := context.Background()
	clk := &stepClock{t: time.Unix(1_800_000_000, 123_456_000)}
	l := New(rdb, 10, 5) // one every 100 ms, 5 at once
	l.Prefix, l.Clock = prefix(), clk.Now

	// A fresh client has the whole burst.
	for i := range 5 {
		r, err := l.Allow(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Allowed || r.Remaining != 4-i {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, r, 4-i)
		}
	}
	r, _ := l.Allow(ctx, "a")
	if r.Allowed || r.Remaining != 0 || r.RetryAfter != 100*time.Millisecond {
		t.Fatalf("6th request: %+v, want refused, retry after 100ms", r)
	}
	// Another key has its own budget.
	if r, _ := l.Allow(ctx, "b"); !r.Allowed || r.Remaining != 4 {
		t.Fatalf("other key: %+v", r)
	}
	// Part of an interval later: still refused, with the rest to wait.
	clk.Add(40 * time.Millisecond)
	if r, _ := l.Allow(ctx, "a"); r.Allowed || r.RetryAfter != 60*time.Millisecond {
		t.Fatalf("after 40ms: %+v, want retry after 60ms", r)
	}
	// One interval refills one request.
	clk.Add(60 * time.Millisecond)
	if r, _ := l.Allow(ctx, "a"); !r.Allowed || r.Remaining != 0 {
		t.Fatalf("after 100ms: %+v, want one allowed", r)
	}
	if r, _ := l.Allow(ctx, "a"); r.Allowed {
		t.Fatalf("refill gave more than one: %+v", r)
	}
	// Sustained at the rate, every request passes.
	for i := range 20 {
		clk.Add(100 * time.Millisecond)
		if r, _ := l.Allow(ctx, "a"); !r.Allowed {
			t.Fatalf("sustained request %d refused: %+v", i, r)
		}
	}
	// Idle long enough, the burst is whole again, never more.
	clk.Add(time.Hour)
	if r, _ := l.Allow(ctx, "a"); !r.Allowed || r.Remaining != 4 {
		t.Fatalf("after idling: %+v", r)
	}
	// The key expires once the budget is whole.
	ttl, err := rdb.PTTL(ctx, l.Prefix+"a").Result()
	if err != nil || ttl <= 0 || ttl > 200*time.Millisecond {
		t.Fatalf("key TTL %s %v, want about one interval", ttl, err)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 90 * time.Second: 90} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%s) = %d, want %d", d, got, want)
		}
	}
}

func testApp(h fiber.Handler) *fiber.App {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := httpapp.New(httpapp.Options{Logger: log, JSONBodyLimit: 1 << 10})
	// Stands in for auth: X-Token names the caller's token.
	app.Use(func(c *fiber.Ctx) error {
		if tok := c.Get("X-Token"); tok != "" {
			c.SetUserContext(auth.WithPrincipal(c.UserContext(), &auth.Principal{TokenID: tok}))
		}
		return c.Next()
	})
	app.Use(h)
	app.Get("/x", func(c *fiber.Ctx) error { return c.SendString("ok") })
	return app
}

func get(t *testing.T, app *fiber.App, token string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/x", nil)
	if token != "" {
		req.Header.Set("X-Token", token)
	}
	resp, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{}
	for _, k := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"} {
		h[k] = resp.Header.Get(k)
	}
	return resp.StatusCode, h
}

func TestMiddlewareAnswers429AfterTheBurst(t *testing.T) {
	rdb := stackRedis(t)
	l := New(rdb, 1, 3)
	l.Prefix = prefix()
	app := testApp(l.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil))))
	for i := range 3 {
		code, h := get(t, app, "tok1")
		if code != 200 || h["X-RateLimit-Limit"] != "3" || h["X-RateLimit-Remaining"] != strconv.Itoa(2-i) {
			t.Fatalf("request %d: %d %v", i+1, code, h)
		}
	}
	code, h := get(t, app, "tok1")
	if code != 429 || h["Retry-After"] != "1" || h["X-RateLimit-Remaining"] != "0" {
		t.Fatalf("over the burst: %d %v", code, h)
	}
	// Another token, and an anonymous caller (by IP), are not affected.
	if code, _ := get(t, app, "tok2"); code != 200 {
		t.Fatalf("other token: %d", code)
	}
	if code, h := get(t, app, ""); code != 200 || h["X-RateLimit-Remaining"] != "2" {
		t.Fatalf("anonymous: %d %v", code, h)
	}
}

func TestMiddlewareFailsOpenWhenRedisIsDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	app := testApp(Middleware(rdb, 1, 1, slog.New(slog.NewTextHandler(io.Discard, nil))))
	for range 5 {
		if code, h := get(t, app, "tok"); code != 200 || h["X-RateLimit-Limit"] != "" {
			t.Fatalf("with Redis down: %d %v", code, h)
		}
	}
}

func TestDisabled(t *testing.T) {
	for _, rb := range [][2]int{{0, 200}, {100, 0}} {
		app := testApp(Middleware(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), float64(rb[0]), rb[1], slog.Default()))
		if code, h := get(t, app, "tok"); code != 200 || h["X-RateLimit-Limit"] != "" {
			t.Fatalf("disabled %v: %d %v", rb, code, h)
		}
	}
	app := testApp(Middleware(nil, 100, 200, slog.Default()))
	if code, _ := get(t, app, "tok"); code != 200 {
		t.Fatal(code)
	}
}

// countingHook counts the scripts a Redis client runs (EVALSHA: go-redis
// falls back to EVAL once, when Redis does not know the script yet).
type countingHook struct {
	mu sync.Mutex
	n  int
}

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" {
			h.mu.Lock()
			h.n++
			h.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A process leases part of a budget and decides from the lease: 50
// requests cost 3 round trips with a lease of 20, and the budget in Redis
// is charged for what was leased; a refusal is remembered until it can
// succeed, so a refused client costs no round trip either.
func TestTakeLeasesFromRedis(t *testing.T) {
	rdb := stackRedis(t).(*redis.Client)
	hook := &countingHook{}
	rdb.AddHook(hook)
	clk := &stepClock{t: time.Unix(1_800_000_000, 0)}
	l := New(rdb, 100, 200)
	l.Prefix, l.Clock = prefix(), clk.Now
	if l.Lease != 20 {
		t.Fatalf("lease %d, want a tenth of the burst", l.Lease)
	}
	ctx := context.Background()
	for i := range 50 {
		if r, err := l.Take(ctx, "a"); err != nil || !r.Allowed {
			t.Fatalf("request %d: %+v %v", i, r, err)
		}
	}
	hook.mu.Lock()
	calls := hook.n
	hook.mu.Unlock()
	if calls != 3 {
		t.Fatalf("%d Redis round trips for 50 requests, want 3 leases", calls)
	}
	// Another process sees the leased requests spent: 200 - 60 left.
	other := New(rdb, 100, 200)
	other.Prefix, other.Clock, other.Lease = l.Prefix, clk.Now, 1
	if r, _ := other.Allow(ctx, "a"); !r.Allowed || r.Remaining != 139 {
		t.Fatalf("the other process sees %+v, want 139 remaining", r)
	}
	// Spend the rest, then a refusal stands locally until its retry time.
	for {
		r, err := l.Take(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Allowed {
			break
		}
	}
	hook.mu.Lock()
	before := hook.n
	hook.mu.Unlock()
	for range 10 {
		if r, _ := l.Take(ctx, "a"); r.Allowed || r.RetryAfter <= 0 {
			t.Fatalf("refused client allowed: %+v", r)
		}
	}
	hook.mu.Lock()
	after := hook.n
	hook.mu.Unlock()
	if after != before {
		t.Fatalf("a refused client cost %d round trips", after-before)
	}
	clk.Add(time.Second)
	if r, _ := l.Take(ctx, "a"); !r.Allowed {
		t.Fatalf("after a second: %+v", r)
	}
}

// Local budgets: a burst, then one per interval.
func TestLocal(t *testing.T) {
	clk := &stepClock{t: time.Unix(1_800_000_000, 0)}
	l := NewLocal(10, 3)
	l.Clock = clk.Now
	for i := range 3 {
		if ex, _ := l.Exhausted("ip"); ex {
			t.Fatalf("exhausted after %d", i)
		}
		l.Spend("ip")
	}
	if ex, wait := l.Exhausted("ip"); !ex || wait != 100*time.Millisecond {
		t.Fatalf("after the burst: %v %v", ex, wait)
	}
	if ex, _ := l.Exhausted("other"); ex {
		t.Fatal("another key is exhausted")
	}
	clk.Add(100 * time.Millisecond)
	if ex, _ := l.Exhausted("ip"); ex {
		t.Fatal("not refilled after an interval")
	}
}

// Many requests of one client at once lease its budget one at a time: the
// others wait for that lease instead of each taking one (which would spend
// the budget many times over).
func TestTakeLeasesOnceUnderConcurrency(t *testing.T) {
	rdb := stackRedis(t).(*redis.Client)
	hook := &countingHook{}
	rdb.AddHook(hook)
	l := New(rdb, 10000, 10000) // leases of 1000
	l.Prefix = prefix()
	var wg sync.WaitGroup
	var refused sync.Map
	for g := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if r, err := l.Take(context.Background(), "a"); err != nil || !r.Allowed {
					refused.Store(g, r)
				}
			}
		}()
	}
	wg.Wait()
	refused.Range(func(k, v any) bool {
		t.Errorf("goroutine %v refused: %+v", k, v)
		return true
	})
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if hook.n > 4 {
		t.Fatalf("%d leases for 2000 requests of 1000 a lease", hook.n)
	}
}
