package main

// The "core" section of `make bench`: the learning core against its
// anchors, on the bench API's own fresh database.
//
//  1. Enrollment: 20,000 learners are provisioned through POST
//     /api/v1/users/bulk; half of them are enrolled in a course with ONE
//     POST /courses/{id}/enrollments/bulk (the body built in memory; the
//     client's wall time of the request over loopback is an upper bound on
//     the server's time), the other half one POST /courses/{id}/enrollments
//     at a time, sequentially, on one keep-alive connection. The bulk
//     request is then sent again to the same course: it must enroll 0.
//  2. Read path: wrk against GET /api/v1/catalog (24 published courses) and
//     GET /api/v1/me/enrollments (a learner in 10 courses with some
//     progress), each next to the bench nginx serving the very response
//     body from a file.

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
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	bulkSecondsTarget = 1.0 // the one bulk request of 10,000 rows
	bulkRatioTarget   = 50  // one by one / bulk
	maxBulkRequest    = 10000
	benchEmailDomain  = "bench.lectern.example"
	catalogCourses    = 24
	readerCourses     = 10
	lessonsPerCourse  = 3
	coreExplanation   = "bulk enrollment = client wall time of ONE POST /courses/{id}/enrollments/bulk with 10,000 " +
		"{email} rows over loopback, body built in memory (an upper bound on the server time), median over BENCH_REPS " +
		"fresh courses; one by one = 10,000 sequential POST /courses/{id}/enrollments {user_id} on one keep-alive " +
		"connection, total wall time; read path = wrk as a learner (API token) against the API and against the bench " +
		"nginx serving the same response body from a file (access_log off, keep-alive), medians of BENCH_REPS runs; " +
		"the bench API's rate limiter runs (a Redis round trip per request) but never refuses"
)

type coreOptions struct {
	enabled    bool
	learners   int
	wrkSeconds int
	wrkConns   int
	wrkThreads int
	staticDir  string
	staticURL  string
	nginxPID   int
	pgPID      int
	redisPID   int
	rateLimit  string
}

func (c *coreOptions) flags() {
	flag.BoolVar(&c.enabled, "core", false, "measure the learning core (bulk vs one-by-one enrollment; the read path under wrk vs nginx)")
	flag.IntVar(&c.learners, "core-learners", 20000, "learners to provision: half are bulk-enrolled, half enrolled one by one")
	flag.IntVar(&c.wrkSeconds, "wrk-seconds", 30, "duration of each wrk run")
	flag.IntVar(&c.wrkConns, "wrk-connections", 200, "wrk -c")
	flag.IntVar(&c.wrkThreads, "wrk-threads", 2, "wrk -t")
	flag.StringVar(&c.staticDir, "static-dir", "", "folder the bench nginx serves; the API's response bodies are saved there")
	flag.StringVar(&c.staticURL, "static-url", "", "URL of the bench nginx")
	flag.IntVar(&c.nginxPID, "nginx-pid", 0, "pid of the bench nginx master (CPU accounting)")
	flag.IntVar(&c.pgPID, "pg-pid", 0, "pid of the PostgreSQL postmaster (CPU accounting; optional)")
	flag.IntVar(&c.redisPID, "redis-pid", 0, "pid of Redis (CPU accounting; optional)")
	flag.StringVar(&c.rateLimit, "rate-limit", "", "the bench API's rate-limit settings, for the report")
}

func (c *coreOptions) check() error {
	switch {
	case !c.enabled:
		return nil
	case c.staticDir == "" || c.staticURL == "":
		return errors.New("-core needs -static-dir and -static-url")
	case c.learners < 2 || c.learners%2 != 0 || c.learners/2 > maxBulkRequest:
		return fmt.Errorf("-core-learners must be even and at most %d", 2*maxBulkRequest)
	case c.wrkSeconds < 1 || c.wrkConns < 1 || c.wrkThreads < 1 || c.wrkThreads > c.wrkConns:
		return errors.New("-wrk-seconds, -wrk-connections and -wrk-threads must be positive, threads <= connections")
	}
	return nil
}

// ---------------------------------------------------------------- results

type coreResults struct {
	Learners int `json:"learners"`
	// BusyBefore is how many cores the machine kept busy in the 3 s before
	// the section started (the bench processes were idle): other work.
	BusyBefore float64          `json:"machine_busy_cores_before"`
	RateLimit  string           `json:"rate_limit"`
	Provision  provisionResults `json:"provision"`
	Bulk       bulkResults      `json:"bulk_enrollment"`
	OneByOne   oneByOneResults  `json:"one_by_one_enrollment"`
	Read       []*readResults   `json:"read_path"`
	Wrk        string           `json:"wrk"`
}

type provisionResults struct {
	Users    int     `json:"users"`
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
}

type bulkResults struct {
	Rows         int        `json:"rows"`
	RequestBytes int        `json:"request_bytes"`
	Seconds      []float64  `json:"seconds"` // wall time of the one request, each repetition
	CPU          []cpuCores `json:"cpu_cores"`
	Again        bulkAgain  `json:"again"`
}

