package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/testenv"
)

// A quiz lesson end to end, on the server's clock: staff write it; a
// learner sees its rules and questions but no key, resumes an open attempt
// on any device, fails a first attempt, and passes the second on the
// answers saved before the time ran out (the late submission's own
// answers do not count); passing completes the lesson (once, with
// lesson.completed, answered and passed recorded), the manual completion
// is refused, a third attempt is refused, another learner cannot see the
// attempt, and a learner who uses up their attempts below the pass score
// is recorded as failed.
func TestQuizLessonAttemptsTimeLimitAndCompletion(t *testing.T) {
	db := testenv.DB(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	api := apptest.StartApp(t, db, apptest.AppOptions{Blob: testenv.Bucket(t), Now: clock})
	o := newOrg(t, db, "quiz-"+testenv.RandomID(3))
	staff, learner, learner2 := o.Tokens["instructor"], o.Tokens["learner"], o.Tokens["learner2"]
	call := func(method, path, token string, body any, want int) map[string]any {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		st, m := do(t, api.Base, method, path, token, b, "")
		if st != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, st, m, want)
		}
		return m
	}

	course := call("POST", "/api/v1/courses", staff, map[string]any{"title": "Quizzed"}, 201)["id"].(string)
	base := "/api/v1/courses/" + course
	module := call("POST", base+"/modules", staff, map[string]any{"title": "Week 1"}, 201)["id"].(string)
	lessonID := call("POST", base+"/lessons", staff, map[string]any{"module_id": module, "title": "End of module quiz", "kind": "quiz"}, 201)["id"].(string)
	if st, _ := do(t, api.Base, "POST", base+"/lessons", staff, []byte(fmt.Sprintf(`{"module_id":%q,"title":"x","kind":"quiz","video_id":%q}`, module, lessonID)), ""); st != 400 {
		t.Errorf("a quiz lesson with a video: %d, want 400", st)
	}
	quiz := base + "/lessons/" + lessonID + "/quiz"
	put := call("PUT", quiz, staff, map[string]any{
		"attempts_allowed": 2, "time_limit_seconds": 60, "shuffle_questions": true, "shuffle_options": true, "scoring": "best", "pass_score": 0.6,
		"questions": []map[string]any{
			{"type": "single_choice", "prompt": "Capital of France?", "options": []map[string]any{{"text": "Lyon"}, {"text": "Paris", "correct": true}, {"text": "Nice"}}},
			{"type": "numeric", "prompt": "2 + 2?", "answer": 4, "tolerance": 0},
			{"type": "ordering", "prompt": "Order these", "options": []map[string]any{{"text": "one"}, {"text": "two"}, {"text": "three"}}},
		},
	}, 200)
	qs := put["questions"].([]any)
	if len(qs) != 3 || put["staff"] != true {
		t.Fatalf("put quiz: %v", put)
	}
	key := map[string]any{} // question id -> the right response
	wrong := map[string]any{}
	for _, x := range qs {
		q := x.(map[string]any)
		id := q["id"].(string)
		switch q["type"] {
		case "single_choice":
			for _, op := range q["options"].([]any) {
				op := op.(map[string]any)
				if op["correct"] == true {
					key[id] = op["id"]
				} else {
					wrong[id] = op["id"]
				}
			}
		case "numeric":
			key[id], wrong[id] = 4, 5
		case "ordering":
			var ids []any
			for _, op := range q["options"].([]any) {
				ids = append(ids, op.(map[string]any)["id"])
			}
			key[id] = ids
			rev := slices.Clone(ids)
			slices.Reverse(rev)
			wrong[id] = rev
		}
	}
	answers := func(m map[string]any, ids ...string) []map[string]any {
		var out []map[string]any
		for _, id := range ids {
			out = append(out, map[string]any{"question_id": id, "response": m[id]})
		}
		return out
	}
	var all []string
	for id := range key {
		all = append(all, id)
	}
	call("PATCH", base, staff, map[string]any{"status": "published", "enrollment": "open"}, 200)
	call("POST", base+"/enrollments", learner, map[string]any{}, 201)

	// The learner's view: rules, no questions, no key.
	st := call("GET", quiz, learner, nil, 200)
	raw, _ := json.Marshal(st)
	if st["question_count"] != 3.0 || st["can_attempt"] != true || st["attempts_left"] != 2.0 || strings.Contains(string(raw), "Paris") {
		t.Fatalf("learner's quiz: %s", raw)
	}
	if st, m := do(t, api.Base, "POST", base+"/lessons/"+lessonID+"/progress", learner, []byte(`{"status":"completed"}`), ""); st != 409 || !strings.Contains(fmt.Sprint(m), "completed_by_passing") {
		t.Errorf("manual completion of a quiz lesson: %d %v", st, m)
	}

	// Attempt 1: opened, resumed (the same attempt), answered wrong.
	a1 := call("POST", quiz+"/attempts", learner, nil, 201)
	raw, _ = json.Marshal(a1)
	for _, leak := range []string{`"correct"`, `"answer"`, `"tolerance"`, `"accepted"`, `"explanation"`} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the open attempt carries %s: %s", leak, raw)
		}
	}
	if a1["state"] != "open" || a1["number"] != 1.0 || a1["time_left_seconds"] != 60.0 || len(a1["questions"].([]any)) != 3 {
		t.Fatalf("attempt 1: %s", raw)
	}
	id1 := a1["id"].(string)
	if again := call("POST", quiz+"/attempts", learner, map[string]any{}, 200); again["id"] != id1 {
		t.Errorf("starting again opened %v, want to resume %s", again["id"], id1)
	}
	if st, _ := do(t, api.Base, "GET", "/api/v1/quiz-attempts/"+id1, learner2, nil, ""); st != 404 {
		t.Errorf("another learner reads the attempt: %d, want 404", st)
	}
	if st, m := do(t, api.Base, "PUT", "/api/v1/quiz-attempts/"+id1+"/answers", learner, []byte(`{"answers":[{"question_id":"nope","response":"x"}]}`), ""); st != 400 {
		t.Errorf("an answer to no question of the attempt: %d %v", st, m)
	}
	res := call("POST", "/api/v1/quiz-attempts/"+id1+"/submit", learner, map[string]any{"answers": answers(wrong, all...)}, 200)
	q1 := res["quiz"].(map[string]any)
	if res["state"] != "submitted" || res["passed"] != false || res["score"] != 0.0 || q1["completed"] != false || q1["attempts_left"] != 1.0 {
		t.Fatalf("wrong answers: %v", res)
	}
	if st, m := do(t, api.Base, "POST", "/api/v1/quiz-attempts/"+id1+"/submit", learner, []byte(`{}`), ""); st != 409 {
		t.Errorf("submitting twice: %d %v", st, m)
	}

	// Attempt 2: the right answers saved in time, then the clock runs out;
	// the late submission's wrong answers do not count.
	a2 := call("POST", quiz+"/attempts", learner, nil, 201)
	id2 := a2["id"].(string)
	saved := call("PUT", "/api/v1/quiz-attempts/"+id2+"/answers", learner, map[string]any{"answers": answers(key, all...)}, 200)
	if len(saved["answers"].([]any)) != 3 {
		t.Fatalf("saved answers: %v", saved)
	}
	advance(66 * time.Second)
	if st, m := do(t, api.Base, "POST", "/api/v1/quiz-attempts/"+id2+"/submit", learner, mustJSON(map[string]any{"answers": answers(wrong, all...)}), ""); st != 409 || !strings.Contains(fmt.Sprint(m), "time_up") {
		t.Fatalf("a submission after the time limit: %d %v, want 409 time_up", st, m)
	}
	got := call("GET", "/api/v1/quiz-attempts/"+id2, learner, nil, 200)
	if got["state"] != "submitted" || got["late"] != true || got["passed"] != true || got["score"] != 1.0 {
		t.Fatalf("the expired attempt, graded on what was saved: %v", got)
	}
	st = call("GET", quiz, learner, nil, 200)
	if st["completed"] != true || st["passed"] != true || st["score"] != 1.0 || st["can_attempt"] != false {
		t.Fatalf("after passing: %v", st)
	}
	if st, m := do(t, api.Base, "POST", quiz+"/attempts", learner, nil, ""); st != 409 || !strings.Contains(fmt.Sprint(m), "no_attempts_left") {
		t.Errorf("a third attempt: %d %v", st, m)
	}
	prog := call("GET", base+"/progress", learner, nil, 200)
	if prog["percent"] != 100.0 {
		t.Errorf("course progress after the only lesson: %v", prog)
	}

	// Staff change the quiz: a submitted attempt keeps what it was graded on.
	call("PUT", quiz, staff, map[string]any{"questions": []map[string]any{{"type": "true_false", "prompt": "Changed?", "options": []map[string]any{{"correct": true}, {}}}}}, 200)
	if got := call("GET", "/api/v1/quiz-attempts/"+id2, learner, nil, 200); len(got["questions"].([]any)) != 3 || got["score"] != 1.0 {
		t.Errorf("an old attempt after the quiz changed: %v", got)
	}

	// A learner who uses up their attempts below the pass score: failed.
	call("PUT", quiz, staff, map[string]any{"attempts_allowed": 1, "time_limit_seconds": nil}, 200)
	call("POST", base+"/enrollments", learner2, map[string]any{}, 201)
	b1 := call("POST", quiz+"/attempts", learner2, nil, 201)
	if b1["deadline"] != nil || b1["time_left_seconds"] != nil {
		t.Errorf("no time limit: %v", b1)
	}
	r2 := call("POST", "/api/v1/quiz-attempts/"+b1["id"].(string)+"/submit", learner2, map[string]any{}, 200)
	if r2["passed"] != false || r2["quiz"].(map[string]any)["can_attempt"] != false {
		t.Errorf("an empty submission: %v", r2)
	}
	results := r2["results"].([]any)
	if len(results) != 1 || results[0].(map[string]any)["unanswered"] != true {
		t.Errorf("an unanswered question's result: %v", results)
	}

	var completed, answered, passed, failed int
	if err := db.QueryRow(context.Background(), `select count(*) filter (where type = 'lesson.completed'), count(*) filter (where type = 'assessment.answered'),
			count(*) filter (where type = 'assessment.passed'), count(*) filter (where type = 'assessment.failed')
		from events where org_id = $1 and payload->>'lesson_id' = $2`, o.ID, lessonID).Scan(&completed, &answered, &passed, &failed); err != nil {
		t.Fatal(err)
	}
	if completed != 1 || answered != 6 || passed != 1 || failed != 1 {
		t.Errorf("events: %d lesson.completed, %d answered, %d passed, %d failed; want 1, 6, 1, 1", completed, answered, passed, failed)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
