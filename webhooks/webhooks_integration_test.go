package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/events"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/videos"
	"github.com/lectern/lectern/webhooks"
	"github.com/lectern/lectern/worker"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// receiver is a loopback endpoint answering with fail's status for the
// first failures calls, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	failures int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
	status int
}

func newReceiver(t *testing.T, failures int) *receiver {
	r := &receiver{failures: failures}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		status := http.StatusOK
		if r.failures > 0 {
			r.failures--
			status = http.StatusServiceUnavailable
		}
		r.got = append(r.got, received{req.Header.Clone(), b, status})
		w.WriteHeader(status)
		fmt.Fprintf(w, "answer %d", len(r.got))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) calls() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type rig struct {
	t    *testing.T
	db   *pgxpool.Pool
	api  *apptest.API
	org  string
	user string
}

func newRig(t *testing.T) *rig {
	db := testenv.DB(t)
	r := &rig{t: t, db: db, api: apptest.StartApp(t, db, apptest.AppOptions{})}
	if err := db.QueryRow(context.Background(), `select org_id, id from users where email = 'admin@localhost'`).Scan(&r.org, &r.user); err != nil {
		t.Fatal(err)
	}
	return r
}

// logBuffer collects warnings.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startWorker runs a worker on a private Redis with tiny retry delays; the
// dispatcher polls every poll. Its warnings are returned.
func (r *rig) startWorker(poll time.Duration) *logBuffer {
	warnings := &logBuffer{}
	log := slog.New(slog.NewTextHandler(warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rd := testenv.Redis(r.t)
	ropt := asynq.RedisClientOpt{Addr: rd.Addr}
	q := worker.NewClient(ropt)
	r.t.Cleanup(func() { q.Close() })
	s := &webhooks.Sender{DB: r.db, Queue: q, Log: log, AllowPrivate: true, Backoff: func(int) time.Duration { return 10 * time.Millisecond }, Poll: poll}
	w := &worker.Worker{Store: videos.NewStore(r.db), Queue: q, Log: log, ScratchDir: r.t.TempDir(), ScratchMax: 1 << 30, DB: r.db, Webhooks: s}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, ropt, worker.RunOptions{Concurrency: 1, ShutdownGrace: 2 * time.Second, Housekeeping: time.Hour})
	}()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("worker: %v", err)
		}
	})
	return warnings
}

type hook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Active bool     `json:"active"`
	Secret string   `json:"secret"`
}

func (r *rig) createHook(url string, events ...string) hook {
	r.t.Helper()
	b, _ := json.Marshal(map[string]any{"url": url, "events": events})
	var h hook
	if code, body := r.api.Call("POST", "/api/v1/webhooks", b, nil, &h); code != 201 {
		r.t.Fatalf("create webhook: %d %v", code, body)
	}
	return h
}

