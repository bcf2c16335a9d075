package courses_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/enrollments"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/testenv"
)

// courseEnv is the whole app over a fresh schema, with users made directly
// in the database (the identity API is not what these tests exercise).
type courseEnv struct {
	t   *testing.T
	db  *pgxpool.Pool
	api *apptest.API
	org string
}

func newCourseEnv(t *testing.T) *courseEnv {
	db := testenv.DB(t)
	e := &courseEnv{t: t, db: db, api: apptest.StartApp(t, db, apptest.AppOptions{})}
	e.sql(`select org_id::text from users where email = 'admin@localhost'`).Scan(&e.org)
	return e
}

func (e *courseEnv) sql(q string, args ...any) pgx.Row {
	return e.db.QueryRow(context.Background(), q, args...)
}

func (e *courseEnv) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(context.Background(), q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// courseUser is a user with an API token carrying every scope.
type courseUser struct {
	e     *courseEnv
	ID    string
	token string
}

func (e *courseEnv) user(org, email string, roles ...string) *courseUser {
	e.t.Helper()
	u := &courseUser{e: e}
	if err := e.sql(`insert into users (org_id, email, name, roles) values ($1, $2, $3, $4) returning id::text`,
		org, email, "User "+email, roles).Scan(&u.ID); err != nil {
		e.t.Fatal(err)
	}
	secret, hash := auth.NewSecret()
	e.exec(`insert into tokens (org_id, user_id, kind, name, hash, scopes) values ($1, $2, 'api', 'test', $3, '{*}')`, org, u.ID, hash)
	u.token = secret
	return u
}

// admin is the bootstrap admin (apptest.Token).
func (e *courseEnv) admin() *courseUser {
	u := &courseUser{e: e, token: apptest.Token}
	e.sql(`select id::text from users where email = 'admin@localhost'`).Scan(&u.ID)
	return u
}

// call sends body (marshalled unless already bytes) and decodes a 2xx
// answer into out.
func (u *courseUser) call(method, path string, body any, out any) (int, map[string]any) {
	u.e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	return u.e.api.Call(method, "/api/v1"+path, b, map[string]string{"Authorization": "Bearer " + u.token}, out)
}

// must is call expecting status want.
func (u *courseUser) must(want int, method, path string, body any, out any) map[string]any {
	u.e.t.Helper()
	code, m := u.call(method, path, body, out)
	if code != want {
		u.e.t.Fatalf("%s %s: %d %v, want %d", method, path, code, m, want)
	}
	return m
}

// fails is call expecting an error status naming field ("" for any).
func (u *courseUser) fails(want int, field, method, path string, body any) {
	u.e.t.Helper()
	code, m := u.call(method, path, body, nil)
	if code != want {
		u.e.t.Fatalf("%s %s: %d %v, want %d", method, path, code, m, want)
	}
	if field != "" {
		errm, _ := m["error"].(map[string]any)
		if errm["field"] != field {
			u.e.t.Fatalf("%s %s: error %v, want field %s", method, path, m, field)
		}
	}
}

// video inserts a video of org with status and, when ready, a succeeded
// encode.
func (e *courseEnv) video(org, status string) string {
	e.t.Helper()
	id, enc := uuid.NewString(), uuid.NewString()
	e.exec(`insert into videos (id, org_id, title, status, source_key, source_size, duration, current_encode_id)
		values ($1, $2, 'clip', $3, 'uploads/x/source', 100, 12.5, $4)`, id, org, status, enc)
	dir := "videos/" + id
	e.exec(`insert into encodes (id, org_id, video_id, state, prefix, hls_path, dash_path, poster_path)
		values ($1, $2, $3, 'succeeded', $4, $5, $6, $7)`,
		enc, org, id, dir+"/"+enc, dir+"/hls/master.m3u8", dir+"/dash/manifest.mpd", dir+"/poster.jpg")
	return id
}

func (e *courseEnv) enroll(courseID, userID string) {
	e.t.Helper()
	e.exec(`insert into enrollments (org_id, course_id, user_id, source) values ($1, $2, $3, 'admin')`, e.org, courseID, userID)
}

func lessonOf(c courses.Course, id string) *courses.Lesson {
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if l.ID == id {
				return l
			}
		}
	}
	return nil
}

