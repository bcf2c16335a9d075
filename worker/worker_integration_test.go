package worker_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/worker"
)

type rig struct {
	t       *testing.T
	db      *pgxpool.Pool
	bs      *blob.Store
	redis   asynq.RedisClientOpt
	queue   *worker.Client
	store   *videos.Store
	api     *testenv.API
	w       *worker.Worker
	stop    context.CancelFunc
	done    chan error
	scratch string
}

func newRig(t *testing.T, bs *blob.Store) *rig {
	t.Helper()
	db := testenv.DB(t)
	if bs == nil {
		bs = testenv.Bucket(t)
	}
	rd := testenv.Redis(t)
	ropt := asynq.RedisClientOpt{Addr: rd.Addr}
	q := worker.NewClient(ropt)
	t.Cleanup(func() { q.Close() })
	r := &rig{t: t, db: db, bs: bs, redis: ropt, queue: q, store: videos.NewStore(db), scratch: t.TempDir()}
	r.api = testenv.StartAPI(t, db, bs, q, 16<<20, time.Now)
	r.w = &worker.Worker{
		Store: r.store, Blob: bs, Queue: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		FFmpeg: "ffmpeg", FFprobe: "ffprobe", ScratchDir: r.scratch, ScratchMax: 10 << 30,
		SegmentSeconds: 2, MaxFPS: 30, MaxWidth: 4096, MaxHeight: 4096, MaxDuration: time.Hour,
		ProgressEvery: 200 * time.Millisecond,
	}
	return r
}

func (r *rig) startWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	r.done = make(chan error, 1)
	go func() {
		r.done <- r.w.Run(ctx, r.redis, worker.RunOptions{Concurrency: 1, ShutdownGrace: 5 * time.Second, Housekeeping: time.Hour})
	}()
	r.t.Cleanup(func() {
		cancel()
		<-r.done
	})
}