type delivery struct {
	ID             string          `json:"id"`
	Event          string          `json:"event"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	ResponseStatus *int            `json:"response_status"`
	Error          *string         `json:"error"`
	DeliveredAt    *time.Time      `json:"delivered_at"`
	Payload        json.RawMessage `json:"payload"`
}

func (r *rig) deliveries(hookID string) []delivery {
	r.t.Helper()
	var page struct {
		Items []delivery `json:"items"`
	}
	if code, body := r.api.Call("GET", "/api/v1/webhooks/"+hookID+"/deliveries", nil, nil, &page); code != 200 {
		r.t.Fatalf("deliveries: %d %v", code, body)
	}
	return page.Items
}

// waitDone waits until every delivery of the hook has left pending.
func (r *rig) waitDone(hookID string, n int) []delivery {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds := r.deliveries(hookID)
		done := len(ds) >= n
		for _, d := range ds {
			done = done && d.Status != "pending"
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("deliveries still pending: %+v", ds)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestWebhookCRUD(t *testing.T) {
	r := newRig(t)
	h := r.createHook("https://hooks.example.com/in", "video.ready", "course.completed")
	if !strings.HasPrefix(h.Secret, webhooks.SecretPrefix) || !h.Active || len(h.Events) != 2 {
		t.Fatalf("created %+v", h)
	}
	var got map[string]any
	if code, _ := r.api.Call("GET", "/api/v1/webhooks/"+h.ID, nil, nil, &got); code != 200 || got["secret"] != nil {
		t.Fatalf("get shows the secret or fails: %d %v", code, got)
	}
	var list struct {
		Items      []hook  `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	r.createHook("https://hooks.example.com/two", "video.ready")
	if code, _ := r.api.Call("GET", "/api/v1/webhooks?limit=1", nil, nil, &list); code != 200 || len(list.Items) != 1 || list.NextCursor == nil {
		t.Fatalf("list page 1: %d %+v", code, list)
	}
	first := list.Items[0].ID
	if code, _ := r.api.Call("GET", "/api/v1/webhooks?limit=1&cursor="+*list.NextCursor, nil, nil, &list); code != 200 || len(list.Items) != 1 || list.Items[0].ID == first || list.NextCursor != nil {
		t.Fatalf("list page 2: %d %+v", code, list)
	}

	var patched hook
	if code, body := r.api.Call("PATCH", "/api/v1/webhooks/"+h.ID, []byte(`{"active":false,"events":["lesson.completed"],"description":"LMS sync"}`), nil, &patched); code != 200 ||
		patched.Active || len(patched.Events) != 1 || patched.URL != h.URL || patched.Secret != "" {
		t.Fatalf("patch: %d %v %+v", code, body, patched)
	}
	if code, body := r.api.Call("PATCH", "/api/v1/webhooks/"+h.ID, []byte(`{"rotate_secret":true}`), nil, &patched); code != 200 ||
		!strings.HasPrefix(patched.Secret, webhooks.SecretPrefix) || patched.Secret == h.Secret {
		t.Fatalf("rotate: %d %v %+v", code, body, patched)
	}
	if code, body := r.api.Call("POST", "/api/v1/webhooks/"+h.ID+"/ping", []byte(`{}`), nil, nil); code != 409 {
		t.Fatalf("ping of an inactive webhook: %d %v", code, body)
	}

	for _, tt := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/webhooks", `{"events":["video.ready"]}`, "url"},
		{"POST", "/api/v1/webhooks", `{"url":"ftp://x/y","events":["video.ready"]}`, "url"},
		{"POST", "/api/v1/webhooks", `{"url":"https://x/y","events":[]}`, "events"},
		{"POST", "/api/v1/webhooks", `{"url":"https://x/y","events":["video.deleted"]}`, "events"},
		{"POST", "/api/v1/webhooks", `{"url":"https://x/y","events":["video.ready"],"description":"` + strings.Repeat("d", 501) + `"}`, "description"},
		{"PATCH", "/api/v1/webhooks/" + h.ID, `{"url":"nope"}`, "url"},
		{"GET", "/api/v1/webhooks/" + h.ID + "/deliveries?status=lost", "", "status"},
	} {
		var b []byte
		if tt.body != "" {
			b = []byte(tt.body)
		}
		code, body := r.api.Call(tt.method, tt.path, b, nil, nil)
		e, _ := body["error"].(map[string]any)
		if code != 400 || e["field"] != tt.field {
			t.Errorf("%s %s %s: %d %v, want 400 field %s", tt.method, tt.path, tt.body, code, body, tt.field)
		}
	}
	for _, p := range []string{"/api/v1/webhooks/not-a-uuid", "/api/v1/webhooks/00000000-0000-0000-0000-000000000000", "/api/v1/webhooks/00000000-0000-0000-0000-000000000000/deliveries"} {
		if code, _ := r.api.Call("GET", p, nil, nil, nil); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code, _ := r.api.Call("DELETE", "/api/v1/webhooks/"+h.ID, nil, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := r.api.Call("GET", "/api/v1/webhooks/"+h.ID, nil, nil, nil); code != 404 {
		t.Fatalf("get after delete: %d", code)
	}

	// Another organization's webhook is invisible.
	var other string
	err := database.InOrg(context.Background(), r.db, r.newOrg(), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `insert into webhooks (url, secret, events) values ('https://o/x', 's', '{video.ready}') returning id`).Scan(&other)
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := r.api.Call("GET", "/api/v1/webhooks/"+other, nil, nil, nil); code != 404 {
		t.Fatalf("another org's webhook: %d, want 404", code)
	}
	if code, _ := r.api.Call("DELETE", "/api/v1/webhooks/"+other, nil, nil, nil); code != 404 {
		t.Fatalf("delete another org's webhook: %d, want 404", code)
	}
}

func (r *rig) newOrg() string {
	var id string
	if err := r.db.QueryRow(context.Background(), `insert into organizations (slug, name) values ($1, 'Other') returning id`, "o-"+testenv.RandomID(4)).Scan(&id); err != nil {
		r.t.Fatal(err)
	}
	return id
}

// A receiver that fails twice gets the delivery on the third attempt, signed,
// and the log shows the attempts.
func TestPingIsRetriedUntilDelivered(t *testing.T) {
	r := newRig(t)
	// A short poll: waiting for notifications times out often, and the
	// listening connection must survive that.
	warnings := r.startWorker(200 * time.Millisecond)
	rc := newReceiver(t, 2)
	h := r.createHook(rc.URL+"/hook", "video.ready")
	var ping delivery
	if code, body := r.api.Call("POST", "/api/v1/webhooks/"+h.ID+"/ping", []byte(`{}`), nil, &ping); code != 202 || ping.Status != "pending" || ping.Event != "ping" {
		t.Fatalf("ping: %d %v", code, body)
	}
	ds := r.waitDone(h.ID, 1)
	d := ds[0]
	if d.ID != ping.ID || d.Status != "delivered" || d.Attempts != 3 || d.ResponseStatus == nil || *d.ResponseStatus != 200 || d.DeliveredAt == nil || d.Error != nil {
		t.Fatalf("delivery log: %+v", d)
	}
	calls := rc.calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	for i, c := range calls {
		if err := webhooks.Verify(h.Secret, c.header.Get("Lectern-Signature"), c.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
		if c.header.Get("Lectern-Event") != "ping" || c.header.Get("Lectern-Delivery") != d.ID ||
			c.header.Get("User-Agent") != webhooks.UserAgent || c.header.Get("Content-Type") != "application/json" {
			t.Errorf("call %d headers: %v", i, c.header)
		}
	}
	var env webhooks.Envelope
	if err := json.Unmarshal(calls[2].body, &env); err != nil || env.ID != d.ID || env.Event != "ping" || env.OrganizationID != r.org || !strings.Contains(string(env.Data), h.ID) {
		t.Fatalf("envelope %s: %v", calls[2].body, err)
	}
	if w := warnings.String(); strings.Contains(w, "cannot listen") {
		t.Fatalf("dispatcher lost its connection:\n%s", w)
	}
}

// An enrollment made through the API reaches the endpoint through the
// event log, its notification and the dispatcher.
func TestEnrollmentCreatedIsDelivered(t *testing.T) {
	r := newRig(t)
	// No poll within the test: only the notification can wake the dispatcher.
	r.startWorker(time.Hour)
	time.Sleep(300 * time.Millisecond) // past its first round: now only NOTIFY wakes it
	rc := newReceiver(t, 0)
	h := r.createHook(rc.URL, "enrollment.created")
	r.createHook(rc.URL+"/other", "video.ready") // not subscribed
	var course, learner string
	err := database.InOrg(context.Background(), r.db, r.org, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into courses (title, owner_id) values ('Safety 101', $1) returning id`, r.user).Scan(&course); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `insert into users (email, name) values ('learner@hooks.test', 'Learner') returning id`).Scan(&learner)
	})
	if err != nil {
		t.Fatal(err)
	}
	var enrolled struct {
		ID string `json:"id"`
	}
	b, _ := json.Marshal(map[string]string{"user_id": learner})
	if code, body := r.api.Call("POST", "/api/v1/courses/"+course+"/enrollments", b, nil, &enrolled); code != 201 {
		t.Fatalf("enroll: %d %v", code, body)
	}
	enrollment := enrolled.ID
	ds := r.waitDone(h.ID, 1)
	if len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Event != "enrollment.created" || ds[0].Attempts != 1 {
		t.Fatalf("deliveries %+v", ds)
	}
	calls := rc.calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	var env struct {
		webhooks.Envelope
		Data struct {
			EnrollmentID string `json:"enrollment_id"`
			CourseID     string `json:"course_id"`
			UserID       string `json:"user_id"`
			Source       string `json:"source"`
		} `json:"data"`
	}
	if err := json.Unmarshal(calls[0].body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Event != "enrollment.created" || env.OrganizationID != r.org || env.Data.EnrollmentID != enrollment ||
		env.Data.CourseID != course || env.Data.UserID != learner || env.Data.Source != "admin" {
		t.Fatalf("envelope %s", calls[0].body)
	}
	if err := webhooks.Verify(h.Secret, calls[0].header.Get("Lectern-Signature"), calls[0].body, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
}

// insertDelivery writes a pending delivery for hookID as the fan-out would.
func (r *rig) insertDelivery(hookID string) string {
	r.t.Helper()
	var id string
	if err := r.db.QueryRow(context.Background(), `insert into webhook_deliveries (org_id, webhook_id, event, payload)
		values ($1, $2, 'video.ready', '{"video_id":"v"}') returning id`, r.org, hookID).Scan(&id); err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r *rig) state(id string) (status string, attempts int, resp *int, msg *string) {
	r.t.Helper()
	if err := r.db.QueryRow(context.Background(), `select status, attempts, response_status, error from webhook_deliveries where id = $1`, id).
		Scan(&status, &attempts, &resp, &msg); err != nil {
		r.t.Fatal(err)
	}
	return
}

func TestSendOutcomes(t *testing.T) {
	r := newRig(t)
	s := &webhooks.Sender{DB: r.db, Log: quiet, AllowPrivate: true}
	send := func(id string) error {
		task, _ := webhooks.NewDeliverTask(id)
		return s.HandleDeliver(context.Background(), task)
	}

	t.Run("inactive webhook fails without a retry", func(t *testing.T) {
		rc := newReceiver(t, 0)
		h := r.createHook(rc.URL, "video.ready")
		id := r.insertDelivery(h.ID)
		if code, _ := r.api.Call("PATCH", "/api/v1/webhooks/"+h.ID, []byte(`{"active":false}`), nil, nil); code != 200 {
			t.Fatal(code)
		}
		if err := send(id); !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("err %v, want SkipRetry", err)
		}
		if st, n, _, msg := r.state(id); st != "failed" || n != 0 || msg == nil || !strings.Contains(*msg, "deactivated") {
			t.Fatalf("state %s %d %v", st, n, msg)
		}
		if len(rc.calls()) != 0 {
			t.Fatal("an inactive webhook was called")
		}
	})
	t.Run("deleted webhook is skipped", func(t *testing.T) {
		h := r.createHook("https://example.invalid/x", "video.ready")
		id := r.insertDelivery(h.ID)
		if code, _ := r.api.Call("DELETE", "/api/v1/webhooks/"+h.ID, nil, nil, nil); code != 204 {
			t.Fatal(code)
		}
		if err := send(id); !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("err %v, want SkipRetry", err)
		}
	})
	t.Run("redirect is refused and the last attempt fails the delivery", func(t *testing.T) {
		target := newReceiver(t, 0)
		redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
		defer redirect.Close()
		h := r.createHook(redirect.URL, "video.ready")
		id := r.insertDelivery(h.ID)
		// Outside asynq there is no retry count: this is the last attempt.
		if err := send(id); err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Fatalf("err %v", err)
		}
		if st, n, resp, msg := r.state(id); st != "failed" || n != 1 || resp == nil || *resp != 302 || msg == nil || !strings.Contains(*msg, "redirect") {
			t.Fatalf("state %s %d %v %v", st, n, resp, msg)
		}
		if len(target.calls()) != 0 {
			t.Fatal("the redirect was followed")
		}
		// A finished delivery is not sent again.
		if err := send(id); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("error text is truncated", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(500)
			io.WriteString(w, strings.Repeat("x", 2000))
		}))
		defer srv.Close()
		h := r.createHook(srv.URL, "video.ready")
		id := r.insertDelivery(h.ID)
		_ = send(id)
		if _, _, resp, msg := r.state(id); resp == nil || *resp != 500 || msg == nil || len(*msg) != 500 || !strings.HasPrefix(*msg, "gave up after 1 attempts: HTTP 500: xxx") {
			t.Fatalf("error %v %v", resp, msg)
		}
	})
}

// enqueuer is a fake asynq client.
type enqueuer struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (e *enqueuer) EnqueueContext(_ context.Context, t *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	var p webhooks.DeliverPayload
	_ = json.Unmarshal(t.Payload(), &p)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ids = append(e.ids, p.DeliveryID)
	return nil, e.err
}

func TestDispatchRound(t *testing.T) {
	r := newRig(t)
	h := r.createHook("https://example.invalid/x", "video.ready")
	var ids []string
	for range 5 {
		ids = append(ids, r.insertDelivery(h.ID))
	}
	q := &enqueuer{}
	s := &webhooks.Sender{DB: r.db, Queue: q, Log: quiet, Batch: 3, AllowPrivate: true}
	ctx := context.Background()
	for i, want := range []int{3, 2, 0} {
		n, err := s.DispatchRound(ctx)
		if err != nil || n != want {
			t.Fatalf("round %d: %d %v, want %d", i, n, err, want)
		}
	}
	if len(q.ids) != 5 {
		t.Fatalf("enqueued %v", q.ids)
	}
	// A delivery enqueued long ago and still pending is enqueued again; an
	// ID asynq still holds counts as enqueued.
	if _, err := r.db.Exec(ctx, `update webhook_deliveries set enqueued_at = now() - interval '2 hours' where id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	q.err = asynq.ErrTaskIDConflict
	if n, err := s.DispatchRound(ctx); err != nil || n != 1 || q.ids[5] != ids[0] {
		t.Fatalf("requeue: %d %v %v", n, err, q.ids)
	}
	if n, _ := s.DispatchRound(ctx); n != 0 {
		t.Fatalf("requeued twice: %d", n)
	}
	// Redis failing: nothing is marked, the next round tries again.
	r.insertDelivery(h.ID)
	q.err = errors.New("redis down")
	if n, err := s.DispatchRound(ctx); err == nil || n != 0 {
		t.Fatalf("with Redis down: %d %v", n, err)
	}
	q.err = nil
	if n, err := s.DispatchRound(ctx); err != nil || n != 1 {
		t.Fatalf("after Redis is back: %d %v", n, err)
	}
}

// Every event of the log reaches the active endpoints of its organization
// that subscribe to its type, once, however often the fan-out runs; no
// inactive endpoint, none of another organization, nothing of a
// transaction that rolled back.
func TestFanOutDeliversEveryEventOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var other string
	if err := r.db.QueryRow(ctx, `insert into organizations (slug, name) values ($1, 'Other') returning id`, "o-"+testenv.RandomID(4)).Scan(&other); err != nil {
		t.Fatal(err)
	}
	all := []string{"video.ready", "enrollment.created", "lesson.completed", "course.completed"}
	hook := r.createHook("https://a.example/hook", all...)
	off := r.createHook("https://a.example/off", all...)
	if code, body := r.api.Call("PATCH", "/api/v1/webhooks/"+off.ID, []byte(`{"active":false}`), nil, nil); code != 200 {
		t.Fatalf("deactivate: %d %v", code, body)
	}
	var foreign string
	if err := r.db.QueryRow(ctx, `insert into webhooks (org_id, url, secret, events) values ($1, 'https://b.example/hook', 's', $2) returning id`,
		other, all).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	tenant := testenv.TenantPool(t, r.db)
	ev := func(typ string) events.Event {
		return events.Event{Type: typ, Subject: "test/" + typ, Payload: map[string]string{"kind": typ}}
	}
	appendIn := func(org string, fail error, evs ...events.Event) {
		t.Helper()
		err := database.InOrg(ctx, tenant, org, func(ctx context.Context, tx pgx.Tx) error {
			if err := events.Append(ctx, tx, evs...); err != nil {
				return err
			}
			return fail
		})
		if err != fail {
			t.Fatal(err)
		}
	}
	appendIn(r.org, nil, ev("video.ready"), ev("enrollment.created"), ev("lesson.completed"), ev("lesson.completed"))
	appendIn(r.org, nil, ev("course.completed"))
	appendIn(other, nil, ev("enrollment.created"))
	rollback := errors.New("roll back")
	appendIn(r.org, rollback, ev("video.ready"))

	s := &webhooks.Sender{DB: r.db, Queue: &enqueuer{}, Log: quiet, Batch: 4}
	for i, want := range []int{4, 2, 0} {
		if n, err := s.FanOut(ctx); err != nil || n != want {
			t.Fatalf("fan-out %d: %d %v, want %d", i, n, err, want)
		}
	}
	count := func(hookID string) string {
		var got string
		if err := r.db.QueryRow(ctx, `select coalesce(string_agg(event || '=' || n, ',' order by event), '')
			from (select event, count(*) n from webhook_deliveries where webhook_id = $1 group by 1) c`, hookID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := count(hook.ID), "course.completed=1,enrollment.created=1,lesson.completed=2,video.ready=1"; got != want {
		t.Errorf("active hook: %s, want %s", got, want)
	}
	if got := count(off.ID); got != "" {
		t.Errorf("inactive hook got %s", got)
	}
	if got := count(foreign); got != "enrollment.created=1" {
		t.Errorf("the other organization's hook got %s, want its own one event", got)
	}
	var kind string
	if err := r.db.QueryRow(ctx, `select payload->>'kind' from webhook_deliveries where webhook_id = $1 and event = 'course.completed'`, hook.ID).Scan(&kind); err != nil || kind != "course.completed" {
		t.Errorf("payload kind %q (%v)", kind, err)
	}
}