// bulkAgain is the same bulk request sent a second time to the same course.
type bulkAgain struct {
	Seconds         float64 `json:"seconds"`
	Enrolled        int     `json:"enrolled"`
	AlreadyEnrolled int     `json:"already_enrolled"`
	Reactivated     int     `json:"reactivated"`
	Failed          int     `json:"failed"`
}

type oneByOneResults struct {
	Requests     int      `json:"requests"`
	RequestBytes int      `json:"request_bytes"` // all bodies together
	Seconds      float64  `json:"seconds"`
	Connections  int      `json:"connections"`
	P50Ms        float64  `json:"p50_ms"`
	P99Ms        float64  `json:"p99_ms"`
	CPU          cpuCores `json:"cpu_cores"`
}

type readResults struct {
	Path      string   `json:"path"`
	StaticURL string   `json:"static_url"`
	Bytes     int      `json:"bytes"`
	Items     int      `json:"items"`
	API       []wrkRun `json:"api"`
	Nginx     []wrkRun `json:"nginx"`
}

type wrkRun struct {
	RPS          float64  `json:"requests_per_second"`
	P50Ms        float64  `json:"p50_ms"`
	P99Ms        float64  `json:"p99_ms"`
	Requests     int64    `json:"requests"`
	SocketErrors string   `json:"socket_errors,omitempty"`
	CPU          cpuCores `json:"cpu_cores"`
}

// cpuCores is how many cores each party kept busy during a timed step:
// CPU seconds / wall seconds. PostgreSQL is the whole cluster (the stack's
// databases included); Rest is everything else on the machine.
type cpuCores struct {
	API      float64 `json:"api"`
	Worker   float64 `json:"worker"`
	Postgres float64 `json:"postgres"`
	Redis    float64 `json:"redis"`
	Nginx    float64 `json:"nginx"`
	Client   float64 `json:"client"` // benchtool itself, or wrk
	Rest     float64 `json:"rest"`
}

func (c cpuCores) String(client string) string {
	parts := []string{fmt.Sprintf("API %.2f", c.API)}
	for _, p := range []struct {
		name string
		v    float64
	}{{"PostgreSQL", c.Postgres}, {"Redis", c.Redis}, {"nginx", c.Nginx}, {"worker", c.Worker}, {client, c.Client}, {"rest of the machine", c.Rest}} {
		if p.v >= 0.005 {
			parts = append(parts, fmt.Sprintf("%s %.2f", p.name, p.v))
		}
	}
	return "CPU cores: " + strings.Join(parts, ", ")
}

// ---------------------------------------------------------------- CPU

type coreSnap struct {
	at                                           time.Time
	api, worker, pg, redis, nginx, self, machine float64
}

// coreSnap reads the CPU seconds so far of each party. A party is a
// process tree: each live process's own time plus what it reaped.
func (b *bench) coreSnap() coreSnap {
	procs := readProcs()
	o := b.o.core
	self, _ := procCPU(os.Getpid())
	return coreSnap{
		at: time.Now(), api: procs.tree(b.o.apiPID), worker: procs.tree(b.o.workerPID),
		pg: procs.tree(o.pgPID), redis: procs.tree(o.redisPID), nginx: procs.tree(o.nginxPID),
		self: self.self, machine: readSysBusy(),
	}
}

// cores turns two snapshots into cores busy. client is the CPU seconds of
// the client when it is not benchtool itself (wrk); 0 means benchtool.
func cores(s0, s1 coreSnap, client float64) cpuCores {
	wall := s1.at.Sub(s0.at).Seconds()
	if wall <= 0 {
		return cpuCores{}
	}
	if client == 0 {
		client = s1.self - s0.self
	}
	c := cpuCores{API: s1.api - s0.api, Worker: s1.worker - s0.worker, Postgres: s1.pg - s0.pg,
		Redis: s1.redis - s0.redis, Nginx: s1.nginx - s0.nginx, Client: client}
	c.Rest = (s1.machine - s0.machine) - c.API - c.Worker - c.Postgres - c.Redis - c.Nginx - c.Client
	for _, p := range []*float64{&c.API, &c.Worker, &c.Postgres, &c.Redis, &c.Nginx, &c.Client, &c.Rest} {
		*p = round(max(0, *p)/wall, 2)
	}
	return c
}

type procStat struct {
	ppid int
	cpu  float64 // utime+stime+cutime+cstime, seconds
}

type procTable map[int]procStat

func readProcs() procTable {
	out := procTable{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
		if len(f) < 15 {
			continue
		}
		num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v / 100 } // USER_HZ
		ppid, _ := strconv.Atoi(f[1])
		out[pid] = procStat{ppid: ppid, cpu: num(14) + num(15) + num(16) + num(17)}
	}
	return out
}

