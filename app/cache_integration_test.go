package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/testenv"
)

// call sends one request as token (a bearer token, or "" for none) from the
// loopback address from ("" for the default) and decodes the JSON answer.
func call(t *testing.T, base, from, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := http.DefaultClient
	if from != "" {
		client = &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext}}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// signedIn creates a user through a (as the admin) and signs them in; it
// returns the user's id and session token.
func signedIn(t *testing.T, a *apptest.API, email string, roles ...string) (string, string) {
	t.Helper()
	if len(roles) == 0 {
		roles = []string{"learner"}
	}
	code, u := call(t, a.Base, "", "POST", "/api/v1/users", apptest.Token, map[string]any{"email": email, "name": "Name", "password": "a long enough password", "roles": roles})
	if code != 201 {
		t.Fatalf("create %s: %d %v", email, code, u)
	}
	code, s := call(t, a.Base, "", "POST", "/api/v1/sessions", "", map[string]any{"email": email, "password": "a long enough password"})
	if code != 201 {
		t.Fatalf("sign in %s: %d %v", email, code, s)
	}
	return u["id"].(string), s["token"].(string)
}

// Two API processes over one database each keep the credentials they
// resolved in memory; what one process revokes or changes, the other
// refuses on its very next request.
func TestRevocationReachesEveryProcess(t *testing.T) {
	db := testenv.DB(t)
	one := apptest.StartApp(t, db, apptest.AppOptions{})
	two := apptest.StartApp(t, db, apptest.AppOptions{})
	me := func(a *apptest.API, token string) int {
		code, _ := call(t, a.Base, "", "GET", "/api/v1/me", token, nil)
		return code
	}

	// A session signed out through one process.
	_, session := signedIn(t, one, "ana@example.com")
	for range 3 { // warm both processes' memory
		if me(one, session) != 200 || me(two, session) != 200 {
			t.Fatal("a fresh session is refused")
		}
	}
	if code, body := call(t, one.Base, "", "DELETE", "/api/v1/sessions/current", session, nil); code != 204 {
		t.Fatalf("sign out: %d %v", code, body)
	}
	if code := me(two, session); code != 401 {
		t.Fatalf("the other process still accepts a signed-out session: %d", code)
	}
	if code := me(one, session); code != 401 {
		t.Fatalf("the same process still accepts a signed-out session: %d", code)
	}

	// An API token revoked through one process.
	_, session = signedIn(t, one, "ben@example.com")
	code, tok := call(t, one.Base, "", "POST", "/api/v1/me/tokens", session, map[string]any{"name": "ci", "scopes": []string{"*"}})
	if code != 201 {
		t.Fatalf("mint a token: %d %v", code, tok)
	}
	token := tok["token"].(string)
	if me(two, token) != 200 || me(one, token) != 200 {
		t.Fatal("a fresh token is refused")
	}
	if code, body := call(t, two.Base, "", "DELETE", "/api/v1/me/tokens/"+tok["id"].(string), session, nil); code != 204 {
		t.Fatalf("revoke: %d %v", code, body)
	}
	if code := me(one, token); code != 401 {
		t.Fatalf("a token revoked through the other process is accepted: %d", code)
	}

	// A user an admin deactivates, and a user whose roles change.
	cy, cySession := signedIn(t, one, "cy@example.com", "instructor")
	if code, _ := call(t, two.Base, "", "GET", "/api/v1/courses", cySession, nil); code != 200 {
		t.Fatalf("an instructor lists courses: %d", code)
	}
	if code, body := call(t, one.Base, "", "PATCH", "/api/v1/users/"+cy, apptest.Token, map[string]any{"roles": []string{"learner"}}); code != 200 {
		t.Fatalf("demote: %d %v", code, body)
	}
	if code, _ := call(t, two.Base, "", "GET", "/api/v1/courses", cySession, nil); code != 403 {
		t.Fatalf("the other process still sees the instructor role: %d", code)
	}
	if code, body := call(t, one.Base, "", "PATCH", "/api/v1/users/"+cy, apptest.Token, map[string]any{"active": false}); code != 200 {
		t.Fatalf("deactivate: %d %v", code, body)
	}
	if code := me(two, cySession); code != 401 {
		t.Fatalf("the other process accepts a deactivated user: %d", code)
	}
}

