package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
)

// publishFake writes a 60 s encode's master and media playlist (15
// segments of 4 s) under prefix: what playback reads to cut manifests.
func publishFake(t *testing.T, bs *blob.Store, prefix string) {
	t.Helper()
	var pl strings.Builder
	pl.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:4\n")
	for i := 1; i <= 15; i++ {
		fmt.Fprintf(&pl, "#EXTINF:4.000,\nseg-%05d.m4s\n", i)
	}
	pl.WriteString("#EXT-X-ENDLIST\n")
	master := "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=1136343,AVERAGE-BANDWIDTH=1051631,CODECS=\"avc1.64001E\",RESOLUTION=640x360,FRAME-RATE=30.000\nv0/index.m3u8\n"
	for key, body := range map[string]string{prefix + "master.m3u8": master, prefix + "v0/index.m3u8": pl.String()} {
		path := filepath.Join(t.TempDir(), "obj")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := bs.PutFile(context.Background(), key, path, "application/vnd.apple.mpegurl", blob.CacheImmutable); err != nil {
			t.Fatal(err)
		}
	}
}

// A learner who really watches: the checkpoint stops the manifests, a
// wrong answer sends them back, the right one extends the range at once,
// honest Video Profile reports (paced like real playback) are credited,
// and the lesson completes — by the server, once — with lesson.completed
// and the answered statements recorded; a withdrawn learner gets no
// playback.
func TestCheckpointsGateAndCompleteAVideoLesson(t *testing.T) {
	db := testenv.DB(t)
	bs := testenv.Bucket(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{Blob: bs})
	o := newOrg(t, db, "gate-"+testenv.RandomID(3))
	r := fresh(t, db, o)
	publishFake(t, bs, "media/"+r["video"]+"/e/")
	// (The fixture's one statement cannot point the video it inserts at
	// the encode it inserts.)
	if _, err := db.Exec(context.Background(), `update videos set current_encode_id = $2 where id = $1`, r["video"], r["encode"]); err != nil {
		t.Fatal(err)
	}
	staff, learner := o.Tokens["instructor"], o.Tokens["learner"]
	lesson := "/api/v1/courses/" + r["course"] + "/lessons/" + r["lesson"]

	// The fixture's checkpoint is at 10 s, must pass; jump back to 4 s.
	if st, m := do(t, api.Base, "PATCH", lesson+"/checkpoints/"+r["checkpoint"], staff, []byte(`{"jump_to":4}`), ""); st != 200 {
		t.Fatalf("patch checkpoint: %d %v", st, m)
	}
	if st, m := do(t, api.Base, "PUT", lesson+"/policy", staff, []byte(`{"navigation":"no_skip_ahead","max_speed":4,"completion_threshold":0.3}`), ""); st != 200 {
		t.Fatalf("policy: %d %v", st, m)
	}
	st, pb := do(t, api.Base, "GET", lesson+"/playback", learner, nil, "")
	if st != 200 {
		t.Fatalf("playback: %d %v", st, pb)
	}
	if pb["unlocked_until"] != 10.0 || pb["duration"] != 60.0 {
		t.Fatalf("unlocked_until %v of %v, want 10 of 60", pb["unlocked_until"], pb["duration"])
	}
	segs := func(hls string) int {
		t.Helper()
		hls = strings.Replace(strings.Replace(hls, "http://api.test", api.Base, 1), "master.m3u8", "v0/index.m3u8", 1)
		pl := get(t, hls)
		return strings.Count(pl, "#EXTINF")
	}
	if n := segs(pb["hls"].(string)); n != 3 {
		t.Errorf("the learner's playlist holds %d segments, want 3 (0-12 s: the segment holding the checkpoint)", n)
	}
	x := pb["xapi"].(map[string]any)
	if x["registration"] == "" || x["activity_id"] != "http://api.test/courses/"+r["course"]+"/lessons/"+r["lesson"]+"/video" {
		t.Errorf("xapi: %v", x)
	}

	// Wrong, then right.
	attempt := func(answer string) map[string]any {
		t.Helper()
		st, m := do(t, api.Base, "POST", "/api/v1/checkpoints/"+r["checkpoint"]+"/attempts", learner,
			[]byte(`{"answers":[{"question_id":"q1","response":"`+answer+`"}]}`), "")
		if st != 200 {
			t.Fatalf("attempt %s: %d %v", answer, st, m)
		}
		return m
	}
	if m := attempt("a"); m["passed"] != false || m["jump_to"] != 4.0 || m["unlocked_until"] != 10.0 {
		t.Errorf("wrong answer: %v", m)
	}
	if m := attempt("b"); m["passed"] != true || m["unlocked_until"] != 60.0 || m["lesson_completed"] != false {
		t.Errorf("right answer: %v", m)
	}
	_, pb = do(t, api.Base, "GET", lesson+"/playback", learner, nil, "")
	if n := segs(pb["hls"].(string)); n != 15 {
		t.Errorf("after passing, %d segments, want all 15", n)
	}

	// Honest reports: 0-20 s watched over ~5 s of wall clock at 4×.
	send := func(verb string, segments string, at float64) {
		t.Helper()
		s := map[string]any{
			"actor": x["actor"], "verb": map[string]any{"id": verb},
			"object": map[string]any{"id": x["activity_id"], "objectType": "Activity"},
			"result": map[string]any{"extensions": map[string]any{
				"https://w3id.org/xapi/video/extensions/played-segments": segments,
				"https://w3id.org/xapi/video/extensions/time":            at}},
			"context": map[string]any{"registration": x["registration"]},
		}
		b, _ := json.Marshal(s)
		if st, m := do(t, api.Base, "POST", "/xapi/statements", learner, b, ""); st != 200 {
			t.Fatalf("statement: %d %v", st, m)
		}
	}
	watched := func() float64 {
		t.Helper()
		_, pb := do(t, api.Base, "GET", lesson+"/playback", learner, nil, "")
		var sum float64
		for _, iv := range pb["watched"].([]any) {
			p := iv.([]any)
			sum += p[1].(float64) - p[0].(float64)
		}
		return sum
	}
	// A forged claim of the whole video, at once, is held to the budget.
	send("https://w3id.org/xapi/video/verbs/paused", "0.000[.]60.000", 60)
	if w := watched(); w > 12 {
		t.Errorf("a whole-video claim right after the grant credited %.1f s", w)
	}
	for i := 1; i <= 4; i++ {
		time.Sleep(1300 * time.Millisecond)
		send("https://w3id.org/xapi/video/verbs/paused", fmt.Sprintf("0.000[.]%d.000", i*5), float64(i*5))
	}
	if w := watched(); w < 19.9 {
		t.Errorf("honest watching of 0-20 s credited %.1f s", w)
	}
	_, pb = do(t, api.Base, "GET", lesson+"/playback", learner, nil, "")
	if pb["completed"] != true {
		t.Fatalf("the lesson is not completed: %v (missing %v)", pb["completed"], pb["missing"])
	}
	var completed, answered int
	if err := db.QueryRow(context.Background(), `select count(*) filter (where type = 'lesson.completed'), count(*) filter (where type = 'assessment.answered')
		from events where org_id = $1 and payload->>'lesson_id' = $2`, o.ID, r["lesson"]).Scan(&completed, &answered); err != nil {
		t.Fatal(err)
	}
	if completed != 1 || answered != 2 {
		t.Errorf("events: %d lesson.completed, %d assessment.answered; want 1 and 2", completed, answered)
	}

	// Withdrawn: no playback any more.
	if st, m := do(t, api.Base, "DELETE", "/api/v1/courses/"+r["course"]+"/enrollments/"+o.Users["learner"], staff, nil, ""); st != 204 && st != 200 {
		t.Fatalf("withdraw: %d %v", st, m)
	}
	if st, _ := do(t, api.Base, "GET", lesson+"/playback", learner, nil, ""); st != 403 {
		t.Errorf("a withdrawn learner's playback: %d, want 403", st)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}