// waitVideo waits until the video leaves the queue and returns it.
func (r *rig) waitVideo(id string, timeout time.Duration) *videos.Video {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := r.store.GetVideo(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		switch v.Status {
		case "ready", "failed", "canceled":
			return v
		}
		if time.Now().After(deadline) {
			e, _ := r.store.LatestEncode(context.Background(), id)
			r.t.Fatalf("video %s still %s after %s (encode %+v)", id, v.Status, timeout, e)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *rig) waitStage(encodeID string, stages ...string) {
	r.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		e, err := r.store.GetEncode(context.Background(), encodeID)
		if err != nil {
			r.t.Fatal(err)
		}
		if slices.Contains(stages, e.Stage) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("encode %s never reached %v", encodeID, stages)
}

// clip generates a small lecture-like clip with ffmpeg.
func clip(t *testing.T, seconds int, size string, audio bool) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=25:d=" + itoa(seconds)}
	if audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d="+itoa(seconds))
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

func itoa(n int) string { return strconv.Itoa(n) }

func (r *rig) keys(prefix string) []string {
	r.t.Helper()
	ks, err := r.bs.List(context.Background(), prefix)
	if err != nil {
		r.t.Fatal(err)
	}
	slices.Sort(ks)
	return ks
}

func TestPipelinePublishesHLSAndDASH(t *testing.T) {
	r := newRig(t, nil)
	r.startWorker()
	up := r.api.UploadFile(clip(t, 5, "320x240", true))
	v := r.waitVideo(up.VideoID, 3*time.Minute)
	if v.Status != "ready" {
		t.Fatalf("video %s: %v", v.Status, deref(v.Error))
	}
	e, err := r.store.GetEncode(context.Background(), up.EncodeID)
	if err != nil {
		t.Fatal(err)
	}
	if e.State != "succeeded" || e.Progress != 100 || e.Attempts != 1 || e.StartedAt == nil || e.FinishedAt == nil {
		t.Fatalf("job record: %+v", e)
	}
	prefix := videos.EncodePrefix(up.VideoID, up.EncodeID)
	ks := r.keys(prefix)
	for _, want := range []string{"master.m3u8", "manifest.mpd", "v0/init.mp4", "v0/index.m3u8", "v0/seg-00001.m4s", "a0/init.mp4", "a0/index.m3u8", "poster.jpg", "thumbs/thumbs.vtt", "thumbs/sprite-0.jpg"} {
		if !slices.Contains(ks, prefix+want) {
			t.Errorf("missing %s in %v", want, ks)
		}
	}
	ctx := context.Background()
	for key, want := range map[string][2]string{
		"master.m3u8":      {"application/vnd.apple.mpegurl", blob.CacheManifest},
		"manifest.mpd":     {"application/dash+xml", blob.CacheManifest},
		"v0/seg-00001.m4s": {"video/iso.segment", blob.CacheImmutable},
		"v0/init.mp4":      {"video/mp4", blob.CacheImmutable},
		"poster.jpg":       {"image/jpeg", blob.CacheImmutable},
	} {
		info, err := r.bs.Head(ctx, prefix+key)
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != want[0] || info.CacheControl != want[1] {
			t.Errorf("%s: Content-Type %q Cache-Control %q, want %q %q", key, info.ContentType, info.CacheControl, want[0], want[1])
		}
	}
	// Scratch space is empty once the job is done.
	if ents, _ := os.ReadDir(r.scratch); len(ents) != 0 {
		t.Errorf("scratch not cleaned: %v", ents)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A duplicated task and a task re-run after a crash both leave exactly one
// set of renditions.
func TestRetriedTaskLeavesExactlyOneResult(t *testing.T) {
	r := newRig(t, nil)
	r.startWorker()
	up := r.api.UploadFile(clip(t, 3, "320x240", true))
	if v := r.waitVideo(up.VideoID, 3*time.Minute); v.Status != "ready" {
		t.Fatalf("video %s: %s", v.Status, deref(v.Error))
	}
	videoPrefix := "media/" + up.VideoID + "/"
	first := r.keys(videoPrefix)

	// A duplicate delivery of the same task does nothing.
	task, _ := worker.NewEncodeTask(up.VideoID, up.EncodeID)
	if err := r.w.Mux().ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("duplicate task: %v", err)
	}
	if got := r.keys(videoPrefix); !slices.Equal(got, first) {
		t.Fatalf("duplicate task changed objects:\n%v\n%v", first, got)
	}

	// A worker that died after publishing but before recording success: the
	// task runs again and must converge on the same single result.
	if _, err := r.db.Exec(context.Background(), `update encodes set state = 'running' where id = $1`, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.Exec(context.Background(), `update videos set status = 'processing', current_encode_id = null where id = $1`, up.VideoID); err != nil {
		t.Fatal(err)
	}
	if err := r.w.Mux().ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("re-run after crash: %v", err)
	}
	if got := r.keys(videoPrefix); !slices.Equal(got, first) {
		t.Fatalf("re-run produced a different set of objects:\n%v\n%v", first, got)
	}
	var n int
	if err := r.db.QueryRow(context.Background(), `select count(*) from encodes where video_id = $1`, up.VideoID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d encode records, want 1 (%v)", n, err)
	}
	if v, _ := r.store.GetVideo(context.Background(), up.VideoID); v.Status != "ready" || v.CurrentEncodeID == nil || *v.CurrentEncodeID != up.EncodeID {
		t.Fatalf("video after re-run: %+v", v)
	}
}

func TestBadUploadFailsWithAReasonAndTheQueueGoesOn(t *testing.T) {
	r := newRig(t, nil)
	r.startWorker()
	bad := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(bad, []byte(strings.Repeat("these are my lecture notes, not a video\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	badUp := r.api.UploadFile(bad)
	goodUp := r.api.UploadFile(clip(t, 2, "160x120", false))
	v := r.waitVideo(badUp.VideoID, 2*time.Minute)
	if v.Status != "failed" || !strings.Contains(deref(v.Error), "not a video") {
		t.Fatalf("bad upload: status %s error %q", v.Status, deref(v.Error))
	}
	e, _ := r.store.GetEncode(context.Background(), badUp.EncodeID)
	if e.Attempts != 1 || e.State != "failed" {
		t.Fatalf("a bad file must fail at once without retries: %+v", e)
	}
	if info, err := r.queue.TaskInfo(worker.QueueEncode, worker.EncodeTaskID(badUp.EncodeID)); err != nil || info.State != asynq.TaskStateArchived {
		t.Fatalf("bad task should be archived (no retry): %+v %v", info, err)
	}
	if v := r.waitVideo(goodUp.VideoID, 2*time.Minute); v.Status != "ready" {
		t.Fatalf("the next video is %s: %s", v.Status, deref(v.Error))
	}
	if ks := r.keys("media/" + badUp.VideoID + "/"); len(ks) != 0 {
		t.Fatalf("failed encode left objects: %v", ks)
	}
	if ents, _ := os.ReadDir(r.scratch); len(ents) != 0 {
		t.Errorf("scratch not cleaned: %v", ents)
	}
}

func TestCancelKillsFFmpegAndCleansUp(t *testing.T) {
	r := newRig(t, nil)
	r.startWorker()
	up := r.api.UploadFile(clip(t, 40, "640x360", true))
	r.waitStage(up.EncodeID, "encoding")
	time.Sleep(500 * time.Millisecond)
	ctx := context.Background()
	if _, err := r.store.CancelEncode(ctx, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	if err := r.queue.CancelEncode(ctx, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	v := r.waitVideo(up.VideoID, time.Minute)
	if v.Status != "canceled" {
		t.Fatalf("status %s", v.Status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ents, _ := os.ReadDir(r.scratch)
		out, _ := exec.Command("pgrep", "-f", r.scratch).Output()
		if len(ents) == 0 && len(strings.TrimSpace(string(out))) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after cancel: scratch %v, processes %q", ents, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ks := r.keys("media/" + up.VideoID + "/"); len(ks) != 0 {
		t.Fatalf("canceled encode left objects: %v", ks)
	}
}

func TestPublishSurvivesMinIORestart(t *testing.T) {
	mio := testenv.MinIO(t)
	bs := testenv.BucketAt(t, mio.Addr)
	r := newRig(t, bs)
	r.startWorker()
	up := r.api.UploadFile(clip(t, 12, "640x360", true))
	// MinIO goes away while the worker encodes and is still away when it
	// starts publishing; it comes back a little later.
	r.waitStage(up.EncodeID, "encoding")
	mio.Stop()
	r.waitStage(up.EncodeID, "publishing")
	time.Sleep(2 * time.Second)
	mio.Start()
	v := r.waitVideo(up.VideoID, 5*time.Minute)
	if v.Status != "ready" {
		t.Fatalf("video %s: %s", v.Status, deref(v.Error))
	}
	if ks := r.keys(videos.EncodePrefix(up.VideoID, up.EncodeID)); !slices.Contains(ks, videos.EncodePrefix(up.VideoID, up.EncodeID)+"master.m3u8") {
		t.Fatalf("no master playlist after the restart: %v", ks)
	}
}

func TestQueuedTaskSurvivesRedisRestart(t *testing.T) {
	testenv.Require(t)
	rd := testenv.Redis(t)
	q := worker.NewClient(asynq.RedisClientOpt{Addr: rd.Addr})
	defer q.Close()
	if err := q.EnqueueEncode(context.Background(), "v1", "e1"); err != nil {
		t.Fatal(err)
	}
	rd.Restart()
	info, err := q.TaskInfo(worker.QueueEncode, worker.EncodeTaskID("e1"))
	if err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("after a Redis restart the task is %+v (%v)", info, err)
	}
}
