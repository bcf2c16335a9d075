package main

// The pipeline section: `lectern video upload --wait --json` of each
// source, timed from the video's created_at to its ready_at and split into
// the job's stages, against plain ffmpeg (pipeline_ffmpeg.go).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/lectern/lectern/client"
)

type sourceResults struct {
	Path        string          `json:"path"`
	Size        int64           `json:"size"`
	Ladder      json.RawMessage `json:"ladder"`
	Pipeline    []pipelineRun   `json:"pipeline"`
	Single      []ffmpegRun     `json:"single_ffmpeg"`
	PerRend     []perRendRun    `json:"per_rendition"`
	LadderMatch bool            `json:"ladder_matches_worker"`
}

type pipelineRun struct {
	VideoID      string      `json:"video_id"`
	Seconds      float64     `json:"seconds"` // created_at -> ready_at
	CLISeconds   float64     `json:"cli_seconds"`
	CreatedAt    time.Time   `json:"created_at"`
	ReadyAt      time.Time   `json:"ready_at"`
	StartedAt    time.Time   `json:"job_started_at"`
	FinishedAt   time.Time   `json:"job_finished_at"`
	Stages       []stageSpan `json:"stages"`
	WorkerHWMMiB float64     `json:"worker_peak_rss_mib"`
	WorkerCPU    float64     `json:"worker_cpu_seconds"`   // the Go process itself
	ChildCPU     float64     `json:"children_cpu_seconds"` // ffmpeg, ffprobe
	APICPU       float64     `json:"api_cpu_seconds"`      // answering the CLI's and our polls
	MinIOCPU     float64     `json:"minio_cpu_seconds"`
	OtherCores   float64     `json:"other_load_cores"` // CPU busy outside the processes above / wall time
	// Tools: the worker's ffmpeg and ffprobe runs by kind (encode, poster,
	// thumbnails, probe), timed by the wrapper.
	Tools  map[string]*toolRuns `json:"worker_tools,omitempty"`
	Ladder json.RawMessage      `json:"-"`
}

type stageSpan struct {
	Stage      string   `json:"stage"`
	Seconds    float64  `json:"seconds"`
	CPU        float64  `json:"cpu_seconds,omitempty"`      // worker + its children
	OtherCores *float64 `json:"other_load_cores,omitempty"` // rest of the machine
}

