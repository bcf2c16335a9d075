// Command lectern is the one Lectern binary: the API, the worker, migrations
// and a CLI that talks to the public API.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lectern/lectern/internal/config"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `lectern: video-centric learning delivery

Usage:
  lectern run                     API and worker in one process (the dev default)
  lectern api                     the HTTP API only
  lectern worker                  the encoding worker only
  lectern migrate                 apply database migrations and prepare the bucket
  lectern video upload FILE [--wait] [--json] [--title T]
                                  upload a video through the public API
  lectern video get ID [--json]   show a video and its encode job
  lectern org create --slug S --name N --admin-email E [--admin-password P]
                                  create an organization and its first admin
                                  (database access; P also from LECTERN_ADMIN_PASSWORD)
  lectern user passwd --email E [--org SLUG]
                                  set a user's password from LECTERN_PASSWORD
  lectern lrs credentials create --name N [--org SLUG] [--scopes all,...]
                                  an xAPI client's key and secret for the LRS at /xapi/
                                  (database access; prints {"id","key","secret",...})
  lectern --help                  this text

Configuration (environment):
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		config.PrintHelp(stdout)
		fmt.Fprint(stdout, "\nCLI: LECTERN_API (default http://127.0.0.1:8080) and LECTERN_TOKEN (default: the local stack's\ncredentials in ~/.config/lectern/credentials.json) locate the API.\n")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if args[0] == "video" {
		return videoCmd(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "org" {
		return orgCommand(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "user" {
		return userCommand(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "lrs" {
		return lrsCommand(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "transcode" { // hidden: the ffmpeg arguments the worker would run (make bench)
		return transcodeCmd(ctx, args[1:], stdout, stderr)
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 2
	}
	logs := newLogWriter(stderr)
	defer logs.Close()
	log := newLogger(cfg, logs)
	switch args[0] {
	case "run":
		err = serve(ctx, cfg, log, true, true)
	case "api":
		err = serve(ctx, cfg, log, true, false)
	case "worker":
		err = serve(ctx, cfg, log, false, true)
	case "migrate":
		err = migrate(ctx, cfg, log)
	default:
		fmt.Fprintf(stderr, "lectern: unknown command %q (see lectern --help)\n", args[0])
		return 2
	}
	if err != nil {
		log.Error("exit", "err", err)
		return 1
	}
	return 0
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
