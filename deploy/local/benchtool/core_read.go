package main

// The read path in the core section: a catalog and a learner with some
// progress, then wrk against the API and against nginx serving the same
// answer from a file.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lectern/lectern/client"
)

type readResults struct {
	Label     string   `json:"label,omitempty"`
	Path      string   `json:"path"`
	StaticURL string   `json:"static_url"`
	Bytes     int      `json:"bytes"`
	Items     int      `json:"items"`           // listed (core); learners cycled through (playback)
	Lines     string   `json:"lines,omitempty"` // the wrk script's requests (playback)
	API       []wrkRun `json:"api"`
	Nginx     []wrkRun `json:"nginx"`
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
func (b *bench) prepareReadPath(ctx context.Context, api *client.Client, c *coreResults) (string, error) {
	logf("core: creating %d published courses of %d text lessons and a learner enrolled in %d of them", catalogCourses, lessonsPerCourse, readerCourses)
	type made struct {
		id      string
		lessons []string
	}
	var courses []made
	for i := range catalogCourses {
		t := courseTopics[i%len(courseTopics)]
		id, lessons, err := b.createCourse(ctx, api, courseSpec{
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
	if err := call(ctx, api, http.MethodPost, "/api/v1/users",
		map[string]any{"email": email, "name": "Bench Reader", "roles": []string{"learner"}, "password": password}, http.StatusCreated, nil); err != nil {
		return "", err
	}
	var session struct {
		Token string `json:"token"`
	}
	if err := call(ctx, api.As(""), http.MethodPost, "/api/v1/sessions", map[string]any{"email": email, "password": password}, http.StatusCreated, &session); err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := call(ctx, api.As(session.Token), http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": "bench wrk", "scopes": []string{"*"}}, http.StatusCreated, &tok); err != nil {
		return "", err
	}
	token := tok.Token
	learner := api.As(token)
	// Enrolled in readerCourses courses: none, one, two or all lessons done.
	for i, cr := range courses[:readerCourses] {
		base := "/api/v1/courses/" + cr.id
		if err := call(ctx, learner, http.MethodPost, base+"/enrollments", map[string]any{}, http.StatusCreated, nil); err != nil {
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
			if err := call(ctx, learner, http.MethodPost, base+"/lessons/"+l+"/progress", map[string]any{"status": status}, http.StatusOK, nil); err != nil {
				return "", err
			}
		}
	}
	for _, p := range []struct{ path, file string }{{"/api/v1/catalog", "catalog.json"}, {"/api/v1/me/enrollments", "me-enrollments.json"}} {
		var body []byte
		if err := call(ctx, learner, http.MethodGet, p.path, nil, http.StatusOK, &body); err != nil {
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
	return b.sideBySide(ctx, rr, rep, func() (wrkRun, error) { return b.wrk(ctx, b.o.api+rr.Path, token) })
}

// sideBySide runs api (wrk on the API; on the server CPUs when pinned) and
// wrk on rr's static copy, odd repetitions the API first, even ones nginx
// first, and appends both runs to rr.
func (b *bench) sideBySide(ctx context.Context, rr *readResults, rep int, api func() (wrkRun, error)) error {
	name := rr.Label
	if name == "" {
		name = "GET " + rr.Path
	}
	apiStep := func() error {
		logf("rep %d/%d: wrk on the API, %s", rep, b.o.reps, name)
		w, err := b.pinnedAPI(ctx, api)
		if err != nil {
			return err
		}
		rr.API = append(rr.API, w)
		logf("API %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%s)", name, w.RPS, w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		return nil
	}
	static := func() error {
		logf("rep %d/%d: wrk on nginx, the same %s from a file", rep, b.o.reps, human(int64(rr.Bytes)))
		w, err := b.wrk(ctx, rr.StaticURL, "")
		if err != nil {
			return err
		}
		rr.Nginx = append(rr.Nginx, w)
		logf("nginx %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%s)", rr.StaticURL, w.RPS, w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
		return nil
	}
	steps := []func() error{apiStep, static}
	if rep%2 == 0 {
		steps = []func() error{static, apiStep}
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

// pinnedAPI runs run with the API on the server's CPUs, as nginx has them,
// and wrk on the others (when pinning is on): neither load generator nor
// server takes the other's core. Go follows the affinity within a second.
func (b *bench) pinnedAPI(ctx context.Context, run func() (wrkRun, error)) (wrkRun, error) {
	if b.o.serverCPUs == "" {
		return run()
	}
	pin := func(cpus string) error {
		out, err := exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", cpus, strconv.Itoa(b.o.apiPID)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("taskset the API to CPUs %s: %v: %s", cpus, err, out)
		}
		time.Sleep(2 * time.Second)
		return nil
	}
	if err := pin(b.o.serverCPUs); err != nil {
		return wrkRun{}, err
	}
	w, err := run()
	if perr := pin("0-" + strconv.Itoa(runtime.NumCPU()-1)); err == nil {
		err = perr
	}
	return w, err
}