// measureSource times the pipeline, one ffmpeg for the whole ladder and one
// ffmpeg per rendition on s. Odd repetitions run the pipeline before the
// plain ffmpeg, even ones after it, so that BENCH_REPS >= 2 cancels any
// effect of the order.
func (b *bench) measureSource(ctx context.Context, s source, sr *sourceResults, rep int) error {
	var p *pipelineRun
	pipeline := func() error {
		logf("%s rep %d/%d: pipeline (lectern video upload --wait --json)", s.Name, rep, b.o.reps)
		var err error
		if p, err = b.pipeline(ctx, s); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		sr.Pipeline = append(sr.Pipeline, *p)
		logf("%s: pipeline %.1f s (%s), worker peak RSS %.1f MiB", s.Name, p.Seconds, stageLine(p.Stages), p.WorkerHWMMiB)
		return nil
	}

	// one ffmpeg, the whole ladder
	dir := filepath.Join(b.o.work, "ffmpeg-"+s.Name)
	var plan struct {
		FFmpeg string          `json:"ffmpeg"`
		Ladder json.RawMessage `json:"ladder"`
		Args   []string        `json:"args"`
	}
	if err := b.lecternJSON(ctx, &plan, "transcode", "args", s.Path, dir, "--json"); err != nil {
		return err
	}
	sr.Ladder = plan.Ladder
	single := func() error {
		logf("%s rep %d/%d: one ffmpeg for the whole ladder", s.Name, rep, b.o.reps)
		fr, err := runFFmpeg(ctx, plan.FFmpeg, plan.Args, dir)
		if err != nil {
			return err
		}
		sr.Single = append(sr.Single, fr)
		logf("%s: one ffmpeg %.1f s (%.1f CPU s)", s.Name, fr.Seconds, fr.CPUSeconds)
		return nil
	}
	steps := []func() error{pipeline, single}
	if rep%2 == 0 {
		steps = []func() error{single, pipeline}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	// The worker's ladder also carries "stills" (its encode writes the poster
	// and the thumbnail sprites too); the plain baseline encodes the ladder
	// only, so the comparison leaves them out and the pipeline does a little
	// more work than its baseline.
	if !sameJSON(plan.Ladder, withoutKey(p.Ladder, "stills")) {
		sr.LadderMatch = false
		b.warn("%s: the ladder `lectern transcode args` plans differs from the worker's (%s vs %s)", s.Name, plan.Ladder, p.Ladder)
	}

	// one ffmpeg per rendition, sequentially
	var per struct {
		FFmpeg     string `json:"ffmpeg"`
		Renditions []struct {
			Name string   `json:"name"`
			Args []string `json:"args"`
		} `json:"renditions"`
	}
	if err := b.lecternJSON(ctx, &per, "transcode", "args", s.Path, dir, "--per-rendition"); err != nil {
		return err
	}
	pr := perRendRun{Each: map[string]float64{}}
	for _, r := range per.Renditions {
		logf("%s rep %d/%d: ffmpeg for rendition %s", s.Name, rep, b.o.reps, r.Name)
		fr, err := runFFmpeg(ctx, per.FFmpeg, r.Args, dir)
		if err != nil {
			return fmt.Errorf("rendition %s: %w", r.Name, err)
		}
		pr.Each[r.Name] = round(fr.Seconds, 2)
		pr.Seconds += fr.Seconds
		pr.CPUSeconds += fr.CPUSeconds
		pr.OtherCores += fr.OtherCores * fr.Seconds
	}
	pr.OtherCores = round(pr.OtherCores/pr.Seconds, 2)
	pr.CPUSeconds = round(pr.CPUSeconds, 2)
	sr.PerRend = append(sr.PerRend, pr)
	logf("%s: one ffmpeg per rendition %.1f s in all (%.1f CPU s)", s.Name, pr.Seconds, pr.CPUSeconds)
	return nil
}

// getVideo is GET /api/v1/videos/{id} as the admin.
func (b *bench) getVideo(ctx context.Context, id string) (*client.Video, error) {
	v, err := b.api.GetVideo(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("GET /api/v1/videos/%s: %w", id, err)
	}
	return v, nil
}

var uploadedRE = regexp.MustCompile(`uploaded: video (\S+)`)

// stageMark is the first sighting of a job stage, with CPU counters then.
type stageMark struct {
	stage string
	at    time.Time
	cpu   cpuSnap
}

// pipeline uploads s with the CLI and waits until it is ready, watching the
// job's stage twice a second to attribute the time to stages.
func (b *bench) pipeline(ctx context.Context, s source) (*pipelineRun, error) {
	_ = resetHWM(b.o.workerPID)
	cpu0, err := procCPU(b.o.workerPID)
	if err != nil {
		return nil, err
	}
	api0, _ := procCPU(b.o.apiPID)
	m0 := b.minioCPU()
	sys0 := readSysBusy()
	toolOff := b.toolLogSize()
	cmd := exec.CommandContext(ctx, b.o.lectern, "video", "upload", s.Path, "--wait", "--json", "--title", "bench "+s.Name)
	cmd.Env = append(os.Environ(), "LECTERN_API="+b.o.api, "LECTERN_TOKEN="+b.o.token)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var (
		marks    []stageMark
		mu       sync.Mutex
		tail     []string
		pollDone = make(chan struct{})
		pollStop = make(chan struct{})
		started  bool
	)
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		line := sc.Text()
		tail = append(tail, line)
		if len(tail) > 20 {
			tail = tail[1:]
		}
		if m := uploadedRE.FindStringSubmatch(line); m != nil && !started {
			started = true
			id := m[1]
			go func() {
				defer close(pollDone)
				last := ""
				for {
					v, err := b.getVideo(ctx, id)
					if err == nil && v.Job != nil {
						st := v.Job.Stage
						if st == "" {
							st = v.Job.State
						}
						if st != last {
							mu.Lock()
							marks = append(marks, stageMark{st, time.Now(), b.snap()})
							mu.Unlock()
							last = st
						}
					}
					select {
					case <-pollStop:
						return
					case <-ctx.Done():
						return
					case <-time.After(500 * time.Millisecond):
					}
				}
			}()
		}
	}
	werr := cmd.Wait()
	cliSecs := time.Since(t0).Seconds()
	if started {
		close(pollStop)
		<-pollDone
	}
	if werr != nil {
		return nil, fmt.Errorf("lectern video upload %s: %v\n%s\n%s", s.Path, werr, strings.Join(tail, "\n"), stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var out struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.Status != "ready" {
		return nil, fmt.Errorf("lectern video upload --json printed %q", stdout.String())
	}
	v, err := b.getVideo(ctx, out.ID)
	if err != nil {
		return nil, err
	}
	if v.ReadyAt == nil || v.Job == nil || v.Job.StartedAt == nil || v.Job.FinishedAt == nil {
		return nil, fmt.Errorf("video %s is ready but lacks ready_at or job times", out.ID)
	}
	hwm, err := readHWM(b.o.workerPID)
	if err != nil {
		return nil, err
	}
	cpu1, err := procCPU(b.o.workerPID)
	if err != nil {
		return nil, err
	}
	api1, _ := procCPU(b.o.apiPID)
	minio := b.minioCPU() - m0
	sysBusy := readSysBusy() - sys0
	p := &pipelineRun{
		VideoID: v.ID, CreatedAt: v.CreatedAt, ReadyAt: *v.ReadyAt,
		StartedAt: *v.Job.StartedAt, FinishedAt: *v.Job.FinishedAt,
		Seconds:      v.ReadyAt.Sub(v.CreatedAt).Seconds(),
		CLISeconds:   round(cliSecs, 2),
		WorkerHWMMiB: round(hwm, 1),
		WorkerCPU:    round(cpu1.self-cpu0.self, 2),
		ChildCPU:     round(cpu1.children-cpu0.children, 2),
		APICPU:       round(api1.self-api0.self, 2),
		MinIOCPU:     round(minio, 2),
		Ladder:       v.Job.Ladder,
	}
	p.Stages = spans(p, marks, b.snap())
	p.Tools = b.toolRunsSince(toolOff)
	ours := cpu1.self - cpu0.self + cpu1.children - cpu0.children + api1.self - api0.self + minio
	p.OtherCores = round(max(0, sysBusy-ours)/cliSecs, 2)
	return p, nil
}

// spans turns the observed stage changes into durations: "queued" from the
// upload's completion to the job's start, each stage from when it was first
// seen to when the next was, the last one up to the job's end, and
// "finishing" from the job's end to ready_at. Each running stage also gets
// the CPU the worker and its children (ffmpeg) used in it, and how many
// cores the rest of the machine kept busy meanwhile (everything but the
// worker, its children, the API and MinIO).
func spans(p *pipelineRun, marks []stageMark, end cpuSnap) []stageSpan {
	out := []stageSpan{{Stage: "queued", Seconds: max(0, p.StartedAt.Sub(p.CreatedAt).Seconds())}}
	var ms []stageMark
	endCPU := end
	for _, m := range marks {
		switch m.stage {
		case "done", "succeeded":
			endCPU = m.cpu
			continue
		case "queued", "failed", "canceled", "":
			continue
		}
		ms = append(ms, m)
	}
	for i, m := range ms {
		from := m.at
		if i == 0 || from.Before(p.StartedAt) {
			from = p.StartedAt
		}
		to, c1 := p.FinishedAt, endCPU
		if i+1 < len(ms) {
			c1 = ms[i+1].cpu
			if ms[i+1].at.Before(to) {
				to = ms[i+1].at
			}
		}
		d := max(0, to.Sub(from).Seconds())
		c0 := m.cpu
		sp := stageSpan{Stage: m.stage, Seconds: round(d, 2),
			CPU: round(c1.worker-c0.worker+c1.children-c0.children, 2)}
		if wall := ms[min(i+1, len(ms)-1)].at.Sub(m.at).Seconds(); i+1 < len(ms) && wall > 0.5 {
			other := (c1.machine - c0.machine) - (c1.worker - c0.worker) - (c1.children - c0.children) - (c1.others - c0.others)
			sp.OtherCores = ptr(round(max(0, other)/wall, 2))
		}
		if n := len(out); out[n-1].Stage == sp.Stage {
			out[n-1].Seconds += sp.Seconds
			out[n-1].CPU += sp.CPU
			continue
		}
		out = append(out, sp)
	}
	if len(ms) == 0 {
		out = append(out, stageSpan{Stage: "running", Seconds: max(0, p.FinishedAt.Sub(p.StartedAt).Seconds())})
	}
	out = append(out, stageSpan{Stage: "finishing", Seconds: max(0, p.ReadyAt.Sub(p.FinishedAt).Seconds())})
	for i := range out {
		out[i].Seconds = round(out[i].Seconds, 2)
	}
	return out
}

func stageLine(ss []stageSpan) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s %.1f", s.Stage, s.Seconds))
	}
	return strings.Join(parts, ", ") + " (s)"
}

func withoutKey(raw json.RawMessage, key string) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	delete(m, key)
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
