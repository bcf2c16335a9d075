// Package testenv gives integration tests real services from the local
// stack (`make up`): a fresh PostgreSQL schema, a fresh MinIO bucket,
// private MinIO and Redis servers a test may restart, and small media clips
// made by ffmpeg. It is plumbing and knows no domain; app/apptest starts the
// whole application on top of it.
//
// Integration tests run when LECTERN_INTEGRATION=1, which `make test` sets
// after starting the stack. Without it they skip with a message saying so;
// with it, a missing service is a test failure, never a skip.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/database"
)

// Require skips the test unless integration tests are enabled.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("LECTERN_INTEGRATION") != "1" {
		t.Skip("integration test: run through `make test`, or `make up` then LECTERN_INTEGRATION=1 with .data/env sourced")
	}
}

// Env returns a required environment variable.
func Env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: source .data/env (written by make up)", name)
	}
	return v
}

// RandomID returns n random hex bytes.
func RandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DB returns a pool on a new schema of the test database, migrated, dropped
// when the test ends.
func DB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	Require(t)
	url := Env(t, "LECTERN_TEST_DATABASE_URL")
	ctx := context.Background()
	admin, err := database.Open(ctx, url, 2)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	schema := "t_" + RandomID(6)
	if _, err := admin.Exec(ctx, "create schema "+schema); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	schemaURL := url + sep + "search_path=" + schema
	pool, err := database.Open(ctx, schemaURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	schemaURLs.Store(pool, schemaURL)
	t.Cleanup(func() {
		pool.Close()
		_, _ = admin.Exec(context.Background(), "drop schema "+schema+" cascade")
		admin.Close()
	})
	if _, err := database.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := database.GrantTenant(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

var schemaURLs sync.Map // *pgxpool.Pool → URL of its schema

// URL returns the database URL of a pool DB returned (its schema included).
func URL(t testing.TB, system *pgxpool.Pool) string {
	t.Helper()
	u, ok := schemaURLs.Load(system)
	if !ok {
		t.Fatal("testenv.URL: the pool was not made by testenv.DB")
	}
	return u.(string)
}

// TenantPool opens a tenant pool (database.OpenTenant) on the schema
// of a pool DB returned: it sees rows only inside database.InOrg.
func TenantPool(t testing.TB, system *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	pool, err := database.OpenTenant(context.Background(), URL(t, system), 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Bucket returns a store on a new bucket of the stack's MinIO, removed when
// the test ends.
func Bucket(t testing.TB) *blob.Store {
	t.Helper()
	Require(t)
	return BucketAt(t, Env(t, "LECTERN_S3_ENDPOINT"))
}

// BucketAt is Bucket on a given MinIO endpoint with the stack's credentials.
func BucketAt(t testing.TB, endpoint string) *blob.Store {
	t.Helper()
	name := "test-" + RandomID(6)
	s, err := blob.New(endpoint, Env(t, "LECTERN_S3_ACCESS_KEY"), Env(t, "LECTERN_S3_SECRET_KEY"), name, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.EnsureBucket(ctx, ""); err != nil {
		t.Fatalf("create bucket on %s: %v", endpoint, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.DropBucket(ctx)
	})
	return s
}

// FreePort returns a loopback port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitTCP waits until addr accepts connections.
func WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not accept connections within %s", addr, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Server is a service process a test owns and may restart.
type Server struct {
	t    testing.TB
	Addr string
	name string
	args []string
	env  []string
	cmd  *exec.Cmd
	log  string
	// ready, when set, is polled after the port opens until it succeeds.
	ready func() error
}

func (s *Server) start() {
	s.t.Helper()
	lf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(s.name, s.args...)
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = lf, lf
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.name, err)
	}
	lf.Close()
	WaitTCP(s.t, s.Addr, 30*time.Second)
	if s.ready == nil {
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := s.ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s not ready: %v", s.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Start starts a stopped server again on the same address and data.
func (s *Server) Start() {
	s.t.Helper()
	s.start()
}

// Restart stops and starts the server on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// MinIOBinary finds the MinIO server the local stack uses.
func MinIOBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	cache := os.Getenv("LECTERN_CACHE_DIR")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "lectern")
	}
	p := filepath.Join(cache, "bin", "minio")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("minio server not found on PATH or at %s: run make deps", p)
	}
	return p
}

// MinIO starts a private MinIO server with the stack's credentials on a free
// port, data in a temporary folder.
func MinIO(t testing.TB) *Server {
	t.Helper()
	Require(t)
	port := FreePort(t)
	dir := t.TempDir()
	s := &Server{t: t, Addr: fmt.Sprintf("127.0.0.1:%d", port), name: MinIOBinary(t),
		args: []string{"server", filepath.Join(dir, "data"), "--address", fmt.Sprintf("127.0.0.1:%d", port), "--console-address", fmt.Sprintf("127.0.0.1:%d", FreePort(t)), "--quiet"},
		env:  []string{"MINIO_ROOT_USER=" + Env(t, "LECTERN_S3_ACCESS_KEY"), "MINIO_ROOT_PASSWORD=" + Env(t, "LECTERN_S3_SECRET_KEY"), "MINIO_BROWSER=off"},
		log:  filepath.Join(dir, "minio.log")}
	probe, err := blob.New(s.Addr, Env(t, "LECTERN_S3_ACCESS_KEY"), Env(t, "LECTERN_S3_SECRET_KEY"), "ready-probe", false)
	if err != nil {
		t.Fatal(err)
	}
	// Ready means S3 calls work: MinIO's health endpoint can answer before
	// its object layer is initialised.
	s.ready = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := probe.Exists(ctx)
		return err
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Redis starts a private Redis with AOF persistence on a free port.
func Redis(t testing.TB) *Server {
	t.Helper()
	Require(t)
	port := FreePort(t)
	dir := t.TempDir()
	s := &Server{t: t, Addr: fmt.Sprintf("127.0.0.1:%d", port), name: "redis-server",
		args: []string{"--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""},
		log:  filepath.Join(dir, "redis.log")}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Clip generates a small lecture-like clip with ffmpeg.
func Clip(t *testing.T, seconds int, size string, audio bool) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=25:d=" + strconv.Itoa(seconds)}
	if audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d="+strconv.Itoa(seconds))
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
	if audio {
		args = append(args, "-c:a", "aac", "-shortest")
	}
	args = append(args, out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("generate clip: %v\n%s", err, b)
	}
	return out
}
