package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/internal/testenv"
)

// required lists, per write route of the matrix, the body fields whose
// absence must be refused with an error naming them.
var required = map[string][]string{
	"POST /api/v1/sessions":                                      {"email", "password"},
	"POST /api/v1/me/tokens":                                     {"name"},
	"POST /api/v1/users":                                         {"email"},
	"POST /api/v1/users/bulk":                                    {"users"},
	"POST /api/v1/groups":                                        {"name"},
	"POST /api/v1/groups/{group}/members":                        {"user_ids"},
	"POST /api/v1/courses":                                       {"title"},
	"PUT /api/v1/courses/{course}/outline":                       {"modules"},
	"POST /api/v1/courses/{course}/modules":                      {"title"},
	"POST /api/v1/courses/{course}/lessons":                      {"module_id", "title", "kind"},
	"POST /api/v1/courses/{course}/instructors":                  {"user_id"},
	"POST /api/v1/courses/{course}/lessons/{lesson}/progress":    {"status"},
	"POST /api/v1/courses/{course}/lessons/{lesson}/checkpoints": {"at", "questions"},
	"POST /api/v1/checkpoints/{checkpoint}/attempts":             {"answers"},
	"PUT /api/v1/quiz-attempts/{quizattempt}/answers":            {"answers"},
	"POST /api/v1/courses/{course}/enrollments/bulk":             {"rows"},
	"POST /api/v1/enrollment-rules":                              {"group_id", "course_id"},
	"POST /api/v1/webhooks":                                      {"url", "events"},
	"POST /api/v1/uploads":                                       {"filename", "size"},
	"POST /api/v1/xapi/forwards":                                 {"url"},
	"POST /xapi/statements":                                      {"actor", "verb", "object"},
	"PUT /xapi/statements?statementId={uuid}":                    {"actor", "verb", "object"},
}