// The catalog every member reads is kept in memory; a change to it through
// any process shows on the next read in that process and, as soon as the
// change is heard, in the others; a user renamed shows too.
func TestCatalogFollowsChanges(t *testing.T) {
	db := testenv.DB(t)
	one := apptest.StartApp(t, db, apptest.AppOptions{})
	two := apptest.StartApp(t, db, apptest.AppOptions{})
	inst, instSession := signedIn(t, one, "teacher@example.com", "instructor")
	_, learner := signedIn(t, one, "learner@example.com")
	code, course := call(t, one.Base, "", "POST", "/api/v1/courses", instSession, map[string]any{"title": "Networks"})
	if code != 201 {
		t.Fatalf("create: %d %v", code, course)
	}
	id := course["id"].(string)
	_, m := call(t, one.Base, "", "POST", "/api/v1/courses/"+id+"/modules", instSession, map[string]any{"title": "M"})
	call(t, one.Base, "", "POST", "/api/v1/courses/"+id+"/lessons", instSession, map[string]any{"module_id": m["id"], "title": "L", "kind": "text"})
	titles := func(a *apptest.API) string {
		code, page := call(t, a.Base, "", "GET", "/api/v1/catalog", learner, nil)
		if code != 200 {
			t.Fatalf("catalog: %d %v", code, page)
		}
		var out []string
		for _, it := range page["items"].([]any) {
			c := it.(map[string]any)
			out = append(out, fmt.Sprintf("%s by %s", c["title"], c["owner"].(map[string]any)["name"]))
		}
		return strings.Join(out, ",")
	}
	if got := titles(one) + titles(two); got != "" {
		t.Fatalf("a draft shows: %q", got)
	}
	eventually := func(what string, a *apptest.API, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := titles(a)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: catalog %q, want %q", what, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, step := range []struct {
		what        string
		via         *apptest.API
		path, token string
		body        map[string]any
		want        string
	}{
		{"published through one", one, "/api/v1/courses/" + id, instSession, map[string]any{"status": "published"}, "Networks by Name"},
		{"renamed through two", two, "/api/v1/courses/" + id, instSession, map[string]any{"title": "Networks II"}, "Networks II by Name"},
		{"owner renamed through one", one, "/api/v1/users/" + inst, apptest.Token, map[string]any{"name": "Dr Name"}, "Networks II by Dr Name"},
		{"archived through two", two, "/api/v1/courses/" + id, instSession, map[string]any{"status": "archived"}, ""},
	} {
		if code, body := call(t, step.via.Base, "", "PATCH", step.path, step.token, step.body); code != 200 {
			t.Fatalf("%s: %d %v", step.what, code, body)
		}
		// The process that made the change shows it on its next read.
		if got := titles(step.via); got != step.want {
			t.Fatalf("%s: the same process shows %q, want %q", step.what, got, step.want)
		}
		other := one
		if step.via == one {
			other = two
		}
		eventually(step.what+", seen by the other process", other, step.want)
	}
}

