package worker

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/videos"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The pipeline against fakes of the store, the object store and the queue
// (ffmpeg and ffprobe are real, on a tiny generated clip): the stages it
// reports, the job record it finishes, and the exact list of objects it
// publishes, media before manifests, with their content types and cache
// lifetimes.

// fakeStore is the job records of one video in memory.
type fakeStore struct {
	mu       sync.Mutex
	video    videos.Video
	encode   videos.Encode
	stages   []string
	finished *videos.Published
	failed   string
}

func (s *fakeStore) GetVideo(_ context.Context, id string) (*videos.Video, error) {
	if id != s.video.ID {
		return nil, videos.ErrNotFound
	}
	v := s.video
	return &v, nil
}

func (s *fakeStore) GetEncode(_ context.Context, id string) (*videos.Encode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.encode.ID {
		return nil, videos.ErrNotFound
	}
	e := s.encode
	return &e, nil
}

func (s *fakeStore) StartEncode(ctx context.Context, id string) (*videos.Encode, error) {
	before, err := s.GetEncode(ctx, id)
	if err == nil {
		s.mu.Lock()
		s.encode.State, s.encode.Attempts = "running", s.encode.Attempts+1
		s.mu.Unlock()
	}
	return before, err
}

func (s *fakeStore) UpdateProgress(_ context.Context, _ string, p videos.Progress) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.stages); n == 0 || s.stages[n-1] != p.Stage {
		s.stages = append(s.stages, p.Stage)
	}
	return s.encode.State, nil
}

func (s *fakeStore) SetProbe(context.Context, string, string, any, any, float64, int, int) error {
	return nil
}

func (s *fakeStore) FinishEncode(_ context.Context, _ string, p videos.Published) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished, s.encode.State = &p, "succeeded"
	return "", nil
}

func (s *fakeStore) FailEncode(_ context.Context, _ string, reason string, _ bool) error {
	s.failed = reason
	return nil
}

func (s *fakeStore) QueuedEncodes(context.Context, time.Time) ([]*videos.Encode, error) {
	return nil, nil
}
func (s *fakeStore) ExpiredUploads(context.Context, time.Time, int) ([]*videos.Upload, error) {
	return nil, nil
}
func (s *fakeStore) MarkUploadAborted(context.Context, string) error { return nil }

// fakeBlob serves the source from a local file and records what is put.
type fakeBlob struct {
	source  string // the file the source key downloads
	mu      sync.Mutex
	batches [][]blob.Upload
}

func (b *fakeBlob) Download(_ context.Context, key, path string) error {
	if key != "uploads/u/source" {
		return blob.ErrNotFound
	}
	in, err := os.ReadFile(b.source)
	if err != nil {
		return err
	}
	return os.WriteFile(path, in, 0o644)
}

func (b *fakeBlob) PutFiles(_ context.Context, files []blob.Upload, _ int) error {
	for _, f := range files {
		if _, err := os.Stat(f.Path); err != nil {
			return fmt.Errorf("put %s: %w", f.Key, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches = append(b.batches, slices.Clone(files))
	return nil
}

func (b *fakeBlob) RemovePrefix(context.Context, string) error           { return nil }
func (b *fakeBlob) AbortMultipart(context.Context, string, string) error { return nil }
func (q *fakeQueue) EnqueueEncode(context.Context, string, string) error { return nil }
func (q *fakeQueue) EnqueueContext(_ context.Context, t *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	q.tasks = append(q.tasks, t.Type())
	return &asynq.TaskInfo{}, nil
}

type fakeQueue struct{ tasks []string }

func TestPipelinePublishesTheLadder(t *testing.T) {
	if os.Getenv("LECTERN_SKIP_FFMPEG") == "1" {
		t.Skip("LECTERN_SKIP_FFMPEG=1")
	}
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d=3", "-c:v", "libx264", "-preset", "ultrafast",
		"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip).CombinedOutput(); err != nil {
		t.Fatalf("make clip (ffmpeg is required: make deps installs it): %v\n%s", err, out)
	}
	const videoID, encodeID = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	prefix := videos.EncodePrefix(videoID, encodeID)
	st := &fakeStore{
		video:  videos.Video{ID: videoID, SourceKey: "uploads/u/source", SourceSize: 1 << 20},
		encode: videos.Encode{ID: encodeID, VideoID: videoID, State: "queued", Prefix: prefix},
	}
	bs := &fakeBlob{source: clip}
	q := &fakeQueue{}
	scratch := filepath.Join(dir, "scratch")
	w := &Worker{Store: st, Blob: bs, Queue: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		FFmpeg: "ffmpeg", FFprobe: "ffprobe", ScratchDir: scratch, ScratchMax: 1 << 30,
		SegmentSeconds: 1, MaxFPS: 30, MaxWidth: 4096, MaxHeight: 4096, MaxDuration: time.Hour}
	if err := w.Init(); err != nil {
		t.Fatal(err)
	}
	task, err := NewEncodeTask(videoID, encodeID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Mux().ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("encode: %v (job: %s)", err, st.failed)
	}

	if want := []string{"downloading", "probing", "encoding", "packaging", "publishing"}; !slices.Equal(st.stages, want) {
		t.Errorf("stages %v, want %v", st.stages, want)
	}
	want := videos.Published{HLS: prefix + "master.m3u8", DASH: prefix + "manifest.mpd", Poster: prefix + "poster.jpg", Thumbs: prefix + "thumbs/thumbs.vtt"}
	if p := st.finished; p == nil || p.HLS != want.HLS || p.DASH != want.DASH || p.Poster != want.Poster || p.Thumbs != want.Thumbs || p.Renditions == nil {
		t.Fatalf("finished with %+v, want %+v", st.finished, want)
	}
	if len(bs.batches) != 2 {
		t.Fatalf("%d put batches, want media then manifests", len(bs.batches))
	}
	var list bytes.Buffer
	for i, batch := range bs.batches {
		for _, f := range batch {
			manifest := f.CacheControl == blob.CacheManifest
			if manifest != (i == 1) || (f.CacheControl != blob.CacheImmutable && !manifest) {
				t.Errorf("%s (%s) in batch %d", f.Key, f.CacheControl, i)
			}
			rel, ok := strings.CutPrefix(f.Key, prefix)
			if !ok {
				t.Errorf("%s is outside the encode's prefix %s", f.Key, prefix)
			}
			fmt.Fprintf(&list, "%d %s %s\n", i, rel, f.ContentType)
		}
	}
	lines := strings.Split(strings.TrimSpace(list.String()), "\n")
	slices.Sort(lines)
	golden(t, "published_keys.golden", []byte(strings.Join(lines, "\n")+"\n"))
	if left, _ := os.ReadDir(scratch); len(left) != 0 {
		t.Errorf("scratch space not emptied: %v", left)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
