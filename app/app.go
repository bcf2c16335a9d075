// Package server assembles the HTTP application: middleware (request IDs,
// authentication, the per-request tenant transaction), every domain's
// routes, the OpenAPI document and the pages. The binary and the
// integration tests build the same app from here.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/lectern/lectern/assessments"
	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/enrollments"
	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/apidoc"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/internal/idempotency"
	"github.com/lectern/lectern/internal/ratelimit"
	"github.com/lectern/lectern/player"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/webhooks"
	"github.com/lectern/lectern/xapi"
)

// Deps are the running services the app talks to.
type Deps struct {
	// System is the system-scope pool (token look-up, sign-in, the change
	// listener).
	System *pgxpool.Pool
	// Tenant is the pool request transactions are begun on; its connections
	// see no tenant-owned row outside database.InOrg.
	Tenant database.Querier
	Blob   *blob.Store
	Queue  videos.Queue
	// Checks are the health checks /healthz runs, by dependency name.
	Checks map[string]func(context.Context) error
	// Clock is the time every component reads (the real clock when nil).
	Clock clock.Clock
	// Redis keeps the per-token rate limits; nil turns rate limiting off.
	Redis redis.UniversalClient
}

// New returns the application.
func New(cfg *config.Config, log *slog.Logger, d *Deps) *fiber.App {
	app := httpapp.New(httpapp.Options{
		Logger:        log,
		JSONBodyLimit: cfg.JSONBodyLimit,
		Streamed:      []string{"/api/v1/uploads/"},
		BulkBodyLimit: cfg.BulkBodyLimit,
		Errors:        slices.Concat(videos.Errors, identity.Errors, courses.Errors, enrollments.Errors, assessments.Errors, webhooks.Errors, xapi.Errors),
		BodyTimeout:   cfg.BodyTimeout, BodyMinRate: cfg.BodyMinRate,
		RequestTimeout: cfg.RequestTimeout, PartTimeout: cfg.PartTimeout,
	})
	app.Get("/healthz", health(d.Checks))
	app.Get("/api/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(apidoc.OpenAPI)
	})
	// Every process hears of changes to what it caches (credentials, the
	// catalog) from the others, through the database.
	bus := changes.New(d.System, log)
	busCtx, stopBus := context.WithCancel(context.Background())
	go bus.Run(busCtx)
	app.Hooks().OnShutdown(func() error { stopBus(); return nil })
	authn := &auth.Authenticator{DB: d.System, Changes: bus, Clock: d.Clock,
		// An address may fail 20 look-ups at once, then one a second.
		Failures: ratelimit.NewLocal(1, 20)}
	app.Use(authn.Middleware())

	media := &cdn.Signer{Base: cfg.CDNURL, Secret: cfg.MediaSecret, TTL: cfg.MediaURLTTL, Clock: d.Clock}
	v1 := app.Group("/api/v1")
	// Before the tenant transaction: a refused request costs no connection.
	if d.Redis != nil && cfg.RateLimit > 0 && cfg.RateBurst > 0 {
		limiter := ratelimit.New(d.Redis, float64(cfg.RateLimit), cfg.RateBurst)
		limiter.Clock = d.Clock
		v1.Use(limiter.Middleware(log))
	}
	// A streamed upload part may take minutes: it opens short tenant
	// transactions itself instead of holding one for the whole body.
	v1.Use(auth.Tenant(d.Tenant, func(c *fiber.Ctx) bool {
		return c.Method() == fiber.MethodPut && strings.HasPrefix(c.Path(), "/api/v1/uploads/")
	}))
	// Inside the tenant transaction: a stored response commits with its effect.
	v1.Use(idempotency.Middleware(d.Tenant))
	vh := &videos.Handlers{
		Store: videos.NewStore(d.Tenant), DB: d.Tenant, Blob: d.Blob, Queue: d.Queue, Log: log, Clock: d.Clock,
		Settings: videos.Settings{
			ChunkSize: cfg.ChunkSize, MaxSize: cfg.UploadMax, TTL: cfg.UploadTTL,
			PublicURL: cfg.PublicURL, Media: media,
		},
	}
	vh.Register(v1)
	// The domains' stores, and what each reads of another: enrollments
	// reads courses, courses asks enrollments about learners, videos asks
	// who may watch, identity tells enrollments of new group members.
	// Every store announces what it changes on the bus, for the caches of
	// every process.
	people := identity.NewStore(d.Tenant, d.System)
	authoring := courses.NewStore(d.Tenant)
	learning := enrollments.NewStore(d.Tenant)
	people.Changes, authoring.Changes, learning.Changes = bus, bus, bus
	people.Joins = learning
	vh.Watchable = learning.Watchable
	ih := &identity.Handlers{Store: people, Log: log, Clock: d.Clock,
		SessionTTL: 12 * time.Hour, SecureCookie: strings.HasPrefix(cfg.PublicURL, "https://")}
	if d.Redis != nil {
		// Sign-in attempts per client address and per account: by default
		// 10 at once, then one every 5 s each, whatever the API's limit and
		// whatever token the request carries.
		limiter := ratelimit.New(d.Redis, cfg.SignInRate, cfg.SignInBurst)
		limiter.Prefix, limiter.Clock = "lectern:rl:signin:", d.Clock
		guard := limiter.Guard(log)
		ih.SignInGuard = func(c *fiber.Ctx, address, account string) error {
			return guard(c, "ip:"+address, "account:"+account)
		}
	}
	ih.Register(v1)
	ch := &courses.Handlers{Store: authoring, Learners: learning, Log: log, PublicURL: cfg.PublicURL, Media: media,
		Catalog: courses.NewCatalogCache(bus, d.Clock)}
	ch.Register(v1)
	eh := &enrollments.Handlers{Store: learning, Courses: authoring, Log: log, Clock: d.Clock,
		Learning: enrollments.NewLearningCache(bus, d.Clock)}
	eh.Register(v1)
	wh := &webhooks.Handlers{Store: webhooks.NewStore(d.Tenant), Log: log}
	wh.Register(v1)
	// The LRS: its own credentials (HTTP Basic) or a signed-in learner,
	// then the same rate limit and tenant transaction as /api/v1.
	lrs := xapi.NewStore(d.Tenant)
	lrs.Changes = bus
	xh := &xapi.Handlers{Store: lrs, Log: log, Clock: d.Clock,
		Credentials: &xapi.Credentials{DB: d.System, Changes: bus, Clock: d.Clock, PublicURL: cfg.PublicURL},
		Settings:    xapi.Settings{PublicURL: cfg.PublicURL}}
	xh.RegisterAPI(v1)
	var lrsLimit []fiber.Handler
	if d.Redis != nil && cfg.XAPIRateLimit > 0 && cfg.XAPIRateBurst > 0 {
		limiter := ratelimit.New(d.Redis, float64(cfg.XAPIRateLimit), cfg.XAPIRateBurst)
		limiter.Prefix, limiter.Clock = "lectern:rl:xapi:", d.Clock
		lrsLimit = append(lrsLimit, limiter.Middleware(log))
	}
	xh.Register(app.Group(xapi.Prefix), append(lrsLimit, auth.Tenant(d.Tenant, xapi.OwnTransaction))...)

	// Checkpoints, attempts and gated playback: they read lessons and
	// progress, and derive watching from what learners send the LRS.
	ah := &assessments.Handlers{DB: d.Tenant, Store: assessments.NewStore(d.Tenant), Courses: authoring,
		Progress: &enrollments.Progress{Store: learning, Courses: authoring}, LRS: lrs, Objects: d.Blob,
		Log: log, Clock: d.Clock,
		Settings: assessments.Settings{PublicURL: cfg.PublicURL, Secret: cfg.MediaSecret, Media: media}}
	ah.Register(v1)
	ah.RegisterMedia(app)
	xh.Observer = ah.Observe

	page := func(name string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			if !player.Built() {
				return httpapp.Errorf(fiber.StatusServiceUnavailable, "player_not_built", "the player is not built into this binary: run make player and rebuild")
			}
			c.Set(fiber.HeaderCacheControl, "no-cache")
			return filesystem.SendFile(c, httpFS(), name)
		}
	}
	for _, p := range player.Pages {
		app.Get(p.Route, page(p.File))
	}
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect(player.Home) })
	app.Use("/player", filesystem.New(filesystem.Config{Root: httpFS(), MaxAge: 3600}))
	app.Use(func(c *fiber.Ctx) error {
		return httpapp.Errorf(fiber.StatusNotFound, "not_found", "no route for %s %s", c.Method(), c.Path())
	})
	return app
}

func httpFS() http.FileSystem { return http.FS(player.FS()) }

func health(checks map[string]func(context.Context) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		type result struct {
			name string
			err  error
		}
		ch := make(chan result, len(checks))
		for name, f := range checks {
			go func() { ch <- result{name, f(ctx)} }()
		}
		out := map[string]string{}
		for name := range checks {
			out[name] = "no answer within 2s"
		}
	wait:
		for range checks {
			select {
			case r := <-ch:
				if r.err != nil {
					out[r.name] = r.err.Error()
				} else {
					out[r.name] = "ok"
				}
			case <-ctx.Done():
				break wait
			}
		}
		ok := true
		for _, v := range out {
			if v != "ok" {
				ok = false
			}
		}
		status, word := fiber.StatusOK, "ok"
		if !ok {
			status, word = fiber.StatusServiceUnavailable, "unavailable"
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(status).JSON(fiber.Map{"status": word, "checks": out})
	}
}
