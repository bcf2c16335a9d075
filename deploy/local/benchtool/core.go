package main

// The "core" section of `make bench`: the learning core against its
// anchors, on the bench API's own fresh database. This file provisions the
// learners and courses; the measurements are in core_enroll.go and
// core_read.go.
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
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os/exec"
	"time"

	"github.com/lectern/lectern/client"
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
		"the bench API's rate limiter runs (leasing its budget from Redis) but never refuses"
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

// call sends in as JSON (nil: no body) to the bench API through c and
// wants status want; out is nil, *[]byte (the raw body) or a value to
// unmarshal into.
func call(ctx context.Context, c *client.Client, method, path string, in any, want int, out any) error {
	var resp client.Response
	if err := c.SendJSON(ctx, method, path, in, &resp); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.Status != want {
		return fmt.Errorf("%s %s: HTTP %d (want %d): %s", method, path, resp.Status, want, clip(resp.Body, 400))
	}
	switch o := out.(type) {
	case nil:
	case *[]byte:
		*o = resp.Body
	default:
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// apiClient is a client of the bench API as the admin, through api.
func (b *bench) apiClient(api *http.Client) *client.Client {
	return client.New(client.WithBaseURL(b.o.api), client.WithToken(b.o.token), client.WithHTTPClient(api))
}

// keepAliveClient sends everything on at most one connection.
func keepAliveClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{
		MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, IdleConnTimeout: 10 * time.Minute, DisableCompression: true,
	}}
}

func (b *bench) measureCore(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk; make deps-bench does it)")
	}
	o := b.o.core
	c := &coreResults{Learners: o.learners, RateLimit: o.rateLimit,
		Wrk: fmt.Sprintf("wrk -t %d -c %d -d %ds --latency", o.wrkThreads, o.wrkConns, o.wrkSeconds)}
	if b.o.serverCPUs != "" {
		c.Wrk += fmt.Sprintf(" on CPU %s, the server (API or nginx) on CPU %s", b.o.loadCPUs, b.o.serverCPUs)
	}
	b.res.Core = c
	setup := b.apiClient(&http.Client{Timeout: 5 * time.Minute})

	c.BusyBefore = machineBusy(ctx, 3*time.Second)
	logf("core: the machine kept %.2f cores busy in the 3 s before the section (the bench's own processes idle)", c.BusyBefore)

	// The limiter must be on (it is part of every request's cost).
	var me client.Response
	if err := setup.GetJSON(ctx, "/api/v1/me", &me); err != nil {
		return fmt.Errorf("GET /api/v1/me as the admin: %w", err)
	}
	if lim := me.Header.Get("X-RateLimit-Limit"); lim == "" {
		b.warn("the bench API sends no X-RateLimit-Limit: its rate limiter is off, so its cost is not measured")
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
func (b *bench) provisionLearners(ctx context.Context, api *client.Client, c *coreResults) ([]string, error) {
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
		if err := call(ctx, api, http.MethodPost, "/api/v1/users/bulk", map[string]any{"users": chunk}, http.StatusOK, &rep); err != nil {
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
func (b *bench) createCourse(ctx context.Context, api *client.Client, s courseSpec) (string, []string, error) {
	var course, module struct {
		ID string `json:"id"`
	}
	body := map[string]any{"title": s.Title, "summary": s.Summary, "description": s.Description, "tags": s.Tags}
	if err := call(ctx, api, http.MethodPost, "/api/v1/courses", body, http.StatusCreated, &course); err != nil {
		return "", nil, err
	}
	base := "/api/v1/courses/" + course.ID
	if err := call(ctx, api, http.MethodPost, base+"/modules", map[string]any{"title": "Getting started"}, http.StatusCreated, &module); err != nil {
		return "", nil, err
	}
	lessons := make([]string, 0, s.Lessons)
	for i := 1; i <= s.Lessons; i++ {
		var l struct {
			ID string `json:"id"`
		}
		lb := map[string]any{"module_id": module.ID, "title": fmt.Sprintf("Lesson %d", i), "kind": "text",
			"body": fmt.Sprintf("## Lesson %d of %s\n\n%s\n\n- read the notes\n- try the exercise\n- check your answer\n", i, s.Title, loremLesson)}
		if err := call(ctx, api, http.MethodPost, base+"/lessons", lb, http.StatusCreated, &l); err != nil {
			return "", nil, err
		}
		lessons = append(lessons, l.ID)
	}
	if err := call(ctx, api, http.MethodPatch, base, map[string]any{"status": "published", "enrollment": "open"}, http.StatusOK, nil); err != nil {
		return "", nil, err
	}
	return course.ID, lessons, nil
}

const loremLesson = "This lesson walks through the idea with a worked example, then asks you to apply it to a " +
	"small problem of your own. Take notes as you go: the quiz at the end of the module draws on them."

func (b *bench) archive(ctx context.Context, api *client.Client, courseID string) {
	if err := call(ctx, api, http.MethodPatch, "/api/v1/courses/"+courseID, map[string]any{"status": "archived"}, http.StatusOK, nil); err != nil {
		b.warn("archive course %s: %v", courseID, err)
	}
}