// TestBadInputOnEveryWriteRoute sends every JSON write route of the matrix,
// as a caller allowed to use it, bodies with a field missing, a field of the
// wrong type, a body too large, a body that is not JSON, and ids that name
// nothing or another organization's rows. Each must be a 4xx JSON error
// (naming the field where there is one) that leaves every table as it was.
func TestBadInputOnEveryWriteRoute(t *testing.T) {
	db, api, a, b := startMatrix(t, "bad")
	other := fresh(t, db, b)

	checked := 0
	for _, rt := range matrix {
		if rt.method == "GET" {
			continue
		}
		// An xAPI document is whatever the client stores: only its size
		// is checked.
		document := strings.HasPrefix(rt.path, "/xapi/") && !strings.HasPrefix(rt.path, "/xapi/statements")
		jsonBody := strings.HasPrefix(rt.body, "{") && !document
		actor := ""
		for i, st := range strings.Fields(rt.own) {
			if st[0] == '2' && roles[i] != "anonymous" {
				actor = roles[i]
				break
			}
		}
		if actor == "" {
			continue // no caller may succeed (a conflict by design); the matrix covers it
		}
		key := rt.method + " " + rt.path
		t.Run(key, func(t *testing.T) {
			r := fresh(t, db, a)
			r["uniq"], r["part"] = testenv.RandomID(4), "1"
			if strings.Contains(rt.path, "{upload}") {
				r["upload"] = newUpload(t, api.Base, a.Tokens["instructor"])
			}
			token := a.Tokens[actor]
			path := r.expand(rt.path)
			var valid map[string]any
			if jsonBody {
				if err := json.Unmarshal([]byte(r.expand(rt.body)), &valid); err != nil {
					t.Fatalf("matrix body: %v", err)
				}
			}
			var validBody []byte
			if rt.body != "" {
				validBody = []byte(r.expand(rt.body))
			}
			send := func(what, p string, body []byte, ctype string, wantStatus []int, wantField string) {
				t.Helper()
				before := counts(t, db)
				st, m := do(t, api.Base, rt.method, p, token, body, ctype)
				checked++
				code, field, msg := errorOf(m)
				ok := false
				for _, w := range wantStatus {
					ok = ok || st == w
				}
				if !ok || code == "" || msg == "" {
					t.Errorf("%s: got %d %q %q, want one of %v with a JSON error", what, st, code, msg, wantStatus)
				}
				if wantField != "" && !strings.HasPrefix(field, wantField) {
					t.Errorf("%s: error names field %q (%s), want %q", what, field, msg, wantField)
				}
				after := counts(t, db)
				for tbl, n := range before {
					if after[tbl] != n {
						t.Errorf("%s: table %s went from %d to %d rows", what, tbl, n, after[tbl])
					}
				}
			}
			// A required field missing.
			for _, f := range required[key] {
				if !jsonBody {
					break
				}
				body := cloneWithout(valid, f)
				send("without "+f, path, body, "", []int{400, 422}, f)
			}
			// Each field with a value of the wrong JSON type.
			for _, f := range sortedKeys(valid) {
				body := cloneWith(valid, f, wrongType(valid[f]))
				send(fmt.Sprintf("%s as %T", f, wrongType(valid[f])), path, body, "", []int{400, 422}, f)
			}
			if jsonBody {
				// An unknown field.
				send("unknown field", path, cloneWith(valid, "colour", "blue"), "", []int{400}, "colour")
				// Not JSON, and not declared as JSON.
				send("malformed JSON", path, []byte(`{"title": `), "", []int{400}, "")
				send("text/plain body", path, []byte(`hello`), "text/plain", []int{400, 415}, "")
			}
			// Larger than the limit (a /bulk route's limit is larger): the
			// answer comes before the body is sent.
			limit := 1 << 20
			if strings.HasSuffix(path, "/bulk") {
				limit = 16 << 20
			}
			if !strings.Contains(path, "/parts/") { // a part's size is fixed by its upload; covered in videos
				before := counts(t, db)
				st, m := oversized(t, api.Base, rt.method, path, token, limit+1)
				checked++
				if code, _, _ := errorOf(m); st != 413 || code != "too_large" {
					t.Errorf("oversized body: got %d %v, want 413 too_large", st, m)
				}
				if after := counts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("oversized body changed the tables: %v → %v", before, after)
				}
			}
			// Path ids that name nothing, or another organization's rows (an
			// xAPI document's agent names a person, not a row: another one is
			// someone else's, 403, as the matrix checks).
			for _, name := range []string{"course", "course2", "module", "module2", "lesson", "lesson2", "group", "webhook", "xapiforward", "xapicred", "upload", "video", "encode2", "user:learner", "user:coinstructor"} {
				id, ok := r[name]
				if !ok || !strings.Contains(path, id) || document {
					continue
				}
				unknown := strings.Replace(path, id, "00000000-0000-4000-8000-000000000000", 1)
				send("unknown "+name, unknown, validBody, "", []int{404}, "")
				if oid, ok := other[name]; ok {
					send("other org's "+name, strings.Replace(path, id, oid, 1), validBody, "", []int{404}, "")
				}
			}
			// Body ids of another organization.
			for _, f := range sortedKeys(valid) {
				s, ok := valid[f].(string)
				if !ok {
					continue
				}
				for name, id := range r {
					if s == id && other[name] != "" && strings.HasSuffix(f, "_id") {
						send("other org's "+f, path, cloneWith(valid, f, other[name]), "", []int{404, 422}, f)
					}
				}
			}
		})
	}
	t.Logf("bad-input cases: %d", checked)
}

// oversized sends a request with a JSON body of n bytes, writing the body
// while it reads the answer: the server may answer before it has read the
// body (and close the connection) or after draining it.
func oversized(t *testing.T, base, method, path, token string, n int) (int, map[string]any) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: lectern\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, path, token, n)
		body := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), n-10)...)
		_, _ = conn.Write(append(body, '"', '}'))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("oversized %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func cloneWith(m map[string]any, k string, v any) []byte {
	c := map[string]any{}
	for kk, vv := range m {
		c[kk] = vv
	}
	c[k] = v
	b, _ := json.Marshal(c)
	return b
}

func cloneWithout(m map[string]any, k string) []byte {
	c := map[string]any{}
	for kk, vv := range m {
		if kk != k {
			c[kk] = vv
		}
	}
	b, _ := json.Marshal(c)
	return b
}

// wrongType returns a value of another JSON type than v.
func wrongType(v any) any {
	switch v.(type) {
	case string:
		return 12345
	case float64, bool:
		return "not a number"
	case []any:
		return "not a list"
	case map[string]any:
		return []any{1, 2}
	}
	return map[string]any{"x": 1}
}
