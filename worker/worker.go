package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/idempotency"
	"github.com/lectern/lectern/transcode"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/webhooks"
	"github.com/lectern/lectern/xapi"
)

// Store is what the worker reads and writes of the videos domain: the job
// records (videos.Store).
type Store interface {
	GetVideo(ctx context.Context, id string) (*videos.Video, error)
	GetEncode(ctx context.Context, id string) (*videos.Encode, error)
	StartEncode(ctx context.Context, id string) (*videos.Encode, error)
	UpdateProgress(ctx context.Context, id string, p videos.Progress) (state string, err error)
	SetProbe(ctx context.Context, encodeID, videoID string, probe, ladder any, duration float64, width, height int) error
	FinishEncode(ctx context.Context, id string, p videos.Published) (oldPrefix string, err error)
	FailEncode(ctx context.Context, id, reason string, final bool) error
	QueuedEncodes(ctx context.Context, olderThan time.Time) ([]*videos.Encode, error)
	videos.Expired
}

// Blob is the object store the pipeline reads sources from and publishes
// to (blob.Store).
type Blob interface {
	Download(ctx context.Context, key, path string) error
	PutFiles(ctx context.Context, files []blob.Upload, parallel int) error
	RemovePrefix(ctx context.Context, prefix string) error
	videos.Aborter
}

// Queue enqueues the worker's own tasks (Client).
type Queue interface {
	EnqueueEncode(ctx context.Context, videoID, encodeID string) error
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Worker runs the pipeline tasks.
type Worker struct {
	Store          Store
	Blob           Blob
	Queue          Queue
	Log            *slog.Logger
	Clock          clock.Clock
	FFmpeg         string
	FFprobe        string
	ScratchDir     string
	ScratchMax     int64
	SegmentSeconds float64
	MaxFPS         float64
	MaxWidth       int
	MaxHeight      int
	MaxDuration    time.Duration
	// ProgressEvery is how often a running encode stores its progress and
	// looks for a cancel (default 1 s).
	ProgressEvery time.Duration
	// PurgeDelay is how long the objects of a replaced encode stay for
	// players that still hold its manifests (default 1 h).
	PurgeDelay time.Duration
	// DB is the system-scope pool housekeeping sweeps tenant tables with
	// (expired Idempotency-Keys); nil skips that sweep.
	DB database.Querier
	// Webhooks, when set, sends webhook deliveries: a dispatcher fans new
	// events out into deliveries and moves them into asynq, and an asynq
	// server of their own sends them, so a long encode never holds a
	// delivery up.
	Webhooks *webhooks.Sender
	// Forward, when set, forwards each organization's statements to the
	// LRSs it registered (on the deliveries' asynq server, like webhooks).
	Forward *xapi.Forwarder
	// Record, when set, writes Lectern's own record (registrations,
	// completions) into each organization's LRS from the event log.
	Record *xapi.Recorder

	scratch *transcode.Scratch
}

// RunOptions tune the asynq server.
type RunOptions struct {
	Concurrency   int
	ShutdownGrace time.Duration
	// Housekeeping is how often expired uploads are swept and lost encodes
	// re-enqueued (default 1 min).
	Housekeeping time.Duration
}

// Mux returns the task handlers.
func (w *Worker) Mux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeVideoEncode, w.handleEncode)
	mux.HandleFunc(TypeVideoPurge, w.handlePurge)
	if w.Webhooks != nil {
		mux.HandleFunc(webhooks.TypeDeliver, w.Webhooks.HandleDeliver)
	}
	if w.Forward != nil {
		mux.HandleFunc(xapi.TypeForward, w.Forward.HandleForward)
	}
	return mux
}

// Init prepares scratch space; Run calls it.
func (w *Worker) Init() error {
	if w.ProgressEvery == 0 {
		w.ProgressEvery = time.Second
	}
	if w.PurgeDelay == 0 {
		w.PurgeDelay = time.Hour
	}
	s, err := transcode.NewScratch(w.ScratchDir, w.ScratchMax)
	if err != nil {
		return fmt.Errorf("scratch space: %w", err)
	}
	w.scratch = s
	// Folders left by a process that died are no one's any more.
	if _, err := s.Sweep(0); err != nil {
		w.Log.Warn("sweep scratch", "err", err)
	}
	return nil
}

