package assessments

import (
	"encoding/json"
	"slices"
	"testing"
)

func quizFixture(t *testing.T) *Quiz {
	t.Helper()
	var qs []*Question
	if err := json.Unmarshal([]byte(`[
		{"id":"s","type":"single_choice","prompt":"S","options":[{"id":"a","text":"A"},{"id":"b","text":"B","correct":true},{"id":"c","text":"C"},{"id":"d","text":"D"}]},
		{"id":"m","type":"multiple_choice","prompt":"M","options":[{"id":"a","text":"A","correct":true},{"id":"b","text":"B"},{"id":"c","text":"C","correct":true},{"id":"d","text":"D"}]},
		{"id":"t","type":"true_false","prompt":"T","options":[{"id":"true","text":"True","correct":true},{"id":"false","text":"False"}]},
		{"id":"o","type":"ordering","prompt":"O","options":[{"id":"1","text":"one"},{"id":"2","text":"two"},{"id":"3","text":"three"},{"id":"4","text":"four"}]},
		{"id":"n","type":"numeric","prompt":"N","answer":4,"points":2}
	]`), &qs); err != nil {
		t.Fatal(err)
	}
	for i, q := range qs {
		if err := q.Normalize(index("questions", i), newID); err != nil {
			t.Fatal(err)
		}
	}
	return &Quiz{Questions: qs, Scoring: ScoreBest, PassScore: 0.5}
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// An attempt's questions: the same order for the same attempt, another
// for other attempts (somewhere among 20), options of choice questions
// shuffled only when asked, true/false and an ordering question's key
// (its stored order) never, and the quiz itself untouched.
func TestAttemptQuestionsShuffle(t *testing.T) {
	q := quizFixture(t)
	qid := func(x *Question) string { return x.ID }
	oid := func(o Option) string { return o.ID }
	plain := attemptQuestions(q, "seed-1")
	if got := idsOf(plain, qid); !slices.Equal(got, []string{"s", "m", "t", "o", "n"}) {
		t.Fatalf("no shuffling asked, order %v", got)
	}
	q.ShuffleQuestions, q.ShuffleOptions = true, true
	a, b := attemptQuestions(q, "seed-1"), attemptQuestions(q, "seed-1")
	if !slices.Equal(idsOf(a, qid), idsOf(b, qid)) {
		t.Fatalf("one attempt, two orders: %v %v", idsOf(a, qid), idsOf(b, qid))
	}
	orders, optionOrders := map[string]bool{}, map[string]bool{}
	for i := range 20 {
		qs := attemptQuestions(q, "seed-"+string(rune('a'+i)))
		o := idsOf(qs, qid)
		orders[o[0]+o[1]+o[2]] = true
		for _, x := range qs {
			got := idsOf(x.Options, oid)
			switch x.ID {
			case "t":
				if !slices.Equal(got, []string{"true", "false"}) {
					t.Errorf("true/false options moved: %v", got)
				}
			case "o":
				if !slices.Equal(got, []string{"1", "2", "3", "4"}) {
					t.Errorf("the ordering key changed: %v", got)
				}
			case "s":
				optionOrders[got[0]+got[1]+got[2]+got[3]] = true
				if slices.Sorted(slices.Values(got))[0] != "a" || len(got) != 4 {
					t.Errorf("single choice options lost: %v", got)
				}
			}
		}
	}
	if len(orders) < 2 || len(optionOrders) < 2 {
		t.Errorf("20 attempts gave %d question orders and %d option orders", len(orders), len(optionOrders))
	}
	if got := idsOf(q.Questions[0].Options, oid); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("the quiz's own options were shuffled: %v", got)
	}
}

// Grading a quiz: every question counts, an unanswered one scores 0 and
// says so, points weigh; checkAnswers refuses foreign ids, repeats and
// wrong shapes and drops null responses.
func TestGradeQuizAndCheckAnswers(t *testing.T) {
	q := quizFixture(t)
	ans := func(s string) []Answer {
		var a []Answer
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	checked, err := checkAnswers(q.Questions, ans(`[{"question_id":"s","response":"b"},{"question_id":"n","response":4},{"question_id":"t","response":null}]`))
	if err != nil || len(checked) != 2 {
		t.Fatalf("check: %v %v", checked, err)
	}
	graded, score := gradeQuiz(q.Questions, checked)
	// s (1 point) and n (2 points) right; m, t, o unanswered: 3 of 6.
	if score != 0.5 || len(graded) != 5 {
		t.Fatalf("score %v, %d results", score, len(graded))
	}
	for _, g := range graded {
		if want := g.QuestionID == "m" || g.QuestionID == "t" || g.QuestionID == "o"; g.Unanswered != want || (want && g.Score != 0) {
			t.Errorf("%s: unanswered %v score %v", g.QuestionID, g.Unanswered, g.Score)
		}
	}
	for _, bad := range []string{
		`[{"question_id":"zz","response":"a"}]`,
		`[{"question_id":"s","response":"a"},{"question_id":"s","response":"b"}]`,
		`[{"question_id":"s","response":["a"]}]`,
		`[{"question_id":"n","response":"four"}]`,
		`[{"response":"a"}]`,
	} {
		if _, err := checkAnswers(q.Questions, ans(bad)); err == nil {
			t.Errorf("checkAnswers(%s) accepted", bad)
		}
	}
}