// tree is the CPU seconds of root and its live descendants (with what each
// reaped); 0 for pid 0 or a process that is gone.
func (t procTable) tree(root int) float64 {
	if root <= 0 {
		return 0
	}
	if _, ok := t[root]; !ok {
		return 0
	}
	var sum float64
	for pid, p := range t {
		for q, n := pid, 0; q > 1 && n < 16; n++ {
			if q == root {
				sum += p.cpu
				break
			}
			q = t[q].ppid
		}
	}
	return sum
}

// machineBusy is how many cores the machine keeps busy over d.
func machineBusy(ctx context.Context, d time.Duration) float64 {
	s0, t0 := readSysBusy(), time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return round((readSysBusy()-s0)/time.Since(t0).Seconds(), 2)
}

// ---------------------------------------------------------------- HTTP

// call sends one JSON request to the bench API as token ("" is anonymous)
// and wants status want. body is nil, []byte or a value to marshal; out is
// nil, *[]byte (the raw body) or a value to unmarshal into.
func (b *bench) call(ctx context.Context, hc *http.Client, token, method, path string, body any, want int, out any) error {
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.o.api+path, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d (want %d): %s", method, path, resp.StatusCode, want, clip(data, 400))
	}
	switch o := out.(type) {
	case nil:
	case *[]byte:
		*o = data
	default:
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// keepAliveClient sends everything on at most one connection.
func keepAliveClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{
		MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, IdleConnTimeout: 10 * time.Minute, DisableCompression: true,
	}}
}

// ---------------------------------------------------------------- main flow

func (b *bench) measureCore(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk; make deps-bench does it)")
	}
	o := b.o.core
	c := &coreResults{Learners: o.learners, RateLimit: o.rateLimit,
		Wrk: fmt.Sprintf("wrk -t %d -c %d -d %ds --latency", o.wrkThreads, o.wrkConns, o.wrkSeconds)}
	b.res.Core = c
	setup := &http.Client{Timeout: 5 * time.Minute}

	c.BusyBefore = machineBusy(ctx, 3*time.Second)
	logf("core: the machine kept %.2f cores busy in the 3 s before the section (the bench's own processes idle)", c.BusyBefore)

	// The limiter must be on (it is part of every request's cost).
	var me []byte
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.o.api+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+b.o.token)
	resp, err := setup.Do(req)
	if err != nil {
		return err
	}
	me, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v1/me as the admin: HTTP %d: %s", resp.StatusCode, clip(me, 300))
	}
	if lim := resp.Header.Get("X-RateLimit-Limit"); lim == "" {
		b.warn("the bench API sends no X-RateLimit-Limit: its rate limiter is off, so its Redis round trip is not measured")
	} else if c.RateLimit == "" {
		c.RateLimit = "burst " + lim
	}

	emails, err := b.provisionLearners(ctx, setup, c)
	if err != nil {
		return fmt.Errorf("provision learners: %w", err)
	}
	half := o.learners / 2
	if err := b.measureBulk(ctx, setup, c, emails[:half]); err != nil {
		return fmt.Errorf("bulk enrollment: %w", err)
	}
	if err := b.measureOneByOne(ctx, setup, c, emails[half:]); err != nil {
		return fmt.Errorf("one-by-one enrollment: %w", err)
	}
	token, err := b.prepareReadPath(ctx, setup, c)
	if err != nil {
		return fmt.Errorf("read path: %w", err)
	}
	for rep := 1; rep <= b.o.reps; rep++ {
		for _, rr := range c.Read {
			if err := b.measureRead(ctx, rr, token, rep); err != nil {
				return fmt.Errorf("read path %s: %w", rr.Path, err)
			}
		}
	}
	return nil
}

// provisionLearners creates the learners through POST /users/bulk, at most
// 10,000 a request, and returns their addresses.
func (b *bench) provisionLearners(ctx context.Context, hc *http.Client, c *coreResults) ([]string, error) {
	type user struct {
		Email string   `json:"email"`
		Name  string   `json:"name"`
		Roles []string `json:"roles"`
	}
	n := b.o.core.learners
	emails := make([]string, n)
	users := make([]user, n)
	for i := range users {
		emails[i] = fmt.Sprintf("learner%05d@%s", i+1, benchEmailDomain)
		users[i] = user{Email: emails[i], Name: fmt.Sprintf("Learner %05d", i+1), Roles: []string{"learner"}}
	}
	logf("core: provisioning %d learners (POST /api/v1/users/bulk, %d a request)", n, maxBulkRequest)
	t0 := time.Now()
	for from := 0; from < n; from += maxBulkRequest {
		chunk := users[from:min(n, from+maxBulkRequest)]
		var rep struct {
			Created int               `json:"created"`
			Failed  []json.RawMessage `json:"failed"`
		}
		if err := b.call(ctx, hc, b.o.token, http.MethodPost, "/api/v1/users/bulk", map[string]any{"users": chunk}, http.StatusOK, &rep); err != nil {
			return nil, err
		}
		if rep.Created != len(chunk) || len(rep.Failed) > 0 {
			return nil, fmt.Errorf("users/bulk created %d of %d (failed: %d, first %s)", rep.Created, len(chunk), len(rep.Failed), firstRaw(rep.Failed))
		}
		c.Provision.Requests++
	}
	c.Provision.Users = n
	c.Provision.Seconds = round(time.Since(t0).Seconds(), 2)
	logf("core: %d learners provisioned in %.1f s (%d requests)", n, c.Provision.Seconds, c.Provision.Requests)
	return emails, nil
}

