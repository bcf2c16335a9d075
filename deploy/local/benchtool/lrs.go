package main

// The "lrs" section of `make bench`: the xAPI Learning Record Store at
// /xapi/ against Learning Locker's statements service (xapi-statements,
// in-memory, deploy/local/learninglocker.sh), in one run:
//
//  1. POST /statements of one statement a request, then of batches of
//     100, at 16 and at 200 connections: wrk with deploy/local/bench/lrs.lua
//     sending statements of one vocabulary (lrs_data.go; no id, so every
//     request stores new ones), the same lines, duration and threads on
//     both sides. Lectern's are stored in the bench API's fresh database;
//     Learning Locker is restarted before each of its runs (its in-memory
//     store slows down as statements pile up).
//  2. A store of a million statements: the bench organization of a
//     database kept between runs (lectern_bench_lrs, served by a second
//     API) is seeded through POST /statements in batches until it holds
//     -lrs-seed-to, then GET /statements filtered by agent and verb, and by
//     activity with related_activities, under wrk with many values
//     (lrs_store.go). Learning Locker is not measured there.
//
// When pinned (-server-cpus), the LRS under test runs on the server CPUs
// for its runs (Lectern: its API, PostgreSQL and Redis; Learning Locker:
// its node process) and wrk on the load CPUs.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	lrsSingleRatioTarget = 3.0   // Lectern / Learning Locker, statements/s of single POSTs
	lrsBatchTarget       = 10000 // statements/s in batches
	lrsQueryP99TargetMs  = 50.0  // filtered GETs at a million statements
	lrsTargetConns       = 16    // the targets are judged at this many connections
	lrsLLVersion         = "xapi-statements@5.0.1"
	lrsExplanation       = "xAPI = wrk with deploy/local/bench/lrs.lua: POST /statements of one statement (no id) or of a JSON " +
		"array of 100 a request, the same lines (statements of one vocabulary) to both LRSs for the same duration, Learning " +
		"Locker (" + lrsLLVersion + ", in-memory) restarted before each of its runs, Lectern's stored in the bench API's " +
		"fresh database; statements/s = 2xx requests/s x statements a request; filtered GETs = Lectern alone, on a store " +
		"of a million statements (kept between runs), each request another agent+verb or activity (related_activities=true) " +
		"that matches at least one statement, a page of 100"
)

type lrsOptions struct {
	enabled bool
	// The store of a million statements: a second API on a database of
	// its own, kept between runs.
	storeAPI string
	storePID int
	storeDB  string
	org      string
	seconds  int
	threads  int
	conns    string
	batch    int
	seedTo   int
	seedSize int
	seedConc int
	queries  int
	script   string
	llScript string
	llPort   int
	// pinServices pins PostgreSQL and Redis with Lectern's API (the LRS
	// and its database share the server CPUs); off, only the API is
	// pinned, as in the core section, and PostgreSQL runs anywhere.
	pinServices bool
	// The credentials (`lectern lrs credentials create` JSON) of the bench
	// API and of the store, from the environment.
	postAuth, storeAuth string
}