func TestCourseLifecycle(t *testing.T) {
	e := newCourseEnv(t)
	inst := e.user(e.org, "inst@example.com", "instructor")
	co := e.user(e.org, "co@example.com", "instructor")
	learner := e.user(e.org, "learner@example.com", "learner")
	stranger := e.user(e.org, "stranger@example.com", "learner")
	ops := e.user(e.org, "ops@example.com", "ops")
	admin := e.admin()

	// Create: instructors and admins only; a learner or ops gets 403.
	learner.fails(403, "", "POST", "/courses", map[string]any{"title": "x"})
	ops.fails(403, "", "GET", "/courses", nil)
	inst.fails(400, "title", "POST", "/courses", map[string]any{"summary": "no title"})
	inst.fails(400, "title", "POST", "/courses", map[string]any{"title": 5})
	inst.fails(400, "tags", "POST", "/courses", map[string]any{"title": "t", "tags": "go"})
	inst.fails(400, "title", "POST", "/courses", map[string]any{"title": strings.Repeat("x", 201)})
	inst.fails(400, "description", "POST", "/courses", map[string]any{"title": "t", "description": strings.Repeat("x", 100_001)})
	var course courses.Course
	inst.must(201, "POST", "/courses", map[string]any{"title": "Go Concurrency", "summary": "Threads, simply",
		"description": "Learn about **goroutines** and channels.\n\n<script>alert(1)</script>", "tags": []string{"Go", "concurrency"}}, &course)
	if course.Owner.ID != inst.ID || course.Status != "draft" || !strings.Contains(course.DescriptionHTML, "<strong>goroutines</strong>") ||
		strings.Contains(course.DescriptionHTML, "script") || !slices.Equal(course.Tags, []string{"go", "concurrency"}) {
		t.Fatalf("created %+v", course)
	}
	cp := "/courses/" + course.ID
	learner.fails(404, "", "GET", cp, nil) // a draft is staff-only
	learner.fails(404, "", "GET", "/courses/not-a-uuid", nil)
	inst.fails(422, "status", "PATCH", cp, map[string]any{"status": "published"}) // no lessons yet

	// Outline.
	var m1, m2 courses.Module
	inst.must(201, "POST", cp+"/modules", map[string]any{"title": "Basics"}, &m1)
	inst.must(201, "POST", cp+"/modules", map[string]any{"title": "Channels"}, &m2)
	inst.fails(400, "title", "POST", cp+"/modules", map[string]any{})
	ready, queued := e.video(e.org, "ready"), e.video(e.org, "processing")
	var org2 string // another organization, with a ready video
	if err := e.sql(`insert into organizations (slug, name) values ('other', 'Other') returning id::text`).Scan(&org2); err != nil {
		t.Fatal(err)
	}
	foreignVideo := e.video(org2, "ready")
	lesson := func(title, kind, video string, module string) map[string]any {
		b := map[string]any{"module_id": module, "title": title, "kind": kind}
		if video != "" {
			b["video_id"] = video
		}
		return b
	}
	inst.fails(422, "video_id", "POST", cp+"/lessons", lesson("v", "video", queued, m1.ID))
	inst.fails(422, "video_id", "POST", cp+"/lessons", lesson("v", "video", foreignVideo, m1.ID))
	inst.fails(422, "video_id", "POST", cp+"/lessons", lesson("v", "video", uuid.NewString(), m1.ID))
	inst.fails(400, "video_id", "POST", cp+"/lessons", lesson("v", "video", "", m1.ID))
	inst.fails(400, "kind", "POST", cp+"/lessons", lesson("v", "audio", "", m1.ID))
	inst.fails(422, "module_id", "POST", cp+"/lessons", lesson("v", "text", "", uuid.NewString()))
	inst.fails(400, "body", "POST", cp+"/lessons", map[string]any{"module_id": m1.ID, "title": "t", "kind": "text", "body": strings.Repeat("y", 200_001)})
	var l1, l2, l3 courses.Lesson
	inst.must(201, "POST", cp+"/lessons", lesson("Intro video", "video", ready, m1.ID), &l1)
	inst.must(201, "POST", cp+"/lessons", map[string]any{"module_id": m1.ID, "title": "Reading", "kind": "text", "body": "## Go\n\nUse `go f()`."}, &l2)
	inst.must(201, "POST", cp+"/lessons", map[string]any{"module_id": m2.ID, "title": "Select", "kind": "text", "body": "select {}"}, &l3)
	if l2.BodyHTML != "<h2>Go</h2>\n<p>Use <code>go f()</code>.</p>\n" || l1.Video == nil || l1.Position != 1 || l2.Position != 2 {
		t.Fatalf("lessons %+v %+v", l1, l2)
	}

	// Publish, then the catalog finds it by a word of its description.
	inst.must(200, "PATCH", cp, map[string]any{"status": "published"}, &course)
	if course.PublishedAt == nil || course.LessonCount != 3 {
		t.Fatalf("published %+v", course)
	}
	var page struct {
		Items      []courses.Course `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
	learner.must(200, "GET", "/catalog?q=goroutine", nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != course.ID {
		t.Fatalf("catalog search: %+v", page)
	}
	for _, q := range []string{"q=kubernetes", "tag=rust", "instructor_id=" + learner.ID, "language=fr"} {
		learner.must(200, "GET", "/catalog?"+q, nil, &page)
		if len(page.Items) != 0 {
			t.Fatalf("catalog %s: %+v", q, page)
		}
	}
	learner.must(200, "GET", "/catalog?tag=go&language=en&instructor_id="+inst.ID, nil, &page)
	if len(page.Items) != 1 {
		t.Fatalf("catalog filters: %+v", page)
	}
	learner.fails(400, "instructor_id", "GET", "/catalog?instructor_id=x", nil)

	// A learner (not enrolled) sees the outline, without sources, media
	// URLs, lesson bodies or progress: media comes only from a lesson's
	// playback, to those allowed to watch.
	var seen courses.Course
	learner.must(200, "GET", cp, nil, &seen)
	v := lessonOf(seen, l1.ID)
	if len(seen.Modules) != 2 || v == nil || v.Video == nil || v.Body != nil || v.Locked != nil {
		t.Fatalf("learner view %+v", seen)
	}
	if v.Video.HLS != nil || v.Video.DASH != nil || v.Video.Poster != nil || v.Video.Status != "ready" {
		t.Fatalf("a learner's view of the video %+v", v.Video)
	}
	for _, m := range seen.Modules {
		for _, l := range m.Lessons {
			if l.BodyHTML != "" {
				t.Fatalf("a learner not enrolled reads lesson %s's body", l.ID)
			}
		}
	}
	var staffView courses.Course
	inst.must(200, "GET", cp, nil, &staffView)
	if sv := lessonOf(staffView, l1.ID); sv.Video.HLS == nil || *sv.Video.HLS != "http://cdn.test/videos/"+ready+"/hls/master.m3u8" ||
		sv.Video.Player != "http://api.test/watch/"+ready {
		t.Fatalf("staff's view of the video %+v", sv.Video)
	}
	learner.fails(403, "", "PATCH", cp, map[string]any{"title": "mine"})
	learner.fails(403, "", "GET", cp+"/instructors", nil)

	// Reorder: Reading moves to the front of Channels, Channels first.
	inst.fails(422, "modules", "PUT", cp+"/outline", map[string]any{"modules": []any{
		map[string]any{"id": m1.ID, "lessons": []string{l1.ID}}}})
	inst.fails(422, "modules", "PUT", cp+"/outline", map[string]any{"modules": []any{
		map[string]any{"id": m2.ID, "lessons": []string{l2.ID, l3.ID, l2.ID}},
		map[string]any{"id": m1.ID, "lessons": []string{l1.ID}}}})
	inst.must(200, "PUT", cp+"/outline", map[string]any{"modules": []any{
		map[string]any{"id": m2.ID, "lessons": []string{l2.ID, l3.ID}},
		map[string]any{"id": m1.ID, "lessons": []string{l1.ID}}}}, &seen)
	if seen.Modules[0].ID != m2.ID || len(seen.Modules[0].Lessons) != 2 || seen.Modules[0].Lessons[0].ID != l2.ID ||
		seen.Modules[0].Lessons[1].ID != l3.ID || seen.Modules[1].Lessons[0].ID != l1.ID || seen.Modules[0].Position != 1 {
		t.Fatalf("reordered %+v", seen.Modules)
	}

	// Prerequisites: Select needs Reading; Basics needs all of Channels.
	inst.must(200, "PATCH", cp+"/lessons/"+l3.ID, map[string]any{"prerequisites": []string{l2.ID}}, nil)
	inst.fails(422, "prerequisites", "PATCH", cp+"/lessons/"+l2.ID, map[string]any{"title": "Renamed", "prerequisites": []string{l3.ID}})
	inst.fails(422, "prerequisites", "PATCH", cp+"/lessons/"+l2.ID, map[string]any{"prerequisites": []string{l2.ID}})
	inst.fails(422, "prerequisites", "PATCH", cp+"/lessons/"+l2.ID, map[string]any{"prerequisites": []string{m1.ID}})
	inst.must(200, "PATCH", cp+"/modules/"+m1.ID, map[string]any{"prerequisites": []string{m2.ID}}, nil)
	inst.fails(422, "prerequisites", "PATCH", cp+"/modules/"+m2.ID, map[string]any{"prerequisites": []string{m1.ID}})
	// Moving Reading (which Select needs) into Basics (which needs all of
	// Channels, Select included) would leave both waiting for each other.
	inst.fails(422, "modules", "PUT", cp+"/outline", map[string]any{"modules": []any{
		map[string]any{"id": m2.ID, "lessons": []string{l3.ID}},
		map[string]any{"id": m1.ID, "lessons": []string{l2.ID, l1.ID}}}})
	inst.must(200, "GET", cp, nil, &seen)
	if lessonOf(seen, l2.ID).Title != "Reading" || lessonOf(seen, l2.ID).ModuleID != m2.ID { // failed requests wrote nothing
		t.Fatalf("a rejected PATCH changed the lesson: %+v", lessonOf(seen, l2.ID))
	}

	// Progress.
	progress := func(u *courseUser, lessonID, status string) (int, courses.Progress) {
		var p courses.Progress
		code, _ := u.call("POST", cp+"/lessons/"+lessonID+"/progress", map[string]any{"status": status}, &p)
		return code, p
	}
	stranger.fails(403, "", "POST", cp+"/lessons/"+l2.ID+"/progress", map[string]any{"status": "completed"})
	stranger.fails(403, "", "GET", cp+"/progress", nil)
	e.enroll(course.ID, learner.ID)
	learner.fails(400, "status", "POST", cp+"/lessons/"+l2.ID+"/progress", map[string]any{"status": "done"})
	learner.fails(404, "", "POST", cp+"/lessons/"+uuid.NewString()+"/progress", map[string]any{"status": "completed"})
	if code, _ := progress(learner, l3.ID, "completed"); code != 423 {
		t.Fatalf("locked lesson: %d", code)
	}
	learner.must(200, "GET", cp, nil, &seen)
	if l := lessonOf(seen, l3.ID); l.Locked == nil || !*l.Locked || l.Progress != "not_started" || !(*lessonOf(seen, l1.ID).Locked) {
		t.Fatalf("locks %+v", seen.Modules)
	}
	steps := []struct {
		lesson, status string
		code           int
		percent        float64
	}{
		{l2.ID, "in_progress", 200, 0},
		{l2.ID, "completed", 200, 33.3},
		{l2.ID, "in_progress", 200, 33.3}, // completed stays completed
		{l1.ID, "completed", 423, 0},      // Basics waits for all of Channels
		{l3.ID, "completed", 200, 66.6},
		{l1.ID, "in_progress", 200, 66.6},
		// A video lesson completes by watching, never by the learner's word.
		{l1.ID, "completed", 409, 0},
	}
	for _, s := range steps {
		code, p := progress(learner, s.lesson, s.status)
		if code != s.code || (code == 200 && p.Percent != s.percent) {
			t.Fatalf("%s %s: %d %+v, want %d %v", s.lesson, s.status, code, p, s.code, s.percent)
		}
	}
	// The assessments complete it (enrollments.Progress, as they call it).
	{
		tenant := testenv.TenantPool(t, e.db)
		pr := &enrollments.Progress{Store: enrollments.NewStore(tenant), Courses: courses.NewStore(tenant)}
		err := database.InOrg(context.Background(), tenant, e.org, func(ctx context.Context, _ pgx.Tx) error {
			return pr.CompleteLesson(ctx, course.ID, l1.ID, learner.ID)
		})
		if err != nil {
			t.Fatalf("complete the video lesson: %v", err)
		}
	}
	var p courses.Progress
	learner.must(200, "GET", cp+"/progress", nil, &p)
	if p.Percent != 100 || p.Status != "completed" || p.CompletedAt == nil || p.Completed != 3 || len(p.Lessons) != 3 {
		t.Fatalf("progress %+v", p)
	}
	var stored float64
	var status string
	e.sql(`select progress, status from enrollments where course_id = $1 and user_id = $2`, course.ID, learner.ID).Scan(&stored, &status)
	if stored != 100 || status != "completed" {
		t.Fatalf("enrollment %v %s", stored, status)
	}
	// Each completion is one event in the log, written with the change.
	var lessonEvents, courseEvents int
	e.sql(`select count(*) filter (where type = 'lesson.completed'), count(*) filter (where type = 'course.completed')
		from events where payload->>'user_id' = $1 and payload->>'course_id' = $2`, learner.ID, course.ID).Scan(&lessonEvents, &courseEvents)
	if lessonEvents != 3 || courseEvents != 1 {
		t.Fatalf("events: %d lesson.completed, %d course.completed", lessonEvents, courseEvents)
	}
	ops.fails(403, "", "GET", cp+"/progress", nil)

	// Watchable: the enrolled learner may watch the lesson's video.
	tenant := testenv.TenantPool(t, e.db)
	h := enrollments.NewStore(tenant)
	for _, c := range []struct {
		user, video string
		want        bool
	}{{learner.ID, ready, true}, {stranger.ID, ready, false}, {learner.ID, queued, false}} {
		var got bool
		err := database.InOrg(context.Background(), tenant, e.org, func(ctx context.Context, _ pgx.Tx) error {
			var err error
			got, err = h.Watchable(ctx, c.user, c.video)
			return err
		})
		if err != nil || got != c.want {
			t.Fatalf("Watchable(%s, %s) = %v, %v; want %v", c.user, c.video, got, err, c.want)
		}
	}

	// Another organization sees nothing of it.
	admin2 := e.user(org2, "admin@other.example", "admin", "instructor")
	admin2.fails(404, "", "GET", cp, nil)
	admin2.fails(404, "", "PATCH", cp, map[string]any{"title": "taken"})
	admin2.must(200, "GET", "/catalog?q=goroutine", nil, &page)
	if len(page.Items) != 0 {
		t.Fatalf("other org catalog: %+v", page)
	}

	// Co-instructors edit but do not choose the staff.
	co.fails(403, "", "PATCH", cp, map[string]any{"title": "Mine"})
	co.fails(403, "", "POST", cp+"/instructors", map[string]any{"user_id": co.ID})
	inst.fails(422, "user_id", "POST", cp+"/instructors", map[string]any{"user_id": learner.ID})
	inst.fails(422, "user_id", "POST", cp+"/instructors", map[string]any{"user_id": admin2.ID})
	inst.fails(400, "user_id", "POST", cp+"/instructors", map[string]any{})
	inst.must(201, "POST", cp+"/instructors", map[string]any{"user_id": co.ID}, nil)
	inst.must(200, "POST", cp+"/instructors", map[string]any{"user_id": co.ID}, nil)
	co.must(200, "PATCH", cp, map[string]any{"title": "Go Concurrency, 2nd ed."}, &course)
	if course.Title != "Go Concurrency, 2nd ed." || len(course.Instructors) != 2 {
		t.Fatalf("co-edited %+v", course)
	}
	co.fails(403, "", "POST", cp+"/instructors", map[string]any{"user_id": admin.ID})
	co.fails(403, "", "DELETE", cp+"/instructors/"+co.ID, nil)
	inst.fails(409, "", "DELETE", cp+"/instructors/"+inst.ID, nil)
	var list struct {
		Items []courses.Instructor `json:"items"`
	}
	co.must(200, "GET", cp+"/instructors", nil, &list)
	if len(list.Items) != 2 || list.Items[0].ID != inst.ID || list.Items[0].Role != "owner" {
		t.Fatalf("instructors %+v", list)
	}
	admin.must(204, "DELETE", cp+"/instructors/"+co.ID, nil, nil)
	co.fails(403, "", "PATCH", cp, map[string]any{"title": "Mine"})

	// Lists: the instructor's own, the admin's all.
	var other2 courses.Course
	co.must(201, "POST", "/courses", map[string]any{"title": "Draft by co"}, &other2)
	var mine struct {
		Items []courses.Course `json:"items"`
	}
	inst.must(200, "GET", "/courses", nil, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != course.ID {
		t.Fatalf("instructor list %+v", mine)
	}
	admin.must(200, "GET", "/courses?status=draft", nil, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != other2.ID {
		t.Fatalf("admin draft list %+v", mine)
	}

	// Deletion: only a draft without enrollments.
	inst.fails(409, "", "DELETE", cp, nil)
	inst.fails(409, "", "PATCH", cp, map[string]any{"status": "draft"}) // it has enrollments
	inst.fails(404, "", "DELETE", "/courses/"+other2.ID, nil)           // a draft of someone else
	co.must(204, "DELETE", "/courses/"+other2.ID, nil, nil)
	co.fails(404, "", "GET", "/courses/"+other2.ID, nil)

	// Deleting a lesson recomputes enrolled learners' stored progress.
	e.exec(`update enrollments set status = 'active' where course_id = $1`, course.ID)
	var l4 courses.Lesson
	inst.must(201, "POST", cp+"/lessons", map[string]any{"module_id": m1.ID, "title": "Extra", "kind": "text"}, &l4)
	e.sql(`select progress from enrollments where course_id = $1 and user_id = $2`, course.ID, learner.ID).Scan(&stored)
	if stored != 75 {
		t.Fatalf("progress after a new lesson: %v", stored)
	}
	inst.must(204, "DELETE", cp+"/lessons/"+l4.ID, nil, nil)
	inst.must(204, "DELETE", cp+"/modules/"+m1.ID, nil, nil)
	e.sql(`select progress from enrollments where course_id = $1 and user_id = $2`, course.ID, learner.ID).Scan(&stored)
	if stored != 100 {
		t.Fatalf("progress after deletions: %v", stored)
	}
}

// The catalog pages through search results and the plain listing without
// repeating or skipping a course.
func TestCatalogPagination(t *testing.T) {
	e := newCourseEnv(t)
	inst := e.user(e.org, "inst@example.com", "instructor")
	const n = 7
	want := map[string]bool{}
	for i := range n {
		var c courses.Course
		// Titles and descriptions vary how often "distributed" appears, so
		// ranks differ; two share a rank.
		desc := strings.Repeat("distributed systems ", 1+i%3)
		inst.must(201, "POST", "/courses", map[string]any{"title": fmt.Sprintf("Course %d", i), "description": desc}, &c)
		var m courses.Module
		inst.must(201, "POST", "/courses/"+c.ID+"/modules", map[string]any{"title": "M"}, &m)
		inst.must(201, "POST", "/courses/"+c.ID+"/lessons", map[string]any{"module_id": m.ID, "title": "L", "kind": "text"}, nil)
		inst.must(200, "PATCH", "/courses/"+c.ID, map[string]any{"status": "published"}, nil)
		want[c.ID] = true
	}
	// A draft never shows.
	inst.must(201, "POST", "/courses", map[string]any{"title": "Draft", "description": "distributed"}, nil)
	for _, q := range []string{"", "q=distributed", "q=" + "distributed+OR+course"} {
		got := map[string]bool{}
		path := "/catalog?limit=2"
		if q != "" {
			path += "&" + q
		}
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatalf("%s: too many pages", q)
			}
			var page struct {
				Items      []courses.Course `json:"items"`
				NextCursor *string          `json:"next_cursor"`
			}
			inst.must(http.StatusOK, "GET", path+cursor, nil, &page)
			for _, c := range page.Items {
				if got[c.ID] {
					t.Fatalf("%s: %s twice", q, c.ID)
				}
				got[c.ID] = true
			}
			if page.NextCursor == nil {
				break
			}
			cursor = "&cursor=" + *page.NextCursor
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d courses, want %d", q, len(got), len(want))
		}
	}
	inst.fails(400, "cursor", "GET", "/catalog?cursor=bm9wZQ", nil)
}
