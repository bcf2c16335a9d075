package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/testenv"
)

const password = "correct horse battery"

type env struct {
	t   *testing.T
	db  *pgxpool.Pool
	api *apptest.API
}

func setup(t *testing.T) *env {
	t.Helper()
	db := testenv.DB(t)
	return &env{t: t, db: db, api: apptest.StartApp(t, db, apptest.AppOptions{})}
}

type result struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Resp   *http.Response
}

func (r result) code() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r result) field() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Raw, v); err != nil {
		t.Fatalf("decode %s: %v", r.Raw, err)
	}
}

// do calls the API with token ("" for none); body is JSON unless it is a
// string sent as ctype.
func (e *env) do(method, path, token string, body any, ctype ...string) result {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	if len(ctype) > 0 {
		ct = ctype[0]
	}
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.api.Base+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if strings.HasPrefix(token, "cookie:") {
		req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: strings.TrimPrefix(token, "cookie:")})
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{Status: resp.StatusCode, Raw: raw, Resp: resp}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func (e *env) want(r result, status int, what string) {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
}

// user creates a user through the API as the bootstrap admin and returns
// its id.
func (e *env) user(email string, roles ...string) string {
	e.t.Helper()
	if len(roles) == 0 {
		roles = []string{"learner"}
	}
	r := e.do("POST", "/api/v1/users", apptest.Token, map[string]any{"email": email, "name": "Name of " + email, "roles": roles, "password": password})
	e.want(r, 201, "create user "+email)
	return r.Body["id"].(string)
}

func (e *env) signIn(email string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/sessions", "", map[string]any{"email": email, "password": password})
	e.want(r, 201, "sign in "+email)
	return r.Body["token"].(string)
}

func TestSignIn(t *testing.T) {
	e := setup(t)
	e.user("ada@example.com")

	r := e.do("POST", "/api/v1/sessions", "", map[string]any{"email": " Ada@Example.com ", "password": password})
	e.want(r, 201, "sign in")
	var s struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
		User      struct {
			Email string   `json:"email"`
			Roles []string `json:"roles"`
		} `json:"user"`
	}
	r.decode(t, &s)
	if !strings.HasPrefix(s.Token, auth.TokenPrefix) || s.ExpiresAt == "" || s.User.Email != "ada@example.com" {
		t.Fatalf("session %s", r.Raw)
	}
	var cookie *http.Cookie
	for _, c := range r.Resp.Cookies() {
		if c.Name == auth.CookieName {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != s.Token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode ||
		cookie.Path != "/" || cookie.Expires.IsZero() || cookie.Secure {
		t.Fatalf("cookie %+v (Set-Cookie %q)", cookie, r.Resp.Header.Values("Set-Cookie"))
	}

	// The cookie alone authenticates.
	r = e.do("GET", "/api/v1/me", "cookie:"+s.Token, nil)
	e.want(r, 200, "me by cookie")
	if u := r.Body["user"].(map[string]any); u["email"] != "ada@example.com" || r.Body["organization"].(map[string]any)["slug"] != "default" {
		t.Fatalf("me %s", r.Raw)
	}
	if sc := r.Body["scopes"].([]any); len(sc) != 1 || sc[0] != "*" {
		t.Fatalf("session scopes %v", sc)
	}

	// Failures are one indistinct 401; bad input is 400 naming the field.
	inactive := e.user("gone@example.com")
	e.want(e.do("PATCH", "/api/v1/users/"+inactive, apptest.Token, map[string]any{"active": false}), 200, "deactivate")
	for _, tc := range []struct {
		name        string
		body        any
		status      int
		code, field string
	}{
		{"wrong password", map[string]any{"email": "ada@example.com", "password": "wrong password!"}, 401, "invalid_credentials", ""},
		{"unknown email", map[string]any{"email": "nobody@example.com", "password": password}, 401, "invalid_credentials", ""},
		{"deactivated", map[string]any{"email": "gone@example.com", "password": password}, 401, "invalid_credentials", ""},
		{"no password set", map[string]any{"email": identity.BootstrapEmail, "password": password}, 401, "invalid_credentials", ""},
		{"unknown org", map[string]any{"email": "ada@example.com", "password": password, "org": "other"}, 401, "invalid_credentials", ""},
		{"missing email", map[string]any{"password": password}, 400, "invalid", "email"},
		{"missing password", map[string]any{"email": "ada@example.com"}, 400, "invalid", "password"},
		{"email of wrong type", map[string]any{"email": 5, "password": password}, 400, "invalid", "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/sessions", "", tc.body)
			if r.Status != tc.status || r.code() != tc.code || r.field() != tc.field {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
			if len(r.Resp.Header.Values("Set-Cookie")) > 0 {
				t.Fatalf("a failed sign-in set a cookie")
			}
		})
	}

	// The same address in a second organization: name the one to enter.
	ctx := context.Background()
	org2, _, err := identity.NewStore(nil, e.db).CreateOrg(ctx, identity.NewOrg{Slug: "acme", Name: "Acme", AdminEmail: "ada@example.com", AdminPassword: "another password"})
	if err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/api/v1/sessions", "", map[string]any{"email": "ada@example.com", "password": password})
	if r.Status != 422 || r.field() != "org" {
		t.Fatalf("ambiguous org: %d %s", r.Status, r.Raw)
	}
	r = e.do("POST", "/api/v1/sessions", "", map[string]any{"email": "ada@example.com", "password": "another password", "org": "acme"})
	e.want(r, 201, "sign in to acme")
	r = e.do("GET", "/api/v1/organization", r.Body["token"].(string), nil)
	if r.Status != 200 || r.Body["id"] != org2 || r.Body["slug"] != "acme" {
		t.Fatalf("organization %d %s", r.Status, r.Raw)
	}
	e.want(e.do("POST", "/api/v1/sessions", "", map[string]any{"email": "ada@example.com", "password": password, "org": "default"}), 201, "sign in to default")
}