func (l *lrsOptions) flags() {
	flag.BoolVar(&l.enabled, "lrs", false, "measure the LRS (POST /xapi/statements against Learning Locker; filtered GETs at a million statements)")
	flag.StringVar(&l.storeAPI, "lrs-store-api", "", "the API serving the store of a million statements")
	flag.IntVar(&l.storePID, "lrs-store-pid", 0, "pid of that API")
	flag.StringVar(&l.storeDB, "lrs-store-db", "", "that API's database (PostgreSQL URL, as its owner: counting, VACUUM ANALYZE after seeding)")
	flag.StringVar(&l.org, "lrs-org", "default", "slug of the organization the store's credential belongs to")
	flag.IntVar(&l.seconds, "lrs-seconds", 30, "duration of each wrk run")
	flag.IntVar(&l.threads, "lrs-threads", 2, "wrk -t")
	flag.StringVar(&l.conns, "lrs-connections", "16,200", "wrk -c of the runs, comma-separated")
	flag.IntVar(&l.batch, "lrs-batch", 100, "statements a POST in the batch runs")
	flag.IntVar(&l.seedTo, "lrs-seed-to", 1000000, "statements the store must hold (seeded when it holds fewer)")
	flag.IntVar(&l.seedSize, "lrs-seed-batch", 500, "statements a POST while seeding")
	flag.IntVar(&l.seedConc, "lrs-seed-concurrency", 4, "POSTs in flight while seeding")
	flag.IntVar(&l.queries, "lrs-queries", 2000, "distinct queries of each filter")
	flag.StringVar(&l.script, "lrs-script", "deploy/local/bench/lrs.lua", "the wrk script")
	flag.StringVar(&l.llScript, "ll-script", "deploy/local/learninglocker.sh", "starts and stops Learning Locker")
	flag.IntVar(&l.llPort, "ll-port", 8184, "Learning Locker's port")
	flag.BoolVar(&l.pinServices, "lrs-pin-services", true, "when pinned, pin PostgreSQL and Redis with Lectern's API (false: the API alone)")
}

func (l *lrsOptions) check() error {
	if !l.enabled {
		return nil
	}
	l.postAuth, l.storeAuth = os.Getenv("BENCH_LRS_CREDENTIAL"), os.Getenv("BENCH_LRS_STORE_CREDENTIAL")
	switch {
	case l.storeAPI == "" || l.storePID == 0 || l.storeDB == "":
		return errors.New("-lrs needs -lrs-store-api, -lrs-store-pid and -lrs-store-db")
	case l.postAuth == "" || l.storeAuth == "":
		return errors.New("-lrs needs BENCH_LRS_CREDENTIAL and BENCH_LRS_STORE_CREDENTIAL (lectern lrs credentials create)")
	case l.seconds < 1 || l.threads < 1 || l.batch < 2 || l.seedTo < 0 || l.seedSize < 1 || l.seedConc < 1 || l.queries < 1:
		return errors.New("-lrs-seconds, -lrs-threads, -lrs-seed-batch, -lrs-seed-concurrency and -lrs-queries must be positive, -lrs-batch at least 2")
	}
	conns, err := l.connections()
	if err != nil {
		return err
	}
	for _, c := range conns {
		if c < l.threads {
			return fmt.Errorf("-lrs-connections %d is below -lrs-threads %d", c, l.threads)
		}
	}
	return nil
}

