package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeUploads serves the upload protocol the way the API does, for one
// upload at a time, and records what it was sent. Hooks left nil behave
// like a healthy API.
type fakeUploads struct {
	t     *testing.T
	chunk int64

	// create, if set, answers POST /uploads instead of the fake.
	create func(w http.ResponseWriter) bool
	// part, if set, may answer the PUT of part n (attempt counts from 1)
	// with an error status and code; status 0 lets the fake store it.
	part func(n, attempt int) (status int, code string)
	// slow delays every PUT, so parts overlap.
	slow time.Duration

	mu        sync.Mutex
	id        string
	size      int64
	title     string
	parts     map[int][]byte
	attempts  map[int]int
	puts      []int // part numbers PUT, in order
	completed []byte
	inFlight  atomic.Int32
	maxFlight atomic.Int32
}

func newFakeUploads(t *testing.T, chunk int64) (*fakeUploads, *Client) {
	f := &fakeUploads{t: t, chunk: chunk, attempts: map[int]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, New(WithBaseURL(srv.URL), WithToken("tok"))
}

func (f *fakeUploads) status() UploadStatus {
	u := UploadStatus{ID: f.id, Size: f.size, ChunkSize: f.chunk, PartsTotal: int((f.size + f.chunk - 1) / f.chunk), Status: "open", Received: []Part{}}
	if f.completed != nil {
		u.Status = "completed"
	}
	for n := 1; n <= u.PartsTotal; n++ {
		if p, ok := f.parts[n]; ok {
			u.Received = append(u.Received, Part{Part: n, Size: int64(len(p))})
		}
	}
	return u
}

func (f *fakeUploads) apiError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (f *fakeUploads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer tok" {
		f.apiError(w, 401, "unauthenticated", "no token")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/uploads")
	if !ok {
		f.apiError(w, 404, "not_found", "no route")
		return
	}
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case r.Method == http.MethodPost && rest == "":
		f.serveCreate(w, r)
	case r.Method == http.MethodGet && len(seg) == 1:
		f.mu.Lock()
		defer f.mu.Unlock()
		if seg[0] != f.id {
			f.apiError(w, 404, "not_found", "upload not found")
			return
		}
		_ = json.NewEncoder(w).Encode(f.status())
	case r.Method == http.MethodPut && len(seg) == 3 && seg[1] == "parts":
		n, _ := strconv.Atoi(seg[2])
		f.servePart(w, r, seg[0], n)
	case r.Method == http.MethodPost && len(seg) == 2 && seg[1] == "complete":
		f.serveComplete(w, seg[0])
	default:
		f.apiError(w, 404, "not_found", "no route")
	}
}

func (f *fakeUploads) serveCreate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.create != nil && f.create(w) {
		return
	}
	var req createUploadReq
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&req) != nil {
		f.apiError(w, 400, "invalid", "bad body")
		return
	}
	f.id = fmt.Sprintf("up%d", rand.Int())
	f.size, f.title = req.Size, req.Title
	f.parts, f.completed = map[int][]byte{}, nil
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(f.status())
}

func (f *fakeUploads) servePart(w http.ResponseWriter, r *http.Request, id string, n int) {
	cur := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.maxFlight.Load(); cur > m && !f.maxFlight.CompareAndSwap(m, cur); m = f.maxFlight.Load() {
	}
	f.mu.Lock()
	slow := f.slow
	f.mu.Unlock()
	time.Sleep(slow)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.apiError(w, 400, "incomplete_part", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, n)
	f.attempts[n]++
	if id != f.id {
		f.apiError(w, 404, "not_found", "upload not found")
		return
	}
	want := min(f.chunk, f.size-int64(n-1)*f.chunk)
	if r.ContentLength != want || int64(len(body)) != want {
		f.t.Errorf("part %d: Content-Length %d, %d bytes, want %d", n, r.ContentLength, len(body), want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" {
		f.t.Errorf("part %d: Content-Type %q", n, ct)
	}
	if got, want := r.Header.Get("X-Chunk-CRC32C"), fmt.Sprintf("%08x", crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))); got != want {
		f.t.Errorf("part %d: X-Chunk-CRC32C %q, want %q", n, got, want)
	}
	if f.part != nil {
		if status, code := f.part(n, f.attempts[n]); status != 0 {
			f.apiError(w, status, code, fmt.Sprintf("part %d: %s", n, code))
			return
		}
	}
	f.parts[n] = body
	_ = json.NewEncoder(w).Encode(Part{Part: n, Size: int64(len(body))})
}

func (f *fakeUploads) serveComplete(w http.ResponseWriter, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.status()
	if id != f.id || len(u.Received) != u.PartsTotal {
		f.apiError(w, 409, "incomplete_upload", "upload is missing parts")
		return
	}
	var all []byte
	for n := 1; n <= u.PartsTotal; n++ {
		all = append(all, f.parts[n]...)
	}
	f.completed = all
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"upload": f.status(), "video": Video{ID: "vid-" + f.id, Title: f.title, Status: "queued"}})
}

