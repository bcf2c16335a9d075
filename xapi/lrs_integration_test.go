package xapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/xapi"
)

// lrs is the whole app on a fresh schema, with helpers to call its LRS.
type lrs struct {
	t    *testing.T
	db   *pgxpool.Pool
	base string
}

func startLRS(t *testing.T) *lrs {
	t.Helper()
	db := testenv.DB(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{})
	return &lrs{t: t, db: db, base: api.Base}
}

// org makes an organization and returns its id.
func (l *lrs) org(slug string) string {
	l.t.Helper()
	var id string
	if err := l.db.QueryRow(context.Background(), `insert into organizations (slug, name) values ($1, $1) returning id`,
		slug+"-"+testenv.RandomID(3)).Scan(&id); err != nil {
		l.t.Fatal(err)
	}
	return id
}

// basic makes a credential of org with scopes and returns its Basic header.
func (l *lrs) basic(org string, scopes ...string) (header string, cred *xapi.Credential) {
	l.t.Helper()
	c, err := xapi.CreateCredentialIn(context.Background(), l.db, org, "test", scopes)
	if err != nil {
		l.t.Fatal(err)
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Key+":"+c.Secret)), c
}

// learner makes a learner of org and returns its id and a bearer header.
func (l *lrs) learner(org string) (id, header string) { return l.user(org, auth.Learner) }

// user makes a user of org with role and returns its id and a bearer header.
func (l *lrs) user(org, role string) (id, header string) {
	l.t.Helper()
	ctx := context.Background()
	if err := l.db.QueryRow(ctx, `insert into users (org_id, email, name, roles) values ($1, $2, 'L', $3) returning id`,
		org, "u-"+testenv.RandomID(4)+"@example.com", []string{role}).Scan(&id); err != nil {
		l.t.Fatal(err)
	}
	secret, hash := auth.NewSecret()
	if _, err := l.db.Exec(ctx, `insert into tokens (org_id, user_id, kind, name, hash, scopes) values ($1, $2, 'api', 't', $3, '{*}')`, org, id, hash); err != nil {
		l.t.Fatal(err)
	}
	return id, "Bearer " + secret
}

// call makes an LRS request (xAPI 2.0.0) and decodes a JSON answer.
func (l *lrs) call(auth, method, path string, body any) (int, any) {
	l.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			l.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, l.base+path, r)
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func statementAbout(actor map[string]any, activity string) map[string]any {
	return map[string]any{
		"actor":  actor,
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/experienced"},
		"object": map[string]any{"id": activity},
	}
}

func mbox(name string) map[string]any {
	return map[string]any{"objectType": "Agent", "mbox": "mailto:" + name + "@example.com"}
}

func ids(t *testing.T, result any) []string {
	t.Helper()
	m, ok := result.(map[string]any)
	if !ok {
		t.Fatalf("not a StatementResult: %v", result)
	}
	list, _ := m["statements"].([]any)
	out := []string{}
	for _, s := range list {
		out = append(out, s.(map[string]any)["id"].(string))
	}
	return out
}

func q(v any) string {
	b, _ := json.Marshal(v)
	return url.QueryEscape(string(b))
}

