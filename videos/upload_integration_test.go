package videos_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/worker"
)

const token = apptest.Token

type api = apptest.API

func startAPI(t *testing.T, db *pgxpool.Pool, bs *blob.Store, q *worker.Client, chunk int64, now func() time.Time) *api {
	return apptest.StartAPI(t, db, bs, q, chunk, now)
}

func sum(b []byte) string { return apptest.SHA256(b) }

type upload struct {
	ID         string `json:"id"`
	ChunkSize  int64  `json:"chunk_size"`
	PartsTotal int    `json:"parts_total"`
	Status     string `json:"status"`
	Received   []struct {
		Part int `json:"part"`
	} `json:"received"`
}

func newStack(t *testing.T) (*pgxpool.Pool, *blob.Store, *worker.Client) {
	db := testenv.DB(t)
	bs := testenv.Bucket(t)
	rd := testenv.Redis(t)
	q := worker.NewClient(asynq.RedisClientOpt{Addr: rd.Addr})
	t.Cleanup(func() { q.Close() })
	return db, bs, q
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// cutPart sends the headers and half the body of a part, then drops the
// connection, as a phone leaving Wi-Fi would.
func cutPart(t *testing.T, base, id string, n int, part []byte) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "PUT /api/v1/uploads/%s/parts/%d HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nX-Chunk-SHA256: %s\r\nContent-Length: %d\r\n\r\n",
		id, n, token, sum(part), len(part))
	_, _ = c.Write(part[:len(part)/2])
	time.Sleep(200 * time.Millisecond)
	c.Close()
}

