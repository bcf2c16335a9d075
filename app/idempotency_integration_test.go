package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/idempotency"
	"github.com/lectern/lectern/internal/testenv"
)

type response struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, api *apptest.API, path, body, key string) response {
	t.Helper()
	req, _ := http.NewRequest("POST", api.Base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apptest.Token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func TestIdempotencyKey(t *testing.T) {
	db := testenv.DB(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{})
	ctx := context.Background()
	hooks := func() int {
		var n int
		if err := db.QueryRow(ctx, `select count(*) from webhooks`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	body := `{"url":"https://hooks.example.com/a","events":["video.ready"]}`

	first := post(t, api, "/api/v1/webhooks", body, "create-hook-1")
	if first.status != 201 || first.header.Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("first: %+v", first)
	}
	again := post(t, api, "/api/v1/webhooks", body, "create-hook-1")
	if again.status != 201 || again.body != first.body || again.header.Get(idempotency.ReplayedHeader) != "true" ||
		!strings.HasPrefix(again.header.Get("Content-Type"), "application/json") {
		t.Fatalf("replay: %+v, want %+v", again, first)
	}
	if n := hooks(); n != 1 {
		t.Fatalf("%d webhooks after a replay, want 1", n)
	}

	reused := post(t, api, "/api/v1/webhooks", strings.Replace(body, "/a", "/b", 1), "create-hook-1")
	if reused.status != 422 || !strings.Contains(reused.body, "idempotency_key_reused") {
		t.Fatalf("same key, other body: %+v", reused)
	}

	// A failed request keeps nothing: its key is free for the corrected one.
	bad := post(t, api, "/api/v1/webhooks", `{"url":"nope","events":["video.ready"]}`, "create-hook-2")
	if bad.status != 400 {
		t.Fatalf("bad: %+v", bad)
	}
	fixed := post(t, api, "/api/v1/webhooks", strings.Replace(body, "/a", "/c", 1), "create-hook-2")
	if fixed.status != 201 || fixed.header.Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("after a failure: %+v", fixed)
	}

	// Without a key every POST acts.
	post(t, api, "/api/v1/webhooks", body, "")
	if n := hooks(); n != 3 {
		t.Fatalf("%d webhooks, want 3", n)
	}

	for _, key := range []string{strings.Repeat("k", 256), "caf\u00e9"} {
		r := post(t, api, "/api/v1/webhooks", body, key)
		if r.status != 400 || !strings.Contains(r.body, `"field":"Idempotency-Key"`) {
			t.Fatalf("key %q: %+v", key, r)
		}
	}

	// A key whose first request has not finished answers 409.
	var principal string
	if err := db.QueryRow(ctx, `select t.id from tokens t join users u on u.id = t.user_id where u.email = 'admin@localhost'`).Scan(&principal); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `insert into idempotency_keys (org_id, principal, key, method, path, fingerprint)
		select org_id, $1, 'busy', 'POST', '/api/v1/webhooks', $2 from tokens where id = $1`,
		principal, idempotency.Fingerprint("POST", "/api/v1/webhooks", []byte(body))); err != nil {
		t.Fatal(err)
	}
	if r := post(t, api, "/api/v1/webhooks", body, "busy"); r.status != 409 || !strings.Contains(r.body, "idempotency_key_in_progress") {
		t.Fatalf("in progress: %+v", r)
	}

	// Housekeeping forgets keys after a day, in batches.
	if _, err := db.Exec(ctx, `update idempotency_keys set created_at = now() - interval '25 hours' where key <> 'create-hook-2'`); err != nil {
		t.Fatal(err)
	}
	n, err := idempotency.Sweep(ctx, db, time.Now().Add(-idempotency.TTL), 1)
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, err = idempotency.Sweep(ctx, db, time.Now().Add(-idempotency.TTL), 100); err != nil || n != 1 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
	var left int
	if err := db.QueryRow(ctx, `select count(*) from idempotency_keys`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d keys left, want 1 (%v)", left, err)
	}
	// A forgotten key acts again.
	if r := post(t, api, "/api/v1/webhooks", body, "create-hook-1"); r.status != 201 || r.header.Get(idempotency.ReplayedHeader) != "" || r.body == first.body {
		t.Fatalf("after the sweep: %+v", r)
	}
}
