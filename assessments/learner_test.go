package assessments

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/xapi"
)

func TestVideoIRIRoundTrip(t *testing.T) {
	iri := VideoIRI("https://l.example/", "c1", "l1")
	if iri != "https://l.example/courses/c1/lessons/l1/video" {
		t.Fatalf("VideoIRI = %s", iri)
	}
	if c, l, ok := parseVideoIRI("https://l.example", iri); !ok || c != "c1" || l != "l1" {
		t.Fatalf("parse %s = %s %s %v", iri, c, l, ok)
	}
	for _, bad := range []string{
		"https://l.example/courses/c1/lessons/l1",
		"https://l.example/courses/c1/lessons/l1/video/x",
		"https://other.example/courses/c1/lessons/l1/video",
		"https://l.example/courses//lessons/l1/video",
		"https://l.example/courses/c1/modules/l1/video",
	} {
		if _, _, ok := parseVideoIRI("https://l.example", bad); ok {
			t.Errorf("%s parsed as a video IRI", bad)
		}
	}
}

func TestPlaybackTokenRefusesEditsAndExpiry(t *testing.T) {
	h := &Handlers{Settings: Settings{Secret: "s3cret"}}
	now := time.Unix(1_800_000_000, 0)
	g := grant{Org: "o", User: "u", Lesson: "l", Prefix: "media/v/e/", Limit: 3, Expires: now.Add(time.Minute).Unix()}
	tok := h.sign(g)
	got, err := h.verify(tok, now)
	if err != nil || *got != g {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	payload, sig, _ := strings.Cut(tok, ".")
	edited := g
	edited.Limit, edited.Full = 100, true
	forged := (&Handlers{Settings: Settings{Secret: "another"}}).sign(edited)
	fp, _, _ := strings.Cut(forged, ".")
	for name, bad := range map[string]string{
		"edited payload":  fp + "." + sig,
		"other secret":    forged,
		"no signature":    payload,
		"bad base64":      payload + ".!!!",
		"truncated sig":   payload + "." + sig[:len(sig)-2],
		"empty":           "",
		"only a dot":      ".",
		"garbage payload": "e30." + sig,
	} {
		if _, err := h.verify(bad, now); err != errBadToken {
			t.Errorf("%s: %v, want errBadToken", name, err)
		}
	}
	if _, err := h.verify(tok, now.Add(time.Minute)); err != errExpiredToken {
		t.Errorf("at expiry: %v, want errExpiredToken", err)
	}
}

func checkpointOf(qs ...*Question) *Checkpoint {
	c := &Checkpoint{ID: "cp", Questions: qs, Scoring: ScoreBest, PassScore: 1}
	for i, q := range qs {
		if err := q.Normalize("questions["+string(rune('0'+i))+"]", func() string { return "id" + string(rune('a'+i)) }); err != nil {
			panic(err)
		}
	}
	return c
}

func TestGradeAnAttempt(t *testing.T) {
	one := 1.0
	cp := checkpointOf(
		&Question{ID: "q1", Type: SingleChoice, Prompt: "Which?", Options: []Option{{ID: "a", Text: "A"}, {ID: "b", Text: "B", Correct: true}}},
		&Question{ID: "q2", Type: Numeric, Prompt: "How many?", Answer: &one, Points: 3},
	)
	ans := func(s string) []Answer {
		var a []Answer
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	graded, score, err := grade(cp, ans(`[{"question_id":"q1","response":"b"},{"question_id":"q2","response":2}]`))
	if err != nil || len(graded) != 2 || !graded[0].Correct || graded[1].Correct || math.Abs(score-0.25) > 1e-9 {
		t.Fatalf("grade = %+v %v %v, want q1 right, q2 wrong, 1 of 4 points", graded, score, err)
	}
	for name, body := range map[string]string{
		"nothing":          `[]`,
		"a question twice": `[{"question_id":"q1","response":"b"},{"question_id":"q1","response":"a"},{"question_id":"q2","response":1}]`,
		"one missing":      `[{"question_id":"q1","response":"b"}]`,
		"unknown question": `[{"question_id":"q1","response":"b"},{"question_id":"q2","response":1},{"question_id":"q9","response":1}]`,
		"no question id":   `[{"response":"b"}]`,
		"unknown option":   `[{"question_id":"q1","response":"z"},{"question_id":"q2","response":1}]`,
	} {
		if _, _, err := grade(cp, ans(body)); err == nil {
			t.Errorf("%s: graded", name)
		}
	}
}

func TestMasteryOutOfReach(t *testing.T) {
	cps := []*Checkpoint{
		{ID: "a", AttemptsAllowed: 1, Scoring: ScoreBest, Questions: []*Question{{Points: 1}}},
		{ID: "b", AttemptsAllowed: 0, Scoring: ScoreBest, Questions: []*Question{{Points: 1}}},
	}
	states := []CheckpointState{{ID: "a", Attempts: 1, Score: 0, Points: 1}, {ID: "b", Points: 1}}
	// a is spent at 0; b could still score 1: at most 0.5.
	if masteryOutOfReach(cps, states, 0.5) {
		t.Error("0.5 is still reachable")
	}
	if !masteryOutOfReach(cps, states, 0.6) {
		t.Error("0.6 is out of reach")
	}
	// first: a first attempt that was made is final.
	cps[1].Scoring, cps[1].AttemptsAllowed = ScoreFirst, 0
	states[1].Attempts, states[1].Score = 1, 0
	if !masteryOutOfReach(cps, states, 0.1) {
		t.Error("with both first attempts at 0, any mastery is out of reach")
	}
}

func TestPointBiserial(t *testing.T) {
	if r := pointBiserial([]bool{true}, []float64{1}); r != nil {
		t.Errorf("one answer: %v", *r)
	}
	if r := pointBiserial([]bool{true, true}, []float64{1, 0}); r != nil {
		t.Errorf("everyone right: %v", *r)
	}
	if r := pointBiserial([]bool{true, false}, []float64{0.5, 0.5}); r != nil {
		t.Errorf("no spread: %v", *r)
	}
	// Those who got it right scored higher: strongly positive.
	r := pointBiserial([]bool{true, true, false, false}, []float64{1, 0.9, 0.2, 0.1})
	if r == nil || *r < 0.9 {
		t.Errorf("discriminating question: %v", r)
	}
	r = pointBiserial([]bool{false, false, true, true}, []float64{1, 0.9, 0.2, 0.1})
	if r == nil || *r > -0.9 {
		t.Errorf("inverted question: %v", r)
	}
}

func TestReportReadsWhatTheServerBelieves(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	st := &xapi.StoredStatement{Seq: 1, Stored: at, Body: []byte(`{"verb":{"id":"x"},"result":{"extensions":{
		"https://w3id.org/xapi/video/extensions/played-segments":"0.000[.]5.000[,]7.000[.]9.000",
		"https://w3id.org/xapi/video/extensions/time-to":8.5, "https://w3id.org/xapi/video/extensions/time":3}}}`)}
	r, ok := report(st)
	if !ok || r.Segments.Total() != 7 || r.Position == nil || *r.Position != 8.5 || !r.At.Equal(at) {
		t.Fatalf("report = %+v %v", r, ok)
	}
	for _, body := range []string{`{}`, `{"result":{}}`, `{"result":{"extensions":{"https://w3id.org/xapi/video/extensions/played-segments":5}}}`, `not json`} {
		if _, ok := report(&xapi.StoredStatement{Body: []byte(body)}); ok {
			t.Errorf("%s: a report", body)
		}
	}
}
