package assessments

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lectern/lectern/internal/httpapp"
)

// ids returns a newID that counts: id1, id2...
func ids() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("id%d", n)
	}
}

func float(f float64) *float64 { return &f }

// opts builds options from texts; a text starting with "*" is correct.
func opts(texts ...string) []Option {
	var out []Option
	for _, t := range texts {
		o := Option{Text: t}
		if s, ok := strings.CutPrefix(t, "*"); ok {
			o.Text, o.Correct = s, true
		}
		out = append(out, o)
	}
	return out
}

// wantInvalid checks that err is an httpapp.Invalid naming field with a
// message containing msg.
func wantInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	var he *httpapp.Error
	if !errors.As(err, &he) {
		t.Fatalf("error %v, want an httpapp.Error on %s", err, field)
	}
	if he.Code != "invalid" || he.Field != field || !strings.Contains(he.Message, msg) {
		t.Errorf("error on %q: %q; want on %q containing %q", he.Field, he.Message, field, msg)
	}
}

func TestNormalizeFillsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Question
		want Question
	}{
		{name: "single choice: ids, points, trimmed",
			in: Question{Type: SingleChoice, Prompt: "  Which?\n", Options: []Option{{Text: " a "}, {ID: "keep", Text: "b", Correct: true, Feedback: " yes "}}},
			want: Question{ID: "id1", Type: SingleChoice, Prompt: "Which?", Points: 1,
				Options: []Option{{ID: "id2", Text: "a"}, {ID: "keep", Text: "b", Correct: true, Feedback: "yes"}}}},
		{name: "given id and points kept",
			in:   Question{ID: "q_1-A", Type: MultipleChoice, Prompt: "p", Points: 2.5, Options: opts("*a", "*b", "c")},
			want: Question{ID: "q_1-A", Type: MultipleChoice, Prompt: "p", Points: 2.5, Options: []Option{{ID: "id1", Text: "a", Correct: true}, {ID: "id2", Text: "b", Correct: true}, {ID: "id3", Text: "c"}}}},
		{name: "true_false: fixed ids, default texts",
			in:   Question{Type: TrueFalse, Prompt: "p", Options: []Option{{}, {Correct: true, Feedback: "indeed"}}},
			want: Question{ID: "id1", Type: TrueFalse, Prompt: "p", Points: 1, Options: []Option{{ID: "true", Text: "True"}, {ID: "false", Text: "False", Correct: true, Feedback: "indeed"}}}},
		{name: "true_false: worded options",
			in:   Question{Type: TrueFalse, Prompt: "p", Options: []Option{{ID: "true", Text: "Vrai", Correct: true}, {Text: "Faux"}}},
			want: Question{ID: "id1", Type: TrueFalse, Prompt: "p", Points: 1, Options: []Option{{ID: "true", Text: "Vrai", Correct: true}, {ID: "false", Text: "Faux"}}}},
		{name: "ordering: correct flags cleared",
			in:   Question{Type: Ordering, Prompt: "p", Options: opts("*first", "second")},
			want: Question{ID: "id1", Type: Ordering, Prompt: "p", Points: 1, Options: []Option{{ID: "id2", Text: "first"}, {ID: "id3", Text: "second"}}}},
		{name: "numeric",
			in:   Question{Type: Numeric, Prompt: "p", Answer: float(0), Tolerance: 0.5},
			want: Question{ID: "id1", Type: Numeric, Prompt: "p", Points: 1, Answer: float(0), Tolerance: 0.5}},
		{name: "short_text: white space collapsed",
			in:   Question{Type: ShortText, Prompt: "p", Accepted: []string{"  New \t York ", "NYC"}},
			want: Question{ID: "id1", Type: ShortText, Prompt: "p", Points: 1, Accepted: []string{"New York", "NYC"}}},
		{name: "short_text: exact white space only trimmed",
			in:   Question{Type: ShortText, Prompt: "p", ExactWhitespace: true, CaseSensitive: true, Accepted: []string{" a  b "}},
			want: Question{ID: "id1", Type: ShortText, Prompt: "p", Points: 1, ExactWhitespace: true, CaseSensitive: true, Accepted: []string{"a  b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.in
			if err := q.Normalize("questions[0]", ids()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(q, tt.want) {
				t.Errorf("got  %+v\nwant %+v", q, tt.want)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	many := func(n int) []Option {
		var o []Option
		for i := range n {
			o = append(o, Option{Text: fmt.Sprint("option ", i), Correct: i == 0})
		}
		return o
	}
	single := func(f func(q *Question)) Question {
		q := Question{Type: SingleChoice, Prompt: "p", Options: opts("*a", "b")}
		f(&q)
		return q
	}
	tests := []struct {
		name  string
		q     Question
		field string // after "q."
		msg   string
	}{
		{"unknown type", Question{Type: "essay", Prompt: "p"}, "type", "must be one of single_choice, multiple_choice"},
		{"bad id", single(func(q *Question) { q.ID = "a b" }), "id", "A-Z, a-z, 0-9"},
		{"id too long", single(func(q *Question) { q.ID = long(65) }), "id", "at most 64"},
		{"no prompt", single(func(q *Question) { q.Prompt = "  " }), "prompt", "must be 1 to 2000"},
		{"prompt too long", single(func(q *Question) { q.Prompt = long(2001) }), "prompt", "has 2001"},
		{"prompt of 2000 runes is fine but 2001 is not", single(func(q *Question) { q.Prompt = strings.Repeat("é", 2001) }), "prompt", "has 2001"},
		{"hint too long", single(func(q *Question) { q.Hint = long(2001) }), "hint", "at most 2000"},
		{"explanation too long", single(func(q *Question) { q.Explanation = long(2001) }), "explanation", "at most 2000"},
		{"correct feedback too long", single(func(q *Question) { q.CorrectFeedback = long(2001) }), "correct_feedback", "at most 2000"},
		{"incorrect feedback too long", single(func(q *Question) { q.IncorrectFeedback = long(2001) }), "incorrect_feedback", "at most 2000"},
		{"negative points", single(func(q *Question) { q.Points = -1 }), "points", "more than 0"},
		{"too many points", single(func(q *Question) { q.Points = 1001 }), "points", "at most 1000"},
		{"one option", single(func(q *Question) { q.Options = opts("*a") }), "options", "2 to 20 options (has 1)"},
		{"21 options", single(func(q *Question) { q.Options = many(21) }), "options", "has 21"},
		{"empty option text", single(func(q *Question) { q.Options[1].Text = " " }), "options[1].text", "1 to 500"},
		{"option text too long", single(func(q *Question) { q.Options[1].Text = long(501) }), "options[1].text", "has 501"},
		{"option feedback too long", single(func(q *Question) { q.Options[0].Feedback = long(2001) }), "options[0].feedback", "at most 2000"},
		{"bad option id", single(func(q *Question) { q.Options[1].ID = "b/c" }), "options[1].id", "A-Z"},
		{"duplicate option id", single(func(q *Question) { q.Options[0].ID, q.Options[1].ID = "x", "x" }), "options[1].id", "repeats the id of options[0]"},
		{"duplicate option text", single(func(q *Question) { q.Options[1].Text = "A" }), "options[1].text", "repeats the text of options[0]"},
		{"single choice, no correct", single(func(q *Question) { q.Options[0].Correct = false }), "options", "exactly one correct option (0 are marked correct)"},
		{"single choice, two correct", single(func(q *Question) { q.Options[1].Correct = true }), "options", "(2 are marked correct)"},
		{"single choice with an answer", single(func(q *Question) { q.Answer = float(1) }), "answer", "only for numeric"},
		{"single choice with accepted answers", single(func(q *Question) { q.Accepted = []string{"a"} }), "accepted", "only for short_text"},
		{"single choice with a tolerance", single(func(q *Question) { q.Tolerance = 1 }), "tolerance", "only for numeric"},
		{"single choice, case sensitive", single(func(q *Question) { q.CaseSensitive = true }), "case_sensitive", "only for short_text"},
		{"multiple choice, no correct", Question{Type: MultipleChoice, Prompt: "p", Options: opts("a", "b")}, "options", "at least one correct"},
		{"true_false, one option", Question{Type: TrueFalse, Prompt: "p", Options: opts("*True")}, "options", "exactly two options, the first meaning true"},
		{"true_false, no options", Question{Type: TrueFalse, Prompt: "p"}, "options", "exactly two options"},
		{"true_false, both correct", Question{Type: TrueFalse, Prompt: "p", Options: opts("*True", "*False")}, "options", "exactly one correct"},
		{"true_false, wrong id", Question{Type: TrueFalse, Prompt: "p", Options: []Option{{ID: "yes", Correct: true}, {}}}, "options[0].id", `must be "true" or empty`},
		{"true_false, swapped", Question{Type: TrueFalse, Prompt: "p", Options: opts("False", "*True")}, "options[0].text", "the first option of a true_false question means true"},
		{"numeric without answer", Question{Type: Numeric, Prompt: "p"}, "answer", "is required for a numeric question"},
		{"numeric, negative tolerance", Question{Type: Numeric, Prompt: "p", Answer: float(1), Tolerance: -0.1}, "tolerance", "0 or more"},
		{"numeric with options", Question{Type: Numeric, Prompt: "p", Answer: float(1), Options: opts("a")}, "options", "numeric questions take no options"},
		{"short_text without answers", Question{Type: ShortText, Prompt: "p"}, "accepted", "1 to 20 accepted answers (has 0)"},
		{"short_text, 21 answers", Question{Type: ShortText, Prompt: "p", Accepted: strings.Split(strings.Repeat("a,", 20)+"a", ",")}, "accepted", "has 21"},
		{"short_text, blank answer", Question{Type: ShortText, Prompt: "p", Accepted: []string{"a", " \t"}}, "accepted[1]", "1 to 200"},
		{"short_text, long answer", Question{Type: ShortText, Prompt: "p", Accepted: []string{long(201)}}, "accepted[0]", "has 201"},
		{"short_text, delimiter", Question{Type: ShortText, Prompt: "p", Accepted: []string{"a[,]b"}}, "accepted[0]", "must not contain [,]"},
		{"short_text, same answer twice", Question{Type: ShortText, Prompt: "p", Accepted: []string{"Paris", " paris "}}, "accepted[1]", "repeats accepted[0]"},
		{"short_text with options", Question{Type: ShortText, Prompt: "p", Accepted: []string{"a"}, Options: opts("a")}, "options", "short_text questions take no options"},
		{"ordering, one option", Question{Type: Ordering, Prompt: "p", Options: opts("a")}, "options", "2 to 20"},
		{"ordering, option feedback", Question{Type: Ordering, Prompt: "p", Options: []Option{{Text: "a", Feedback: "f"}, {Text: "b"}}}, "options[0].feedback", "ordering options take no feedback"},
		{"ordering, same text", Question{Type: Ordering, Prompt: "p", Options: opts("a", "A")}, "options[1].text", "repeats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			wantInvalid(t, q.Normalize("q", ids()), "q."+tt.field, tt.msg)
		})
	}
	t.Run("no prefix", func(t *testing.T) {
		q := Question{Type: SingleChoice}
		wantInvalid(t, q.Normalize("", ids()), "prompt", "must be 1 to 2000")
	})
	t.Run("case-sensitive answers may differ in case only", func(t *testing.T) {
		q := Question{Type: ShortText, Prompt: "p", CaseSensitive: true, Accepted: []string{"Go", "go"}}
		if err := q.Normalize("q", ids()); err != nil {
			t.Fatal(err)
		}
	})
}

// fixtures are normalized questions of every type.
func fixtures(t *testing.T) map[string]*Question {
	t.Helper()
	qs := map[string]*Question{
		SingleChoice: {ID: "sc", Type: SingleChoice, Prompt: "Capital of France?", Explanation: "EXPLAINED", CorrectFeedback: "WELLDONE", IncorrectFeedback: "TRYAGAIN",
			Options: []Option{{ID: "a", Text: "Lyon", Feedback: "FB-LYON"}, {ID: "b", Text: "Paris", Correct: true}, {ID: "c", Text: "Nice"}}},
		MultipleChoice: {ID: "mc", Type: MultipleChoice, Prompt: "Primes?", Points: 2, IncorrectFeedback: "TRYAGAIN",
			Options: []Option{{ID: "two", Text: "2", Correct: true, Feedback: "FB-TWO"}, {ID: "three", Text: "3", Correct: true}, {ID: "four", Text: "4", Feedback: "FB-FOUR"}}},
		TrueFalse: {ID: "tf", Type: TrueFalse, Prompt: "The sky is green.",
			Options: []Option{{Text: "True", Feedback: "FB-NO"}, {Text: "False", Correct: true}}},
		Numeric:   {ID: "nu", Type: Numeric, Prompt: "Pi to two decimals?", Answer: float(3.14), Tolerance: 0.01},
		ShortText: {ID: "st", Type: ShortText, Prompt: "Largest US city?", Accepted: []string{"New York City", "NYC"}},
		Ordering: {ID: "or", Type: Ordering, Prompt: "Sort by size.",
			Options: []Option{{ID: "s1", Text: "ant"}, {ID: "s2", Text: "cat"}, {ID: "s3", Text: "horse"}, {ID: "s4", Text: "whale"}}},
	}
	for _, q := range qs {
		if err := q.Normalize("", ids()); err != nil {
			t.Fatal(err)
		}
	}
	return qs
}

func TestLearnerViewHidesTheKey(t *testing.T) {
	for typ, q := range fixtures(t) {
		t.Run(typ, func(t *testing.T) {
			b, err := json.Marshal(q.LearnerView("learner-1/attempt-1"))
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			secrets := []string{`"correct"`, "feedback", "accepted", "answer", "tolerance", "explanation",
				"EXPLAINED", "WELLDONE", "TRYAGAIN", "FB-", "New York City", "NYC", "3.14", "0.01"}
			for _, secret := range secrets {
				if strings.Contains(s, secret) {
					t.Errorf("learner view %s contains %q", s, secret)
				}
			}
			var back map[string]any
			_ = json.Unmarshal(b, &back)
			for k := range back {
				if !slices.Contains([]string{"id", "type", "prompt", "hint", "points", "options"}, k) {
					t.Errorf("learner view has key %q", k)
				}
			}
		})
	}
}

func TestLearnerViewOrder(t *testing.T) {
	qs := fixtures(t)
	sc := qs[SingleChoice].LearnerView("seed")
	if got := []string{sc.Options[0].ID, sc.Options[1].ID, sc.Options[2].ID}; !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("single choice options %v, want the author's order", got)
	}
	or := qs[Ordering]
	orderOf := func(v LearnerQuestion) []string {
		var out []string
		for _, o := range v.Options {
			out = append(out, o.ID)
		}
		return out
	}
	if a, b := orderOf(or.LearnerView("seed")), orderOf(or.LearnerView("seed")); !slices.Equal(a, b) {
		t.Errorf("same seed, orders %v and %v", a, b)
	}
	orders := map[string]bool{}
	for i := range 200 {
		got := orderOf(or.LearnerView(fmt.Sprint("seed", i)))
		if slices.Equal(got, []string{"s1", "s2", "s3", "s4"}) {
			t.Fatalf("seed %d shows the correct order", i)
		}
		sorted := slices.Sorted(slices.Values(got))
		if !slices.Equal(sorted, []string{"s1", "s2", "s3", "s4"}) {
			t.Fatalf("seed %d: options %v", i, got)
		}
		orders[strings.Join(got, ",")] = true
	}
	if len(orders) < 20 {
		t.Errorf("200 seeds gave %d orders of 4 options; want most of the 23 wrong ones", len(orders))
	}
	two := &Question{ID: "o2", Type: Ordering, Options: []Option{{ID: "x", Text: "x"}, {ID: "y", Text: "y"}}}
	for i := range 20 {
		if got := orderOf(two.LearnerView(fmt.Sprint(i))); !slices.Equal(got, []string{"y", "x"}) {
			t.Fatalf("two options shown %v", got)
		}
	}
}

func TestGrade(t *testing.T) {
	qs := fixtures(t)
	tests := []struct {
		name     string
		q        string
		response string
		correct  bool
		feedback string
		xapi     string
		chosen   []string
	}{
		{"single right", SingleChoice, `"b"`, true, "WELLDONE", "b", []string{"b"}},
		{"single wrong, option feedback", SingleChoice, `"a"`, false, "FB-LYON", "a", []string{"a"}},
		{"single wrong, question feedback", SingleChoice, ` "c" `, false, "TRYAGAIN", "c", []string{"c"}},
		{"multiple right, any order", MultipleChoice, `["three","two"]`, true, "FB-TWO", "three[,]two", []string{"three", "two"}},
		{"multiple, a subset", MultipleChoice, `["two"]`, false, "FB-TWO", "two", []string{"two"}},
		{"multiple, a superset", MultipleChoice, `["two","four","three"]`, false, "FB-TWO\nFB-FOUR", "four[,]three[,]two", []string{"four", "three", "two"}},
		{"multiple, none chosen", MultipleChoice, `[]`, false, "TRYAGAIN", "", []string{}},
		{"true_false right", TrueFalse, `"false"`, true, "", "false", []string{"false"}},
		{"true_false wrong", TrueFalse, `"true"`, false, "FB-NO", "true", []string{"true"}},
		{"numeric exact", Numeric, `3.14`, true, "", "3.14", nil},
		{"numeric at the tolerance", Numeric, `3.15`, true, "", "3.15", nil},
		{"numeric below the tolerance", Numeric, `3.13`, true, "", "3.13", nil},
		{"numeric beyond", Numeric, `3.1501`, false, "", "3.1501", nil},
		{"numeric string", Numeric, `" 3.141 "`, true, "", "3.141", nil},
		{"numeric exponent", Numeric, `314e-2`, true, "", "3.14", nil},
		{"numeric negative", Numeric, `"-3.14"`, false, "", "-3.14", nil},
		{"text right", ShortText, `"NYC"`, true, "", "NYC", nil},
		{"text case and spaces", ShortText, `"  new   york\tcity "`, true, "", "new   york\tcity", nil},
		{"text wrong", ShortText, `"Los Angeles"`, false, "", "Los Angeles", nil},
		{"text empty", ShortText, `""`, false, "", "", nil},
		{"ordering right", Ordering, `["s1","s2","s3","s4"]`, true, "", "s1[,]s2[,]s3[,]s4", []string{"s1", "s2", "s3", "s4"}},
		{"ordering wrong", Ordering, `["s2","s1","s3","s4"]`, false, "", "s2[,]s1[,]s3[,]s4", []string{"s2", "s1", "s3", "s4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := qs[tt.q]
			g, err := q.Grade("answers[0]", json.RawMessage(tt.response))
			if err != nil {
				t.Fatal(err)
			}
			score := 0.0
			if tt.correct {
				score = q.Points
			}
			if g.QuestionID != q.ID || g.Correct != tt.correct || g.Score != score || g.Points != q.Points {
				t.Errorf("graded %+v, want correct %v, score %v of %v", g, tt.correct, score, q.Points)
			}
			if g.Feedback != tt.feedback || g.Response != tt.xapi || g.Explanation != q.Explanation {
				t.Errorf("feedback %q, response %q, explanation %q; want %q, %q, %q", g.Feedback, g.Response, g.Explanation, tt.feedback, tt.xapi, q.Explanation)
			}
			if !slices.Equal(g.Chosen, tt.chosen) {
				t.Errorf("chosen %q, want %q", g.Chosen, tt.chosen)
			}
		})
	}
}

func TestGradeCaseSensitive(t *testing.T) {
	q := &Question{ID: "q", Type: ShortText, Prompt: "p", CaseSensitive: true, ExactWhitespace: true, Accepted: []string{"Go  lang"}}
	if err := q.Normalize("", ids()); err != nil {
		t.Fatal(err)
	}
	for response, want := range map[string]bool{`"Go  lang"`: true, `" Go  lang\n"`: true, `"go  lang"`: false, `"Go lang"`: false} {
		g, err := q.Grade("r", json.RawMessage(response))
		if err != nil || g.Correct != want {
			t.Errorf("%s: correct %v, %v; want %v", response, g.Correct, err, want)
		}
	}
}

func TestGradeMalformed(t *testing.T) {
	qs := fixtures(t)
	tests := []struct {
		name     string
		q        string
		response string
		field    string
		msg      string
	}{
		{"missing", SingleChoice, ``, "r", "is required: a string, one of the question's option ids"},
		{"null", MultipleChoice, `null`, "r", "is required: an array of distinct option ids"},
		{"single, a number", SingleChoice, `1`, "r", "must be a string, one of the question's option ids"},
		{"single, an array", SingleChoice, `["b"]`, "r", "must be a string"},
		{"single, unknown id", SingleChoice, `"z"`, "r", "one of the question's option ids"},
		{"true_false, a boolean", TrueFalse, `true`, "r", `"true" or "false"`},
		{"true_false, the text", TrueFalse, `"True"`, "r", `"true" or "false"`},
		{"multiple, a string", MultipleChoice, `"two"`, "r", "must be an array of distinct option ids"},
		{"multiple, numbers", MultipleChoice, `[1,2]`, "r", "must be an array"},
		{"multiple, unknown id", MultipleChoice, `["two","five"]`, "r[1]", "must be one of the question's option ids"},
		{"multiple, repeated", MultipleChoice, `["two","two"]`, "r[1]", `repeats option "two"`},
		{"numeric, text", Numeric, `"pi"`, "r", "must be a number"},
		{"numeric, decimal comma", Numeric, `"3,14"`, "r", "must be a number"},
		{"numeric, NaN string", Numeric, `"NaN"`, "r", "must be a number"},
		{"numeric, infinity string", Numeric, `"Inf"`, "r", "must be a number"},
		{"numeric, hex string", Numeric, `"0x10"`, "r", "must be a number"},
		{"numeric, out of range", Numeric, `1e999`, "r", "must be a number"},
		{"numeric, a boolean", Numeric, `true`, "r", "must be a number"},
		{"numeric, an array", Numeric, `[3.14]`, "r", "must be a number"},
		{"text, a number", ShortText, `42`, "r", "must be a string of at most 500 characters"},
		{"text, too long", ShortText, `"` + strings.Repeat("a", 501) + `"`, "r", "has 501"},
		{"ordering, missing one", Ordering, `["s1","s2","s3"]`, "r", `must list every option id once; "s4" is missing`},
		{"ordering, repeated", Ordering, `["s1","s2","s3","s3"]`, "r[3]", "repeats"},
		{"ordering, unknown", Ordering, `["s1","s2","s3","s9"]`, "r[3]", "option ids"},
		{"ordering, an object", Ordering, `{"s1":1}`, "r", "every option id of the question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := qs[tt.q].Grade("r", json.RawMessage(tt.response))
			wantInvalid(t, err, tt.field, tt.msg)
		})
	}
}

func TestInteraction(t *testing.T) {
	qs := fixtures(t)
	tests := []struct {
		q       *Question
		typ     string
		pattern []string
		choices []string // ids of the choices component
	}{
		{qs[SingleChoice], "choice", []string{"b"}, []string{"a", "b", "c"}},
		{qs[MultipleChoice], "choice", []string{"three[,]two"}, []string{"two", "three", "four"}},
		{qs[TrueFalse], "true-false", []string{"false"}, nil},
		{qs[Numeric], "numeric", []string{"3.13[:]3.15"}, nil},
		{&Question{Type: Numeric, Answer: float(-2)}, "numeric", []string{"-2"}, nil},
		{&Question{Type: Numeric, Answer: float(1e21), Tolerance: 1e20}, "numeric", []string{"900000000000000000000[:]1100000000000000000000"}, nil},
		{&Question{Type: Numeric, Answer: float(0.3), Tolerance: 0.1}, "numeric", []string{"0.2[:]0.4"}, nil},
		{qs[ShortText], "fill-in", []string{"{case_matters=false}New York City", "{case_matters=false}NYC"}, nil},
		{&Question{Type: ShortText, CaseSensitive: true, Accepted: []string{"Go"}}, "fill-in", []string{"{case_matters=true}Go"}, nil},
		{qs[Ordering], "sequencing", []string{"s1[,]s2[,]s3[,]s4"}, []string{"s1", "s2", "s3", "s4"}},
	}
	for _, tt := range tests {
		t.Run(tt.q.Type+" "+tt.typ, func(t *testing.T) {
			typ, pattern, comps := tt.q.Interaction()
			if typ != tt.typ || !slices.Equal(pattern, tt.pattern) {
				t.Errorf("interaction %s %q, want %s %q", typ, pattern, tt.typ, tt.pattern)
			}
			if tt.choices == nil {
				if comps != nil {
					t.Errorf("components %v, want none", comps)
				}
				return
			}
			b, _ := json.Marshal(comps)
			var got struct {
				Choices []struct {
					ID          string            `json:"id"`
					Description map[string]string `json:"description"`
				} `json:"choices"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for i, c := range got.Choices {
				gotIDs = append(gotIDs, c.ID)
				if c.Description["en-US"] != tt.q.Options[i].Text {
					t.Errorf("choice %s described %v", c.ID, c.Description)
				}
			}
			if !slices.Equal(gotIDs, tt.choices) {
				t.Errorf("choices %v, want %v", gotIDs, tt.choices)
			}
		})
	}
}

// TestResponsesMatchPatterns checks that a right answer's xAPI response is
// one of the correct response patterns (fill-in after its case prefix).
func TestResponsesMatchPatterns(t *testing.T) {
	right := map[string]string{SingleChoice: `"b"`, MultipleChoice: `["two","three"]`, TrueFalse: `"false"`, Numeric: `3.14`, ShortText: `"NYC"`, Ordering: `["s1","s2","s3","s4"]`}
	for typ, q := range fixtures(t) {
		g, err := q.Grade("r", json.RawMessage(right[typ]))
		if err != nil || !g.Correct {
			t.Fatalf("%s: %+v %v", typ, g, err)
		}
		_, patterns, _ := q.Interaction()
		ok := false
		for _, p := range patterns {
			p = strings.TrimPrefix(p, "{case_matters=false}")
			ok = ok || p == g.Response
			if lo, hi, isRange := strings.Cut(p, "[:]"); isRange {
				l, _ := strconv.ParseFloat(lo, 64)
				h, _ := strconv.ParseFloat(hi, 64)
				r, _ := strconv.ParseFloat(g.Response, 64)
				ok = ok || (l <= r && r <= h)
			}
		}
		if !ok {
			t.Errorf("%s: response %q matches none of %q", typ, g.Response, patterns)
		}
	}
}

func TestPolicyScore(t *testing.T) {
	scores := []float64{0.5, 1, 0.25}
	tests := []struct {
		policy string
		scores []float64
		want   float64
		ok     bool
	}{
		{ScoreFirst, scores, 0.5, true},
		{ScoreBest, scores, 1, true},
		{ScoreLast, scores, 0.25, true},
		{"", scores, 1, true},
		{ScoreLast, nil, 0, false},
		{ScoreBest, []float64{0}, 0, true},
	}
	for _, tt := range tests {
		if got, ok := PolicyScore(tt.policy, tt.scores); got != tt.want || ok != tt.ok {
			t.Errorf("PolicyScore(%q, %v) = %v, %v; want %v, %v", tt.policy, tt.scores, got, ok, tt.want, tt.ok)
		}
	}
}

func TestShuffle(t *testing.T) {
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	a := Shuffle("quiz-7/learner-3", xs)
	if !slices.Equal(a, Shuffle("quiz-7/learner-3", xs)) {
		t.Error("the same seed gave two orders")
	}
	if !slices.Equal(xs, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Error("Shuffle changed its input")
	}
	if !slices.Equal(slices.Sorted(slices.Values(a)), xs) {
		t.Errorf("%v is not a permutation", a)
	}
	// Pinned: stored attempts rely on an order never changing.
	if want := []int{2, 6, 8, 4, 3, 9, 0, 7, 5, 1}; !slices.Equal(a, want) {
		t.Errorf("Shuffle order %v, pinned %v", a, want)
	}
	if slices.Equal(a, Shuffle("quiz-7/learner-4", xs)) {
		t.Error("two seeds gave the same order of 10")
	}
	if got := Shuffle[int]("s", nil); len(got) != 0 {
		t.Errorf("Shuffle(nil) = %v", got)
	}
	// Every position gets every value about equally often.
	counts := [4][4]int{}
	for i := range 4000 {
		for pos, v := range Shuffle(fmt.Sprint(i), []int{0, 1, 2, 3}) {
			counts[pos][v]++
		}
	}
	for pos, row := range counts {
		for v, n := range row {
			if n < 850 || n > 1150 {
				t.Errorf("value %d at position %d %d times of 4000", v, pos, n)
			}
		}
	}
}