func firstRaw(xs []json.RawMessage) string {
	if len(xs) == 0 {
		return "-"
	}
	return string(xs[0])
}

type courseSpec struct {
	Title, Summary, Description string
	Tags                        []string
	Lessons                     int
}

// createCourse creates a course with one module of text lessons and
// publishes it (open enrollment); it returns its id and its lessons' ids.
func (b *bench) createCourse(ctx context.Context, hc *http.Client, s courseSpec) (string, []string, error) {
	var course, module struct {
		ID string `json:"id"`
	}
	body := map[string]any{"title": s.Title, "summary": s.Summary, "description": s.Description, "tags": s.Tags}
	if err := b.call(ctx, hc, b.o.token, http.MethodPost, "/api/v1/courses", body, http.StatusCreated, &course); err != nil {
		return "", nil, err
	}
	base := "/api/v1/courses/" + course.ID
	if err := b.call(ctx, hc, b.o.token, http.MethodPost, base+"/modules", map[string]any{"title": "Getting started"}, http.StatusCreated, &module); err != nil {
		return "", nil, err
	}
	lessons := make([]string, 0, s.Lessons)
	for i := 1; i <= s.Lessons; i++ {
		var l struct {
			ID string `json:"id"`
		}
		lb := map[string]any{"module_id": module.ID, "title": fmt.Sprintf("Lesson %d", i), "kind": "text",
			"body": fmt.Sprintf("## Lesson %d of %s\n\n%s\n\n- read the notes\n- try the exercise\n- check your answer\n", i, s.Title, loremLesson)}
		if err := b.call(ctx, hc, b.o.token, http.MethodPost, base+"/lessons", lb, http.StatusCreated, &l); err != nil {
			return "", nil, err
		}
		lessons = append(lessons, l.ID)
	}
	if err := b.call(ctx, hc, b.o.token, http.MethodPatch, base, map[string]any{"status": "published", "enrollment": "open"}, http.StatusOK, nil); err != nil {
		return "", nil, err
	}
	return course.ID, lessons, nil
}

const loremLesson = "This lesson walks through the idea with a worked example, then asks you to apply it to a " +
	"small problem of your own. Take notes as you go: the quiz at the end of the module draws on them."

// enrollmentReport is the answer of POST /courses/{id}/enrollments/bulk.
type enrollmentReport struct {
	Rows            int               `json:"rows"`
	Enrolled        int               `json:"enrolled"`
	AlreadyEnrolled int               `json:"already_enrolled"`
	Reactivated     int               `json:"reactivated"`
	Failed          []json.RawMessage `json:"failed"`
}

// timedBulk sends the pre-built bulk body on the warm keep-alive client and
// returns the wall time from sending to having read the whole answer.
func (b *bench) timedBulk(ctx context.Context, hc *http.Client, courseID string, body []byte) (float64, *enrollmentReport, error) {
	// Warm the connection first, so the timed request pays no connect.
	if err := b.call(ctx, hc, b.o.token, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil); err != nil {
		return 0, nil, err
	}
	path := "/api/v1/courses/" + courseID + "/enrollments/bulk"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.o.api+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.o.token)
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	data, err := io.ReadAll(resp.Body)
	secs := time.Since(t0).Seconds()
	resp.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("POST %s: HTTP %d: %s", path, resp.StatusCode, clip(data, 400))
	}
	var rep enrollmentReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	return secs, &rep, nil
}

