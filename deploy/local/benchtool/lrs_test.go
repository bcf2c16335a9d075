package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/xapi/statement"
)

// The lrs rows judge, at 16 connections only: single POSTs by their ratio
// to Learning Locker and a lower p99, batches by statements/s, filtered
// GETs by p99; a Lectern run with errors misses.
func TestLRSTargets(t *testing.T) {
	l := &lrsResults{
		Posts: []*lrsPostResults{
			{Batch: 1, Conns: 16, Ours: []wrkRun{{RPS: 1000, Requests: 30000, P99Ms: 20}}, LL: []wrkRun{{RPS: 300, Requests: 9000, P99Ms: 80}}},
			{Batch: 100, Conns: 16, Ours: []wrkRun{{RPS: 90, Requests: 2700, P99Ms: 400}}, LL: []wrkRun{{RPS: 10, Requests: 300, P99Ms: 900}}},
			// 1,000 statements/s is not 3x 400; 200 connections are not judged.
			{Batch: 1, Conns: 200, Ours: []wrkRun{{RPS: 1000, Requests: 30000, P99Ms: 900}}, LL: []wrkRun{{RPS: 400, Requests: 12000, P99Ms: 100}}},
			{Batch: 100, Conns: 200, Ours: []wrkRun{{RPS: 200, Requests: 6000}}, LL: []wrkRun{{RPS: 10, Requests: 300}}},
		},
		Store: lrsStoreResults{Statements: 1000000, Seed: lrsSeed{Statements: 1000000, Batch: 500, PerSec: 8000}},
		Queries: []*lrsQuerySet{
			{Name: "agent+verb", Runs: []lrsQueryRuns{{Conns: 16, Runs: []wrkRun{{RPS: 900, P99Ms: 30}}}, {Conns: 200, Runs: []wrkRun{{RPS: 900, P99Ms: 400}}}}},
			{Name: "activity+related_activities", Runs: []lrsQueryRuns{{Conns: 16, Runs: []wrkRun{{RPS: 300, P99Ms: 70}}}}},
		},
	}
	want := map[string]string{
		"xAPI POST 1/req, 16 conns: statements/s":        "PASS", // 3.33x
		"xAPI POST 1/req, 16 conns: p50":                 "info",
		"xAPI POST 1/req, 16 conns: p99":                 "PASS", // 20 < 80 ms
		"xAPI POST 100/req, 16 conns: statements/s":      "MISS", // 9,000 < 10,000
		"xAPI POST 100/req, 16 conns: p99 a request":     "info",
		"xAPI POST 1/req, 200 conns: statements/s":       "info",
		"xAPI POST 1/req, 200 conns: p99":                "info",
		"xAPI POST 100/req, 200 conns: statements/s":     "info",
		"xAPI seed 1,000,000 (500/req): statements/s":    "info",
		"xAPI GET agent+verb at 1M, 16 conns: req/s":     "info",
		"xAPI GET agent+verb at 1M, 16 conns: p99":       "PASS",
		"xAPI GET agent+verb at 1M, 200 conns: p99":      "info",
		"xAPI GET activity+related at 1M, 16 conns: p99": "MISS",
	}
	checkRows(t, l.rows(), want)

	// Errors of Lectern's make its judged rows miss; statements/s counts
	// the 2xx answers only.
	l.Posts[0].Ours[0].Non2xx = 1500
	l.Queries[0].Runs[0].Runs[0].SocketErrors = "connect 0, read 0, write 0, timeout 3"
	checkRows(t, l.rows(), map[string]string{
		"xAPI POST 1/req, 16 conns: statements/s":  "MISS",
		"xAPI POST 1/req, 16 conns: p99":           "MISS",
		"xAPI GET agent+verb at 1M, 16 conns: p99": "MISS",
	})
	if got := statementsPerSec(l.Posts[0].Ours[0], 1); got != 950 {
		t.Errorf("statements/s with 5%% errors = %g, want 950", got)
	}
	if got := statementsPerSec(l.Posts[1].Ours[0], 100); got != 9000 {
		t.Errorf("statements/s of batches = %g, want 9000", got)
	}
}

func checkRows(t *testing.T, rows []row, want map[string]string) {
	t.Helper()
	for _, r := range rows {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		got := "info"
		if r.Pass != nil {
			got = map[bool]string{true: "PASS", false: "MISS"}[*r.Pass]
		}
		if got != w {
			t.Errorf("%s: %s (target %q), want %s", r.Name, got, r.Target, w)
		}
		delete(want, r.Name)
	}
	for name := range want {
		t.Errorf("no row %q", name)
	}
}

