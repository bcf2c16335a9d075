// Command benchtool is the measuring half of `make bench`
// (deploy/local/bench.sh starts the stack, a `lectern api` and a
// `lectern worker`, then runs this). It times the pipeline against plain
// ffmpeg runs of the same ladder (pipeline.go, pipeline_ffmpeg.go), reads
// the peak RSS of the API and worker processes from /proc (rss.go), times
// an upload through the API against a raw PUT to MinIO (upload.go),
// measures the learning core (bulk against one-by-one enrollment, the read
// path under wrk against nginx: core.go, core_enroll.go, core_read.go) and
// the LRS (POST /xapi/statements against Learning Locker, filtered GETs on
// a million statements: lrs.go, lrs_data.go, lrs_store.go,
// lrs_report.go) and gated playback (the playback endpoint and the
// learner's manifests under wrk vs nginx, statement intake from simulated
// players: playback.go), then prints a table and writes it as JSON (report.go).
//
// Environment: LECTERN_TOKEN (the API's admin token), LECTERN_S3_ACCESS_KEY
// and LECTERN_S3_SECRET_KEY (for the raw PUT; passed to curl on stdin, not on
// its command line), BENCH_LRS_CREDENTIAL and BENCH_LRS_STORE_CREDENTIAL
// (xAPI credentials of the bench API and of the store, for -lrs).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/lectern/lectern/client"
)

func main() { os.Exit(run()) }

type options struct {
	lectern   string
	api       string
	token     string
	apiPID    int
	workerPID int
	minioPID  int
	pgPID     int
	redisPID  int
	// serverCPUs and loadCPUs, when set, pin what wrk measures: the server
	// under test (the API; by bench.sh, the bench nginx; in the lrs
	// section also PostgreSQL and Redis, or Learning Locker) to
	// serverCPUs, wrk to loadCPUs.
	serverCPUs string
	loadCPUs   string
	work       string
	reps       int
	sources    []source
	upload     string
	rawPutURL  string
	results    string
	ffmpegLog  string
	core       coreOptions
	lrs        lrsOptions
	playback   playbackOptions
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
	flag.IntVar(&o.pgPID, "pg-pid", 0, "pid of the PostgreSQL postmaster (CPU accounting; optional)")
	flag.IntVar(&o.redisPID, "redis-pid", 0, "pid of Redis (CPU accounting; optional)")
	flag.StringVar(&o.serverCPUs, "server-cpus", "", "CPUs (taskset list) the server under wrk runs on; the bench nginx must run on them too")
	flag.StringVar(&o.loadCPUs, "load-cpus", "", "CPUs (taskset list) wrk runs on")
	flag.StringVar(&o.work, "work", "", "scratch folder for the plain ffmpeg runs")
	flag.IntVar(&o.reps, "reps", 1, "repetitions (medians are reported)")
	flag.StringVar(&srcs, "sources", "", "name=path,... sources to encode")
	flag.StringVar(&o.upload, "upload", "", "large file for the upload measurements (empty: skip)")
	flag.StringVar(&o.rawPutURL, "raw-put-url", "", "MinIO URL for the raw PUT")
	flag.StringVar(&o.results, "results", "", "write the results as JSON here")
	flag.StringVar(&o.ffmpegLog, "ffmpeg-log", "", "log the worker's ffmpeg wrapper (deploy/local/bench/ffmpeg-timed.sh) appends to")
	o.core.flags()
	o.lrs.flags()
	o.playback.flags()
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
	for _, check := range []func() error{o.core.check, o.lrs.check, func() error { return o.playback.check(o.core) }} {
		if err := check(); err != nil {
			fmt.Fprintln(os.Stderr, "benchtool:", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o}
	b.api = b.apiClient(&http.Client{Timeout: 30 * time.Second})
	if err := b.run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool: error:", err)
		return 1
	}
	return 0
}

type bench struct {
	o   options
	api *client.Client // the bench API as the admin
	res results
}

func (b *bench) warn(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	b.res.Warnings = append(b.res.Warnings, s)
	logf("warning: %s", s)
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[bench] %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

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
	if b.o.lrs.enabled {
		if err := b.measureLRS(ctx); err != nil {
			return fmt.Errorf("lrs: %w", err)
		}
	}
	if b.o.playback.enabled {
		if err := b.measurePlayback(ctx); err != nil {
			return fmt.Errorf("playback: %w", err)
		}
	}
	b.res.Finished = time.Now().UTC()
	b.res.LoadAfter = loadavg()
	b.buildRows()
	b.print(os.Stdout)
	if b.o.results != "" {
		return b.res.write(b.o.results)
	}
	return nil
}
