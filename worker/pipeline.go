package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/packager"
	"github.com/lectern/lectern/transcode"
	"github.com/lectern/lectern/videos"
)

// reporter stores progress at most every ProgressEvery and cancels the
// pipeline when it reads back that an operator canceled the encode.
type reporter struct {
	w *Worker
	// stages records when each stage started, for the log line that closes
	// the job (where did the time go?).
	stages []stageMark
	id     string
	cancel context.CancelCauseFunc
	log    *slog.Logger
	mu     sync.Mutex
	last   time.Time
}

type stageMark struct {
	name string
	at   time.Time
}

// durations returns how long each stage took, in seconds.
func (r *reporter) durations(end time.Time) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []any
	for i, m := range r.stages {
		next := end
		if i+1 < len(r.stages) {
			next = r.stages[i+1].at
		}
		out = append(out, m.name+"_s", float64(next.Sub(m.at).Milliseconds())/1000)
	}
	return out
}

func (r *reporter) report(ctx context.Context, p videos.Progress, force bool) {
	now := r.w.Clock.Now()
	r.mu.Lock()
	if n := len(r.stages); n == 0 || r.stages[n-1].name != p.Stage {
		r.stages = append(r.stages, stageMark{p.Stage, now})
	}
	if !force && now.Sub(r.last) < r.w.ProgressEvery {
		r.mu.Unlock()
		return
	}
	r.last = now
	r.mu.Unlock()
	state, err := r.w.Store.UpdateProgress(context.WithoutCancel(ctx), r.id, p)
	if err != nil {
		r.log.Warn("store progress", "err", err)
		return
	}
	if state == "canceled" {
		r.cancel(errCanceled)
	}
}

// stage weights of the overall percentage
const (
	pctDownload = 3
	pctEncode   = 90
	pctPackage  = 93
)