func (l *lrsOptions) connections() ([]int, error) {
	var out []int
	for _, f := range strings.Split(l.conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-lrs-connections: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// basicAuth turns a credential as `lectern lrs credentials create` prints
// it into an Authorization header value.
func basicAuth(credential string) (string, error) {
	var c struct{ Key, Secret string }
	if err := json.Unmarshal([]byte(credential), &c); err != nil || c.Key == "" || c.Secret == "" {
		return "", errors.New("not a credential with key and secret (lectern lrs credentials create prints one)")
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Key+":"+c.Secret)), nil
}

type lrsResults struct {
	// BusyBefore is how many cores the machine kept busy in the 3 s before
	// the section (the bench processes idle): other work.
	BusyBefore     float64           `json:"machine_busy_cores_before"`
	Wrk            string            `json:"wrk"`
	Pinning        string            `json:"pinning"`
	StatementBytes int               `json:"statement_bytes"` // mean size of one statement as sent
	LL             string            `json:"learning_locker"`
	Posts          []*lrsPostResults `json:"posts"`
	Store          lrsStoreResults   `json:"store"`
	Queries        []*lrsQuerySet    `json:"queries"`
}

// lrsPostResults are the runs of one request shape at one connection count.
type lrsPostResults struct {
	Batch int      `json:"statements_per_request"`
	Conns int      `json:"connections"`
	Ours  []wrkRun `json:"lectern"`
	LL    []wrkRun `json:"learning_locker"`
	// StoredBefore is about how many statements Lectern's bench database
	// held when each of its runs began (what the runs before stored).
	StoredBefore []int64  `json:"lectern_stored_before"`
	Errors       []string `json:"errors,omitempty"`
}

// shape says what a request of the runs carries.
func (p *lrsPostResults) shape() string {
	if p.Batch == 1 {
		return "1 statement a request"
	}
	return fmt.Sprintf("%d statements a request", p.Batch)
}

// statementsPerSec is what a run stored a second: its 2xx answers times
// the statements a request.
func statementsPerSec(w wrkRun, batch int) float64 {
	if w.Requests == 0 {
		return 0
	}
	return w.RPS * float64(w.Requests-w.Non2xx) / float64(w.Requests) * float64(batch)
}

func (b *bench) measureLRS(ctx context.Context) error {
	o := b.o.lrs
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk; make deps-bench does it)")
	}
	postAuth, err := basicAuth(o.postAuth)
	if err != nil {
		return fmt.Errorf("BENCH_LRS_CREDENTIAL: %w", err)
	}
	storeAuth, err := basicAuth(o.storeAuth)
	if err != nil {
		return fmt.Errorf("BENCH_LRS_STORE_CREDENTIAL: %w", err)
	}
	conns, _ := o.connections()
	l := &lrsResults{Wrk: fmt.Sprintf("wrk -t %d -c N -d %ds --latency --timeout 30s -s %s", o.threads, o.seconds, filepath.Base(o.script)),
		Pinning: "none", LL: lrsLLVersion + " (AUTH_REPO=test, in-memory models), restarted before each run"}
	if b.o.serverCPUs != "" {
		lectern := "its API, PostgreSQL and Redis"
		if !o.pinServices {
			lectern = "its API; PostgreSQL and Redis on any CPU"
		}
		l.Pinning = fmt.Sprintf("the LRS under test on CPU %s (Lectern: %s; Learning Locker: node), wrk on CPU %s",
			b.o.serverCPUs, lectern, b.o.loadCPUs)
	}
	b.res.LRS = l
	defer b.stopLL(context.WithoutCancel(ctx))

	l.BusyBefore = machineBusy(ctx, 3*time.Second)
	logf("lrs: the machine kept %.2f cores busy in the 3 s before the section (the bench's own processes idle)", l.BusyBefore)

	// One file of statements for both LRSs and every POST run.
	lines, err := newStatementGen(1, time.Now()).lines(20000)
	if err != nil {
		return err
	}
	linesFile := filepath.Join(b.o.work, "lrs-statements.jsonl")
	if err := os.WriteFile(linesFile, lines, 0o644); err != nil {
		return err
	}
	l.StatementBytes = len(lines) / 20000
	logf("lrs: %d statements of ~%d bytes in %s", 20000, l.StatementBytes, linesFile)
	for _, c := range conns {
		for _, batch := range []int{1, o.batch} {
			l.Posts = append(l.Posts, &lrsPostResults{Batch: batch, Conns: c})
		}
	}
	var stored int64
	for rep := 1; rep <= b.o.reps; rep++ {
		for _, p := range l.Posts {
			if err := b.measurePosts(ctx, p, linesFile, postAuth, rep, &stored); err != nil {
				return fmt.Errorf("POST %d a request, %d connections: %w", p.Batch, p.Conns, err)
			}
		}
	}
	b.stopLL(ctx)
	return b.measureStore(ctx, l, storeAuth, conns)
}

