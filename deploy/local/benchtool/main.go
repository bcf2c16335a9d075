// Command benchtool is the measuring half of `make bench`
// (deploy/local/bench.sh starts the stack, a `lectern api` and a
// `lectern worker`, then runs this). It times the pipeline against plain
// ffmpeg runs of the same ladder, reads the peak RSS of the API and worker
// processes from /proc, times an upload through the API against a raw PUT
// to MinIO, measures the learning core (bulk against one-by-one
// enrollment, the read path under wrk against nginx: core.go), then prints
// a table and writes it as JSON.
//
// Environment: LECTERN_TOKEN (the API's admin token), LECTERN_S3_ACCESS_KEY
// and LECTERN_S3_SECRET_KEY (for the raw PUT; passed to curl on stdin, not on
// its command line).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() { os.Exit(run()) }

type options struct {
	lectern   string
	api       string
	token     string
	apiPID    int
	workerPID int
	minioPID  int
	work      string
	reps      int
	sources   []source
	upload    string
	rawPutURL string
	results   string
	ffmpegLog string
	core      coreOptions
}

type source struct{ Name, Path string }

func run() int {
	var o options
	var srcs string
	flag.StringVar(&o.lectern, "lectern", "bin/lectern", "lectern binary")
	flag.StringVar(&o.api, "api", "http://127.0.0.1:8180", "the bench API")
	flag.IntVar(&o.apiPID, "api-pid", 0, "pid of the bench `lectern api`")
	flag.IntVar(&o.workerPID, "worker-pid", 0, "pid of the bench `lectern worker`")
	flag.IntVar(&o.minioPID, "minio-pid", 0, "pid of MinIO (for its CPU time; optional)")
	flag.StringVar(&o.work, "work", "", "scratch folder for the plain ffmpeg runs")
	flag.IntVar(&o.reps, "reps", 1, "repetitions (medians are reported)")
	flag.StringVar(&srcs, "sources", "", "name=path,... sources to encode")
	flag.StringVar(&o.upload, "upload", "", "large file for the upload measurements (empty: skip)")
	flag.StringVar(&o.rawPutURL, "raw-put-url", "", "MinIO URL for the raw PUT")
	flag.StringVar(&o.results, "results", "", "write the results as JSON here")
	flag.StringVar(&o.ffmpegLog, "ffmpeg-log", "", "log the worker's ffmpeg wrapper (deploy/local/bench/ffmpeg-timed.sh) appends to")
	o.core.flags()
	flag.Parse()
	o.token = os.Getenv("LECTERN_TOKEN")
	for _, kv := range strings.Split(srcs, ",") {
		if name, path, ok := strings.Cut(kv, "="); ok {
			o.sources = append(o.sources, source{name, path})
		}
	}
	if o.work == "" || o.apiPID == 0 || o.workerPID == 0 || o.reps < 1 || (o.upload != "" && o.rawPutURL == "") {
		fmt.Fprintln(os.Stderr, "benchtool: -work, -api-pid, -worker-pid, -reps >= 1 and (with -upload) -raw-put-url are required")
		return 2
	}
	if err := o.core.check(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o, http: &http.Client{Timeout: 30 * time.Second}}
	if err := b.run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool: error:", err)
		return 1
	}
	return 0
}

type bench struct {
	o    options
	http *http.Client
	res  results
}

// ---------------------------------------------------------------- results

type results struct {
	Started     time.Time                 `json:"started"`
	Finished    time.Time                 `json:"finished"`
	CPUs        int                       `json:"cpus"`
	Reps        int                       `json:"reps"`
	LoadBefore  string                    `json:"loadavg_before"`
	LoadAfter   string                    `json:"loadavg_after"`
	HWMReset    bool                      `json:"hwm_reset"` // clear_refs worked: peaks are per measurement
	Rows        []row                     `json:"rows"`
	Sources     map[string]*sourceResults `json:"sources"`
	Upload      *uploadResults            `json:"upload,omitempty"`
	Core        *coreResults              `json:"core,omitempty"`
	Warnings    []string                  `json:"warnings,omitempty"`
	Explanation string                    `json:"explanation"`
}

type row struct {
	Name     string   `json:"name"`
	Ours     float64  `json:"ours"`
	Baseline *float64 `json:"baseline,omitempty"`
	Unit     string   `json:"unit"`
	Ratio    *float64 `json:"ratio,omitempty"`
	Target   string   `json:"target"`
	Pass     *bool    `json:"pass,omitempty"` // nil: informational
}

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