// Every statement of the vocabulary is valid xAPI 2.0.0 and 1.0.3 (Learning
// Locker speaks 1.0.3), carries no id, and draws on the whole vocabulary.
func TestStatementGen(t *testing.T) {
	lines, err := newStatementGen(1, time.Now()).lines(5000)
	if err != nil {
		t.Fatal(err)
	}
	learners, verbs, courses, scored := map[string]bool{}, map[string]bool{}, map[string]bool{}, 0
	for i, line := range bytes.Split(bytes.TrimSpace(lines), []byte("\n")) {
		for _, v := range []statement.Version{statement.V200, statement.V103} {
			doc, err := statement.Decode(line)
			if err != nil {
				t.Fatal(err)
			}
			s := doc.(map[string]any)
			if err := statement.Validate(s, v); err != nil {
				t.Fatalf("statement %d is not valid %s: %v\n%s", i, v, err, line)
			}
			if _, ok := s["id"]; ok {
				t.Fatalf("statement %d has an id", i)
			}
		}
		var s xStatement
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatal(err)
		}
		learners[s.Actor.Account.Name], verbs[s.Verb.ID], courses[s.Context.ContextActivities["parent"][0].ID] = true, true, true
		if s.Result != nil {
			scored++
		}
	}
	if len(learners) < lrsLearners*9/10 || len(verbs) != len(lrsVerbs) || len(courses) != lrsCourses || scored == 0 {
		t.Errorf("5,000 statements: %d learners, %d verbs, %d courses, %d scored", len(learners), len(verbs), len(courses), scored)
	}
	again, _ := newStatementGen(1, time.Now()).lines(5000)
	if !bytes.Equal(stripTimestamps(lines), stripTimestamps(again)) {
		t.Error("the same seed draws other statements")
	}
}

func stripTimestamps(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, `"timestamp"`); i >= 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}

// The queries are valid GET /statements parameters, and a page that does
// not match an agent+verb query is refused.
func TestQueries(t *testing.T) {
	agent, _ := json.Marshal(learnerAgent(0))
	tests := []struct {
		q    lrsQuery
		kind string
	}{
		{agentVerbQuery(agent, lrsVerbPrefix+"experienced", 100), "common verb"},
		{agentVerbQuery(agent, lrsVerbPrefix+"preferred", 100), "rare verb"},
		{agentVerbQuery(agent, "http://example.com/verbs/x", 100), "other verb"},
		{activityQuery(lessonIRI(3, 4), 100), "lesson"},
		{activityQuery(courseIRI(3), 100), "course (parent)"},
		{activityQuery(programIRI(3), 100), "program (grouping)"},
	}
	for _, tt := range tests {
		path, raw, _ := strings.Cut(tt.q.Path, "?")
		vals, err := url.ParseQuery(raw)
		if path != xapiStatementsPath || err != nil || vals.Get("limit") != "100" || tt.q.Kind != tt.kind {
			t.Fatalf("query %s (%s): %v", tt.q.Path, tt.q.Kind, err)
		}
		if a := vals.Get("agent"); a != "" {
			doc, err := statement.Decode([]byte(a))
			if err != nil || statement.ValidateAgent(doc, statement.V200, "agent") != nil || !statement.IsIRI(vals.Get("verb")) {
				t.Fatalf("query %s: not an agent and a verb", tt.q.Path)
			}
		} else if !statement.IsIRI(vals.Get("activity")) || vals.Get("related_activities") != "true" {
			t.Fatalf("query %s: not an activity with related_activities", tt.q.Path)
		}
	}
	// A page that does not match an agent+verb query is refused.
	q := tests[0].q
	var ok pageStatement
	ok.Actor.Account.Name, ok.Verb.ID = "learner0001", lrsVerbPrefix+"experienced"
	other := ok
	other.Verb.ID = lrsVerbPrefix + "passed"
	if err := checkPage(q.Path, []pageStatement{ok}); err != nil {
		t.Error(err)
	}
	if err := checkPage(q.Path, []pageStatement{ok, other}); err == nil {
		t.Error("checkPage took a statement of another verb")
	}
}

func TestLuaStatuses(t *testing.T) {
	out := "Requests/sec: 10\nHTTP 200: 90 answers\nHTTP 429: 10 answers\nfirst non-2xx answer: {\"error\":\"slow down\"}\n"
	if got, want := luaStatuses(out), `HTTP 200: 90 answers; HTTP 429: 10 answers; first non-2xx answer: {"error":"slow down"}`; got != want {
		t.Errorf("luaStatuses = %q, want %q", got, want)
	}
}

func TestBasicAuth(t *testing.T) {
	got, err := basicAuth(`{"id":"x","key":"lrk_a","secret":"lrs_b"}`)
	if err != nil || got != "Basic bHJrX2E6bHJzX2I=" {
		t.Errorf("basicAuth = %q, %v", got, err)
	}
	if _, err := basicAuth(`{"key":"lrk_a"}`); err == nil {
		t.Error("basicAuth took a credential without its secret")
	}
}
