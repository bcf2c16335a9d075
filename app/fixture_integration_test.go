package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/testenv"
	"github.com/lectern/lectern/worker"
)

// roles are the callers of the matrix, in the order expectations list them.
var roles = []string{"admin", "instructor", "learner", "ops", "anonymous"}

// org is one organization of the fixture: its people (each with an API
// token carrying every scope, so that roles alone decide) and the password
// of its learner.
type org struct {
	ID, Slug string
	Users    map[string]string // role name (and learner2, instructor2, coinstructor) → user id
	Emails   map[string]string
	Tokens   map[string]string // role name → secret
}

const learnerPassword = "correct horse battery"

// newOrg makes an organization with one user per role plus a second learner
// (a target to enroll), a second instructor (to add as co-instructor) and a
// co-instructor.
func newOrg(t *testing.T, db *pgxpool.Pool, slug string) *org {
	t.Helper()
	ctx := context.Background()
	o := &org{Slug: slug, Users: map[string]string{}, Emails: map[string]string{}, Tokens: map[string]string{}}
	hash, err := auth.HashPassword(learnerPassword)
	if err != nil {
		t.Fatal(err)
	}
	people := []struct{ name, roles string }{
		{"admin", "{admin}"}, {"instructor", "{instructor}"}, {"learner", "{learner}"}, {"ops", "{ops}"},
		{"learner2", "{learner}"}, {"instructor2", "{instructor}"}, {"coinstructor", "{instructor}"},
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into organizations (slug, name) values ($1, $1) returning id`, slug).Scan(&o.ID); err != nil {
			return err
		}
		for _, p := range people {
			email := p.name + "@" + slug + ".example"
			var id string
			if err := tx.QueryRow(ctx, `insert into users (org_id, email, name, roles, password_hash) values ($1, $2, $3, $4, $5) returning id`,
				o.ID, email, strings.ToUpper(p.name[:1])+p.name[1:], p.roles, hash).Scan(&id); err != nil {
				return err
			}
			secret, h := auth.NewSecret()
			if _, err := tx.Exec(ctx, `insert into tokens (org_id, user_id, kind, name, hash, scopes) values ($1, $2, 'api', 'matrix', $3, '{*}')`, o.ID, id, h); err != nil {
				return err
			}
			o.Users[p.name], o.Emails[p.name], o.Tokens[p.name] = id, email, secret
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fixture org %s: %v", slug, err)
	}
	return o
}

// startMatrix starts the whole app on a fresh schema and bucket, with a
// private Redis for its queue, and two organizations named from prefix.
func startMatrix(t *testing.T, prefix string) (*pgxpool.Pool, *apptest.API, *org, *org) {
	t.Helper()
	db := testenv.DB(t)
	rd := testenv.Redis(t)
	q := worker.NewClient(asynq.RedisClientOpt{Addr: rd.Addr})
	t.Cleanup(func() { q.Close() })
	api := apptest.StartApp(t, db, apptest.AppOptions{Blob: testenv.Bucket(t), Queue: q})
	return db, api, newOrg(t, db, prefix+"-a-"+testenv.RandomID(3)), newOrg(t, db, prefix+"-b-"+testenv.RandomID(3))
}

// res are the resources a case acts on, made fresh for every case so that
// one case's change (a delete, an enrollment) never decides another's answer.
type res map[string]string

// fresh writes a new set of resources into o: a published open course owned
// by the instructor (with a co-instructor, two modules, a video lesson and a
// text lesson, the learner enrolled), a draft course, a second published
// course, a ready video with its encode, a queued video with its encode, a
// group holding the learner, a second group, a rule enrolling the first
// group in the second course (and the learner's enrollment it made), a
// webhook, an API token of the admin and an xAPI credential; the second
// course holds a quiz lesson (one question q1, b is right) and the
// learner's open attempt at it.
func fresh(t *testing.T, db *pgxpool.Pool, o *org) res {
	t.Helper()
	ctx := context.Background()
	r := res{}
	var course, draft, course2, m1, m2, l1, l2, video, encode, encode2, group, group2, rule, webhook, token, xapiCred, xapiForward, checkpoint, quiz, quizAttempt string
	_, tokHash := auth.NewSecret()
	err := db.QueryRow(ctx, `
with v as (insert into videos (id, org_id, title, status, source_key, source_size, owner_id, duration, width, height, ready_at)
           values (gen_random_uuid(), $1, 'Lecture', 'ready', 'uploads/x/source', 1000, $2, 60, 1280, 720, now()) returning id),
e as (insert into encodes (id, org_id, video_id, state, stage, prefix, hls_path, dash_path, poster_path)
      select gen_random_uuid(), $1, v.id, 'succeeded', 'done', 'media/' || v.id || '/e/', 'media/' || v.id || '/e/master.m3u8',
             'media/' || v.id || '/e/manifest.mpd', 'media/' || v.id || '/e/poster.jpg' from v returning id, video_id),
v2 as (insert into videos (id, org_id, title, status, source_key, source_size, owner_id)
       values (gen_random_uuid(), $1, 'Queued', 'queued', 'uploads/y/source', 1000, $2) returning id),
e2 as (insert into encodes (id, org_id, video_id, state, prefix) select gen_random_uuid(), $1, v2.id, 'queued', 'media/' || v2.id || '/q/' from v2 returning id),
vu as (update videos set current_encode_id = e.id from e where videos.id = e.video_id returning videos.id),
c as (insert into courses (org_id, title, summary, owner_id, status, published_at) values ($1, 'Matrix course', 'about', $2, 'published', now()) returning id),
d as (insert into courses (org_id, title, owner_id) values ($1, 'Draft course', $2) returning id),
c2 as (insert into courses (org_id, title, owner_id, status, published_at) values ($1, 'Second course', $2, 'published', now()) returning id),
ci as (insert into course_instructors (org_id, course_id, user_id, role)
       select $1, c.id, $2, 'owner' from c union all select $1, d.id, $2, 'owner' from d union all select $1, c2.id, $2, 'owner' from c2
       union all select $1, c.id, $3, 'co' from c returning 1),
m1 as (insert into modules (org_id, course_id, title, position) select $1, id, 'Week 1', 1 from c returning id),
m2 as (insert into modules (org_id, course_id, title, position) select $1, id, 'Week 2', 2 from c returning id),
l1 as (insert into lessons (org_id, course_id, module_id, title, kind, video_id, position) select $1, c.id, m1.id, 'Watch', 'video', v.id, 1 from c, m1, v returning id),
l2 as (insert into lessons (org_id, course_id, module_id, title, kind, body, body_html, position) select $1, c.id, m2.id, 'Read', 'text', 'Hi', '<p>Hi</p>', 1 from c, m2 returning id),
en as (insert into enrollments (org_id, course_id, user_id, source) select $1, c.id, $4, 'admin' from c returning 1),
g as (insert into groups (org_id, name) values ($1, 'Group ' || gen_random_uuid()) returning id),
g2 as (insert into groups (org_id, name) values ($1, 'Group ' || gen_random_uuid()) returning id),
gm as (insert into group_members (org_id, group_id, user_id) select $1, g.id, $4 from g returning 1),
ru as (insert into enrollment_rules (org_id, group_id, course_id) select $1, g.id, c2.id from g, c2 returning id),
en2 as (insert into enrollments (org_id, course_id, user_id, source) select $1, c2.id, $4, 'rule' from c2 returning 1),
wh as (insert into webhooks (org_id, url, secret, events) values ($1, 'http://127.0.0.1:9/hook', 'whsec_x', '{enrollment.created}') returning id),
tk as (insert into tokens (org_id, user_id, kind, name, hash, scopes) values ($1, $5, 'api', 'spare', $6, '{courses:read}') returning id),
xc as (insert into xapi_credentials (org_id, name, key, secret_hash, scopes) values ($1, 'LMS', 'lrk_' || gen_random_uuid(), '\x00', '{all}') returning id),
xf as (insert into xapi_forwards (org_id, url) values ($1, 'http://127.0.0.1:9/xapi') returning id),
cp as (insert into checkpoints (org_id, course_id, lesson_id, at, required, must_pass, questions)
       select $1, c.id, l1.id, 10, true, true, '[{"id":"q1","type":"single_choice","prompt":"Which?","points":1,"options":[{"id":"a","text":"A","correct":false},{"id":"b","text":"B","correct":true}]}]' from c, l1 returning id),
m3 as (insert into modules (org_id, course_id, title, position) select $1, id, 'Final', 1 from c2 returning id),
l3 as (insert into lessons (org_id, course_id, module_id, title, kind, position) select $1, c2.id, m3.id, 'Final quiz', 'quiz', 1 from c2, m3 returning id),
qz as (insert into quizzes (org_id, lesson_id, course_id, questions)
       select $1, l3.id, c2.id, '[{"id":"q1","type":"single_choice","prompt":"Which?","points":1,"options":[{"id":"a","text":"A","correct":false},{"id":"b","text":"B","correct":true}]}]' from l3, c2 returning lesson_id),
qa as (insert into quiz_attempts (org_id, course_id, lesson_id, user_id, number, questions)
       select $1, c2.id, qz.lesson_id, $4, 1, '[{"id":"q1","type":"single_choice","prompt":"Which?","points":1,"options":[{"id":"a","text":"A","correct":false},{"id":"b","text":"B","correct":true}]}]' from c2, qz returning id)
select c.id, d.id, c2.id, m1.id, m2.id, l1.id, l2.id, v.id, e.id, e2.id, g.id, g2.id, ru.id, wh.id, tk.id, xc.id, xf.id, cp.id, l3.id, qa.id,
       (select count(*) from ci) + (select count(*) from en) + (select count(*) from en2) + (select count(*) from gm) + (select count(*) from vu)
from c, d, c2, m1, m2, l1, l2, v, e, e2, g, g2, ru, wh, tk, xc, xf, cp, l3, qa`,
		o.ID, o.Users["instructor"], o.Users["coinstructor"], o.Users["learner"], o.Users["admin"], tokHash).
		Scan(&course, &draft, &course2, &m1, &m2, &l1, &l2, &video, &encode, &encode2, &group, &group2, &rule, &webhook, &token, &xapiCred, &xapiForward, &checkpoint, &quiz, &quizAttempt, new(int))
	if err != nil {
		t.Fatalf("fixture resources in %s: %v", o.Slug, err)
	}
	for k, v := range map[string]string{"course": course, "draft": draft, "course2": course2, "module": m1, "module2": m2,
		"lesson": l1, "lesson2": l2, "video": video, "encode": encode, "encode2": encode2, "group": group, "group2": group2, "rule": rule,
		"webhook": webhook, "token": token, "xapicred": xapiCred, "xapiforward": xapiForward, "checkpoint": checkpoint, "quiz": quiz, "quizattempt": quizAttempt, "org": o.ID, "uuid": uuid.NewString()} {
		r[k] = v
	}
	for k, v := range o.Users {
		r["user:"+k] = v
	}
	for k, v := range o.Emails {
		r["email:"+k] = v
	}
	return r
}

// expand replaces {name} placeholders with resource ids.
func (r res) expand(s string) string {
	for k, v := range r {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// do sends one request with a caller's token ("" for anonymous) and returns
// the status and the decoded JSON body.
func do(t *testing.T, base, method, path, token string, body []byte, ctype string) (int, map[string]any) {
	t.Helper()
	return doH(t, base, method, path, token, body, ctype, nil)
}

// doH is do with extra headers.
func doH(t *testing.T, base, method, path, token string, body []byte, ctype string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.HasPrefix(path, "/xapi/") {
		req.Header.Set("X-Experience-API-Version", "2.0.0")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if body != nil {
		if ctype == "" {
			ctype = "application/json"
		}
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m == nil && len(b) > 0 && resp.StatusCode >= 400 {
		t.Errorf("%s %s: %d with a body that is not JSON: %.200s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

// errorOf returns the error object of a JSON error body.
func errorOf(m map[string]any) (code, field, msg string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	msg, _ = e["message"].(string)
	return
}

// counts returns the number of rows of every table, to prove a refused
// request wrote nothing.
func counts(t *testing.T, db *pgxpool.Pool) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `select relname from pg_class where relnamespace = current_schema()::regnamespace and relkind = 'r' order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var q []string
	for _, n := range names {
		q = append(q, fmt.Sprintf("select '%s', count(*) from %s", n, n))
	}
	rows, err = db.Query(ctx, strings.Join(q, " union all "))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for rows.Next() {
		var n string
		var c int64
		if err := rows.Scan(&n, &c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}