// measurePosts runs wrk on Lectern and on a fresh Learning Locker (odd
// repetitions Lectern first, even ones Learning Locker first).
func (b *bench) measurePosts(ctx context.Context, p *lrsPostResults, linesFile, auth string, rep int, stored *int64) error {
	env := []string{"LRS_MODE=post", "LRS_LINES=" + linesFile, "LRS_BATCH=" + strconv.Itoa(p.Batch)}
	what := fmt.Sprintf("POST %s, %d connections", p.shape(), p.Conns)
	ours := func() error {
		logf("lrs rep %d/%d: wrk on Lectern, %s (%d stored before)", rep, b.o.reps, what, *stored)
		var w wrkRun
		err := b.pinned(ctx, b.lecternParties(b.o.apiPID), func() error {
			var err error
			w, err = b.lrsWrk(ctx, p.Conns, b.o.api+xapiStatementsPath, append(env, "LRS_AUTH="+auth, "LRS_VERSION=2.0.0"),
				func() coreSnap { return b.snapOf(b.o.apiPID, 0) }, &p.Errors)
			return err
		})
		if err != nil {
			return err
		}
		p.Ours, p.StoredBefore = append(p.Ours, w), append(p.StoredBefore, *stored)
		*stored += (w.Requests - w.Non2xx) * int64(p.Batch)
		logf("lrs: Lectern %s: %.0f statements/s, p50 %.2f ms, p99 %.2f ms (%s)", what, statementsPerSec(w, p.Batch), w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		return nil
	}
	theirs := func() error {
		pid, base, err := b.restartLL(ctx)
		if err != nil {
			return err
		}
		logf("lrs rep %d/%d: wrk on Learning Locker (fresh, pid %d), %s", rep, b.o.reps, pid, what)
		var w wrkRun
		err = b.pinned(ctx, []int{pid}, func() error {
			var err error
			// Learning Locker speaks xAPI 1.0.x only; the statements are
			// valid in both versions.
			w, err = b.lrsWrk(ctx, p.Conns, base+"/statements", append(env, "LRS_AUTH=Basic dGVzdDp0ZXN0", "LRS_VERSION=1.0.3"),
				func() coreSnap { return b.snapOf(0, pid) }, &p.Errors)
			return err
		})
		if err != nil {
			return err
		}
		p.LL = append(p.LL, w)
		logf("lrs: Learning Locker %s: %.0f statements/s, p50 %.2f ms, p99 %.2f ms (%s)", what, statementsPerSec(w, p.Batch), w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		b.stopLL(ctx)
		return nil
	}
	steps := []func() error{ours, theirs}
	if rep%2 == 0 {
		steps = []func() error{theirs, ours}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
		if err := b.settle(ctx, b.o.apiPID, b.o.pgPID); err != nil {
			return err
		}
	}
	return nil
}

// lrsWrk runs lrs.lua under wrk against target. Answers that are not 2xx
// do not fail the step: they are counted in the run, warned about with
// the statuses lrs.lua counted and the first such answer, and noted in
// errs.
func (b *bench) lrsWrk(ctx context.Context, conns int, target string, env []string, snap func() coreSnap, errs *[]string) (wrkRun, error) {
	o := b.o.lrs
	w, out, err := b.runWrk(ctx, wrkSpec{threads: o.threads, conns: conns, seconds: o.seconds,
		args: []string{"--timeout", "30s", "-s", o.script, target}, env: env, snap: snap})
	switch {
	case errors.Is(err, errNon2xx):
		msg := fmt.Sprintf("%s at %d connections: %d of %d answers not 2xx: %s", target, conns, w.Non2xx, w.Requests, luaStatuses(out))
		b.warn("%s", msg)
		*errs = append(*errs, msg)
	case err != nil:
		return w, err
	}
	if w.SocketErrors != "" {
		msg := fmt.Sprintf("%s at %d connections: socket errors: %s", target, conns, w.SocketErrors)
		b.warn("%s", msg)
		*errs = append(*errs, msg)
	}
	return w, nil
}

var luaStatusLine = regexp.MustCompile(`(?m)^(HTTP \d+: \d+ answers|first non-2xx answer: .*)$`)

// luaStatuses is what lrs.lua printed of the answers that were not 2xx.
func luaStatuses(out string) string {
	return strings.Join(luaStatusLine.FindAllString(out, -1), "; ")
}

// pinned runs run with the process trees of roots (0s are skipped) on the
// server CPUs, and puts them back on every CPU after; unpinned (no
// -server-cpus) it just runs run.
func (b *bench) pinned(ctx context.Context, roots []int, run func() error) error {
	if b.o.serverCPUs == "" {
		return run()
	}
	if err := pinTrees(ctx, b.o.serverCPUs, roots); err != nil {
		return err
	}
	// Go and node follow the affinity within a second.
	if err := sleepCtx(ctx, 2*time.Second); err != nil {
		return err
	}
	err := run()
	if perr := pinTrees(context.WithoutCancel(ctx), "0-"+strconv.Itoa(runtime.NumCPU()-1), roots); err == nil {
		err = perr
	}
	return err
}

// lecternParties are the processes pinned with Lectern's API api.
func (b *bench) lecternParties(api int) []int {
	if b.o.lrs.pinServices {
		return []int{api, b.o.pgPID, b.o.redisPID}
	}
	return []int{api}
}

// pinTrees sets the affinity of every thread of each process tree. A
// process of a tree that is gone by then (a PostgreSQL backend that
// ended) is skipped; a root that cannot be pinned is an error.
func pinTrees(ctx context.Context, cpus string, roots []int) error {
	procs := readProcs()
	for _, root := range roots {
		if root == 0 {
			continue
		}
		for _, pid := range procs.members(root) {
			out, err := exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid)).CombinedOutput()
			if err != nil && pid == root {
				return fmt.Errorf("taskset pid %d to CPUs %s: %v: %s", pid, cpus, err, out)
			}
		}
	}
	return nil
}