type toolRuns struct {
	Runs       int     `json:"runs"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

// toolLogSize is where the wrapper's log ends now.
func (b *bench) toolLogSize() int64 {
	if st, err := os.Stat(b.o.ffmpegLog); err == nil && b.o.ffmpegLog != "" {
		return st.Size()
	}
	return 0
}

// toolRunsSince reads the wrapper's lines appended after offset:
// "KIND START END CPU_TICKS".
func (b *bench) toolRunsSince(off int64) map[string]*toolRuns {
	if b.o.ffmpegLog == "" {
		return nil
	}
	f, err := os.Open(b.o.ffmpegLog)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil
	}
	out := map[string]*toolRuns{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		x := strings.Fields(sc.Text())
		if len(x) != 4 {
			continue
		}
		start, err1 := strconv.ParseFloat(x[1], 64)
		end, err2 := strconv.ParseFloat(x[2], 64)
		ticks, err3 := strconv.ParseFloat(x[3], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		t := out[x[0]]
		if t == nil {
			t = &toolRuns{}
			out[x[0]] = t
		}
		t.Runs++
		t.Seconds = round(t.Seconds+end-start, 2)
		t.CPUSeconds = round(t.CPUSeconds+ticks/100, 2)
	}
	return out
}

type stageSpan struct {
	Stage      string   `json:"stage"`
	Seconds    float64  `json:"seconds"`
	CPU        float64  `json:"cpu_seconds,omitempty"`      // worker + its children
	OtherCores *float64 `json:"other_load_cores,omitempty"` // rest of the machine
}

type ffmpegRun struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	OtherCores float64 `json:"other_load_cores"` // CPU busy outside ffmpeg / wall time
}

type perRendRun struct {
	Seconds    float64            `json:"seconds"` // sum
	CPUSeconds float64            `json:"cpu_seconds"`
	OtherCores float64            `json:"other_load_cores"`
	Each       map[string]float64 `json:"each"`
}

type uploadResults struct {
	Bytes        int64     `json:"bytes"`
	CLISeconds   []float64 `json:"cli_seconds"`
	RawSeconds   []float64 `json:"raw_put_seconds"`
	APIIdleMiB   []float64 `json:"api_rss_before_mib"`
	APIHWMMiB    []float64 `json:"api_peak_rss_mib"`
	WorkerHWMMiB []float64 `json:"worker_peak_rss_reject_mib"`
	RejectReason string    `json:"reject_reason"`
	RejectSecs   []float64 `json:"reject_seconds"` // created_at -> failed
	// CPU seconds spent during the last repetition, by process
	CLICPU cpuSplit `json:"cli_upload_cpu_seconds"`
	RawCPU cpuSplit `json:"raw_put_cpu_seconds"`
}

// cpuSplit is CPU time by process during one upload.
type cpuSplit struct {
	Client float64 `json:"client"` // lectern CLI or curl
	API    float64 `json:"api"`
	MinIO  float64 `json:"minio"`
}

func (c cpuSplit) String() string {
	s := fmt.Sprintf("client %.1f", c.Client)
	if c.API > 0 {
		s += fmt.Sprintf(", API %.1f", c.API)
	}
	return s + fmt.Sprintf(", MinIO %.1f CPU s", c.MinIO)
}

func (b *bench) warn(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	b.res.Warnings = append(b.res.Warnings, s)
	logf("warning: %s", s)
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[bench] %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// ---------------------------------------------------------------- main flow

func (b *bench) run(ctx context.Context) error {
	b.res = results{Started: time.Now().UTC(), CPUs: runtime.NumCPU(), Reps: b.o.reps, LoadBefore: loadavg(),
		Sources: map[string]*sourceResults{}}
	b.res.HWMReset = resetHWM(b.o.workerPID) == nil
	if !b.res.HWMReset {
		b.warn("cannot reset VmHWM through /proc/PID/clear_refs: peaks are since process start")
	}
	if b.o.upload != "" {
		if err := b.measureUpload(ctx); err != nil {
			return fmt.Errorf("upload: %w", err)
		}
	}
	for rep := 1; rep <= b.o.reps; rep++ {
		for _, s := range b.o.sources {
			sr := b.res.Sources[s.Name]
			if sr == nil {
				st, err := os.Stat(s.Path)
				if err != nil {
					return err
				}
				sr = &sourceResults{Path: s.Path, Size: st.Size(), LadderMatch: true}
				b.res.Sources[s.Name] = sr
			}
			if err := b.measureSource(ctx, s, sr, rep); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	if b.o.core.enabled {
		if err := b.measureCore(ctx); err != nil {
			return fmt.Errorf("core: %w", err)
		}
	}
	b.res.Finished = time.Now().UTC()
	b.res.LoadAfter = loadavg()
	b.buildRows()
	b.print(os.Stdout)
	if b.o.results != "" {
		var j bytes.Buffer
		enc := json.NewEncoder(&j)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(b.res); err != nil {
			return err
		}
		if err := os.WriteFile(b.o.results, j.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
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

// ---------------------------------------------------------------- pipeline

type videoResp struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	Error     *string    `json:"error"`
	CreatedAt time.Time  `json:"created_at"`
	ReadyAt   *time.Time `json:"ready_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Job       *struct {
		State      string          `json:"state"`
		Stage      string          `json:"stage"`
		Error      *string         `json:"error"`
		Ladder     json.RawMessage `json:"ladder"`
		StartedAt  *time.Time      `json:"started_at"`
		FinishedAt *time.Time      `json:"finished_at"`
	} `json:"job"`
}

