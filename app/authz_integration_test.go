package app_test

import (
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/lectern/lectern/app"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/player"
)

// route is one row of the authorization matrix: a request (path and body
// with {resource} placeholders, see fresh) and the exact status each role
// gets, in the order of roles (admin, instructor, learner, ops, anonymous),
// when the caller belongs to the organization that holds the resources
// (own) and when it belongs to another organization (other).
type route struct {
	method, path, body string
	own, other         string
}

// The instructor owns the courses, the video and the upload; the learner is
// enrolled in the course and a member of the group; "other" callers hold
// the same roles in a second organization and name the first one's ids.
var matrix = []route{
	// Public.
	{"GET", "/healthz", "", "200 200 200 200 200", "200 200 200 200 200"},
	{"GET", "/api/openapi.json", "", "200 200 200 200 200", "200 200 200 200 200"},

	// Identity: sessions, me, tokens, organization.
	{"POST", "/api/v1/sessions", `{"email":"{email:learner}","password":"correct horse battery"}`, "201 201 201 201 201", "201 201 201 201 201"},
	{"DELETE", "/api/v1/sessions/current", "", "204 204 204 204 401", "204 204 204 204 401"},
	{"GET", "/api/v1/me", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"GET", "/api/v1/me/tokens", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"POST", "/api/v1/me/tokens", `{"name":"ci","scopes":["courses:read"]}`, "201 201 201 201 401", "201 201 201 201 401"},
	{"DELETE", "/api/v1/me/tokens/{token}", "", "204 404 404 404 401", "404 404 404 404 401"},
	{"GET", "/api/v1/organization", "", "200 200 200 200 401", "200 200 200 200 401"},
	// Users and groups: admins; anyone may read their own user.
	{"GET", "/api/v1/users", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/users", `{"email":"new-{uniq}@example.com","name":"New"}`, "201 403 403 403 401", "201 403 403 403 401"},
	{"POST", "/api/v1/users/bulk", `{"users":[{"email":"bulk-{uniq}@example.com","name":"Bulk"}]}`, "200 403 403 403 401", "200 403 403 403 401"},
	{"GET", "/api/v1/users/{user:learner}", "", "200 404 200 404 401", "404 404 404 404 401"},
	{"PATCH", "/api/v1/users/{user:learner}", `{"name":"Renamed"}`, "200 403 403 403 401", "404 403 403 403 401"},
	{"GET", "/api/v1/groups", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/groups", `{"name":"G {uniq}"}`, "201 403 403 403 401", "201 403 403 403 401"},
	{"GET", "/api/v1/groups/{group}", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"PATCH", "/api/v1/groups/{group}", `{"name":"R {uniq}"}`, "200 403 403 403 401", "404 403 403 403 401"},
	{"DELETE", "/api/v1/groups/{group}", "", "204 403 403 403 401", "404 403 403 403 401"},
	{"GET", "/api/v1/groups/{group}/members", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"POST", "/api/v1/groups/{group}/members", `{"user_ids":["{user:learner2}"]}`, "200 403 403 403 401", "404 403 403 403 401"},
	{"DELETE", "/api/v1/groups/{group}/members/{user:learner}", "", "204 403 403 403 401", "404 403 403 403 401"},

	// Courses: authors create; the course's staff (owner, co-instructors)
	// and admins change it; every member may see a published one.
	{"GET", "/api/v1/catalog", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"GET", "/api/v1/courses", "", "200 200 403 403 401", "200 200 403 403 401"},
	{"POST", "/api/v1/courses", `{"title":"New course"}`, "201 201 403 403 401", "201 201 403 403 401"},
	{"GET", "/api/v1/courses/{course}", "", "200 200 200 200 401", "404 404 404 404 401"},
	{"GET", "/api/v1/courses/{draft}", "", "200 200 404 404 401", "404 404 404 404 401"},
	{"PATCH", "/api/v1/courses/{course}", `{"summary":"changed"}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{draft}", "", "204 204 404 404 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{course}", "", "409 409 403 403 401", "404 404 404 404 401"},
	{"PUT", "/api/v1/courses/{course}/outline", `{"modules":[{"id":"{module2}","lessons":["{lesson2}","{lesson}"]},{"id":"{module}","lessons":[]}]}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/courses/{course}/modules", `{"title":"Week 3"}`, "201 201 403 403 401", "404 404 404 404 401"},
	{"PATCH", "/api/v1/courses/{course}/modules/{module}", `{"title":"Week one"}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{course}/modules/{module2}", "", "204 204 403 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/courses/{course}/lessons", `{"module_id":"{module}","title":"Notes","kind":"text","body":"# Notes"}`, "201 201 403 403 401", "404 404 404 404 401"},
	{"PATCH", "/api/v1/courses/{course}/lessons/{lesson2}", `{"title":"Reading"}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{course}/lessons/{lesson2}", "", "204 204 403 403 401", "404 404 404 404 401"},
	{"GET", "/api/v1/courses/{course}/instructors", "", "200 200 403 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/courses/{course}/instructors", `{"user_id":"{user:instructor2}"}`, "201 201 403 403 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{course}/instructors/{user:coinstructor}", "", "204 204 403 403 401", "404 404 404 404 401"},
	// Checkpoints, policy and analytics: the course's staff. Playback: the
	// enrolled learner and staff (the fixture's video points at no
	// current encode, so an allowed caller gets 409 not_ready). Attempts: the
	// enrolled learner; staff preview (graded, not stored).
	{"GET", "/api/v1/courses/{course}/lessons/{lesson}/checkpoints", "", "200 200 403 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/courses/{course}/lessons/{lesson}/checkpoints", `{"at":5,"questions":[{"type":"true_false","prompt":"Sure?","options":[{"text":"True","correct":true},{"text":"False"}]}]}`, "201 201 403 403 401", "404 404 404 404 401"},
	{"PATCH", "/api/v1/courses/{course}/lessons/{lesson}/checkpoints/{checkpoint}", `{"at":12,"must_pass":false}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"DELETE", "/api/v1/courses/{course}/lessons/{lesson}/checkpoints/{checkpoint}", "", "204 204 403 403 401", "404 404 404 404 401"},
	{"GET", "/api/v1/courses/{course}/lessons/{lesson}/policy", "", "200 200 403 403 401", "404 404 404 404 401"},
	{"PUT", "/api/v1/courses/{course}/lessons/{lesson}/policy", `{"navigation":"no_skip_ahead","max_speed":1.5,"completion_threshold":0.8,"mastery_score":0.5}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"GET", "/api/v1/courses/{course}/lessons/{lesson}/analytics", "", "200 200 403 403 401", "404 404 404 404 401"},
	{"GET", "/api/v1/courses/{course}/lessons/{lesson}/playback", "", "409 409 409 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/checkpoints/{checkpoint}/attempts", `{"answers":[{"question_id":"q1","response":"b"}]}`, "200 200 200 403 401", "404 404 404 404 401"},
	{"GET", "/play/{uuid}/*", "", "403 403 403 403 403", "403 403 403 403 403"},
	// Quiz lessons: staff read (with keys) and change the quiz; the
	// enrolled learner reads its rules and takes it; an attempt is its
	// learner's alone (anyone else: as if it did not exist).
	{"GET", "/api/v1/courses/{course2}/lessons/{quiz}/quiz", "", "200 200 200 403 401", "404 404 404 404 401"},
	{"PUT", "/api/v1/courses/{course2}/lessons/{quiz}/quiz", `{"attempts_allowed":3,"time_limit_seconds":600,"pass_score":0.5}`, "200 200 403 403 401", "404 404 404 404 401"},
	{"POST", "/api/v1/courses/{course2}/lessons/{quiz}/quiz/attempts", `{}`, "403 403 200 403 401", "404 404 404 404 401"},
	{"GET", "/api/v1/quiz-attempts/{quizattempt}", "", "404 404 200 404 401", "404 404 404 404 401"},
	{"PUT", "/api/v1/quiz-attempts/{quizattempt}/answers", `{"answers":[{"question_id":"q1","response":"b"}]}`, "404 404 200 404 401", "404 404 404 404 401"},
	{"POST", "/api/v1/quiz-attempts/{quizattempt}/submit", `{"answers":[{"question_id":"q1","response":"a"}]}`, "404 404 200 404 401", "404 404 404 404 401"},
	// Progress: the enrolled learner's own; ops never.
	{"GET", "/api/v1/courses/{course}/progress", "", "403 403 200 403 401", "404 404 404 403 401"},
	{"POST", "/api/v1/courses/{course}/lessons/{lesson}/progress", `{"status":"in_progress"}`, "403 403 200 403 401", "404 404 404 403 401"},

	// Enrollments: staff enroll others, learners themselves; ops never.
	{"POST", "/api/v1/courses/{course}/enrollments", `{"user_id":"{user:learner2}"}`, "201 201 403 403 401", "404 404 404 403 401"},
	{"POST", "/api/v1/courses/{course2}/enrollments", `{}`, "201 201 200 403 401", "404 404 404 403 401"},
	{"GET", "/api/v1/courses/{course}/enrollments", "", "200 200 403 403 401", "404 404 404 403 401"},
	{"GET", "/api/v1/courses/{course}/enrollments/{user:learner}", "", "200 200 200 403 401", "404 404 404 403 401"},
	{"PATCH", "/api/v1/courses/{course}/enrollments/{user:learner}", `{"due_at":"2031-01-01T00:00:00Z"}`, "200 200 403 403 401", "404 404 404 403 401"},
	{"DELETE", "/api/v1/courses/{course}/enrollments/{user:learner}", "", "204 204 204 403 401", "404 404 404 403 401"},
	{"POST", "/api/v1/courses/{course}/enrollments/bulk", `{"rows":[{"email":"{email:learner2}"}]}`, "200 200 403 403 401", "404 404 404 403 401"},
	{"GET", "/api/v1/me/enrollments", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"GET", "/api/v1/enrollment-rules", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/enrollment-rules", `{"group_id":"{group2}","course_id":"{course}"}`, "201 403 403 403 401", "422 403 403 403 401"},
	{"DELETE", "/api/v1/enrollment-rules/{rule}", "", "204 403 403 403 401", "404 403 403 403 401"},

	// Webhooks: admins.
	{"GET", "/api/v1/webhooks", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/webhooks", `{"url":"http://127.0.0.1:9/hook","events":["enrollment.created"]}`, "201 403 403 403 401", "201 403 403 403 401"},
	{"GET", "/api/v1/webhooks/{webhook}", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"PATCH", "/api/v1/webhooks/{webhook}", `{"description":"CRM"}`, "200 403 403 403 401", "404 403 403 403 401"},
	{"DELETE", "/api/v1/webhooks/{webhook}", "", "204 403 403 403 401", "404 403 403 403 401"},
	{"GET", "/api/v1/webhooks/{webhook}/deliveries", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"POST", "/api/v1/webhooks/{webhook}/ping", "", "202 403 403 403 401", "404 403 403 403 401"},

	// Videos: instructors and admins upload (an upload is its owner's);
	// staff and ops see the library and the queue; a learner sees a video
	// only as a lesson of a course they are enrolled in.
	{"POST", "/api/v1/uploads", `{"filename":"lecture.mp4","size":1}`, "201 201 403 403 401", "201 201 403 403 401"},
	{"GET", "/api/v1/uploads/{upload}", "", "200 200 403 403 401", "404 404 403 403 401"},
	{"PUT", "/api/v1/uploads/{upload}/parts/{part}", "x", "200 200 403 403 401", "404 404 403 403 401"},
	{"POST", "/api/v1/uploads/{upload}/complete", "", "409 409 403 403 401", "404 404 403 403 401"},
	{"DELETE", "/api/v1/uploads/{upload}", "", "204 204 403 403 401", "404 404 403 403 401"},
	{"GET", "/api/v1/videos", "", "200 200 403 200 401", "200 200 403 200 401"},
	{"GET", "/api/v1/videos/{video}", "", "200 200 200 200 401", "404 404 404 404 401"},
	{"POST", "/api/v1/videos/{video}/encodes", "", "201 201 403 201 401", "404 404 403 404 401"},
	{"GET", "/api/v1/encodes/{encode}", "", "200 200 403 200 401", "404 404 403 404 401"},
	{"POST", "/api/v1/encodes/{encode2}/cancel", "", "200 200 403 200 401", "404 404 403 404 401"},

	// The LRS (doH sends X-Experience-API-Version: 2.0.0 there). A
	// signed-in user's token writes and reads statements whose actor is
	// their own account, their own state and agent profile, and reads an
	// activity's profile; xAPI credentials (HTTP Basic) are tested in xapi/.
	{"GET", "/xapi/about", "", "200 200 200 200 200", "200 200 200 200 200"},
	{"GET", "/xapi/statements", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"POST", "/xapi/statements", `{"actor":{"objectType":"Agent","account":{"homePage":"http://api.test/orgs/{org}","name":"{user:learner}"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"http://api.test/courses/{course}"}}`, "403 403 200 403 401", "403 403 403 403 401"},
	{"PUT", "/xapi/statements?statementId={uuid}", `{"actor":{"objectType":"Agent","account":{"homePage":"http://api.test/orgs/{org}","name":"{user:learner}"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"http://api.test/courses/{course}"}}`, "403 403 204 403 401", "403 403 403 403 401"},
	{"GET", "/xapi/activities/state?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D", "", "403 403 200 403 401", "403 403 403 403 401"},
	{"PUT", "/xapi/activities/state?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D&stateId=s", `{"at":1}`, "403 403 204 403 401", "403 403 403 403 401"},
	{"POST", "/xapi/activities/state?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D&stateId=s", `{"at":1}`, "403 403 204 403 401", "403 403 403 403 401"},
	{"DELETE", "/xapi/activities/state?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D", "", "403 403 204 403 401", "403 403 403 403 401"},
	{"GET", "/xapi/activities/profile?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"PUT", "/xapi/activities/profile?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&profileId=p", `{"at":1}`, "403 403 403 403 401", "403 403 403 403 401"},
	{"POST", "/xapi/activities/profile?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&profileId=p", `{"at":1}`, "403 403 403 403 401", "403 403 403 403 401"},
	{"DELETE", "/xapi/activities/profile?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx&profileId=p", "", "403 403 403 403 401", "403 403 403 403 401"},
	{"GET", "/xapi/agents/profile?agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D", "", "403 403 200 403 401", "403 403 403 403 401"},
	{"PUT", "/xapi/agents/profile?agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D&profileId=p", `{"at":1}`, "403 403 204 403 401", "403 403 403 403 401"},
	{"POST", "/xapi/agents/profile?agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D&profileId=p", `{"at":1}`, "403 403 204 403 401", "403 403 403 403 401"},
	{"DELETE", "/xapi/agents/profile?agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D&profileId=p", "", "403 403 204 403 401", "403 403 403 403 401"},
	{"GET", "/xapi/agents?agent=%7B%22account%22%3A%7B%22homePage%22%3A%22http%3A%2F%2Fapi.test%2Forgs%2F{org}%22%2C%22name%22%3A%22{user:learner}%22%7D%7D", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"POST", "/xapi/agents", `{"at":1}`, "405 405 405 405 401", "405 405 405 405 401"},
	{"GET", "/xapi/activities?activityId=http%3A%2F%2Fapi.test%2Fcourses%2Fx", "", "200 200 200 200 401", "200 200 200 200 401"},
	{"POST", "/xapi/activities", `{"at":1}`, "405 405 405 405 401", "405 405 405 405 401"},
	// xAPI credentials: admins.
	{"GET", "/api/v1/xapi/credentials", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/xapi/credentials", `{"name":"LMS {uniq}","scopes":["statements/write"]}`, "201 403 403 403 401", "201 403 403 403 401"},
	{"GET", "/api/v1/xapi/credentials/{xapicred}", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"DELETE", "/api/v1/xapi/credentials/{xapicred}", "", "204 403 403 403 401", "404 403 403 403 401"},
	// Forwarding to an organization's own LRS: admins.
	{"GET", "/api/v1/xapi/forwards", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"POST", "/api/v1/xapi/forwards", `{"url":"https://lrs.example.com/xapi","username":"k","password":"s"}`, "201 403 403 403 401", "201 403 403 403 401"},
	{"GET", "/api/v1/xapi/forwards/{xapiforward}", "", "200 403 403 403 401", "404 403 403 403 401"},
	{"PATCH", "/api/v1/xapi/forwards/{xapiforward}", `{"active":false}`, "200 403 403 403 401", "404 403 403 403 401"},
	{"DELETE", "/api/v1/xapi/forwards/{xapiforward}", "", "204 403 403 403 401", "404 403 403 403 401"},
	// The record: admins browse and export their organization's statements.
	{"GET", "/api/v1/xapi/statements", "", "200 403 403 403 401", "200 403 403 403 401"},
	{"GET", "/api/v1/xapi/statements/export?format=csv", "", "200 403 403 403 401", "200 403 403 403 401"},
}

// pages are the web UI: static shells (their data comes from the API), the
// same for everyone.
func pageRoutes() []route {
	want := "503 503 503 503 503" // a binary built without `make player`
	if player.Built() {
		want = "200 200 200 200 200"
	}
	var out []route
	for _, p := range player.Pages {
		path := regexp.MustCompile(`:(\w+)`).ReplaceAllString(p.Route, "{course}")
		out = append(out, route{"GET", path, "", want, want})
	}
	return out
}

// TestAuthorizationMatrix sends every route as every role, from the
// resources' own organization and from another one, against the whole app
// on real PostgreSQL, MinIO and Redis, and checks the exact status.
func TestAuthorizationMatrix(t *testing.T) {
	db, api, a, b := startMatrix(t, "org")

	routes := append(append([]route{}, matrix...), pageRoutes()...)
	covered := map[string]bool{}
	cases := 0
	for _, rt := range routes {
		covered[rt.method+" "+normalize(rt.path)] = true
		for _, side := range []string{"own", "other"} {
			want := strings.Fields(rt.own)
			caller := a
			if side == "other" {
				want, caller = strings.Fields(rt.other), b
			}
			if len(want) != len(roles) {
				t.Fatalf("%s %s: %d expectations for %d roles", rt.method, rt.path, len(want), len(roles))
			}
			for i, role := range roles {
				name := fmt.Sprintf("%s %s/%s/%s", rt.method, rt.path, side, role)
				r := fresh(t, db, a)
				r["uniq"], r["part"] = testenv.RandomID(4), "1"
				if strings.Contains(rt.path, "{upload}") {
					r["upload"] = newUpload(t, api.Base, a.Tokens["instructor"])
				}
				token := ""
				if role != "anonymous" {
					token = caller.Tokens[role]
				}
				path, body := r.expand(rt.path), []byte(r.expand(rt.body))
				ctype := ""
				if rt.body == "" {
					body = nil
				}
				hdr := map[string]string{}
				if rt.method == "PUT" && strings.Contains(rt.path, "/parts/") {
					ctype = "application/octet-stream"
					hdr["X-Chunk-CRC32C"] = fmt.Sprintf("%08x", crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
				}
				got, m := doH(t, api.Base, rt.method, path, token, body, ctype, hdr)
				cases++
				if fmt.Sprint(got) != want[i] {
					code, field, msg := errorOf(m)
					t.Errorf("%s: got %d, want %s (%s %s %s)", name, got, want[i], code, field, msg)
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes × %d roles × 2 organizations = %d cases", len(routes), len(roles), cases)

	// Every route the app serves is in the matrix.
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	app := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &app.Deps{})
	for _, r := range app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" || strings.HasPrefix(r.Path, "/player") || r.Path == "/" {
			continue
		}
		if !covered[r.Method+" "+normalize(r.Path)] {
			t.Errorf("route %s %s is not in the authorization matrix", r.Method, r.Path)
		}
	}
}

var paramRE = regexp.MustCompile(`[:{][\w:]+}?`)

// normalize turns /courses/:id and /courses/{course} into /courses/*, and
// drops the query.
func normalize(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return paramRE.ReplaceAllString(p, "*")
}

// newUpload opens an upload of one byte as the instructor.
func newUpload(t *testing.T, base, token string) string {
	t.Helper()
	st, m := do(t, base, "POST", "/api/v1/uploads", token, []byte(`{"filename":"lecture.mp4","size":1}`), "")
	if st != 201 {
		t.Fatalf("create upload: %d %v", st, m)
	}
	return m["id"].(string)
}