func (w *Worker) pipeline(parent context.Context, e *videos.Encode, log *slog.Logger) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	rep := &reporter{w: w, id: e.ID, cancel: cancel, log: log}

	v, err := w.Store.GetVideo(ctx, e.VideoID)
	if err != nil {
		return err
	}
	dir, release, err := w.scratch.Dir(ctx, e.ID, v.SourceSize)
	if err != nil {
		return err
	}
	defer release()

	// Objects a crashed earlier attempt published under this prefix are
	// replaced as a whole, so no stale segment survives a retry.
	if e.Attempts > 0 {
		if err := w.Blob.RemovePrefix(ctx, e.Prefix); err != nil {
			return err
		}
	}

	rep.report(ctx, videos.Progress{Stage: "downloading"}, true)
	src := filepath.Join(dir, "source")
	if err := w.Blob.Download(ctx, v.SourceKey, src); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("the uploaded file is missing from storage: %w", asynq.SkipRetry)
		}
		return err
	}

	rep.report(ctx, videos.Progress{Stage: "probing", Percent: pctDownload}, true)
	info, err := transcode.Probe(ctx, w.FFprobe, src, transcode.Limits{MaxWidth: w.MaxWidth, MaxHeight: w.MaxHeight, MaxDuration: w.MaxDuration})
	if err != nil {
		return err
	}
	ladder, err := transcode.PlanLadder(info, transcode.PlanOptions{SegmentSeconds: w.SegmentSeconds, MaxFPS: w.MaxFPS})
	if err != nil {
		return err
	}
	// The poster and the seek-bar sprites come out of the same ffmpeg run,
	// from frames it decodes anyway.
	ladder.Stills = transcode.PlanStills(info.Duration)
	if err := w.Store.SetProbe(ctx, e.ID, e.VideoID, info, ladder, info.Duration, info.DisplayWidth, info.DisplayHeight); err != nil {
		return err
	}
	// The deadline scales with the source: four times real time on top of a
	// fixed allowance covers a slow machine without letting a hung ffmpeg
	// hold the queue forever.
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Minute+time.Duration(4*info.Duration*float64(time.Second)))
	defer dcancel()

	encDir := filepath.Join(dir, "enc")
	if err := os.MkdirAll(encDir, 0o755); err != nil {
		return err
	}
	args := transcode.BuildEncodeArgs(src, ladder, encDir)
	rep.report(ctx, videos.Progress{Stage: "encoding", Percent: pctDownload}, true)
	err = transcode.Run(dctx, w.FFmpeg, args, info.Duration, func(p transcode.Progress) {
		rep.report(ctx, videos.Progress{Stage: "encoding", Percent: pctDownload + p.Percent*(pctEncode-pctDownload)/100, FPS: p.FPS, Speed: p.Speed}, false)
	})
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			return c
		}
		return fmt.Errorf("encode: %w", err)
	}

	rep.report(ctx, videos.Progress{Stage: "packaging", Percent: pctEncode}, true)
	outDir := filepath.Join(dir, "out")
	var inputs []packager.Input
	for _, r := range ladder.Video {
		inputs = append(inputs, packager.Input{Name: r.Name, Path: transcode.OutputPath(encDir, r.Name)})
	}
	if ladder.Audio != nil {
		inputs = append(inputs, packager.Input{Name: ladder.Audio.Name, Path: transcode.OutputPath(encDir, ladder.Audio.Name)})
	}
	res, err := packager.Package(dctx, inputs, outDir, packager.Options{SegmentSeconds: ladder.SegmentSeconds})
	if err != nil {
		if errors.Is(err, packager.ErrMisaligned) {
			return fmt.Errorf("renditions are not segment-aligned, so players could not switch between them: %v: %w", err, asynq.SkipRetry)
		}
		return fmt.Errorf("package: %w", err)
	}
	stills, err := transcode.CollectStills(dctx, w.FFmpeg, encDir, ladder)
	if err != nil {
		return fmt.Errorf("poster and thumbnails: %w", err)
	}

	rep.report(ctx, videos.Progress{Stage: "publishing", Percent: pctPackage}, true)
	segments, manifests := publication(e.Prefix, outDir, res, stills)
	// Segments and images first, manifests last: a manifest never names an
	// object that is not there yet.
	if err := w.Blob.PutFiles(ctx, segments, 8); err != nil {
		return fmt.Errorf("publish segments: %w", err)
	}
	if err := w.Blob.PutFiles(ctx, manifests, 4); err != nil {
		return fmt.Errorf("publish manifests: %w", err)
	}
	if c := context.Cause(ctx); c != nil {
		return c
	}
	old, err := w.Store.FinishEncode(ctx, e.ID, videos.Published{
		HLS: e.Prefix + res.Master, DASH: e.Prefix + res.MPD,
		Poster: e.Prefix + stills.Poster, Thumbs: e.Prefix + stills.Track,
		Renditions: res.Renditions,
	})
	if err != nil {
		return err
	}
	log.Info("encode stages", rep.durations(w.Clock.Now())...)
	if old != "" && old != e.Prefix {
		if err := w.enqueuePurge(ctx, e.ID, old); err != nil {
			log.Warn("schedule purge of the replaced encode", "prefix", old, "err", err)
		}
	}
	return nil
}

// publication is what an encode publishes under its prefix, in two
// waves: the immutable media (segments, init segments, stills) and then the
// short-lived manifests that name them.
func publication(prefix, outDir string, res *packager.Result, stills *transcode.StillsOut) (media, manifests []blob.Upload) {
	for _, f := range res.Files {
		u := blob.Upload{Key: prefix + f.RelPath, Path: filepath.Join(outDir, filepath.FromSlash(f.RelPath)), ContentType: f.ContentType, CacheControl: blob.CacheImmutable}
		if f.Manifest {
			u.CacheControl = blob.CacheManifest
			manifests = append(manifests, u)
		} else {
			media = append(media, u)
		}
	}
	for _, f := range stills.Files {
		media = append(media, blob.Upload{Key: prefix + f.RelPath, Path: f.Path, ContentType: f.ContentType, CacheControl: blob.CacheImmutable})
	}
	return media, manifests
}

func (w *Worker) enqueuePurge(ctx context.Context, encodeID, prefix string) error {
	t, err := NewPurgeTask(encodeID, prefix, w.PurgeDelay)
	if err != nil {
		return err
	}
	_, err = w.Queue.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

func (w *Worker) handlePurge(ctx context.Context, t *asynq.Task) error {
	var p PurgePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || !strings.HasPrefix(p.Prefix, blob.MediaPrefix) || !strings.HasSuffix(p.Prefix, "/") {
		return fmt.Errorf("bad purge payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	return w.Blob.RemovePrefix(ctx, p.Prefix)
}