func TestUploadResumesAfterCutConnectionAndRestart(t *testing.T) {
	db, bs, q := newStack(t)
	const chunk = 5 << 20
	data := randomBytes(2*chunk + 12345)
	a := startAPI(t, db, bs, q, chunk, time.Now)

	var u upload
	code, body := a.Call(http.MethodPost, "/api/v1/uploads", []byte(fmt.Sprintf(`{"filename":"lecture.mp4","size":%d,"title":"Week 1"}`, len(data))), nil, &u)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, body)
	}
	if u.PartsTotal != 3 || u.ChunkSize != chunk {
		t.Fatalf("parts_total %d chunk %d", u.PartsTotal, u.ChunkSize)
	}
	part := func(n int) []byte { return data[(n-1)*chunk : min(n*chunk, len(data))] }
	if code, body := a.PutPart(u.ID, 1, part(1)); code != 200 {
		t.Fatalf("part 1: %d %v", code, body)
	}
	cutPart(t, a.Base, u.ID, 2, part(2))

	var got upload
	a.Call(http.MethodGet, "/api/v1/uploads/"+u.ID, nil, nil, &got)
	if len(got.Received) != 1 || got.Received[0].Part != 1 {
		t.Fatalf("after a cut connection the server must hold exactly part 1, has %+v", got.Received)
	}

	// The API restarts; the upload goes on from what PostgreSQL and MinIO hold.
	a.Stop()
	a = startAPI(t, db, bs, q, chunk, time.Now)
	a.Call(http.MethodGet, "/api/v1/uploads/"+u.ID, nil, nil, &got)
	if len(got.Received) != 1 {
		t.Fatalf("after restart: received %+v", got.Received)
	}
	// Part 3 is checked with CRC32C, part 2 with SHA-256: both are accepted.
	if code, body := a.PutPartCRC(u.ID, 3, part(3)); code != 200 || body["crc32c"] != apptest.CRC32C(part(3)) {
		t.Fatalf("part 3: %d %v", code, body)
	}
	if code, body := a.PutPart(u.ID, 2, part(2)); code != 200 {
		t.Fatalf("part 2: %d %v", code, body)
	}
	var done struct {
		Video struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Player string `json:"player"`
			Job    struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"job"`
		} `json:"video"`
	}
	code, body = a.Call(http.MethodPost, "/api/v1/uploads/"+u.ID+"/complete", []byte(`{}`), nil, &done)
	if code != http.StatusCreated {
		t.Fatalf("complete: %d %v", code, body)
	}
	if done.Video.Status != "queued" || done.Video.Job.State != "queued" || done.Video.Player != "http://api.test/watch/"+done.Video.ID {
		t.Fatalf("video after complete: %+v", done.Video)
	}
	// Completing twice answers the same video.
	var again struct {
		Video struct {
			ID string `json:"id"`
		} `json:"video"`
	}
	if code, _ := a.Call(http.MethodPost, "/api/v1/uploads/"+u.ID+"/complete", []byte(`{}`), nil, &again); code != 200 || again.Video.ID != done.Video.ID {
		t.Fatalf("second complete: %d %s", code, again.Video.ID)
	}

	// The assembled object is the file, byte for byte.
	path := filepath.Join(t.TempDir(), "src")
	if err := bs.Download(context.Background(), "uploads/"+u.ID+"/source", path); err != nil {
		t.Fatal(err)
	}
	stored, _ := os.ReadFile(path)
	if sum(stored) != sum(data) {
		t.Fatalf("stored object differs from the upload (%d vs %d bytes)", len(stored), len(data))
	}
	// Exactly one encode task is queued, under the encode's TaskID.
	info, err := q.TaskInfo(worker.QueueEncode, worker.EncodeTaskID(done.Video.Job.ID))
	if err != nil {
		t.Fatalf("encode task not queued: %v", err)
	}
	if info.Type != worker.TypeVideoEncode {
		t.Fatalf("task type %s", info.Type)
	}
	if err := q.EnqueueEncode(context.Background(), done.Video.ID, done.Video.Job.ID); err != nil {
		t.Fatalf("a duplicate enqueue must be a no-op, got %v", err)
	}
	if n, _ := q.QueueSize(worker.QueueEncode); n != 1 {
		t.Fatalf("queue holds %d tasks, want 1", n)
	}
}

func TestUploadRejectsBadInput(t *testing.T) {
	db, bs, q := newStack(t)
	const chunk = 5 << 20
	a := startAPI(t, db, bs, q, chunk, time.Now)
	data := randomBytes(chunk + 100)
	var u upload
	if code, body := a.Call(http.MethodPost, "/api/v1/uploads", []byte(fmt.Sprintf(`{"filename":"a.mp4","size":%d}`, len(data))), nil, &u); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	wrongSum := strings.Repeat("ab", 32)
	tests := []struct {
		name      string
		method    string
		path      string
		body      []byte
		hdr       map[string]string
		noAuth    bool
		wantCode  int
		wantError string
	}{
		{"no token", "POST", "/api/v1/uploads", []byte(`{"filename":"a","size":1}`), nil, true, 401, "unauthenticated"},
		{"not json", "POST", "/api/v1/uploads", []byte(`{"filename":`), nil, false, 400, "invalid_json"},
		{"wrong type", "POST", "/api/v1/uploads", []byte(`{"filename":"a","size":"big"}`), nil, false, 400, "size: must be a whole number"},
		{"missing filename", "POST", "/api/v1/uploads", []byte(`{"size":10}`), nil, false, 400, "filename"},
		{"zero size", "POST", "/api/v1/uploads", []byte(`{"filename":"a","size":0}`), nil, false, 400, "size"},
		{"too large", "POST", "/api/v1/uploads", []byte(`{"filename":"a","size":2147483648}`), nil, false, 413, "size"},
		{"oversized json body", "POST", "/api/v1/uploads", append([]byte(`{"filename":"`), bytes.Repeat([]byte("a"), 2<<20)...), nil, false, 413, "too_large"},
		{"unknown upload", "GET", "/api/v1/uploads/00000000-0000-0000-0000-000000000000", nil, nil, false, 404, "not_found"},
		{"malformed id", "GET", "/api/v1/uploads/nope", nil, nil, false, 404, "not_found"},
		{"part out of range", "PUT", "/api/v1/uploads/" + u.ID + "/parts/3", data[:100], map[string]string{"X-Chunk-SHA256": sum(data[:100])}, false, 400, "part"},
		{"short part", "PUT", "/api/v1/uploads/" + u.ID + "/parts/1", data[:100], map[string]string{"X-Chunk-SHA256": sum(data[:100])}, false, 400, "Content-Length"},
		{"no checksum", "PUT", "/api/v1/uploads/" + u.ID + "/parts/2", data[chunk:], nil, false, 400, "X-Chunk-SHA256"},
		{"checksum mismatch", "PUT", "/api/v1/uploads/" + u.ID + "/parts/2", data[chunk:], map[string]string{"X-Chunk-SHA256": wrongSum}, false, 400, "checksum_mismatch"},
		{"crc32c mismatch", "PUT", "/api/v1/uploads/" + u.ID + "/parts/2", data[chunk:], map[string]string{"X-Chunk-CRC32C": "00000000"}, false, 400, "checksum_mismatch"},
		{"malformed crc32c", "PUT", "/api/v1/uploads/" + u.ID + "/parts/2", data[chunk:], map[string]string{"X-Chunk-CRC32C": "xyz"}, false, 400, "X-Chunk-CRC32C"},
		{"complete with parts missing", "POST", "/api/v1/uploads/" + u.ID + "/complete", []byte(`{}`), nil, false, 409, "missing parts 1, 2"},
		{"unknown video", "GET", "/api/v1/videos/00000000-0000-0000-0000-000000000000", nil, nil, false, 404, "not_found"},
		{"bad list limit", "GET", "/api/v1/videos?limit=0", nil, nil, false, 400, "limit"},
		{"bad cursor", "GET", "/api/v1/videos?cursor=zzz", nil, nil, false, 400, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, a.Base+tt.path, bytes.NewReader(tt.body))
			if !tt.noAuth {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			if tt.method != "PUT" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Field   string `json:"field"`
				} `json:"error"`
			}
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("error body is not JSON: %q", raw)
			}
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.wantCode, raw)
			}
			all := body.Error.Code + " " + body.Error.Field + " " + body.Error.Message
			if !strings.Contains(all, tt.wantError) {
				t.Fatalf("error %q does not mention %q", all, tt.wantError)
			}
		})
	}
	// Nothing was half-written: no part was recorded by the failed requests.
	var got upload
	a.Call(http.MethodGet, "/api/v1/uploads/"+u.ID, nil, nil, &got)
	if len(got.Received) != 0 {
		t.Fatalf("failed part uploads left records: %+v", got.Received)
	}
}

