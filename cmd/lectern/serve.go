package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"golang.org/x/sync/errgroup"

	"github.com/lectern/lectern/app"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/worker"
)

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	s, err := app.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	s.Close()
	log.Info("database migrated and bucket ready", "bucket", cfg.S3Bucket)
	return nil
}

// serve runs the API, the worker or both until ctx is done.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, api, work bool) error {
	s, err := app.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	g, gctx := errgroup.WithContext(ctx)
	if api {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (LECTERN_HTTP_ADDR): %w", cfg.HTTPAddr, err)
		}
		srv := app.New(cfg, log, s.Deps())
		g.Go(func() error {
			log.Info("api listening", "addr", ln.Addr().String(), "upload_page", cfg.PublicURL+"/upload")
			return srv.Listener(httpapp.PerAddressListener(ln, cfg.MaxConnsPerIP))
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
			defer cancel()
			return srv.ShutdownWithContext(sctx)
		})
	}
	if work {
		w := s.Worker(cfg, log)
		g.Go(func() error {
			return w.Run(gctx, s.Redis, worker.RunOptions{Concurrency: cfg.Concurrency, ShutdownGrace: cfg.ShutdownGrace})
		})
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("stopped")
	return err
}
