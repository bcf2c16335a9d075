package worker_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/worker"
)

func TestPipelinePublishesHLSAndDASH(t *testing.T) {
	r := apptest.NewPipeline(t, nil)
	r.StartWorker()
	up := r.API.UploadFile(testenv.Clip(t, 5, "320x240", true))
	v := r.WaitVideo(up.VideoID, 3*time.Minute)
	if v.Status != "ready" {
		t.Fatalf("video %s: %v", v.Status, deref(v.Error))
	}
	e, err := r.Store.GetEncode(context.Background(), up.EncodeID)
	if err != nil {
		t.Fatal(err)
	}
	if e.State != "succeeded" || e.Progress != 100 || e.Attempts != 1 || e.StartedAt == nil || e.FinishedAt == nil {
		t.Fatalf("job record: %+v", e)
	}
	// The video becoming ready is one event of its organization's log.
	var ready int
	var title string
	if err := r.DB.QueryRow(context.Background(), `select count(*), max(e.payload->>'title') from events e join videos v on v.org_id = e.org_id
		where e.type = 'video.ready' and e.payload->>'video_id' = $1 and v.id = $1::uuid`, up.VideoID).Scan(&ready, &title); err != nil || ready != 1 || title == "" {
		t.Fatalf("video.ready events: %d (title %q, %v), want 1", ready, title, err)
	}
	prefix := videos.EncodePrefix(up.VideoID, up.EncodeID)
	ks := r.Keys(prefix)
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
		info, err := r.Blob.Head(ctx, prefix+key)
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != want[0] || info.CacheControl != want[1] {
			t.Errorf("%s: Content-Type %q Cache-Control %q, want %q %q", key, info.ContentType, info.CacheControl, want[0], want[1])
		}
	}
	// Scratch space is empty once the job is done.
	if ents, _ := os.ReadDir(r.Scratch); len(ents) != 0 {
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
	r := apptest.NewPipeline(t, nil)
	r.StartWorker()
	up := r.API.UploadFile(testenv.Clip(t, 3, "320x240", true))
	if v := r.WaitVideo(up.VideoID, 3*time.Minute); v.Status != "ready" {
		t.Fatalf("video %s: %s", v.Status, deref(v.Error))
	}
	videoPrefix := "media/" + up.VideoID + "/"
	first := r.Keys(videoPrefix)

	// A duplicate delivery of the same task does nothing.
	task, _ := worker.NewEncodeTask(up.VideoID, up.EncodeID)
	if err := r.Worker.Mux().ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("duplicate task: %v", err)
	}
	if got := r.Keys(videoPrefix); !slices.Equal(got, first) {
		t.Fatalf("duplicate task changed objects:\n%v\n%v", first, got)
	}

	// A worker that died after publishing but before recording success: the
	// task runs again and must converge on the same single result.
	if _, err := r.DB.Exec(context.Background(), `update encodes set state = 'running' where id = $1`, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DB.Exec(context.Background(), `update videos set status = 'processing', current_encode_id = null where id = $1`, up.VideoID); err != nil {
		t.Fatal(err)
	}
	if err := r.Worker.Mux().ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("re-run after crash: %v", err)
	}
	if got := r.Keys(videoPrefix); !slices.Equal(got, first) {
		t.Fatalf("re-run produced a different set of objects:\n%v\n%v", first, got)
	}
	var n int
	if err := r.DB.QueryRow(context.Background(), `select count(*) from encodes where video_id = $1`, up.VideoID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d encode records, want 1 (%v)", n, err)
	}
	if v, _ := r.Store.GetVideo(context.Background(), up.VideoID); v.Status != "ready" || v.CurrentEncodeID == nil || *v.CurrentEncodeID != up.EncodeID {
		t.Fatalf("video after re-run: %+v", v)
	}
}

func TestBadUploadFailsWithAReasonAndTheQueueGoesOn(t *testing.T) {
	r := apptest.NewPipeline(t, nil)
	r.StartWorker()
	bad := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(bad, []byte(strings.Repeat("these are my lecture notes, not a video\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	badUp := r.API.UploadFile(bad)
	goodUp := r.API.UploadFile(testenv.Clip(t, 2, "160x120", false))
	v := r.WaitVideo(badUp.VideoID, 2*time.Minute)
	if v.Status != "failed" || !strings.Contains(deref(v.Error), "not a video") {
		t.Fatalf("bad upload: status %s error %q", v.Status, deref(v.Error))
	}
	e, _ := r.Store.GetEncode(context.Background(), badUp.EncodeID)
	if e.Attempts != 1 || e.State != "failed" {
		t.Fatalf("a bad file must fail at once without retries: %+v", e)
	}
	if info, err := r.Queue.TaskInfo(worker.QueueEncode, worker.EncodeTaskID(badUp.EncodeID)); err != nil || info.State != asynq.TaskStateArchived {
		t.Fatalf("bad task should be archived (no retry): %+v %v", info, err)
	}
	if v := r.WaitVideo(goodUp.VideoID, 2*time.Minute); v.Status != "ready" {
		t.Fatalf("the next video is %s: %s", v.Status, deref(v.Error))
	}
	if ks := r.Keys("media/" + badUp.VideoID + "/"); len(ks) != 0 {
		t.Fatalf("failed encode left objects: %v", ks)
	}
	if ents, _ := os.ReadDir(r.Scratch); len(ents) != 0 {
		t.Errorf("scratch not cleaned: %v", ents)
	}
}

func TestCancelKillsFFmpegAndCleansUp(t *testing.T) {
	r := apptest.NewPipeline(t, nil)
	r.StartWorker()
	up := r.API.UploadFile(testenv.Clip(t, 40, "640x360", true))
	r.WaitStage(up.EncodeID, "encoding")
	time.Sleep(500 * time.Millisecond)
	ctx := context.Background()
	if _, err := r.Store.CancelEncode(ctx, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	if err := r.Queue.CancelEncode(ctx, up.EncodeID); err != nil {
		t.Fatal(err)
	}
	v := r.WaitVideo(up.VideoID, time.Minute)
	if v.Status != "canceled" {
		t.Fatalf("status %s", v.Status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ents, _ := os.ReadDir(r.Scratch)
		out, _ := exec.Command("pgrep", "-f", r.Scratch).Output()
		if len(ents) == 0 && len(strings.TrimSpace(string(out))) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after cancel: scratch %v, processes %q", ents, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ks := r.Keys("media/" + up.VideoID + "/"); len(ks) != 0 {
		t.Fatalf("canceled encode left objects: %v", ks)
	}
}

func TestPublishSurvivesMinIORestart(t *testing.T) {
	mio := testenv.MinIO(t)
	bs := testenv.BucketAt(t, mio.Addr)
	r := apptest.NewPipeline(t, bs)
	r.StartWorker()
	up := r.API.UploadFile(testenv.Clip(t, 12, "640x360", true))
	// MinIO goes away while the worker encodes and is still away when it
	// starts publishing; it comes back a little later.
	r.WaitStage(up.EncodeID, "encoding")
	mio.Stop()
	r.WaitStage(up.EncodeID, "publishing")
	time.Sleep(2 * time.Second)
	mio.Start()
	v := r.WaitVideo(up.VideoID, 5*time.Minute)
	if v.Status != "ready" {
		t.Fatalf("video %s: %s", v.Status, deref(v.Error))
	}
	if ks := r.Keys(videos.EncodePrefix(up.VideoID, up.EncodeID)); !slices.Contains(ks, videos.EncodePrefix(up.VideoID, up.EncodeID)+"master.m3u8") {
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