// Run serves tasks until ctx is done; in-flight tasks get ShutdownGrace to
// finish and otherwise go back to the queue.
func (w *Worker) Run(ctx context.Context, redis asynq.RedisClientOpt, o RunOptions) error {
	if err := w.Init(); err != nil {
		return err
	}
	if o.Housekeeping == 0 {
		o.Housekeeping = time.Minute
	}
	srv := asynq.NewServer(redis, asynq.Config{
		Concurrency:     o.Concurrency,
		Queues:          map[string]int{QueueEncode: 6, QueueMaintenance: 1},
		ShutdownTimeout: o.ShutdownGrace,
		// An idle worker looks for new work every 100 ms instead of asynq's
		// 1 s: that second is pure latency on every upload → ready.
		TaskCheckInterval: 100 * time.Millisecond,
		RetryDelayFunc:    RetryDelay,
		Logger:            asynqLogger{w.Log},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			w.Log.Warn("task failed", "type", t.Type(), "err", err)
		}),
	})
	if err := srv.Start(w.Mux()); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	w.Log.Info("worker started", "concurrency", o.Concurrency, "scratch", w.ScratchDir)
	stopWebhooks := func() {}
	if w.Webhooks != nil || w.Forward != nil {
		stop, err := w.runDeliveries(ctx, redis, o)
		if err != nil {
			srv.Shutdown()
			return err
		}
		stopWebhooks = stop
	}
	if w.Record != nil {
		rctx, stopRecord := context.WithCancel(ctx)
		recorded := make(chan struct{})
		go func() { defer close(recorded); w.Record.Run(rctx) }()
		defer func() { stopRecord(); <-recorded }()
	}
	tick := time.NewTicker(o.Housekeeping)
	defer tick.Stop()
	w.housekeep(ctx)
	for {
		select {
		case <-ctx.Done():
			stopWebhooks()
			srv.Shutdown()
			return nil
		case <-tick.C:
			w.housekeep(ctx)
		}
	}
}

// runDeliveries starts the asynq server of what goes out to other
// systems (webhook deliveries, LRS forwarding) and their dispatchers; the
// returned func stops them all.
func (w *Worker) runDeliveries(ctx context.Context, redis asynq.RedisClientOpt, o RunOptions) (func(), error) {
	queues := map[string]int{}
	mux := asynq.NewServeMux()
	concurrency := 2
	retry := RetryDelay
	if s := w.Webhooks; s != nil {
		queues[webhooks.Queue] = 1
		mux.HandleFunc(webhooks.TypeDeliver, s.HandleDeliver)
		concurrency, retry = s.Workers(), s.RetryDelay
	}
	if w.Forward != nil {
		queues[xapi.ForwardQueue] = 1
		mux.HandleFunc(xapi.TypeForward, w.Forward.HandleForward)
		concurrency++
	}
	srv := asynq.NewServer(redis, asynq.Config{
		Concurrency:       concurrency,
		Queues:            queues,
		ShutdownTimeout:   min(o.ShutdownGrace, webhooks.AttemptTimeout),
		TaskCheckInterval: 100 * time.Millisecond,
		// Retries come due on time to the second rather than asynq's 5 s.
		DelayedTaskCheckInterval: time.Second,
		RetryDelayFunc:           retry,
		Logger:                   asynqLogger{w.Log},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			w.Log.Info("delivery attempt failed", "type", t.Type(), "err", err)
		}),
	})
	if err := srv.Start(mux); err != nil {
		return nil, fmt.Errorf("start the delivery server: %w", err)
	}
	dctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	if w.Webhooks != nil {
		done.Go(func() { w.Webhooks.Dispatch(dctx) })
	}
	if w.Forward != nil {
		done.Go(func() { w.Forward.Dispatch(dctx) })
	}
	return func() {
		cancel()
		done.Wait()
		srv.Shutdown()
	}, nil
}

// RetryDelay backs off exponentially from 5 s to at most 10 minutes.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := 5 * time.Second * time.Duration(math.Pow(2, float64(min(n, 8))))
	return min(d, 10*time.Minute)
}