func (b *bench) getVideo(ctx context.Context, id string) (*videoResp, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.o.api+"/api/v1/videos/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.o.token)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/videos/%s: HTTP %d: %s", id, resp.StatusCode, bytes.TrimSpace(body))
	}
	var v videoResp
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("GET /api/v1/videos/%s: %w", id, err)
	}
	return &v, nil
}

var uploadedRE = regexp.MustCompile(`uploaded: video (\S+)`)

// stageMark is the first sighting of a job stage, with CPU counters then.
type stageMark struct {
	stage string
	at    time.Time
	cpu   cpuSnap
}

// cpuSnap: CPU seconds so far of the worker (itself, its reaped children),
// of the API and MinIO, and of the whole machine.
type cpuSnap struct{ worker, children, others, machine float64 }

func (b *bench) snap() cpuSnap {
	w, _ := procCPU(b.o.workerPID)
	a, _ := procCPU(b.o.apiPID)
	return cpuSnap{worker: w.self, children: w.children, others: a.self + b.minioCPU(), machine: readSysBusy()}
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

// ---------------------------------------------------------------- upload

func syncDisks() {
	if err := exec.Command("sync").Run(); err != nil {
		logf("sync: %v", err)
	}
}

func (b *bench) measureUpload(ctx context.Context) error {
	st, err := os.Stat(b.o.upload)
	if err != nil {
		return err
	}
	u := &uploadResults{Bytes: st.Size()}
	b.res.Upload = u
	// Both uploads read the file from the page cache.
	logf("reading %s once so both uploads read it from memory", b.o.upload)
	if err := readAll(b.o.upload); err != nil {
		return err
	}
	for rep := 1; rep <= b.o.reps; rep++ {
		logf("upload rep %d/%d: raw PUT of %s to MinIO (curl --aws-sigv4)", rep, b.o.reps, human(st.Size()))
		// Each upload writes 2 GiB into MinIO; flush the previous one's dirty
		// pages first, so neither upload pays for the other's writeback.
		syncDisks()
		m0 := b.minioCPU()
		secs, curlCPU, err := b.rawPut(ctx)
		if err != nil {
			return fmt.Errorf("raw PUT: %w", err)
		}
		u.RawCPU = cpuSplit{Client: round(curlCPU, 2), MinIO: round(b.minioCPU()-m0, 2)}
		u.RawSeconds = append(u.RawSeconds, secs)
		logf("raw PUT %.1f s = %.0f MB/s", secs, float64(st.Size())/secs/1e6)

		logf("upload rep %d/%d: lectern video upload %s through the API", rep, b.o.reps, filepath.Base(b.o.upload))
		syncDisks()
		_ = resetHWM(b.o.apiPID)
		_ = resetHWM(b.o.workerPID)
		idle, err := readStatusKB(b.o.apiPID, "VmRSS")
		if err != nil {
			return err
		}
		u.APIIdleMiB = append(u.APIIdleMiB, round(idle, 1))
		cmd := exec.CommandContext(ctx, b.o.lectern, "video", "upload", b.o.upload, "--json", "--title", "bench random bytes")
		cmd.Env = append(os.Environ(), "LECTERN_API="+b.o.api, "LECTERN_TOKEN="+b.o.token)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		a0, _ := procCPU(b.o.apiPID)
		m0 = b.minioCPU()
		t0 := time.Now()
		err = cmd.Run()
		secs = time.Since(t0).Seconds()
		if err != nil {
			return fmt.Errorf("lectern video upload: %v\n%s%s", err, lastLines(stderr.String(), 10), stdout.String())
		}
		a1, _ := procCPU(b.o.apiPID)
		ps := cmd.ProcessState
		u.CLICPU = cpuSplit{Client: round((ps.UserTime() + ps.SystemTime()).Seconds(), 2), API: round(a1.self-a0.self, 2), MinIO: round(b.minioCPU()-m0, 2)}
		hwm, err := readHWM(b.o.apiPID)
		if err != nil {
			return err
		}
		u.CLISeconds = append(u.CLISeconds, secs)
		u.APIHWMMiB = append(u.APIHWMMiB, round(hwm, 1))
		logf("CLI upload %.1f s = %.0f MB/s, API peak RSS %.1f MiB", secs, float64(st.Size())/secs/1e6, hwm)

		var out struct {
			ID string `json:"id"`
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.ID == "" {
			return fmt.Errorf("lectern video upload --json printed %q", stdout.String())
		}
		// The worker downloads the 2 GiB and rejects them; wait, so that no
		// other measurement overlaps that download.
		logf("waiting for the worker to reject video %s (random bytes)", out.ID)
		deadline := time.Now().Add(10 * time.Minute)
		for {
			v, err := b.getVideo(ctx, out.ID)
			if err != nil {
				return err
			}
			if v.Status == "ready" {
				return fmt.Errorf("video %s of random bytes became ready", out.ID)
			}
			if v.Status == "failed" {
				if v.Error != nil {
					u.RejectReason = *v.Error
				}
				u.RejectSecs = append(u.RejectSecs, round(v.UpdatedAt.Sub(v.CreatedAt).Seconds(), 2))
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("video %s of random bytes still %s after 10 minutes", out.ID, v.Status)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
		whwm, err := readHWM(b.o.workerPID)
		if err != nil {
			return err
		}
		u.WorkerHWMMiB = append(u.WorkerHWMMiB, round(whwm, 1))
		logf("rejected (%q) after %.1f s; worker peak RSS %.1f MiB", u.RejectReason, u.RejectSecs[len(u.RejectSecs)-1], whwm)
		if !strings.Contains(u.RejectReason, "not a video") {
			b.warn("the random upload failed with %q, expected \"not a video file\"", u.RejectReason)
		}
	}
	return nil
}

// rawPut PUTs the file to MinIO with curl (credentials on stdin), then
// deletes the object.
func (b *bench) rawPut(ctx context.Context) (secs, cpu float64, err error) {
	cfg := fmt.Sprintf("user = \"%s:%s\"\naws-sigv4 = \"aws:amz:us-east-1:s3\"\n",
		os.Getenv("LECTERN_S3_ACCESS_KEY"), os.Getenv("LECTERN_S3_SECRET_KEY"))
	curl := func(args ...string) (float64, error) {
		cmd := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--fail", "-K", "-", "-o", "/dev/null"}, args...)...)
		cmd.Stdin = strings.NewReader(cfg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("curl %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
		}
		return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), nil
	}
	t0 := time.Now()
	if cpu, err = curl("-T", b.o.upload, b.o.rawPutURL); err != nil {
		return 0, 0, err
	}
	secs = time.Since(t0).Seconds()
	_, err = curl("-X", "DELETE", b.o.rawPutURL)
	return secs, cpu, err
}

// minioCPU is MinIO's CPU seconds so far (0 when its pid is unknown).
func (b *bench) minioCPU() float64 {
	if b.o.minioPID == 0 {
		return 0
	}
	c, err := procCPU(b.o.minioPID)
	if err != nil {
		return 0
	}
	return c.self
}

// ---------------------------------------------------------------- ffmpeg

func (b *bench) lecternJSON(ctx context.Context, out any, args ...string) error {
	cmd := exec.CommandContext(ctx, b.o.lectern, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	o, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("lectern %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return json.Unmarshal(o, out)
}

// runFFmpeg runs one ffmpeg into a fresh dir, then removes the dir. The
// progress lines the worker reads (-progress pipe:1) go to /dev/null here.
func runFFmpeg(ctx context.Context, ffmpeg string, args []string, dir string) (ffmpegRun, error) {
	if err := os.RemoveAll(dir); err != nil {
		return ffmpegRun{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ffmpegRun{}, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	sys0 := readSysBusy()
	t0 := time.Now()
	err := cmd.Run()
	secs := time.Since(t0).Seconds()
	sysBusy := readSysBusy() - sys0
	if err != nil {
		return ffmpegRun{}, fmt.Errorf("ffmpeg: %v: %s", err, lastLines(stderr.String(), 5))
	}
	ps := cmd.ProcessState
	cpu := (ps.UserTime() + ps.SystemTime()).Seconds()
	return ffmpegRun{Seconds: secs, CPUSeconds: round(cpu, 2), OtherCores: round(max(0, sysBusy-cpu)/secs, 2)}, nil
}

// ---------------------------------------------------------------- /proc

func readStatusKB(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/status (is the process still running?): %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err != nil {
					return 0, err
				}
				return kb / 1024, nil // MiB
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// readHWM is the process's peak resident set (VmHWM) in MiB. Child
// processes (ffmpeg) have their own and are not counted.
func readHWM(pid int) (float64, error) { return readStatusKB(pid, "VmHWM") }

// resetHWM sets VmHWM back to the current RSS (Linux >= 4.0), so the next
// read is the peak of what happened in between.
func resetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

type cpuTimes struct{ self, children float64 }

// procCPU reads utime+stime and cutime+cstime (waited-for children) of pid.
func procCPU(pid int) (cpuTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return cpuTimes{}, errors.New("bad /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return cpuTimes{}, errors.New("short /proc/PID/stat")
	}
	num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v / 100 } // USER_HZ
	return cpuTimes{self: num(14) + num(15), children: num(16) + num(17)}, nil
}

// readSysBusy is the machine's busy CPU seconds so far, all CPUs
// (user+nice+system+irq+softirq+steal of /proc/stat).
func readSysBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 {
		return 0
	}
	var busy float64
	for _, k := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseFloat(f[k], 64)
		busy += v
	}
	return busy / 100 // USER_HZ
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func readAll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// ---------------------------------------------------------------- report

const (
	rssTargetMiB      = 150
	singleTarget      = 1.10
	perRendTarget     = 0.80
	throughputTarget  = 0.80
	explanationString = "ratios use the median of BENCH_REPS runs; pipeline = created_at -> ready_at of the video " +
		"(upload completed -> ready); one ffmpeg = `ffmpeg $(lectern transcode args SRC DIR)`, the worker's own " +
		"arguments; per rendition = one ffmpeg per rendition (incl. audio), sequential, summed; RSS = VmHWM of the " +
		"process (children such as ffmpeg excluded); throughput = file bytes / wall time of the CLI upload vs of one " +
		"curl PUT to MinIO"
)

func (b *bench) buildRows() {
	r := &b.res
	r.Explanation = explanationString
	if r.Core != nil {
		r.Explanation += "; " + coreExplanation
	}
	le := func(v, target float64) *bool { p := v <= target; return &p }
	ge := func(v, target float64) *bool { p := v >= target; return &p }
	names := make([]string, 0, len(r.Sources))
	for _, s := range b.o.sources {
		if _, ok := r.Sources[s.Name]; ok && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		s := r.Sources[n]
		pipe := median(mapf(s.Pipeline, func(p pipelineRun) float64 { return p.Seconds }))
		single := median(mapf(s.Single, func(f ffmpegRun) float64 { return f.Seconds }))
		per := median(mapf(s.PerRend, func(f perRendRun) float64 { return f.Seconds }))
		r.Rows = append(r.Rows,
			row{Name: "pipeline / one ffmpeg, " + n, Ours: round(pipe, 1), Baseline: ptr(round(single, 1)), Unit: "s",
				Ratio: ptr(round(pipe/single, 3)), Target: fmt.Sprintf("<= %.2f", singleTarget), Pass: le(pipe/single, singleTarget)},
			row{Name: "pipeline / ffmpeg per rendition, " + n, Ours: round(pipe, 1), Baseline: ptr(round(per, 1)), Unit: "s",
				Ratio: ptr(round(pipe/per, 3)), Target: fmt.Sprintf("<= %.2f", perRendTarget), Pass: le(pipe/per, perRendTarget)},
		)
	}
	if u := r.Upload; u != nil {
		api := median(u.APIHWMMiB)
		r.Rows = append(r.Rows, row{Name: "API peak RSS, " + human(u.Bytes) + " upload", Ours: round(api, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(api, rssTargetMiB)})
	}
	for _, n := range names {
		w := median(mapf(r.Sources[n].Pipeline, func(p pipelineRun) float64 { return p.WorkerHWMMiB }))
		r.Rows = append(r.Rows, row{Name: "worker peak RSS, " + n + " encode", Ours: round(w, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(w, rssTargetMiB)})
	}
	if u := r.Upload; u != nil {
		w := median(u.WorkerHWMMiB)
		r.Rows = append(r.Rows, row{Name: "worker peak RSS, " + human(u.Bytes) + " download + reject", Ours: round(w, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(w, rssTargetMiB)})
		cli := float64(u.Bytes) / median(u.CLISeconds) / 1e6
		raw := float64(u.Bytes) / median(u.RawSeconds) / 1e6
		r.Rows = append(r.Rows, row{Name: "upload throughput: CLI via API / raw PUT", Ours: round(cli, 1), Baseline: ptr(round(raw, 1)),
			Unit: "MB/s", Ratio: ptr(round(cli/raw, 3)), Target: fmt.Sprintf(">= %.2f", throughputTarget), Pass: ge(cli/raw, throughputTarget)})
	}
	if r.Core != nil {
		r.Rows = append(r.Rows, r.Core.rows()...)
	}
}

func (b *bench) print(w io.Writer) {
	r := &b.res
	// How busy the rest of the machine was while we timed: on a shared
	// machine this is what makes a run noisy.
	other := 0.0
	for _, sr := range r.Sources {
		for _, p := range sr.Pipeline {
			other = max(other, p.OtherCores)
		}
		for _, f := range sr.Single {
			other = max(other, f.OtherCores)
		}
		for _, f := range sr.PerRend {
			other = max(other, f.OtherCores)
		}
	}
	busy := ""
	if len(r.Sources) > 0 {
		busy = fmt.Sprintf("  other processes kept <= %.2f cores busy while encodes were timed", other)
	}
	fmt.Fprintf(w, "\nLectern bench  %s  %d CPUs  BENCH_REPS=%d (times are medians)%s\n\n",
		r.Started.Format("2006-01-02 15:04 UTC"), r.CPUs, r.Reps, busy)
	const f = "%-46s %14s %14s %7s %11s  %s\n"
	fmt.Fprintf(w, f, "measurement", "ours", "baseline", "ratio", "target", "result")
	fmt.Fprintln(w, strings.Repeat("-", 104))
	for _, x := range r.Rows {
		base, ratio, res := "-", "-", "info"
		if x.Baseline != nil {
			base = value(*x.Baseline, x.Unit)
		}
		if x.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *x.Ratio)
			if *x.Ratio < 0.1 {
				ratio = fmt.Sprintf("%.3f", *x.Ratio)
			}
		}
		if x.Pass != nil {
			res = "MISS"
			if *x.Pass {
				res = "PASS"
			}
		}
		fmt.Fprintf(w, f, x.Name, value(x.Ours, x.Unit), base, ratio, x.Target, res)
	}
	fmt.Fprintln(w)
	for _, s := range b.o.sources {
		sr := r.Sources[s.Name]
		if sr == nil {
			continue
		}
		fmt.Fprintf(w, "%s: %s, %s, ladder %s\n", s.Name, filepath.Base(sr.Path), human(sr.Size), ladderLine(sr.Ladder))
		mid := medianIndex(mapf(sr.Pipeline, func(p pipelineRun) float64 { return p.Seconds }))
		p := sr.Pipeline[mid]
		fmt.Fprintf(w, "  pipeline %.1f s: %s\n", p.Seconds, stageLine(p.Stages))
		fmt.Fprintf(w, "    CPU s: worker %.1f, its ffmpeg/ffprobe %.1f, API %.1f, MinIO %.1f; rest of the machine %.2f cores busy\n",
			p.WorkerCPU, p.ChildCPU, p.APICPU, p.MinIOCPU, p.OtherCores)
		sg := sr.Single[medianIndex(mapf(sr.Single, func(f ffmpegRun) float64 { return f.Seconds }))]
		fmt.Fprintf(w, "  one ffmpeg %.1f s (%.1f CPU s; rest of the machine %.2f cores busy)\n", sg.Seconds, sg.CPUSeconds, sg.OtherCores)
		if enc := p.Tools["encode"]; enc != nil {
			var parts []string
			for _, k := range []string{"probe", "encode", "poster", "thumbnails", "other"} {
				if t := p.Tools[k]; t != nil {
					parts = append(parts, fmt.Sprintf("%s %.1f s (%.1f CPU s)", k, t.Seconds, t.CPUSeconds))
				}
			}
			fmt.Fprintf(w, "  the worker's ffmpeg/ffprobe runs: %s; its encode = %.2f x one ffmpeg in wall time, %.2f x in CPU\n",
				strings.Join(parts, ", "), enc.Seconds/sg.Seconds, enc.CPUSeconds/sg.CPUSeconds)
		}
		for _, st := range p.Stages {
			if st.Stage != "encoding" {
				continue
			}
			other := "?"
			if st.OtherCores != nil {
				other = fmt.Sprintf("%.2f", *st.OtherCores)
			}
			fmt.Fprintf(w, "  the pipeline's encoding stage: %.1f s (%.1f CPU s; rest of the machine %s cores busy) = %.2f x one ffmpeg; the other stages add %.1f s\n",
				st.Seconds, st.CPU, other, st.Seconds/sg.Seconds, p.Seconds-st.Seconds)
		}
		pr := sr.PerRend[medianIndex(mapf(sr.PerRend, func(f perRendRun) float64 { return f.Seconds }))]
		var each []string
		for name, secs := range pr.Each {
			each = append(each, fmt.Sprintf("%s %.1f", name, secs))
		}
		slices.Sort(each)
		fmt.Fprintf(w, "  per rendition %.1f s (%.1f CPU s; rest of the machine %.2f cores busy): %s\n", pr.Seconds, pr.CPUSeconds, pr.OtherCores, strings.Join(each, ", "))
	}
	if u := r.Upload; u != nil {
		fmt.Fprintf(w, "upload: %s; CLI %.1f s (%s), raw PUT %.1f s (%s)\n",
			human(u.Bytes), median(u.CLISeconds), u.CLICPU, median(u.RawSeconds), u.RawCPU)
		fmt.Fprintf(w, "  API RSS before the upload %.1f MiB; the worker rejected it as %q %.1f s after it completed\n",
			median(u.APIIdleMiB), u.RejectReason, median(u.RejectSecs))
	}
	if r.Core != nil {
		r.Core.print(w)
	}
	for _, x := range r.Warnings {
		fmt.Fprintln(w, "warning:", x)
	}
	fmt.Fprintln(w)
}

// value prints a figure with its unit: whole numbers and large values
// without decimals, small ones with two.
func value(v float64, unit string) string {
	switch {
	case v == math.Trunc(v) || math.Abs(v) >= 1000:
		return fmt.Sprintf("%.0f %s", v, unit)
	case math.Abs(v) < 10:
		return fmt.Sprintf("%.2f %s", v, unit)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

func ladderLine(raw json.RawMessage) string {
	var l struct {
		FPS   float64 `json:"fps"`
		Video []struct {
			Width, Height, Bitrate int
		} `json:"video"`
		Audio *struct{ Bitrate int } `json:"audio"`
	}
	if json.Unmarshal(raw, &l) != nil {
		return "?"
	}
	var parts []string
	for _, v := range l.Video {
		parts = append(parts, fmt.Sprintf("%dx%d %.2fM", v.Width, v.Height, float64(v.Bitrate)/1e6))
	}
	if l.Audio != nil {
		parts = append(parts, fmt.Sprintf("aac %dk", l.Audio.Bitrate/1000))
	}
	return fmt.Sprintf("@%g fps: %s", l.FPS, strings.Join(parts, ", "))
}

// ---------------------------------------------------------------- helpers

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

func mapf[T any](xs []T, f func(T) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianIndex is the index of the run whose value is the (lower) median.
func medianIndex(xs []float64) int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	return idx[(len(idx)-1)/2]
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func ptr[T any](v T) *T { return &v }

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