// Sign-in attempts are limited per address and per account, whatever
// credential the request carries; requests presenting credentials that
// resolve to nothing are limited per address before they cost a look-up,
// while what the server already knows still answers.
func TestSignInAndBadCredentialsAreLimited(t *testing.T) {
	db := testenv.DB(t)
	rd := testenv.Redis(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{Redis: rd.Addr})
	if code, body := call(t, api.Base, "", "POST", "/api/v1/users", apptest.Token, map[string]any{"email": "dee@example.com", "name": "Dee", "password": "a long enough password"}); code != 201 {
		t.Fatalf("create dee: %d %v", code, body)
	}
	_, session := signedIn(t, api, "kay@example.com")
	wrong := func(from, email, token string) int {
		code, _ := call(t, api.Base, from, "POST", "/api/v1/sessions", token, map[string]any{"email": email, "password": "not the password"})
		return code
	}
	// Ten guesses at one account, from one address, each with a fresh
	// token in hand: the eleventh is refused.
	for i := range 10 {
		_, tok := call(t, api.Base, "", "POST", "/api/v1/me/tokens", apptest.Token, map[string]any{"name": fmt.Sprint("t", i), "scopes": []string{"*"}})
		if code := wrong("127.0.0.2", "dee@example.com", tok["token"].(string)); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	if code := wrong("127.0.0.2", "dee@example.com", ""); code != 429 {
		t.Fatalf("guess 11: %d, want 429", code)
	}
	// The account is limited from any address; another account is not.
	if code := wrong("127.0.0.3", "dee@example.com", ""); code != 429 {
		t.Fatalf("the same account from another address: %d, want 429", code)
	}
	if code := wrong("127.0.0.3", "eve@example.com", ""); code != 401 {
		t.Fatalf("another account from another address: %d, want 401", code)
	}
	// One address is limited across accounts: it made two attempts above
	// (the refused one counts too), eight more reach its ten.
	for i := range 8 {
		if code := wrong("127.0.0.3", fmt.Sprintf("user%d@example.com", i), ""); code != 401 {
			t.Fatalf("address guess %d: %d", i+3, code)
		}
	}
	if code := wrong("127.0.0.3", "zed@example.com", ""); code != 429 {
		t.Fatalf("eleventh guess from one address: %d, want 429", code)
	}

	// Unknown tokens from one address: twenty look-ups, then refused
	// before the look-up, while a known session from there still works.
	me := func(from, token string) int {
		code, _ := call(t, api.Base, from, "GET", "/api/v1/me", token, nil)
		return code
	}
	if code := me("127.0.0.4", session); code != 200 {
		t.Fatalf("a known session: %d", code)
	}
	for i := range 20 {
		if code := me("127.0.0.4", fmt.Sprintf("lct_forged%02d", i)); code != 401 {
			t.Fatalf("forged token %d: %d, want 401", i+1, code)
		}
	}
	if code := me("127.0.0.4", "lct_forged99"); code != 429 {
		t.Fatalf("21st forged token: %d, want 429", code)
	}
	if code := me("127.0.0.4", session); code != 200 {
		t.Fatalf("a known session from the limited address: %d, want 200", code)
	}
	if code := me("127.0.0.5", "lct_forged99"); code != 401 {
		t.Fatalf("a forged token from another address: %d, want 401", code)
	}
}

// "My learning" is kept in memory per learner; enrolling, progress and a
// course's change through one process show on the next read in another.
func TestMyLearningFollowsChanges(t *testing.T) {
	db := testenv.DB(t)
	one := apptest.StartApp(t, db, apptest.AppOptions{})
	two := apptest.StartApp(t, db, apptest.AppOptions{})
	_, instSession := signedIn(t, one, "teacher@example.com", "instructor")
	_, learner := signedIn(t, one, "learner@example.com")
	_, course := call(t, one.Base, "", "POST", "/api/v1/courses", instSession, map[string]any{"title": "Optics"})
	id := course["id"].(string)
	_, m := call(t, one.Base, "", "POST", "/api/v1/courses/"+id+"/modules", instSession, map[string]any{"title": "M"})
	_, l1 := call(t, one.Base, "", "POST", "/api/v1/courses/"+id+"/lessons", instSession, map[string]any{"module_id": m["id"], "title": "First", "kind": "text"})
	call(t, one.Base, "", "POST", "/api/v1/courses/"+id+"/lessons", instSession, map[string]any{"module_id": m["id"], "title": "Second", "kind": "text"})
	call(t, one.Base, "", "PATCH", "/api/v1/courses/"+id, instSession, map[string]any{"status": "published"})
	mine := func(a *apptest.API) string {
		code, page := call(t, a.Base, "", "GET", "/api/v1/me/enrollments", learner, nil)
		if code != 200 {
			t.Fatalf("my learning: %d %v", code, page)
		}
		var out []string
		for _, it := range page["items"].([]any) {
			e := it.(map[string]any)
			next := "-"
			if nl, ok := e["next_lesson"].(map[string]any); ok {
				next = nl["title"].(string)
			}
			out = append(out, fmt.Sprintf("%s next %s", e["course"].(map[string]any)["title"], next))
		}
		return strings.Join(out, ",")
	}
	if got := mine(two); got != "" {
		t.Fatalf("before enrolling: %q", got)
	}
	for _, step := range []struct {
		what         string
		via          *apptest.API
		method, path string
		token        string
		body         map[string]any
		want         string
	}{
		{"enrolled through one", one, "POST", "/api/v1/courses/" + id + "/enrollments", learner, map[string]any{}, "Optics next First"},
		{"first lesson completed through two", two, "POST", "/api/v1/courses/" + id + "/lessons/" + l1["id"].(string) + "/progress", learner, map[string]any{"status": "completed"}, "Optics next Second"},
		{"course renamed through one", one, "PATCH", "/api/v1/courses/" + id, instSession, map[string]any{"title": "Optics I"}, "Optics I next Second"},
	} {
		if code, body := call(t, step.via.Base, "", step.method, step.path, step.token, step.body); code >= 300 {
			t.Fatalf("%s: %d %v", step.what, code, body)
		}
		for _, a := range []*apptest.API{one, two} {
			if got := mine(a); got != step.want {
				t.Fatalf("%s: %q, want %q", step.what, got, step.want)
			}
		}
	}
}
