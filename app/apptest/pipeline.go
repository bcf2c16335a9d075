package apptest

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/worker"
)

// Pipeline is a whole pipeline on real services: a test database schema,
// a bucket, a private Redis, the API on a loopback port and a worker.
type Pipeline struct {
	t       *testing.T
	DB      *pgxpool.Pool
	Blob    *blob.Store
	Redis   asynq.RedisClientOpt
	Queue   *worker.Client
	Store   *videos.Store
	API     *API
	Worker  *worker.Worker
	Scratch string
}

// NewPipeline builds the rig; bs nil means a new bucket on the stack's MinIO.
func NewPipeline(t *testing.T, bs *blob.Store) *Pipeline {
	t.Helper()
	db := testenv.DB(t)
	if bs == nil {
		bs = testenv.Bucket(t)
	}
	rd := testenv.Redis(t)
	ropt := asynq.RedisClientOpt{Addr: rd.Addr}
	q := worker.NewClient(ropt)
	t.Cleanup(func() { q.Close() })
	r := &Pipeline{t: t, DB: db, Blob: bs, Redis: ropt, Queue: q, Store: videos.NewStore(db), Scratch: t.TempDir()}
	r.API = StartAPI(t, db, bs, q, 16<<20, time.Now)
	r.Worker = &worker.Worker{
		Store: r.Store, Blob: bs, Queue: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		FFmpeg: "ffmpeg", FFprobe: "ffprobe", ScratchDir: r.Scratch, ScratchMax: 10 << 30,
		SegmentSeconds: 2, MaxFPS: 30, MaxWidth: 4096, MaxHeight: 4096, MaxDuration: time.Hour,
		ProgressEvery: 200 * time.Millisecond,
	}
	return r
}

// StartWorker runs the worker until the test ends.
func (r *Pipeline) StartWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Worker.Run(ctx, r.Redis, worker.RunOptions{Concurrency: 1, ShutdownGrace: 5 * time.Second, Housekeeping: time.Hour})
	}()
	r.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// WaitVideo waits until the video leaves the queue and returns it.
func (r *Pipeline) WaitVideo(id string, timeout time.Duration) *videos.Video {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := r.Store.GetVideo(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		switch v.Status {
		case "ready", "failed", "canceled":
			return v
		}
		if time.Now().After(deadline) {
			e, _ := r.Store.LatestEncode(context.Background(), id)
			r.t.Fatalf("video %s still %s after %s (encode %+v)", id, v.Status, timeout, e)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitStage waits until the encode reaches one of stages.
func (r *Pipeline) WaitStage(encodeID string, stages ...string) {
	r.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		e, err := r.Store.GetEncode(context.Background(), encodeID)
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

// Keys lists the objects under prefix, sorted.
func (r *Pipeline) Keys(prefix string) []string {
	r.t.Helper()
	ks, err := r.Blob.List(context.Background(), prefix)
	if err != nil {
		r.t.Fatal(err)
	}
	slices.Sort(ks)
	return ks
}