// One organization's credentials never see, change or find another's
// statements and documents, whatever ids and filters they name.
func TestLRSTenancy(t *testing.T) {
	l := startLRS(t)
	a, b := l.org("lrs-a"), l.org("lrs-b")
	credA, _ := l.basic(a, xapi.ScopeAll)
	credB, _ := l.basic(b, xapi.ScopeAll)

	s := statementAbout(mbox("ada"), "http://example.com/a")
	id := uuid.NewString()
	s["id"] = id
	if st, out := l.call(credA, "POST", "/xapi/statements", s); st != 200 {
		t.Fatalf("org a post: %d %v", st, out)
	}
	state := "/xapi/activities/state?activityId=" + url.QueryEscape("http://example.com/a") + "&agent=" + q(mbox("ada")) + "&stateId=bookmark"
	if st, out := l.call(credA, "PUT", state, map[string]any{"at": 12}); st != 204 {
		t.Fatalf("org a state: %d %v", st, out)
	}

	if st, _ := l.call(credB, "GET", "/xapi/statements?statementId="+id, nil); st != 404 {
		t.Errorf("org b reads org a's statement by id: %d, want 404", st)
	}
	if st, out := l.call(credB, "GET", "/xapi/statements?agent="+q(mbox("ada")), nil); st != 200 || len(ids(t, out)) != 0 {
		t.Errorf("org b's agent query: %d %v, want none", st, out)
	}
	if st, out := l.call(credB, "GET", "/xapi/statements", nil); st != 200 || len(ids(t, out)) != 0 {
		t.Errorf("org b's LRS lists %v", out)
	}
	if st, _ := l.call(credB, "GET", state, nil); st != 404 {
		t.Errorf("org b reads org a's state: %d, want 404", st)
	}
	// The same id in org b is org b's own statement; org a's stays.
	other := statementAbout(mbox("bob"), "http://example.com/b")
	other["id"] = id
	if st, out := l.call(credB, "PUT", "/xapi/statements?statementId="+id, other); st != 204 {
		t.Fatalf("org b puts the same id: %d %v", st, out)
	}
	_, got := l.call(credA, "GET", "/xapi/statements?statementId="+id, nil)
	if actor := got.(map[string]any)["actor"].(map[string]any); actor["mbox"] != "mailto:ada@example.com" {
		t.Errorf("org a's statement changed: %v", got)
	}
	if st, _ := l.call(credB, "DELETE", strings.Replace(state, "&stateId=bookmark", "", 1), nil); st != 204 {
		t.Fatalf("org b deletes its states: %d", st)
	}
	if st, _ := l.call(credA, "GET", state, nil); st != 200 {
		t.Errorf("org b's delete reached org a's state: %d", st)
	}
}

// A signed-in learner writes statements about themselves only and reads
// only their own, whatever they send: another actor, another learner's id,
// or a forged page cursor without the confinement.
func TestLRSLearnerSession(t *testing.T) {
	l := startLRS(t)
	org := l.org("lrs-l")
	admin, _ := l.basic(org, xapi.ScopeAll)
	me, token := l.learner(org)
	_, otherToken := l.learner(org)
	self := xapi.LearnerAgent("http://api.test", org, me, "")

	if st, out := l.call(token, "POST", "/xapi/statements", statementAbout(self, "http://example.com/mine")); st != 200 {
		t.Fatalf("own statement: %d %v", st, out)
	}
	if st, _ := l.call(token, "POST", "/xapi/statements", []any{
		statementAbout(self, "http://example.com/mine"), statementAbout(mbox("someone"), "http://example.com/x"),
	}); st != 403 {
		t.Errorf("a batch with another actor: %d, want 403", st)
	}
	// Someone else's statement, written by the LRS's own client.
	theirs := statementAbout(mbox("someone"), "http://example.com/theirs")
	theirID := uuid.NewString()
	theirs["id"] = theirID
	if st, _ := l.call(admin, "POST", "/xapi/statements", theirs); st != 200 {
		t.Fatal("admin post")
	}
	_, all := l.call(admin, "GET", "/xapi/statements", nil)
	if n := len(ids(t, all)); n != 2 {
		t.Fatalf("the LRS holds %d statements, want 2 (the refused batch wrote nothing)", n)
	}
	st, mine := l.call(token, "GET", "/xapi/statements", nil)
	if got := ids(t, mine); st != 200 || len(got) != 1 {
		t.Fatalf("the learner reads %d %v, want their one statement", st, got)
	}
	if st, _ := l.call(token, "GET", "/xapi/statements?statementId="+theirID, nil); st != 404 {
		t.Errorf("the learner reads another's statement by id: %d, want 404", st)
	}
	if st, out := l.call(otherToken, "GET", "/xapi/statements", nil); st != 200 || len(ids(t, out)) != 0 {
		t.Errorf("another learner reads %v", out)
	}
	// A cursor is the query: one forged to read everything still reads
	// only the caller's own.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"limit":100}`))
	if _, out := l.call(token, "GET", "/xapi/statements?more="+forged, nil); len(ids(t, out)) != 1 {
		t.Errorf("a forged cursor reads %v", ids(t, out))
	}
	// Their own state, not another's.
	state := func(agent map[string]any) string {
		return "/xapi/activities/state?activityId=" + url.QueryEscape("http://example.com/mine") + "&agent=" + q(agent) + "&stateId=s"
	}
	if st, _ := l.call(token, "PUT", state(self), map[string]any{"at": 1}); st != 204 {
		t.Errorf("own state: %d", st)
	}
	if st, _ := l.call(otherToken, "GET", state(self), nil); st != 403 {
		t.Errorf("another learner reads the state: %d, want 403", st)
	}
}