// with runs fn on the fake's state, between requests.
func (f *fakeUploads) with(fn func(f *fakeUploads)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// upload is the current upload's id and, once completed, its bytes.
func (f *fakeUploads) upload() (id string, completed []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id, f.completed
}

// wantAssembled fails t unless the completed upload is data.
func (f *fakeUploads) wantAssembled(t *testing.T, data []byte) {
	t.Helper()
	if _, got := f.upload(); !bytes.Equal(got, data) {
		t.Errorf("the server assembled %d bytes that are not the file's %d", len(got), len(data))
	}
}

// takePuts returns the parts PUT since the last call.
func (f *fakeUploads) takePuts() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.puts
	f.puts = nil
	return p
}

func testFile(t *testing.T, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	path := filepath.Join(t.TempDir(), "lecture.mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// progressLog records Upload's reports.
type progressLog struct {
	mu      sync.Mutex
	reports []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, p)
}

func stateFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUploadResumesAfterFailedPart(t *testing.T) {
	ctx := context.Background()
	api, c := newFakeUploads(t, 1000)
	path, data := testFile(t, 3500) // parts of 1000, 1000, 1000, 500
	state := t.TempDir()
	// Part 3 is refused for a reason sending it again cannot cure: the
	// upload stops at once, one part in flight at a time.
	api.with(func(f *fakeUploads) {
		f.part = func(n, attempt int) (int, string) {
			if n == 3 {
				return http.StatusBadRequest, "invalid"
			}
			return 0, ""
		}
	})
	var first progressLog
	_, err := c.Upload(ctx, path, UploadOptions{Title: "Week 1", Parallel: 1, StateDir: state, Progress: first.add})
	if !errors.Is(err, ErrInterrupted) || !strings.HasPrefix(err.Error(), "upload interrupted: part 3: part 3: invalid (HTTP 400)") {
		t.Fatalf("first run: %v, want ErrInterrupted at part 3", err)
	}
	if puts := api.takePuts(); !slices.Equal(puts, []int{1, 2, 3}) {
		t.Errorf("first run PUT parts %v, want [1 2 3] (no retry of a 400 invalid)", puts)
	}
	if last := first.reports[len(first.reports)-1]; !last.Done || last.Sent != 2000 {
		t.Errorf("first run's last report %+v, want Done with the 2000 bytes of parts 1 and 2", last)
	}
	if n := len(stateFiles(t, state)); n != 1 {
		t.Fatalf("%d state files after the interrupted upload, want 1", n)
	}
	firstID, _ := api.upload()

	api.with(func(f *fakeUploads) { f.part = nil })
	var second progressLog
	v, err := c.Upload(ctx, path, UploadOptions{Title: "Week 1", Parallel: 1, StateDir: state, Progress: second.add})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := api.upload(); id != firstID {
		t.Errorf("second run created upload %s, want it to resume %s", id, firstID)
	}
	if puts := api.takePuts(); !slices.Equal(puts, []int{3, 4}) {
		t.Errorf("second run PUT parts %v, want only the missing [3 4]", puts)
	}
	if r := second.reports[0]; !r.Resumed || r.Sent != 2000 || r.Size != 3500 || r.Upload.ID != firstID || len(r.Upload.Received) != 2 || r.Done {
		t.Errorf("second run's first report %+v, want a resumed upload with 2000 bytes there", r)
	}
	if last := second.reports[len(second.reports)-1]; !last.Done || last.Sent != 3500 {
		t.Errorf("second run's last report %+v, want Done with all 3500 bytes", last)
	}
	api.wantAssembled(t, data)
	if v.ID != "vid-"+firstID || v.Title != "Week 1" || v.Status != "queued" {
		t.Errorf("video %+v", v)
	}
	if n := len(stateFiles(t, state)); n != 0 {
		t.Errorf("%d state files after the upload completed, want 0", n)
	}
}

func TestUploadStartsAfreshWhenStateIsStale(t *testing.T) {
	ctx := context.Background()
	api, c := newFakeUploads(t, 1000)
	path, data := testFile(t, 1500)
	state := t.TempDir()
	api.with(func(f *fakeUploads) {
		f.part = func(n, attempt int) (int, string) { return http.StatusForbidden, "forbidden" }
	})
	if _, err := c.Upload(ctx, path, UploadOptions{StateDir: state}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	stale, _ := api.upload()
	api.with(func(f *fakeUploads) {
		f.id = "gone" // the server forgot the upload (it expired)
		f.part = nil
	})
	var log progressLog
	if _, err := c.Upload(ctx, path, UploadOptions{StateDir: state, Progress: log.add}); err != nil {
		t.Fatal(err)
	}
	id, _ := api.upload()
	if id == stale || id == "gone" || log.reports[0].Resumed || log.reports[0].Sent != 0 {
		t.Errorf("upload %s, first report %+v: want a new upload from byte 0", id, log.reports[0])
	}
	api.wantAssembled(t, data)
}

func TestUploadRetriesCurablePartFailures(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"checksum mismatch", http.StatusBadRequest, "checksum_mismatch"},
		{"part cut short", http.StatusBadRequest, "incomplete_part"},
		{"rate limited", http.StatusTooManyRequests, "rate_limited"},
		{"server error", http.StatusInternalServerError, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits out one retry pause
			api, c := newFakeUploads(t, 1000)
			path, data := testFile(t, 2500)
			api.with(func(f *fakeUploads) {
				f.part = func(n, attempt int) (int, string) {
					if n == 2 && attempt == 1 {
						return tt.status, tt.code
					}
					return 0, ""
				}
			})
			var log progressLog
			if _, err := c.Upload(context.Background(), path, UploadOptions{Parallel: 1, StateDir: t.TempDir(), Progress: log.add}); err != nil {
				t.Fatal(err)
			}
			if puts := api.takePuts(); !slices.Equal(puts, []int{1, 2, 2, 3}) {
				t.Errorf("PUT parts %v, want part 2 sent twice", puts)
			}
			// What the failed attempt sent is taken back: the count goes
			// down once, and ends at the file's size.
			drops := 0
			for i := 1; i < len(log.reports); i++ {
				if log.reports[i].Sent < log.reports[i-1].Sent {
					drops++
				}
			}
			api.wantAssembled(t, data)
			if last := log.reports[len(log.reports)-1]; drops != 1 || last.Sent != 2500 {
				t.Errorf("%d drops, last report %+v", drops, last)
			}
		})
	}
}