// measureBulk enrolls the learners in a fresh course with one request, once
// per repetition, then sends the last request again.
func (b *bench) measureBulk(ctx context.Context, setup *http.Client, c *coreResults, emails []string) error {
	type row struct {
		Email string `json:"email"`
	}
	rows := make([]row, len(emails))
	for i, e := range emails {
		rows[i] = row{e}
	}
	body, err := json.Marshal(map[string]any{"rows": rows})
	if err != nil {
		return err
	}
	c.Bulk.Rows, c.Bulk.RequestBytes = len(rows), len(body)
	hc := keepAliveClient()
	var courseIDs []string
	for rep := 1; rep <= b.o.reps; rep++ {
		id, _, err := b.createCourse(ctx, setup, courseSpec{Title: fmt.Sprintf("Compliance training %d (bulk enrollment)", rep),
			Summary: "Every employee takes it once a year.", Tags: []string{"compliance"}, Lessons: 1})
		if err != nil {
			return err
		}
		courseIDs = append(courseIDs, id)
		logf("core rep %d/%d: bulk enrollment of %d learners in one request (%s)", rep, b.o.reps, len(rows), human(int64(len(body))))
		s0 := b.coreSnap()
		secs, r, err := b.timedBulk(ctx, hc, id, body)
		if err != nil {
			return err
		}
		cpu := cores(s0, b.coreSnap(), 0)
		if r.Rows != len(rows) || r.Enrolled != len(rows) || len(r.Failed) > 0 {
			return fmt.Errorf("bulk enrollment of %d rows: rows %d, enrolled %d, already %d, failed %d (first %s)",
				len(rows), r.Rows, r.Enrolled, r.AlreadyEnrolled, len(r.Failed), firstRaw(r.Failed))
		}
		c.Bulk.Seconds = append(c.Bulk.Seconds, round(secs, 4))
		c.Bulk.CPU = append(c.Bulk.CPU, cpu)
		logf("core: bulk enrollment %.3f s (%s)", secs, cpu.String("benchtool"))
	}
	last := courseIDs[len(courseIDs)-1]
	logf("core: the same bulk request again on the same course (idempotency)")
	secs, r, err := b.timedBulk(ctx, hc, last, body)
	if err != nil {
		return err
	}
	c.Bulk.Again = bulkAgain{Seconds: round(secs, 4), Enrolled: r.Enrolled, AlreadyEnrolled: r.AlreadyEnrolled,
		Reactivated: r.Reactivated, Failed: len(r.Failed)}
	logf("core: again %.3f s: enrolled %d, already enrolled %d, reactivated %d, failed %d", secs, r.Enrolled, r.AlreadyEnrolled, r.Reactivated, len(r.Failed))
	if r.Enrolled != 0 || r.AlreadyEnrolled != len(rows) {
		b.warn("the bulk enrollment sent again enrolled %d and found %d already enrolled (want 0 and %d)", r.Enrolled, r.AlreadyEnrolled, len(rows))
	}
	// Out of the catalog, so the read path sees the same catalog whatever BENCH_REPS is.
	for _, id := range courseIDs {
		b.archive(ctx, setup, id)
	}
	return nil
}

func (b *bench) archive(ctx context.Context, hc *http.Client, courseID string) {
	if err := b.call(ctx, hc, b.o.token, http.MethodPatch, "/api/v1/courses/"+courseID, map[string]any{"status": "archived"}, http.StatusOK, nil); err != nil {
		b.warn("archive course %s: %v", courseID, err)
	}
}

// learnerIDs maps the bench learners' addresses to their ids (GET /users).
func (b *bench) learnerIDs(ctx context.Context, hc *http.Client) (map[string]string, error) {
	ids := map[string]string{}
	cursor := ""
	for {
		q := url.Values{"role": {"learner"}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := b.call(ctx, hc, b.o.token, http.MethodGet, "/api/v1/users?"+q.Encode(), nil, http.StatusOK, &page); err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			ids[u.Email] = u.ID
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return ids, nil
		}
		cursor = *page.NextCursor
	}
}