// members are root and its live descendants.
func (t procTable) members(root int) []int {
	var out []int
	for pid := range t {
		for q, n := pid, 0; q > 1 && n < 16; n++ {
			if q == root {
				out = append(out, pid)
				break
			}
			q = t[q].ppid
		}
	}
	return out
}

// settle waits until the processes (trees) of pids are idle, at most a
// minute: requests of a run may still be served after wrk has gone (the
// server only sees the closed connection when it answers), and they
// would weigh on the next measurement. It notes a wait of more than a
// few seconds.
func (b *bench) settle(ctx context.Context, pids ...int) error {
	t0 := time.Now()
	busy := func() float64 {
		procs := readProcs()
		var sum float64
		for _, pid := range pids {
			sum += procs.tree(pid)
		}
		return sum
	}
	for {
		c0 := busy()
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
		cores := busy() - c0
		waited := time.Since(t0)
		if cores < 0.1 || waited > time.Minute {
			if waited > 5*time.Second {
				logf("lrs: the server under test was still busy %.0f s after the run", waited.Seconds())
			}
			return nil
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

var llStatusPID = regexp.MustCompile(`running \(pid (\d+)\)`)

// restartLL stops Learning Locker if it runs and starts it afresh (an
// empty store); it returns its pid and xAPI base URL.
func (b *bench) restartLL(ctx context.Context) (int, string, error) {
	b.stopLL(ctx)
	out, err := exec.CommandContext(ctx, "bash", b.o.lrs.llScript, "start", strconv.Itoa(b.o.lrs.llPort)).Output()
	if err != nil {
		return 0, "", fmt.Errorf("%s start: %v (log: its LL_DIR/learninglocker.log)", b.o.lrs.llScript, err)
	}
	base, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	st, err := exec.CommandContext(ctx, "bash", b.o.lrs.llScript, "status").Output()
	m := llStatusPID.FindSubmatch(st)
	if err != nil || m == nil {
		return 0, "", fmt.Errorf("%s status: %v: %s", b.o.lrs.llScript, err, st)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	return pid, base, nil
}

func (b *bench) stopLL(ctx context.Context) {
	if out, err := exec.CommandContext(ctx, "bash", b.o.lrs.llScript, "stop").CombinedOutput(); err != nil {
		b.warn("%s stop: %v: %s", b.o.lrs.llScript, err, clip(out, 300))
	}
}
