package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/lectern/lectern/app"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/testenv"
)

// /healthz answers 200 only while PostgreSQL, Redis and MinIO all answer.
func TestHealthzFollowsEveryDependency(t *testing.T) {
	testenv.Require(t)
	mio := testenv.MinIO(t)
	rd := testenv.Redis(t)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = testenv.Env(t, "LECTERN_TEST_DATABASE_URL")
	cfg.S3Endpoint = mio.Addr
	cfg.S3Bucket = "health-" + testenv.RandomID(4)
	cfg.RedisAddr = rd.Addr
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// connect migrates; point it at a throwaway schema of the test database.
	db := testenv.DB(t)
	cfg.DatabaseURL = db.Config().ConnString()
	d, err := app.Connect(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := app.New(cfg, log, d.Deps())

	check := func(want int, failing string) {
		t.Helper()
		resp, err := srv.Test(httptest.NewRequest("GET", "/healthz", nil), 10_000)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("healthz %d %+v, want %d", resp.StatusCode, body, want)
		}
		for name, v := range body.Checks {
			if (name == failing) == (v == "ok") {
				t.Fatalf("check %s = %q (failing dependency: %q)", name, v, failing)
			}
		}
	}
	check(200, "")
	mio.Stop()
	check(503, "minio")
	mio.Start()
	check(200, "")
	rd.Stop()
	check(503, "redis")
	rd.Start()
	check(200, "")
}
