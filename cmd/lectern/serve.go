package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"

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
	if cfg.DebugAddr != "" {
		// net/http/pprof registers its handlers on the default mux.
		dbg := &http.Server{Addr: cfg.DebugAddr, ReadHeaderTimeout: 10 * time.Second}
		g.Go(func() error {
			log.Info("profiles served", "addr", cfg.DebugAddr+"/debug/pprof/")
			if err := dbg.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("debug listener (LECTERN_DEBUG_ADDR): %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			return dbg.Close()
		})
	}
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