func TestSignOutRevokesSession(t *testing.T) {
	e := setup(t)
	e.user("ada@example.com")
	tok := e.signIn("ada@example.com")
	e.want(e.do("GET", "/api/v1/me", tok, nil), 200, "me")
	r := e.do("DELETE", "/api/v1/sessions/current", tok, nil)
	e.want(r, 204, "sign out")
	cleared := false
	for _, c := range r.Resp.Cookies() {
		if c.Name == auth.CookieName && c.Value == "" && c.HttpOnly {
			cleared = true
		}
	}
	if !cleared {
		t.Fatalf("cookie not cleared: %q", r.Resp.Header.Values("Set-Cookie"))
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Fatalf("revoked session still works: %d", r.Status)
	}
	e.want(e.do("DELETE", "/api/v1/sessions/current", "", nil), 401, "anonymous sign out")
}

func TestTokens(t *testing.T) {
	e := setup(t)
	e.user("ada@example.com", "admin")
	sess := e.signIn("ada@example.com")

	r := e.do("POST", "/api/v1/me/tokens", sess, map[string]any{"name": "reporting", "scopes": []string{"users:read"}, "expires_in_days": 30})
	e.want(r, 201, "create token")
	secret, id := r.Body["token"].(string), r.Body["id"].(string)
	if !strings.HasPrefix(secret, auth.TokenPrefix) || r.Body["expires_at"] == nil {
		t.Fatalf("token %s", r.Raw)
	}
	r = e.do("GET", "/api/v1/me/tokens", sess, nil)
	e.want(r, 200, "list tokens")
	if items := r.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id || strings.Contains(string(r.Raw), secret) {
		t.Fatalf("tokens %s", r.Raw)
	}

	e.want(e.do("GET", "/api/v1/users", secret, nil), 200, "read users with users:read")
	r = e.do("POST", "/api/v1/users", secret, map[string]any{"email": "x@example.com", "name": "X"})
	if r.Status != 403 || r.code() != "insufficient_scope" {
		t.Fatalf("write with users:read: %d %s", r.Status, r.Raw)
	}
	r = e.do("POST", "/api/v1/me/tokens", secret, map[string]any{"name": "escalate", "scopes": []string{"users:write"}})
	if r.Status != 403 || r.code() != "insufficient_scope" {
		t.Fatalf("a token granted a scope it lacks: %d %s", r.Status, r.Raw)
	}

	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"scopes": []string{"*"}}, "name"},
		{"long name", map[string]any{"name": strings.Repeat("n", 101), "scopes": []string{"*"}}, "name"},
		{"no scopes", map[string]any{"name": "n"}, "scopes"},
		{"unknown scope", map[string]any{"name": "n", "scopes": []string{"root"}}, "scopes"},
		{"scopes of wrong type", map[string]any{"name": "n", "scopes": "users:read"}, "scopes"},
		{"expiry too short", map[string]any{"name": "n", "scopes": []string{"*"}, "expires_in_days": 0}, "expires_in_days"},
		{"expiry too long", map[string]any{"name": "n", "scopes": []string{"*"}, "expires_in_days": 3651}, "expires_in_days"},
		{"unknown field", map[string]any{"name": "n", "scopes": []string{"*"}, "admin": true}, "admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do("POST", "/api/v1/me/tokens", sess, tc.body); r.Status != 400 || r.field() != tc.field {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}

	// Another user's token is not found; revoking one's own stops it.
	e.user("bob@example.com")
	bob := e.signIn("bob@example.com")
	e.want(e.do("DELETE", "/api/v1/me/tokens/"+id, bob, nil), 404, "revoke another's token")
	e.want(e.do("DELETE", "/api/v1/me/tokens/not-a-uuid", sess, nil), 404, "malformed id")
	e.want(e.do("DELETE", "/api/v1/me/tokens/"+id, sess, nil), 204, "revoke")
	e.want(e.do("GET", "/api/v1/users", secret, nil), 401, "revoked token")
	e.want(e.do("DELETE", "/api/v1/me/tokens/"+id, sess, nil), 404, "revoke twice")
}