func TestExpiredUploadsAreAbortedAndCleaned(t *testing.T) {
	db, bs, q := newStack(t)
	const chunk = 5 << 20
	a := startAPI(t, db, bs, q, chunk, time.Now)
	data := randomBytes(chunk + 10)
	var u upload
	a.Call(http.MethodPost, "/api/v1/uploads", []byte(fmt.Sprintf(`{"filename":"a.mp4","size":%d}`, len(data))), nil, &u)
	if code, body := a.PutPart(u.ID, 1, data[:chunk]); code != 200 {
		t.Fatalf("part: %d %v", code, body)
	}
	ctx := context.Background()
	n, err := videos.SweepExpiredUploads(ctx, videos.NewStore(db), bs, time.Now().Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	var got upload
	a.Call(http.MethodGet, "/api/v1/uploads/"+u.ID, nil, nil, &got)
	if got.Status != "aborted" {
		t.Fatalf("status %s", got.Status)
	}
	if code, _ := a.PutPart(u.ID, 2, data[chunk:]); code != http.StatusConflict {
		t.Fatalf("a part for an aborted upload answered %d, want 409", code)
	}
	parts, err := bs.IncompleteUploads(ctx, "uploads/")
	if err != nil {
		t.Fatal(err)
	}
	if parts != 0 {
		t.Fatalf("%d incomplete multipart uploads remain in the bucket", parts)
	}
}