// measureOneByOne enrolls the learners one POST at a time, sequentially, on
// one keep-alive connection.
func (b *bench) measureOneByOne(ctx context.Context, setup *http.Client, c *coreResults, emails []string) error {
	ids, err := b.learnerIDs(ctx, setup)
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(emails))
	total := 0
	for i, e := range emails {
		id, ok := ids[e]
		if !ok {
			return fmt.Errorf("GET /api/v1/users does not list %s", e)
		}
		bodies[i] = []byte(`{"user_id":"` + id + `"}`)
		total += len(bodies[i])
	}
	courseID, _, err := b.createCourse(ctx, setup, courseSpec{Title: "Security awareness (one-by-one enrollment)",
		Summary: "Phishing, passwords and what to report.", Tags: []string{"security"}, Lessons: 1})
	if err != nil {
		return err
	}
	path := "/api/v1/courses/" + courseID + "/enrollments"
	hc := keepAliveClient()
	if err := b.call(ctx, hc, b.o.token, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil); err != nil {
		return err
	}
	conns := map[string]bool{}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { conns[i.Conn.LocalAddr().String()] = true }}
	tctx := httptrace.WithClientTrace(ctx, trace)
	lat := make([]float64, len(bodies))
	logf("core: enrolling %d learners one request at a time (POST %s {user_id}, one keep-alive connection)", len(bodies), "/api/v1/courses/{id}/enrollments")
	s0 := b.coreSnap()
	t0 := time.Now()
	for i, body := range bodies {
		req, err := http.NewRequestWithContext(tctx, http.MethodPost, b.o.api+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+b.o.token)
		req.Header.Set("Content-Type", "application/json")
		r0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("request %d: POST %s: %w", i+1, path, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat[i] = time.Since(r0).Seconds() * 1000
		if err != nil {
			return fmt.Errorf("request %d: POST %s: %w", i+1, path, err)
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("request %d: POST %s: HTTP %d (want 201): %s", i+1, path, resp.StatusCode, clip(data, 300))
		}
	}
	secs := time.Since(t0).Seconds()
	cpu := cores(s0, b.coreSnap(), 0)
	c.OneByOne = oneByOneResults{Requests: len(bodies), RequestBytes: total, Seconds: round(secs, 2), Connections: len(conns),
		P50Ms: round(percentile(lat, 50), 2), P99Ms: round(percentile(lat, 99), 2), CPU: cpu}
	logf("core: one by one %.1f s (%.2f ms a request; p50 %.2f ms, p99 %.2f ms; %d connection(s)) (%s)",
		secs, secs*1000/float64(len(bodies)), c.OneByOne.P50Ms, c.OneByOne.P99Ms, len(conns), cpu.String("benchtool"))
	b.archive(ctx, setup, courseID)
	return nil
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

var courseTopics = []struct{ title, tag string }{
	{"Linear algebra for engineers", "math"}, {"Statistics without tears", "math"}, {"Writing clear technical documents", "writing"},
	{"Negotiation basics", "soft-skills"}, {"Introduction to SQL", "data"}, {"Data visualisation", "data"},
	{"Project management fundamentals", "management"}, {"Giving and receiving feedback", "soft-skills"},
	{"Networking for developers", "engineering"}, {"Secure coding", "security"}, {"Accessibility on the web", "engineering"},
	{"Financial literacy", "finance"}, {"Time management", "soft-skills"}, {"Cloud cost control", "engineering"},
	{"Public speaking", "soft-skills"}, {"Machine learning, a first look", "data"}, {"Leading remote teams", "management"},
	{"GDPR for everyone", "compliance"}, {"Customer interviews", "product"}, {"Product discovery", "product"},
	{"Incident response", "security"}, {"Spreadsheet modelling", "finance"}, {"Design systems", "design"},
	{"Onboarding: your first week", "onboarding"},
}

// prepareReadPath creates the catalog and a learner enrolled in some of it
// with some progress, saves the learner's answers to the two read paths
// where the bench nginx serves them, and returns the learner's API token.
func (b *bench) prepareReadPath(ctx context.Context, hc *http.Client, c *coreResults) (string, error) {
	logf("core: creating %d published courses of %d text lessons and a learner enrolled in %d of them", catalogCourses, lessonsPerCourse, readerCourses)
	type made struct {
		id      string
		lessons []string
	}
	var courses []made
	for i := range catalogCourses {
		t := courseTopics[i%len(courseTopics)]
		id, lessons, err := b.createCourse(ctx, hc, courseSpec{
			Title:   t.title,
			Summary: fmt.Sprintf("A short, practical course on %s: %d lessons of reading and exercises, about an hour in all.", strings.ToLower(t.title), lessonsPerCourse),
			Description: fmt.Sprintf("# %s\n\nWho it is for: anyone who wants a solid start.\n\n"+
				"What you will learn:\n\n- the core ideas, in plain words\n- how to apply them at work\n- where to go next\n\n"+
				"Each lesson ends with a short exercise. *Plan about an hour.*", t.title),
			Tags:    []string{t.tag, "self-paced"},
			Lessons: lessonsPerCourse,
		})
		if err != nil {
			return "", err
		}
		courses = append(courses, made{id, lessons})
	}
	email, password := "reader@"+benchEmailDomain, "bench-reader-password"
	if err := b.call(ctx, hc, b.o.token, http.MethodPost, "/api/v1/users",
		map[string]any{"email": email, "name": "Bench Reader", "roles": []string{"learner"}, "password": password}, http.StatusCreated, nil); err != nil {
		return "", err
	}
	var session struct {
		Token string `json:"token"`
	}
	if err := b.call(ctx, hc, "", http.MethodPost, "/api/v1/sessions", map[string]any{"email": email, "password": password}, http.StatusCreated, &session); err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := b.call(ctx, hc, session.Token, http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": "bench wrk", "scopes": []string{"*"}}, http.StatusCreated, &tok); err != nil {
		return "", err
	}
	token := tok.Token
	// Enrolled in readerCourses courses: none, one, two or all lessons done.
	for i, cr := range courses[:readerCourses] {
		base := "/api/v1/courses/" + cr.id
		if err := b.call(ctx, hc, token, http.MethodPost, base+"/enrollments", map[string]any{}, http.StatusCreated, nil); err != nil {
			return "", err
		}
		done := i % (lessonsPerCourse + 1)
		for k, l := range cr.lessons {
			status := ""
			switch {
			case k < done:
				status = "completed"
			case k == done:
				status = "in_progress"
			}
			if status == "" {
				break
			}
			if err := b.call(ctx, hc, token, http.MethodPost, base+"/lessons/"+l+"/progress", map[string]any{"status": status}, http.StatusOK, nil); err != nil {
				return "", err
			}
		}
	}
	for _, p := range []struct{ path, file string }{{"/api/v1/catalog", "catalog.json"}, {"/api/v1/me/enrollments", "me-enrollments.json"}} {
		var body []byte
		if err := b.call(ctx, hc, token, http.MethodGet, p.path, nil, http.StatusOK, &body); err != nil {
			return "", err
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return "", fmt.Errorf("GET %s: %w", p.path, err)
		}
		want := catalogCourses
		if p.file == "me-enrollments.json" {
			want = readerCourses
		}
		if len(page.Items) != want {
			return "", fmt.Errorf("GET %s lists %d items, want %d", p.path, len(page.Items), want)
		}
		if err := os.WriteFile(filepath.Join(b.o.core.staticDir, p.file), body, 0o644); err != nil {
			return "", err
		}
		rr := &readResults{Path: p.path, StaticURL: strings.TrimRight(b.o.core.staticURL, "/") + "/" + p.file, Bytes: len(body), Items: len(page.Items)}
		// The bench nginx must send the same bytes.
		resp, err := http.Get(rr.StaticURL)
		if err != nil {
			return "", err
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
			return "", fmt.Errorf("the bench nginx answers %s with HTTP %d and %d bytes, not the API's %d (%v)", rr.StaticURL, resp.StatusCode, len(got), len(body), err)
		}
		c.Read = append(c.Read, rr)
		logf("core: %s answers %d items in %s; copy at %s", p.path, rr.Items, human(int64(rr.Bytes)), rr.StaticURL)
	}
	return token, nil
}

// measureRead runs wrk on the API and on nginx (odd repetitions the API
// first, even ones nginx first).
func (b *bench) measureRead(ctx context.Context, rr *readResults, token string, rep int) error {
	api := func() error {
		logf("core rep %d/%d: wrk on the API, GET %s", rep, b.o.reps, rr.Path)
		w, err := b.wrk(ctx, b.o.api+rr.Path, token)
		if err != nil {
			return err
		}
		rr.API = append(rr.API, w)
		logf("core: API %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%s)", rr.Path, w.RPS, w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		return nil
	}
	static := func() error {
		logf("core rep %d/%d: wrk on nginx, the same %s from a file", rep, b.o.reps, human(int64(rr.Bytes)))
		w, err := b.wrk(ctx, rr.StaticURL, token)
		if err != nil {
			return err
		}
		rr.Nginx = append(rr.Nginx, w)
		logf("core: nginx %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%s)", rr.StaticURL, w.RPS, w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		return nil
	}
	steps := []func() error{api, static}
	if rep%2 == 0 {
		steps = []func() error{static, api}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
		// Let the sockets of the run close before the next.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

var (
	wrkRPS     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	wrkTotal   = regexp.MustCompile(`(?m)^\s+(\d+) requests in `)
	wrkNon2xx  = regexp.MustCompile(`(?m)^\s+Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`(?m)^\s+Socket errors: (.*)$`)
)

// wrk runs wrk on url with the learner's token and parses its report. A
// response that is not 2xx/3xx fails the step.
func (b *bench) wrk(ctx context.Context, target, token string) (wrkRun, error) {
	o := b.o.core
	args := []string{"-t", strconv.Itoa(o.wrkThreads), "-c", strconv.Itoa(o.wrkConns), "-d", strconv.Itoa(o.wrkSeconds) + "s",
		"--latency", "-H", "Authorization: Bearer " + token, target}
	cctx, cancel := context.WithTimeout(ctx, time.Duration(o.wrkSeconds+120)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, "wrk", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	s0 := b.coreSnap()
	err := cmd.Run()
	s1 := b.coreSnap()
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk %s: %v: %s", target, err, clip(stderr.Bytes(), 400))
	}
	ps := cmd.ProcessState
	w, err := parseWrk(stdout.String())
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk %s: %w\n%s", target, err, stdout.String())
	}
	w.CPU = cores(s0, s1, (ps.UserTime() + ps.SystemTime()).Seconds())
	if w.SocketErrors != "" {
		b.warn("wrk %s: socket errors: %s", target, w.SocketErrors)
	}
	return w, nil
}

func parseWrk(out string) (wrkRun, error) {
	var w wrkRun
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return w, errors.New("no Requests/sec line")
	}
	w.RPS, _ = strconv.ParseFloat(m[1], 64)
	w.RPS = round(w.RPS, 1)
	if m := wrkTotal.FindStringSubmatch(out); m != nil {
		w.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if w.Requests == 0 {
		return w, errors.New("no request completed")
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		return w, fmt.Errorf("%s of %d responses were not 2xx or 3xx", m[1], w.Requests)
	}
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		w.SocketErrors = strings.TrimSpace(m[1])
	}
	seen := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := wrkPct.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		case "m":
			v *= 60000
		}
		if m[1] == "50" {
			w.P50Ms = round(v, 3)
		} else {
			w.P99Ms = round(v, 3)
		}
		seen++
	}
	if seen != 2 {
		return w, errors.New("no latency distribution (50% and 99%)")
	}
	return w, nil
}

// ---------------------------------------------------------------- report

func (c *coreResults) rows() []row {
	lt := func(v, target float64) *bool { p := v < target; return &p }
	var out []row
	out = append(out, row{Name: fmt.Sprintf("provision %s learners (%d bulk requests)", thousands(c.Provision.Users), c.Provision.Requests),
		Ours: c.Provision.Seconds, Unit: "s", Target: "-"})
	bulk := median(c.Bulk.Seconds)
	if len(c.Bulk.Seconds) > 0 {
		out = append(out, row{Name: fmt.Sprintf("bulk enroll %s (one request)", thousands(c.Bulk.Rows)), Ours: round(bulk, 3), Unit: "s",
			Target: fmt.Sprintf("< %g s", bulkSecondsTarget), Pass: lt(bulk, bulkSecondsTarget)})
	}
	if one := c.OneByOne.Seconds; one > 0 && bulk > 0 {
		pass := one/bulk >= bulkRatioTarget
		out = append(out, row{Name: fmt.Sprintf("enroll %s: one by one / bulk", thousands(c.OneByOne.Requests)), Ours: one, Baseline: ptr(round(bulk, 3)),
			Unit: "s", Ratio: ptr(round(one/bulk, 1)), Target: fmt.Sprintf(">= %d", bulkRatioTarget), Pass: &pass})
	}
	if len(c.Bulk.Seconds) > 0 {
		pass := c.Bulk.Again.Enrolled == 0 && c.Bulk.Again.AlreadyEnrolled == c.Bulk.Rows
		out = append(out, row{Name: "bulk enroll again, same course: newly enrolled", Ours: float64(c.Bulk.Again.Enrolled), Unit: "rows",
			Target: "= 0", Pass: &pass})
	}
	for _, rr := range c.Read {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		for _, m := range []struct {
			what, unit string
			f          func(wrkRun) float64
		}{
			{"req/s", "req/s", func(w wrkRun) float64 { return w.RPS }},
			{"p50", "ms", func(w wrkRun) float64 { return w.P50Ms }},
			{"p99", "ms", func(w wrkRun) float64 { return w.P99Ms }},
		} {
			a, n := median(mapf(rr.API, m.f)), median(mapf(rr.Nginx, m.f))
			r := math.NaN()
			if n > 0 {
				r = a / n
			}
			out = append(out, row{Name: fmt.Sprintf("GET %s: API / nginx, %s", strings.TrimPrefix(rr.Path, "/api/v1"), m.what),
				Ours: round(a, 2), Baseline: ptr(round(n, 2)), Unit: m.unit, Ratio: ptr(round(r, 4)), Target: "-"})
		}
	}
	return out
}

func (c *coreResults) print(w io.Writer) {
	fmt.Fprintf(w, "learning core: %s learners provisioned in %d POST /api/v1/users/bulk (%.1f s); the machine kept %.2f cores busy in the 3 s before the section\n",
		thousands(c.Provision.Users), c.Provision.Requests, c.Provision.Seconds, c.BusyBefore)
	if c.RateLimit != "" {
		fmt.Fprintf(w, "  the bench API's rate limiter is on (%s): a Redis round trip on every request, never a refusal\n", c.RateLimit)
	}
	if n := len(c.Bulk.Seconds); n > 0 {
		mid := medianIndex(c.Bulk.Seconds)
		fmt.Fprintf(w, "  bulk: %s rows {email} in one POST /api/v1/courses/{id}/enrollments/bulk of %s (%d bytes), body built in memory, warm keep-alive connection;\n"+
			"    client wall time over loopback %.3f s (an upper bound on the server time; each repetition: %s); %s\n",
			thousands(c.Bulk.Rows), human(int64(c.Bulk.RequestBytes)), c.Bulk.RequestBytes, c.Bulk.Seconds[mid], joinF(c.Bulk.Seconds, "%.3f"), c.Bulk.CPU[mid].String("benchtool"))
		a := c.Bulk.Again
		fmt.Fprintf(w, "  the same request again on the same course: %.3f s, enrolled %d, already enrolled %s, reactivated %d, failed %d\n",
			a.Seconds, a.Enrolled, thousands(a.AlreadyEnrolled), a.Reactivated, a.Failed)
	}
	if o := c.OneByOne; o.Requests > 0 {
		fmt.Fprintf(w, "  one by one: %s sequential POST /api/v1/courses/{id}/enrollments {user_id} (%s of bodies) on %d keep-alive connection(s): %.1f s,\n"+
			"    %.2f ms a request (p50 %.2f ms, p99 %.2f ms); %s\n",
			thousands(o.Requests), human(int64(o.RequestBytes)), o.Connections, o.Seconds, o.Seconds*1000/float64(o.Requests), o.P50Ms, o.P99Ms, o.CPU.String("benchtool"))
	}
	for _, rr := range c.Read {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		fmt.Fprintf(w, "  GET %s as a learner (%d items, %s): %s\n", rr.Path, rr.Items, human(int64(rr.Bytes)), c.Wrk)
		for _, side := range []struct {
			name, client string
			runs         []wrkRun
		}{{"API  ", "wrk", rr.API}, {"nginx", "wrk", rr.Nginx}} {
			x := side.runs[medianIndex(mapf(side.runs, func(w wrkRun) float64 { return w.RPS }))]
			fmt.Fprintf(w, "    %s %8.0f req/s, p50 %7.2f ms, p99 %7.2f ms; %s\n", side.name, x.RPS, x.P50Ms, x.P99Ms, x.CPU.String(side.client))
		}
	}
}

func joinF(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, ", ")
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