func (w *Worker) housekeep(ctx context.Context) {
	if w.DB != nil {
		w.sweepIdempotencyKeys(ctx)
	}
	if n, err := videos.SweepExpiredUploads(ctx, w.Store, w.Blob, w.Clock.Now()); err != nil {
		w.Log.Warn("sweep expired uploads", "err", err)
	} else if n > 0 {
		w.Log.Info("aborted expired uploads", "count", n)
	}
	// An encode whose enqueue was lost (Redis down at upload time) is
	// enqueued again; TaskIDs make this a no-op for those already queued.
	es, err := w.Store.QueuedEncodes(ctx, w.Clock.Now().Add(-time.Minute))
	if err != nil {
		w.Log.Warn("reconcile encodes", "err", err)
		return
	}
	for _, e := range es {
		if err := w.Queue.EnqueueEncode(ctx, e.VideoID, e.ID); err != nil {
			w.Log.Warn("re-enqueue encode", "encode", e.ID, "err", err)
		}
	}
}

// sweepIdempotencyKeys forgets Idempotency-Keys older than a day, in
// batches so that a backlog never holds one long delete.
func (w *Worker) sweepIdempotencyKeys(ctx context.Context) {
	const batch = 5000
	cutoff := w.Clock.Now().Add(-idempotency.TTL)
	for range 20 {
		n, err := idempotency.Sweep(ctx, w.DB, cutoff, batch)
		if err != nil {
			w.Log.Warn("sweep idempotency keys", "err", err)
			return
		}
		if n < batch {
			return
		}
	}
}

// EnqueueContext enqueues any task; webhooks.Sender uses it as its queue.
func (c *Client) EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	return c.c.EnqueueContext(ctx, t, opts...)
}

// errCanceled is the cause when an operator cancels an encode.
var errCanceled = errors.New("canceled by an operator")

func (w *Worker) handleEncode(ctx context.Context, t *asynq.Task) error {
	var p EncodePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.EncodeID == "" {
		return fmt.Errorf("bad payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	log := w.Log.With("encode", p.EncodeID, "video", p.VideoID)
	before, err := w.Store.StartEncode(ctx, p.EncodeID)
	if errors.Is(err, videos.ErrNotFound) {
		return fmt.Errorf("encode %s does not exist: %w", p.EncodeID, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	switch before.State {
	case "succeeded", "failed", "canceled":
		// A duplicate or late retry of finished work: nothing to do.
		log.Info("encode already finished", "state", before.State)
		return nil
	}
	log.Info("encode started", "attempt", before.Attempts+1)
	started := w.Clock.Now()
	err = w.pipeline(ctx, before, log)
	if err == nil {
		log.Info("encode ready", "seconds", w.Clock.Since(started).Seconds())
		return nil
	}
	cctx := context.WithoutCancel(ctx)
	if e, gerr := w.Store.GetEncode(cctx, p.EncodeID); gerr == nil && e.State == "canceled" {
		log.Info("encode canceled")
		w.removeQuietly(cctx, before.Prefix, log)
		return nil
	}
	var rej *transcode.RejectError
	if errors.As(err, &rej) || errors.Is(err, asynq.SkipRetry) {
		reason := err.Error()
		if rej != nil {
			reason = rej.Reason
		}
		log.Warn("encode failed for good", "reason", reason)
		w.removeQuietly(cctx, before.Prefix, log)
		if ferr := w.Store.FailEncode(cctx, p.EncodeID, reason, true); ferr != nil {
			return ferr
		}
		return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
	}
	if ctx.Err() != nil && context.Cause(ctx) != errCanceled {
		// Shutting down: asynq puts the task back; the next run starts over.
		return err
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	final := retried >= maxRetry
	reason := "temporary failure, will retry: " + err.Error()
	if final {
		reason = fmt.Sprintf("failed after %d attempts: %v", retried+1, err)
		w.removeQuietly(cctx, before.Prefix, log)
	}
	if ferr := w.Store.FailEncode(cctx, p.EncodeID, reason, final); ferr != nil {
		log.Warn("record failure", "err", ferr)
	}
	return err
}

func (w *Worker) removeQuietly(ctx context.Context, prefix string, log *slog.Logger) {
	if err := w.Blob.RemovePrefix(ctx, prefix); err != nil {
		log.Warn("remove published objects", "prefix", prefix, "err", err)
	}
}

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