// A credential does what its scopes allow: write-only cannot read,
// read/mine reads what it wrote, and a revoked one is refused at once.
func TestLRSCredentialScopes(t *testing.T) {
	l := startLRS(t)
	org := l.org("lrs-s")
	writer, _ := l.basic(org, xapi.ScopeStatementsWrite)
	mine, _ := l.basic(org, xapi.ScopeStatementsWrite, xapi.ScopeStatementsMine)
	reader, readCred := l.basic(org, xapi.ScopeStatementsRead)

	if st, _ := l.call(writer, "POST", "/xapi/statements", statementAbout(mbox("w"), "http://example.com/w")); st != 200 {
		t.Fatal("writer post")
	}
	if st, _ := l.call(writer, "GET", "/xapi/statements", nil); st != 403 {
		t.Errorf("a write-only credential reads: %d, want 403", st)
	}
	if st, _ := l.call(reader, "POST", "/xapi/statements", statementAbout(mbox("r"), "http://example.com/r")); st != 403 {
		t.Errorf("a read-only credential writes: %d, want 403", st)
	}
	if st, _ := l.call(reader, "PUT", "/xapi/activities/state?activityId=http%3A%2F%2Fexample.com%2Fr&agent="+q(mbox("r"))+"&stateId=s", map[string]any{}); st != 403 {
		t.Errorf("a statements credential writes state: %d, want 403", st)
	}
	if st, _ := l.call(mine, "POST", "/xapi/statements", statementAbout(mbox("m"), "http://example.com/m")); st != 200 {
		t.Fatal("mine post")
	}
	_, out := l.call(mine, "GET", "/xapi/statements", nil)
	if got := ids(t, out); len(got) != 1 {
		t.Errorf("read/mine reads %d statements, want the 1 it wrote", len(got))
	}
	_, out = l.call(reader, "GET", "/xapi/statements", nil)
	if got := ids(t, out); len(got) != 2 {
		t.Errorf("statements/read reads %d, want 2", len(got))
	}
	// Revoked by an admin: the next request is refused.
	_, admin := l.user(org, auth.Admin)
	if st, _ := l.call(admin, "DELETE", "/api/v1/xapi/credentials/"+readCred.ID, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := l.call(reader, "GET", "/xapi/statements", nil); st != 401 {
		t.Errorf("a revoked credential reads: %d, want 401", st)
	}
}

// An admin exports the filtered record, streamed in chunks: every
// matching statement once, newest first, as JSON lines and as CSV.
func TestLRSExport(t *testing.T) {
	l := startLRS(t)
	org := l.org("lrs-x")
	cred, _ := l.basic(org, xapi.ScopeAll)
	_, admin := l.user(org, auth.Admin)
	const n = 2500 // more than two chunks
	var batch []any
	for i := range n {
		s := statementAbout(mbox(fmt.Sprintf("p%d", i%3)), fmt.Sprintf("http://example.com/a/%d", i))
		batch = append(batch, s)
		if len(batch) == 500 {
			if st, out := l.call(cred, "POST", "/xapi/statements", batch); st != 200 {
				t.Fatalf("post: %d %v", st, out)
			}
			batch = nil
		}
	}
	get := func(path string) []string {
		t.Helper()
		req, _ := http.NewRequest("GET", l.base+path, nil)
		req.Header.Set("Authorization", admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	lines := get("/api/v1/xapi/statements/export")
	if len(lines) != n {
		t.Fatalf("jsonl export: %d lines, want %d", len(lines), n)
	}
	seen := map[string]bool{}
	prev := "9999"
	for _, line := range lines {
		var s map[string]any
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		id, stored := s["id"].(string), s["stored"].(string)
		if seen[id] || stored > prev {
			t.Fatalf("statement %s repeated or out of order", id)
		}
		seen[id], prev = true, stored
	}
	agent := url.QueryEscape(`{"mbox":"mailto:p1@example.com"}`)
	rows := get("/api/v1/xapi/statements/export?format=csv&agent=" + agent)
	if want := n/3 + 1; len(rows) != want { // the header and p1's statements
		t.Errorf("csv export for one agent: %d rows, want %d", len(rows), want)
	}
	if !strings.HasPrefix(rows[0], "id,stored,timestamp,actor,verb") || !strings.Contains(rows[1], "mailto:p1@example.com") {
		t.Errorf("csv: %q / %q", rows[0], rows[1])
	}
	// The admin list pages through the same record.
	st, out := l.call(admin, "GET", "/api/v1/xapi/statements?limit=2&agent="+agent, nil)
	page, _ := out.(map[string]any)
	if st != 200 || len(page["items"].([]any)) != 2 || page["next_cursor"] == nil {
		t.Errorf("list: %d %v", st, out)
	}
	if st, _ := l.call(admin, "GET", "/api/v1/xapi/statements?verb=not-an-iri", nil); st != 400 {
		t.Errorf("a bad filter: %d, want 400", st)
	}
}

// Lectern's own record: a learner who enrolls and completes a one-lesson
// course through the API is found in the LRS by their account, registered
// in the course and having completed the lesson (its parent the course)
// and the course, each once however often the recorder takes the events.
func TestLRSRecordsLecternEvents(t *testing.T) {
	l := startLRS(t)
	ctx := context.Background()
	org := l.org("lrs-r")
	cred, _ := l.basic(org, xapi.ScopeAll)
	owner, _ := l.user(org, auth.Instructor)
	learner, token := l.learner(org)
	var course, lesson string
	if err := l.db.QueryRow(ctx, `with c as (insert into courses (org_id, title, owner_id, status, enrollment, published_at)
			values ($1, 'Statistics', $2, 'published', 'open', now()) returning id),
		m as (insert into modules (org_id, course_id, title, position) select $1, id, 'Week 1', 1 from c returning id, course_id)
		insert into lessons (org_id, course_id, module_id, title, kind, position) select $1, course_id, id, 'Means', 'text', 1 from m
		returning course_id, id`, org, owner).Scan(&course, &lesson); err != nil {
		t.Fatal(err)
	}
	if st, out := l.call(token, "POST", "/api/v1/courses/"+course+"/enrollments", map[string]any{}); st != 201 && st != 200 {
		t.Fatalf("enroll: %d %v", st, out)
	}
	if st, out := l.call(token, "POST", "/api/v1/courses/"+course+"/lessons/"+lesson+"/progress", map[string]any{"status": "completed"}); st != 200 {
		t.Fatalf("complete: %d %v", st, out)
	}
	rec := &xapi.Recorder{DB: l.db, PublicURL: "http://api.test", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	record := func() {
		t.Helper()
		for {
			n, err := rec.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	record()
	// Taken again (as after a crash before marking): stored once.
	if _, err := l.db.Exec(ctx, `update events set xapi_at = null where org_id = $1`, org); err != nil {
		t.Fatal(err)
	}
	record()

	agent := xapi.LearnerAgent("http://api.test", org, learner, "")
	_, out := l.call(cred, "GET", "/xapi/statements?ascending=true&agent="+q(agent), nil)
	list, _ := out.(map[string]any)["statements"].([]any)
	var got []string
	for _, s := range list {
		m := s.(map[string]any)
		got = append(got, m["verb"].(map[string]any)["id"].(string)+" "+m["object"].(map[string]any)["id"].(string))
	}
	courseIRI := xapi.CourseIRI("http://api.test", course)
	want := []string{
		xapi.VerbRegistered + " " + courseIRI,
		xapi.VerbCompleted + " " + xapi.LessonIRI("http://api.test", course, lesson),
		xapi.VerbCompleted + " " + courseIRI,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the learner's record:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Found by the course too (the lesson's parent), and named.
	_, out = l.call(cred, "GET", "/xapi/statements?related_activities=true&activity="+url.QueryEscape(courseIRI), nil)
	if n := len(ids(t, out)); n != 3 {
		t.Errorf("statements about the course (related): %d, want 3", n)
	}
	_, act := l.call(cred, "GET", "/xapi/activities?activityId="+url.QueryEscape(courseIRI), nil)
	if name := act.(map[string]any)["definition"].(map[string]any)["name"]; fmt.Sprint(name) != "map[und:Statistics]" {
		t.Errorf("the course's definition names it %v", name)
	}
}

// captured is an Enqueuer that keeps the tasks the dispatcher enqueues.
type captured struct{ tasks []*asynq.Task }

func (c *captured) EnqueueContext(_ context.Context, t *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	c.tasks = append(c.tasks, t)
	return &asynq.TaskInfo{}, nil
}

// Forwarding to the LRS an organization already runs (here a second
// Lectern organization's LRS behind a proxy that fails on demand): an
// endpoint that is down is retried later and loses nothing; a batch whose
// answer is lost is sent again and stored once; every statement arrives
// once, in stored order; a verb filter forwards only what it names.
func TestLRSForwarding(t *testing.T) {
	l := startLRS(t)
	ctx := context.Background()
	src, dst, dst2 := l.org("fw-src"), l.org("fw-dst"), l.org("fw-dst2")
	srcCred, _ := l.basic(src, xapi.ScopeAll)
	dstRead, _ := l.basic(dst, xapi.ScopeAll)
	_, dstCred := l.basic(dst, xapi.ScopeStatementsWrite)
	_, dst2Cred := l.basic(dst2, xapi.ScopeStatementsWrite)
	dst2Read, _ := l.basic(dst2, xapi.ScopeAll)
	_, admin := l.user(src, auth.Admin)

	// mode: "up" proxies, "down" answers 503, "lost" proxies and then
	// answers 502 (the receiver stored the batch, the answer never came).
	var mode atomic.Value
	mode.Store("up")
	target, _ := url.Parse(l.base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "down":
			http.Error(w, "receiver down", http.StatusServiceUnavailable)
		case "lost":
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			http.Error(w, "gateway lost the answer", http.StatusBadGateway)
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	defer recv.Close()

	const played, completed = "https://w3id.org/xapi/video/verbs/played", "http://adlnet.gov/expapi/verbs/completed"
	post := func(from, n int) {
		var batch []any
		for i := from; i < from+n; i++ {
			s := statementAbout(mbox(fmt.Sprintf("l%d", i%7)), fmt.Sprintf("http://example.com/v/%d", i))
			if i%5 == 0 {
				s["verb"] = map[string]any{"id": completed}
			} else {
				s["verb"] = map[string]any{"id": played}
			}
			batch = append(batch, s)
		}
		if st, out := l.call(srcCred, "POST", "/xapi/statements", batch); st != 200 {
			t.Fatalf("post: %d %v", st, out)
		}
	}
	post(0, 150)
	st, out := l.call(admin, "POST", "/api/v1/xapi/forwards", map[string]any{
		"url": recv.URL + "/xapi", "username": dstCred.Key, "password": dstCred.Secret})
	if st != 201 {
		t.Fatalf("register: %d %v", st, out)
	}
	fwd := out.(map[string]any)["id"].(string)
	st, out = l.call(admin, "POST", "/api/v1/xapi/forwards", map[string]any{
		"url": recv.URL + "/xapi", "username": dst2Cred.Key, "password": dst2Cred.Secret, "verbs": []string{completed}})
	if st != 201 {
		t.Fatalf("register filtered: %d %v", st, out)
	}
	fwd2 := out.(map[string]any)["id"].(string)
	post(150, 100)

	q := &captured{}
	f := &xapi.Forwarder{DB: l.db, Queue: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowPrivate: true}
	deliver := func() {
		t.Helper()
		q.tasks = nil
		if err := f.DispatchRound(ctx); err != nil {
			t.Fatal(err)
		}
		for _, task := range q.tasks {
			if err := f.HandleForward(ctx, task); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Down: nothing moves, the failure is visible, and the next attempt
	// waits.
	mode.Store("down")
	deliver()
	_, out = l.call(admin, "GET", "/api/v1/xapi/forwards/"+fwd, nil)
	if m := out.(map[string]any); m["last_error"] == nil || m["attempts"].(float64) != 1 || m["pending"].(float64) != 250 || m["delivered"].(float64) != 0 {
		t.Fatalf("after a failure: %v", m)
	}
	deliver()
	if len(q.tasks) != 0 {
		t.Errorf("an endpoint in backoff was enqueued again at once: %d tasks", len(q.tasks))
	}
	// The answer lost: the receiver has the first batch, the cursor did not
	// move; retried, it is stored once.
	mode.Store("lost")
	if _, err := l.db.Exec(ctx, `update xapi_forwards set next_attempt_at = null`); err != nil {
		t.Fatal(err)
	}
	deliver()
	mode.Store("up")
	if _, err := l.db.Exec(ctx, `update xapi_forwards set next_attempt_at = null`); err != nil {
		t.Fatal(err)
	}
	deliver()
	deliver() // nothing left

	all := func(cred string) []string {
		t.Helper()
		var got []string
		path := "/xapi/statements?ascending=true&limit=100"
		for path != "" {
			_, out := l.call(cred, "GET", path, nil)
			got = append(got, ids(t, out)...)
			path, _ = out.(map[string]any)["more"].(string)
		}
		return got
	}
	want, got := all(srcCred), all(dstRead)
	if len(want) != 250 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the receiver holds %d statements (want the source's %d, once each, in stored order)", len(got), len(want))
	}
	_, out = l.call(admin, "GET", "/api/v1/xapi/forwards/"+fwd, nil)
	if m := out.(map[string]any); m["last_error"] != nil || m["delivered"].(float64) != 250 || m["pending"].(float64) != 0 {
		t.Errorf("after recovery: %v", m)
	}
	if got := all(dst2Read); len(got) != 50 {
		t.Errorf("the completed-only endpoint received %d statements, want 50", len(got))
	}
	_, out = l.call(admin, "GET", "/api/v1/xapi/forwards/"+fwd2, nil)
	if m := out.(map[string]any); m["delivered"].(float64) != 50 || m["pending"].(float64) != 0 {
		t.Errorf("filtered endpoint: %v", m)
	}
}

// Concurrent writers share group transactions (Store.Commit), and each is
// still answered on its own: of two writers that give one id different
// content, exactly one stores it and the other gets 409, without failing
// the writes it was grouped with; the same content twice is stored once;
// a voiding statement voids a target written in the same burst; and the
// stored order (ascending GET) never runs back in time.
func TestLRSConcurrentWritesCommitInGroups(t *testing.T) {
	testenv.Require(t)
	l := startLRS(t)
	org := l.org("group")
	basic, _ := l.basic(org, "all")
	const pairs = 12
	type write struct {
		body   []any
		status int
	}
	var writes []*write
	shared := make([]string, pairs)
	for i := range pairs {
		shared[i] = uuid.NewString()
		for side := range 2 {
			activity := "http://example.com/same"
			if i%2 == 0 { // even pairs conflict
				activity = fmt.Sprintf("http://example.com/side/%d", side)
			}
			s := statementAbout(mbox("w"), activity)
			s["id"] = shared[i]
			own := statementAbout(mbox(fmt.Sprintf("w%d-%d", i, side)), "http://example.com/own")
			own["id"] = uuid.NewString()
			writes = append(writes, &write{body: []any{own, s}})
		}
	}
	target := uuid.NewString()
	t1 := statementAbout(mbox("t"), "http://example.com/target")
	t1["id"] = target
	void := map[string]any{"actor": mbox("t"), "verb": map[string]any{"id": xapi.VoidVerb},
		"object": map[string]any{"objectType": "StatementRef", "id": target}}
	writes = append(writes, &write{body: []any{t1}}, &write{body: []any{void}})

	post := func(w *write) {
		b, _ := json.Marshal(w.body)
		req, _ := http.NewRequest(http.MethodPost, l.base+"/xapi/statements", bytes.NewReader(b))
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", basic)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		w.status = resp.StatusCode
	}
	// The target first, then everything at once (the voiding statement
	// may share the target's group or come after it).
	post(writes[len(writes)-2])
	done := make(chan struct{})
	for _, w := range writes[:len(writes)-2] {
		go func() { post(w); done <- struct{}{} }()
	}
	go func() { post(writes[len(writes)-1]); done <- struct{}{} }()
	for range len(writes) - 1 {
		<-done
	}
	stored := 0
	for i := range pairs {
		a, b := writes[2*i].status, writes[2*i+1].status
		switch {
		case i%2 == 0 && !((a == 200 && b == 409) || (a == 409 && b == 200)):
			t.Errorf("pair %d (different content): statuses %d and %d, want one 200 and one 409", i, a, b)
		case i%2 == 1 && (a != 200 || b != 200):
			t.Errorf("pair %d (same content): statuses %d and %d, want 200 twice", i, a, b)
		}
		for _, s := range []int{a, b} {
			if s == 200 {
				stored++ // its own statement
			}
		}
		stored++ // the shared one, once
	}
	for _, w := range writes[len(writes)-2:] {
		if w.status != 200 {
			t.Errorf("target or voiding write: %d", w.status)
		}
	}
	// Every statement once, in stored order, the voided target hidden.
	st, res := l.call(basic, http.MethodGet, "/xapi/statements?ascending=true&limit=100", nil)
	if st != 200 {
		t.Fatalf("GET: %d %v", st, res)
	}
	list, _ := res.(map[string]any)["statements"].([]any)
	if len(list) != stored+1 { // + the voiding statement
		t.Errorf("%d statements listed, want %d", len(list), stored+1)
	}
	last := ""
	seen := map[string]bool{}
	for _, e := range list {
		m := e.(map[string]any)
		id, s := m["id"].(string), m["stored"].(string)
		if seen[id] {
			t.Errorf("statement %s listed twice", id)
		}
		seen[id] = true
		if id == target {
			t.Errorf("the voided target is listed")
		}
		if s < last {
			t.Errorf("stored runs back: %s after %s", s, last)
		}
		last = s
	}
	if st, _ := l.call(basic, http.MethodGet, "/xapi/statements?voidedStatementId="+target, nil); st != 200 {
		t.Errorf("the target is not voided: GET voidedStatementId %d", st)
	}
}

// The agent+verb keys migration 011 computes for statements stored before
// it are the ones the LRS writes: after the migration runs again on a
// store whose w keys are gone, every agent+verb query finds what it found
// (statements with a StatementRef included, whose target's agent and verb
// count too).
func TestLRSAgentVerbKeysMigration(t *testing.T) {
	l := startLRS(t)
	org := l.org("w")
	cred, _ := l.basic(org, xapi.ScopeAll)
	target := statementAbout(mbox("tim"), "http://example.com/t")
	target["id"] = uuid.NewString()
	ref := map[string]any{"actor": mbox("ref"), "verb": map[string]any{"id": "http://example.com/verbs/cited"},
		"object": map[string]any{"objectType": "StatementRef", "id": target["id"]}}
	about := map[string]any{"actor": mbox("ann"), "verb": map[string]any{"id": "http://example.com/verbs/met"}, "object": mbox("bob")}
	for _, s := range []any{target, ref, about} {
		if st, out := l.call(cred, "POST", "/xapi/statements", s); st != 200 {
			t.Fatalf("post: %d %v", st, out)
		}
	}
	queries := []string{}
	for _, a := range []string{"tim", "ref", "ann", "bob"} {
		for _, v := range []string{"http://adlnet.gov/expapi/verbs/experienced", "http://example.com/verbs/cited", "http://example.com/verbs/met"} {
			queries = append(queries, "/xapi/statements?agent="+q(mbox(a))+"&verb="+url.QueryEscape(v))
		}
	}
	answers := func() []string {
		var out []string
		for _, path := range queries {
			st, res := l.call(cred, "GET", path, nil)
			if st != 200 {
				t.Fatalf("%s: %d %v", path, st, res)
			}
			out = append(out, strings.Join(ids(t, res), ","))
		}
		return out
	}
	before := answers()
	found := 0
	for _, a := range before {
		if a != "" {
			found++
		}
	}
	// tim/experienced (the target and the ref); the ref also by ref and
	// tim with experienced and cited (its own and its target's); ann/met
	// and bob/met (an agent as object).
	if found != 6 {
		t.Fatalf("agent+verb queries found %d answers, want 6: %q", found, before)
	}
	ctx := context.Background()
	sql, err := os.ReadFile(filepath.Join("..", "internal", "database", "migrations", "011_xapi_agent_verb.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := l.db.QueryRow(ctx, `with d as (delete from xapi_statement_keys where org_id = $1 and kind = 'w' returning 1) select count(*) from d`, org).Scan(&n); err != nil || n == 0 {
		t.Fatalf("no w keys to remove (%d, %v)", n, err)
	}
	if got := answers(); strings.Join(got, "|") == strings.Join(before, "|") {
		t.Fatalf("the answers do not depend on the w keys: %q", got)
	}
	if _, err := l.db.Exec(ctx, string(sql)); err != nil {
		t.Fatal(err)
	}
	if got := answers(); strings.Join(got, "|") != strings.Join(before, "|") {
		t.Errorf("after the migration:\n got %q\nwant %q", got, before)
	}
}
