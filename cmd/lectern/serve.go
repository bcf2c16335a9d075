package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/lectern/lectern/internal/apidoc"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/player"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/worker"
)

type deps struct {
	db    *pgxpool.Pool
	blob  *blob.Store
	queue *worker.Client
	redis asynq.RedisClientOpt
}

func connect(ctx context.Context, cfg *config.Config, log *slog.Logger) (*deps, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("migration applied", "name", m)
	}
	bs, err := blob.New(cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey, cfg.S3Bucket, cfg.S3UseSSL)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := bs.EnsureBucket(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare bucket %s at %s: %w", cfg.S3Bucket, cfg.S3Endpoint, err)
	}
	ropt := asynq.RedisClientOpt{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB}
	return &deps{db: db, blob: bs, queue: worker.NewClient(ropt), redis: ropt}, nil
}

func (d *deps) close() {
	d.queue.Close()
	d.db.Close()
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	d.close()
	log.Info("database migrated and bucket ready", "bucket", cfg.S3Bucket)
	return nil
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, api, work bool) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.close()
	store := videos.NewStore(d.db)
	g, gctx := errgroup.WithContext(ctx)
	if api {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (LECTERN_HTTP_ADDR): %w", cfg.HTTPAddr, err)
		}
		app := newApp(cfg, log, d, store)
		g.Go(func() error {
			log.Info("api listening", "addr", ln.Addr().String(), "upload_page", cfg.PublicURL+"/upload")
			return app.Listener(ln)
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
			defer cancel()
			return app.ShutdownWithContext(sctx)
		})
	}
	if work {
		w := &worker.Worker{
			Store: store, Blob: d.blob, Queue: d.queue, Log: log,
			FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe,
			ScratchDir: cfg.ScratchDir, ScratchMax: cfg.ScratchMax,
			SegmentSeconds: cfg.SegmentSeconds, MaxFPS: cfg.MaxFPS,
			MaxWidth: cfg.MaxWidth, MaxHeight: cfg.MaxHeight, MaxDuration: cfg.MaxDuration,
		}
		g.Go(func() error {
			return w.Run(gctx, d.redis, worker.RunOptions{Concurrency: cfg.Concurrency, ShutdownGrace: cfg.ShutdownGrace})
		})
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("stopped")
	return err
}

func newApp(cfg *config.Config, log *slog.Logger, d *deps, store *videos.Store) *fiber.App {
	app := httpapp.New(httpapp.Options{
		Logger:        log,
		JSONBodyLimit: cfg.JSONBodyLimit,
		Streamed:      []string{"/api/v1/uploads/"},
		Errors:        videos.Errors,
	})
	app.Get("/healthz", health(d))
	app.Get("/api/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(apidoc.OpenAPI)
	})
	v1 := app.Group("/api/v1")
	vh := &videos.Handlers{
		Store: store, Blob: d.blob, Queue: d.queue, Log: log,
		Settings: videos.Settings{
			ChunkSize: cfg.ChunkSize, MaxSize: cfg.UploadMax, TTL: cfg.UploadTTL,
			CDNURL: cfg.CDNURL, PublicURL: cfg.PublicURL,
		},
	}
	vh.Register(v1, httpapp.RequireToken(cfg.AdminToken))

	page := func(name string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			if !player.Built() {
				return httpapp.Errorf(fiber.StatusServiceUnavailable, "player_not_built", "the player is not built into this binary: run make player and rebuild")
			}
			c.Set(fiber.HeaderCacheControl, "no-cache")
			return filesystem.SendFile(c, httpFS(), name)
		}
	}
	app.Get("/watch/:id", page("watch.html"))
	app.Get("/upload", page("upload.html"))
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/upload") })
	app.Use("/player", filesystem.New(filesystem.Config{Root: httpFS(), MaxAge: 3600}))
	app.Use(func(c *fiber.Ctx) error {
		return httpapp.Errorf(fiber.StatusNotFound, "not_found", "no route for %s %s", c.Method(), c.Path())
	})
	return app
}

func httpFS() http.FileSystem { return http.FS(player.FS()) }

func health(d *deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		checks := map[string]func(context.Context) error{
			"postgres": d.db.Ping,
			"redis":    d.queue.Ping,
			"minio":    d.blob.Ping,
		}
		type result struct {
			name string
			err  error
		}
		ch := make(chan result, len(checks))
		for name, f := range checks {
			go func() { ch <- result{name, f(ctx)} }()
		}
		out := map[string]string{}
		ok := true
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
		for _, v := range out {
			if v != "ok" {
				ok = false
			}
		}
		status := fiber.StatusOK
		word := "ok"
		if !ok {
			status, word = fiber.StatusServiceUnavailable, "unavailable"
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(status).JSON(fiber.Map{"status": word, "checks": out})
	}
}