func TestUploadSendsPartsInParallel(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			api, c := newFakeUploads(t, 100)
			api.with(func(f *fakeUploads) { f.slow = 30 * time.Millisecond })
			path, data := testFile(t, 1000)
			if _, err := c.Upload(context.Background(), path, UploadOptions{Parallel: parallel, StateDir: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			if got := api.maxFlight.Load(); got != int32(parallel) {
				t.Errorf("%d parts in flight at most, want %d", got, parallel)
			}
			api.wantAssembled(t, data)
		})
	}
}

func TestUploadErrors(t *testing.T) {
	dir := t.TempDir()
	path, _ := testFile(t, 10)
	tests := []struct {
		name   string
		path   string
		token  string
		create func(w http.ResponseWriter) bool
		check  func(error) bool
		want   string
	}{
		{name: "no file", path: filepath.Join(dir, "missing.mp4"), token: "tok",
			check: func(err error) bool { return errors.Is(err, fs.ErrNotExist) }, want: "no such file"},
		{name: "a folder", path: dir, token: "tok", want: dir + " is not a regular file"},
		{name: "no token", path: path, check: func(err error) bool { return errors.Is(err, ErrNoToken) }, want: "no API token"},
		{name: "refused", path: path, token: "tok", create: func(w http.ResponseWriter) bool {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = w.Write([]byte(`{"error":{"code":"too_large","message":"size: too big","field":"size"}}`))
			return true
		}, check: func(err error) bool {
			var ae *Error
			return errors.As(err, &ae) && ae.Field == "size"
		}, want: "start upload: size: too big (HTTP 413)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, c := newFakeUploads(t, 1000)
			api.with(func(f *fakeUploads) { f.create = tt.create })
			_, err := c.As(tt.token).Upload(context.Background(), tt.path, UploadOptions{StateDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.check != nil && !tt.check(err)) {
				t.Fatalf("Upload: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestUploadCompleteFails(t *testing.T) {
	api, c := newFakeUploads(t, 1000)
	path, _ := testFile(t, 10)
	state := t.TempDir()
	api.with(func(f *fakeUploads) {
		f.part = func(n, attempt int) (int, string) {
			f.id = "other" // complete will not find the upload (servePart holds mu)
			return 0, ""
		}
	})
	_, err := c.Upload(context.Background(), path, UploadOptions{StateDir: state})
	if err == nil || err.Error() != "complete upload: upload is missing parts (HTTP 409)" {
		t.Fatalf("Upload: %v", err)
	}
	if n := len(stateFiles(t, state)); n != 1 {
		t.Errorf("%d state files after a failed completion, want 1 (it can be resumed)", n)
	}
}

func TestPartCRC(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "00000000"},
		{"a", "c1d04330"},
		{"123456789", "e3069283"}, // the CRC-32C check value
		{strings.Repeat("\x00", 32), "8a9136aa"},
	}
	for _, tt := range tests {
		if got := partCRC([]byte(tt.in)); got != tt.want {
			t.Errorf("partCRC(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
