// Package apptest is the app-level test harness: the whole application
// (app.New) on a loopback port over testenv's services, an admin token, and
// the pipeline rig (API + worker + private Redis) the media tests drive.
package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/lectern/lectern/app"
	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
)

// Token is the bootstrap admin token of APIs started by StartAPI: the API
// token of the first admin of the first organization.
const Token = "test-token"

// API is the upload and video API served on a real loopback listener.
type API struct {
	t    testing.TB
	Base string
	Stop func()
}

// StartAPI serves the whole application (app.New) over db (a pool
// from DB) and bs, enqueuing encodes into q, with Token bootstrapped as the
// first admin's API token. q may be nil when a test enqueues nothing.
func StartAPI(t testing.TB, db *pgxpool.Pool, bs *blob.Store, q videos.Queue, chunk int64, now func() time.Time) *API {
	t.Helper()
	return StartApp(t, db, AppOptions{Blob: bs, Queue: q, ChunkSize: chunk, Now: now})
}

// AppOptions tune StartApp; zero values are test defaults.
type AppOptions struct {
	Blob      *blob.Store
	Queue     videos.Queue
	ChunkSize int64
	Now       func() time.Time
	// Config edits the configuration before the app is built.
	Config func(*config.Config)
	// Redis, when set, is the address of the Redis the rate limits keep
	// their budgets in (none: no rate limits).
	Redis string
}

// StartApp serves the whole application on a loopback port.
func StartApp(t testing.TB, db *pgxpool.Pool, o AppOptions) *API {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := identity.NewStore(nil, db).Bootstrap(context.Background(), Token); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL, cfg.CDNURL = "http://api.test", "http://cdn.test"
	cfg.UploadMax, cfg.UploadTTL = 1<<30, time.Hour
	if o.ChunkSize > 0 {
		cfg.ChunkSize = o.ChunkSize
	}
	if o.Config != nil {
		o.Config(cfg)
	}
	d := &app.Deps{System: db, Tenant: testenv.TenantPool(t, db), Blob: o.Blob, Queue: o.Queue, Clock: o.Now}
	if o.Redis != "" {
		rdb := redis.NewClient(&redis.Options{Addr: o.Redis})
		t.Cleanup(func() { rdb.Close() })
		d.Redis = rdb
	}
	srv := app.New(cfg, log, d)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Listener(httpapp.PerAddressListener(ln, cfg.MaxConnsPerIP))
	a := &API{t: t, Base: "http://" + ln.Addr().String()}
	a.Stop = func() { _ = srv.ShutdownWithTimeout(5 * time.Second) }
	t.Cleanup(a.Stop)
	return a
}

// Call makes a request with the admin token; out receives a 2xx JSON body.
// It returns the status and the body as a generic map.
func (a *API) Call(method, path string, body []byte, hdr map[string]string, out any) (int, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.Base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+Token)
	if body != nil && hdr["Content-Type"] == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("decode %s: %v", b, err)
		}
	}
	return resp.StatusCode, m
}

// SHA256 is the hex digest the part protocol wants.
func SHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// PutPart sends one part.
func (a *API) PutPart(id string, n int, part []byte) (int, map[string]any) {
	return a.Call(http.MethodPut, fmt.Sprintf("/api/v1/uploads/%s/parts/%d", id, n), part,
		map[string]string{"Content-Type": "application/octet-stream", "X-Chunk-SHA256": SHA256(part)}, nil)
}

// CRC32C is the hex Castagnoli CRC the part protocol also accepts.
func CRC32C(b []byte) string {
	return fmt.Sprintf("%08x", crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// PutPartCRC sends one part checked with X-Chunk-CRC32C.
func (a *API) PutPartCRC(id string, n int, part []byte) (int, map[string]any) {
	return a.Call(http.MethodPut, fmt.Sprintf("/api/v1/uploads/%s/parts/%d", id, n), part,
		map[string]string{"Content-Type": "application/octet-stream", "X-Chunk-CRC32C": CRC32C(part)}, nil)
}

// Uploaded names what UploadFile created.
type Uploaded struct {
	UploadID, VideoID, EncodeID string
}

// UploadFile uploads a file through the protocol and completes it.
func (a *API) UploadFile(path string) Uploaded {
	a.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		a.t.Fatal(err)
	}
	var u struct {
		ID        string `json:"id"`
		ChunkSize int    `json:"chunk_size"`
		Parts     int    `json:"parts_total"`
	}
	if code, body := a.Call(http.MethodPost, "/api/v1/uploads", []byte(fmt.Sprintf(`{"filename":%q,"size":%d}`, "clip.mp4", len(data))), nil, &u); code != 201 {
		a.t.Fatalf("create upload: %d %v", code, body)
	}
	for n := 1; n <= u.Parts; n++ {
		part := data[(n-1)*u.ChunkSize : min(n*u.ChunkSize, len(data))]
		if code, body := a.PutPart(u.ID, n, part); code != 200 {
			a.t.Fatalf("part %d: %d %v", n, code, body)
		}
	}
	var done struct {
		Video struct {
			ID  string `json:"id"`
			Job struct {
				ID string `json:"id"`
			} `json:"job"`
		} `json:"video"`
	}
	if code, body := a.Call(http.MethodPost, "/api/v1/uploads/"+u.ID+"/complete", []byte(`{}`), nil, &done); code != 201 {
		a.t.Fatalf("complete: %d %v", code, body)
	}
	return Uploaded{UploadID: u.ID, VideoID: done.Video.ID, EncodeID: done.Video.Job.ID}
}
