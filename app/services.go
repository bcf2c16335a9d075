package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/webhooks"
	"github.com/lectern/lectern/worker"
	"github.com/lectern/lectern/xapi"
)

// Services are the running dependencies of a Lectern process, connected
// and prepared by Connect.
type Services struct {
	// System is the owner's pool: migrations, the worker, token look-up.
	System *pgxpool.Pool
	// Tenant is the pool API request transactions run on (database.OpenTenant).
	Tenant *pgxpool.Pool
	Blob   *blob.Store
	Queue  *worker.Client
	Redis  asynq.RedisClientOpt
	// RDB keeps the rate limits.
	RDB *redis.Client
}

// Connect opens the pools, migrates the database, prepares the bucket,
// bootstraps the local admin token and grants the tenant role its tables.
func Connect(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Services, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Services, error) {
		db.Close()
		return nil, err
	}
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		return fail(err)
	}
	for _, m := range applied {
		log.Info("migration applied", "name", m)
	}
	bs, err := blob.New(cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey, cfg.S3Bucket, cfg.S3UseSSL)
	if err != nil {
		return fail(err)
	}
	if err := bs.EnsureBucket(ctx, cfg.OriginSecret); err != nil {
		return fail(fmt.Errorf("prepare bucket %s at %s: %w", cfg.S3Bucket, cfg.S3Endpoint, err))
	}
	if org, err := identity.NewStore(nil, db).Bootstrap(ctx, cfg.AdminToken); err != nil {
		return fail(err)
	} else if org != "" {
		log.Debug("bootstrap admin token ready", "org", org)
	}
	if err := database.GrantTenant(ctx, db); err != nil {
		return fail(err)
	}
	tenant, err := database.OpenTenant(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return fail(err)
	}
	ropt := asynq.RedisClientOpt{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB}
	// Short timeouts: the rate limiter fails open rather than slow requests.
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: 250 * time.Millisecond, WriteTimeout: 250 * time.Millisecond})
	return &Services{System: db, Tenant: tenant, Blob: bs, Queue: worker.NewClient(ropt), Redis: ropt, RDB: rdb}, nil
}

// Close releases every connection.
func (s *Services) Close() {
	s.Queue.Close()
	s.RDB.Close()
	s.Tenant.Close()
	s.System.Close()
}

// Deps are the services as the HTTP app uses them, /healthz checking each.
func (s *Services) Deps() *Deps {
	return &Deps{
		System: s.System, Tenant: s.Tenant, Blob: s.Blob, Queue: s.Queue, Redis: s.RDB,
		Checks: map[string]func(context.Context) error{
			"postgres": s.System.Ping,
			"redis":    s.Queue.Ping,
			"minio":    s.Blob.Ping,
		},
	}
}

// Worker assembles the background worker: the video pipeline, housekeeping,
// webhook delivery and the LRS's own record.
func (s *Services) Worker(cfg *config.Config, log *slog.Logger) *worker.Worker {
	return &worker.Worker{
		Store: videos.NewStore(s.System), Blob: s.Blob, Queue: s.Queue, Log: log,
		FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe,
		ScratchDir: cfg.ScratchDir, ScratchMax: cfg.ScratchMax,
		SegmentSeconds: cfg.SegmentSeconds, MaxFPS: cfg.MaxFPS,
		MaxWidth: cfg.MaxWidth, MaxHeight: cfg.MaxHeight, MaxDuration: cfg.MaxDuration,
		DB:       s.System,
		Webhooks: &webhooks.Sender{DB: s.System, Queue: s.Queue, Log: log, AllowPrivate: cfg.WebhookPrivate},
		Record:   &xapi.Recorder{DB: s.System, PublicURL: cfg.PublicURL, Log: log},
		Forward:  &xapi.Forwarder{DB: s.System, Queue: s.Queue, Log: log, AllowPrivate: cfg.WebhookPrivate},
	}
}
