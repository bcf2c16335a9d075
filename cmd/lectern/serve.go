package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/server"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/webhooks"
	"github.com/lectern/lectern/worker"
)

type deps struct {
	db     *pgxpool.Pool // system scope: migrations, worker, token look-up
	tenant *pgxpool.Pool // tenant scope: API request transactions
	blob   *blob.Store
	queue  *worker.Client
	redis  asynq.RedisClientOpt
	rdb    *redis.Client // rate limits
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
	if org, err := identity.Bootstrap(ctx, db, cfg.AdminToken); err != nil {
		db.Close()
		return nil, err
	} else if org != "" {
		log.Debug("bootstrap admin token ready", "org", org)
	}
	if err := database.GrantTenant(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	tenant, err := database.OpenTenant(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		db.Close()
		return nil, err
	}
	ropt := asynq.RedisClientOpt{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB}
	// Short timeouts: the rate limiter fails open rather than slow requests.
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: 250 * time.Millisecond, WriteTimeout: 250 * time.Millisecond})
	return &deps{db: db, tenant: tenant, blob: bs, queue: worker.NewClient(ropt), redis: ropt, rdb: rdb}, nil
}

func (d *deps) close() {
	d.queue.Close()
	d.rdb.Close()
	d.tenant.Close()
	d.db.Close()
}

func (d *deps) server() *server.Deps {
	return &server.Deps{
		System: d.db, Tenant: d.tenant, Blob: d.blob, Queue: d.queue, Redis: d.rdb,
		Checks: map[string]func(context.Context) error{
			"postgres": d.db.Ping,
			"redis":    d.queue.Ping,
			"minio":    d.blob.Ping,
		},
	}
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
		app := server.New(cfg, log, d.server())
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
			DB:       d.db,
			Webhooks: &webhooks.Sender{DB: d.db, Queue: d.queue, Log: log, AllowPrivate: cfg.WebhookPrivate},
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