func TestUsers(t *testing.T) {
	e := setup(t)
	admin := e.user("root@example.com", "admin", "instructor")
	rootSess := e.signIn("root@example.com")
	learner := e.user("lea@example.com")
	lea := e.signIn("lea@example.com")

	// Roles: learners and anonymous callers are refused; a user may read
	// themself, and another user does not exist for them.
	for _, p := range []string{"/api/v1/users", "/api/v1/groups", "/api/v1/users/" + admin} {
		e.want(e.do("GET", p, "", nil), 401, "anonymous "+p)
	}
	e.want(e.do("GET", "/api/v1/users", lea, nil), 403, "learner lists users")
	e.want(e.do("POST", "/api/v1/users", lea, map[string]any{"email": "x@example.com", "name": "X"}), 403, "learner creates user")
	e.want(e.do("POST", "/api/v1/users/bulk", lea, map[string]any{"users": []any{}}), 403, "learner provisions")
	e.want(e.do("PATCH", "/api/v1/users/"+learner, lea, map[string]any{"roles": []string{"admin"}}), 403, "learner promotes self")
	e.want(e.do("GET", "/api/v1/groups", lea, nil), 403, "learner lists groups")
	e.want(e.do("GET", "/api/v1/users/"+learner, lea, nil), 200, "learner reads self")
	e.want(e.do("GET", "/api/v1/users/"+admin, lea, nil), 404, "learner reads another")
	e.want(e.do("GET", "/api/v1/users/nope", apptest.Token, nil), 404, "malformed id")

	// Create: defaults, normalisation, validation.
	r := e.do("POST", "/api/v1/users", apptest.Token, map[string]any{"email": "New@Example.COM", "name": " New ", "external_id": "H-1"})
	e.want(r, 201, "create")
	var u struct {
		ID         string   `json:"id"`
		Email      string   `json:"email"`
		Name       string   `json:"name"`
		ExternalID *string  `json:"external_id"`
		Roles      []string `json:"roles"`
		Active     bool     `json:"active"`
		Groups     []any    `json:"groups"`
	}
	r.decode(t, &u)
	if u.Email != "new@example.com" || u.Name != "New" || u.ExternalID == nil || *u.ExternalID != "H-1" ||
		len(u.Roles) != 1 || u.Roles[0] != "learner" || !u.Active || u.Groups == nil {
		t.Fatalf("created %s", r.Raw)
	}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"no email", map[string]any{"name": "A"}, 400, "email"},
		{"bad email", map[string]any{"email": "a@@b", "name": "A"}, 400, "email"},
		{"long email", map[string]any{"email": strings.Repeat("a", 250) + "@b.io", "name": "A"}, 400, "email"},
		{"no name", map[string]any{"email": "a@b.io"}, 400, "name"},
		{"long name", map[string]any{"email": "a@b.io", "name": strings.Repeat("n", 201)}, 400, "name"},
		{"no roles", map[string]any{"email": "a@b.io", "name": "A", "roles": []string{}}, 400, "roles"},
		{"unknown role", map[string]any{"email": "a@b.io", "name": "A", "roles": []string{"root"}}, 400, "roles"},
		{"roles of wrong type", map[string]any{"email": "a@b.io", "name": "A", "roles": "admin"}, 400, "roles"},
		{"short password", map[string]any{"email": "a@b.io", "name": "A", "password": "short"}, 400, "password"},
		{"long external id", map[string]any{"email": "a@b.io", "name": "A", "external_id": strings.Repeat("x", 201)}, 400, "external_id"},
		{"taken email", map[string]any{"email": "lea@example.com", "name": "A"}, 409, "email"},
		{"taken external id", map[string]any{"email": "a@b.io", "name": "A", "external_id": "H-1"}, 409, "external_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do("POST", "/api/v1/users", apptest.Token, tc.body); r.Status != tc.status || r.field() != tc.field {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}

	// Patch.
	r = e.do("PATCH", "/api/v1/users/"+u.ID, apptest.Token, map[string]any{"name": "Renamed", "roles": []string{"learner", "instructor"}, "external_id": nil})
	e.want(r, 200, "patch")
	if r.Body["name"] != "Renamed" || r.Body["external_id"] != nil || fmt.Sprint(r.Body["roles"]) != "[instructor learner]" {
		t.Fatalf("patched %s", r.Raw)
	}
	e.want(e.do("PATCH", "/api/v1/users/"+u.ID, apptest.Token, map[string]any{"email": "lea@example.com"}), 409, "patch to taken email")
	e.want(e.do("PATCH", "/api/v1/users/"+u.ID, apptest.Token, map[string]any{"active": "no"}), 400, "active of wrong type")
	e.want(e.do("PATCH", "/api/v1/users/00000000-0000-0000-0000-000000000000", apptest.Token, map[string]any{"name": "X"}), 404, "patch unknown")

	// No lock-out: an admin keeps their own admin role and stays active.
	r = e.do("PATCH", "/api/v1/users/"+admin, rootSess, map[string]any{"roles": []string{"instructor"}})
	if r.Status != 422 || r.field() != "roles" {
		t.Fatalf("self-demotion: %d %s", r.Status, r.Raw)
	}
	r = e.do("PATCH", "/api/v1/users/"+admin, rootSess, map[string]any{"active": false})
	if r.Status != 422 || r.field() != "active" {
		t.Fatalf("self-deactivation: %d %s", r.Status, r.Raw)
	}

	// Deactivating revokes the user's sessions and tokens; a password set
	// by an admin lets them sign in again once reactivated.
	r = e.do("POST", "/api/v1/me/tokens", lea, map[string]any{"name": "t", "scopes": []string{"*"}})
	e.want(r, 201, "learner token")
	leaToken := r.Body["token"].(string)
	r = e.do("PATCH", "/api/v1/users/"+learner, rootSess, map[string]any{"active": false})
	e.want(r, 200, "deactivate")
	if r.Body["active"] != false || r.Body["deactivated_at"] == nil {
		t.Fatalf("deactivated %s", r.Raw)
	}
	e.want(e.do("GET", "/api/v1/me", lea, nil), 401, "session of deactivated user")
	r = e.do("PATCH", "/api/v1/users/"+learner, rootSess, map[string]any{"active": true, "password": "a new password"})
	e.want(r, 200, "reactivate")
	e.want(e.do("GET", "/api/v1/me", lea, nil), 401, "old session after reactivation")
	e.want(e.do("GET", "/api/v1/me", leaToken, nil), 401, "old token after reactivation")
	e.want(e.do("POST", "/api/v1/sessions", "", map[string]any{"email": "lea@example.com", "password": "a new password"}), 201, "sign in with new password")

	// List with filters and a cursor.
	// Instructors: admin@localhost (bootstrap), new@, root@.
	r = e.do("GET", "/api/v1/users?role=instructor&limit=2", apptest.Token, nil)
	e.want(r, 200, "list instructors")
	items := r.Body["items"].([]any)
	if len(items) != 2 || items[1].(map[string]any)["email"] != "new@example.com" || r.Body["next_cursor"] == nil {
		t.Fatalf("page 1 %s", r.Raw)
	}
	r = e.do("GET", "/api/v1/users?role=instructor&limit=2&cursor="+r.Body["next_cursor"].(string), apptest.Token, nil)
	if items := r.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "root@example.com" || r.Body["next_cursor"] != nil {
		t.Fatalf("page 2 %s", r.Raw)
	}
	r = e.do("GET", "/api/v1/users?q=LEA", apptest.Token, nil)
	if items := r.Body["items"].([]any); len(items) != 1 {
		t.Fatalf("q %s", r.Raw)
	}
	e.want(e.do("GET", "/api/v1/users?role=boss", apptest.Token, nil), 400, "bad role filter")
	e.want(e.do("GET", "/api/v1/users?active=maybe", apptest.Token, nil), 400, "bad active filter")

	// Another organization's user is invisible.
	_, other, err := identity.NewStore(nil, e.db).CreateOrg(context.Background(), identity.NewOrg{Slug: "acme", Name: "Acme", AdminEmail: "boss@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.want(e.do("GET", "/api/v1/users/"+other, apptest.Token, nil), 404, "other org's user")
	e.want(e.do("PATCH", "/api/v1/users/"+other, apptest.Token, map[string]any{"name": "x"}), 404, "patch other org's user")
}

func TestGroups(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	a, b := e.user("a@example.com"), e.user("b@example.com")

	r := e.do("POST", "/api/v1/groups", apptest.Token, map[string]any{"name": "Sales"})
	e.want(r, 201, "create group")
	g := r.Body["id"].(string)
	e.want(e.do("POST", "/api/v1/groups", apptest.Token, map[string]any{"name": "Sales"}), 409, "duplicate group")
	e.want(e.do("POST", "/api/v1/groups", apptest.Token, map[string]any{"name": ""}), 400, "empty name")

	// An enrollment rule on the group: members added through the API are
	// enrolled in the same request (identity tells enrollments).
	var course string
	if err := e.db.QueryRow(ctx, `with o as (select org_id, id from users where email = 'a@example.com'),
			c as (insert into courses (org_id, title, owner_id, status) select org_id, 'Onboarding', id, 'published' from o returning id, org_id)
		insert into enrollment_rules (org_id, group_id, course_id) select org_id, $1, id from c returning course_id`, g).Scan(&course); err != nil {
		t.Fatal(err)
	}

	r = e.do("POST", "/api/v1/groups/"+g+"/members", apptest.Token, map[string]any{"user_ids": []string{a}})
	if r.Status != 200 || r.Body["added"] != 1.0 || r.Body["already"] != 0.0 {
		t.Fatalf("add by id: %d %s", r.Status, r.Raw)
	}
	r = e.do("POST", "/api/v1/groups/"+g+"/members", apptest.Token, map[string]any{"emails": []string{"A@example.com", "b@example.com"}})
	if r.Status != 200 || r.Body["added"] != 1.0 || r.Body["already"] != 1.0 {
		t.Fatalf("add by email: %d %s", r.Status, r.Raw)
	}
	var enrolled int
	if err := e.db.QueryRow(ctx, `select count(*) from enrollments where course_id = $1 and source = 'rule'`, course).Scan(&enrolled); err != nil || enrolled != 2 {
		t.Fatalf("rule enrollments %d, %v", enrolled, err)
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"unknown id", map[string]any{"user_ids": []string{a, "00000000-0000-0000-0000-000000000000"}}, 422, "user_ids"},
		{"malformed id", map[string]any{"user_ids": []string{"x"}}, 400, "user_ids"},
		{"unknown email", map[string]any{"emails": []string{"nobody@example.com"}}, 422, "emails"},
		{"both", map[string]any{"user_ids": []string{a}, "emails": []string{"b@example.com"}}, 400, "user_ids"},
		{"neither", map[string]any{}, 400, "user_ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do("POST", "/api/v1/groups/"+g+"/members", apptest.Token, tc.body); r.Status != tc.status || r.field() != tc.field {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}

	r = e.do("GET", "/api/v1/groups/"+g+"/members", apptest.Token, nil)
	if items := r.Body["items"].([]any); r.Status != 200 || len(items) != 2 {
		t.Fatalf("members %d %s", r.Status, r.Raw)
	}
	r = e.do("GET", "/api/v1/users/"+a, apptest.Token, nil)
	if gs := r.Body["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["name"] != "Sales" {
		t.Fatalf("user groups %s", r.Raw)
	}
	r = e.do("GET", "/api/v1/users?group_id="+g, apptest.Token, nil)
	if items := r.Body["items"].([]any); len(items) != 2 {
		t.Fatalf("users in group %s", r.Raw)
	}
	e.want(e.do("DELETE", "/api/v1/groups/"+g+"/members/"+b, apptest.Token, nil), 204, "remove member")
	e.want(e.do("DELETE", "/api/v1/groups/"+g+"/members/"+b, apptest.Token, nil), 404, "remove non-member")
	r = e.do("PATCH", "/api/v1/groups/"+g, apptest.Token, map[string]any{"name": "Field sales"})
	if r.Status != 200 || r.Body["name"] != "Field sales" || r.Body["member_count"] != 1.0 {
		t.Fatalf("rename %d %s", r.Status, r.Raw)
	}
	r = e.do("GET", "/api/v1/groups", apptest.Token, nil)
	if items := r.Body["items"].([]any); r.Status != 200 || len(items) != 1 {
		t.Fatalf("groups %s", r.Raw)
	}
	e.want(e.do("DELETE", "/api/v1/groups/"+g, apptest.Token, nil), 204, "delete group")
	e.want(e.do("GET", "/api/v1/groups/"+g, apptest.Token, nil), 404, "deleted group")
	e.want(e.do("POST", "/api/v1/groups/"+g+"/members", apptest.Token, map[string]any{"user_ids": []string{a}}), 404, "members of deleted group")
}
