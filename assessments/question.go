package assessments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lectern/lectern/internal/httpapp"
)

// Question types.
const (
	SingleChoice   = "single_choice"
	MultipleChoice = "multiple_choice"
	TrueFalse      = "true_false"
	Numeric        = "numeric"
	ShortText      = "short_text"
	Ordering       = "ordering"
)

// QuestionTypes lists every question type, in the order error messages
// name them.
var QuestionTypes = []string{SingleChoice, MultipleChoice, TrueFalse, Numeric, ShortText, Ordering}

// Authoring limits, in characters (runes) unless said otherwise.
const (
	maxIDLen       = 64
	maxPromptLen   = 2000
	maxNoteLen     = 2000 // hint, explanation, feedback
	maxOptionLen   = 500
	minOptions     = 2
	maxOptions     = 20
	maxAccepted    = 20
	maxAcceptedLen = 200
	maxTextAnswer  = 500 // a learner's short_text response
	maxPoints      = 1000
)

// The ids of a true_false question's two options, which are also its xAPI
// responses.
const (
	trueID  = "true"
	falseID = "false"
)

// Option is one option of a choice, true_false or ordering question.
type Option struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Correct  bool   `json:"correct"`
	Feedback string `json:"feedback,omitempty"` // shown when this option is chosen
}

// Question is a question as its author wrote it, answer key included. It
// never reaches a learner: they see its LearnerView.
//
// short_text answers are compared after trimming leading and trailing
// white space and collapsing every inner run of white space to one space
// (ExactWhitespace keeps inner white space as typed), and without regard
// to case unless CaseSensitive.
type Question struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Prompt      string   `json:"prompt"`
	Options     []Option `json:"options,omitempty"` // choice, true_false, ordering (ordering: listed in the correct order)
	Hint        string   `json:"hint,omitempty"`
	Explanation string   `json:"explanation,omitempty"` // shown after answering
	Points      float64  `json:"points"`                // default 1, > 0, <= 1000

	Answer    *float64 `json:"answer,omitempty"`    // numeric: the correct value
	Tolerance float64  `json:"tolerance,omitempty"` // numeric: |response-answer| <= tolerance is correct; >= 0

	Accepted        []string `json:"accepted,omitempty"`         // short_text: accepted answers
	CaseSensitive   bool     `json:"case_sensitive,omitempty"`   // short_text
	ExactWhitespace bool     `json:"exact_whitespace,omitempty"` // short_text: do not collapse inner white space

	CorrectFeedback   string `json:"correct_feedback,omitempty"`
	IncorrectFeedback string `json:"incorrect_feedback,omitempty"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// at names a sub-field of field ("questions[2]" and "prompt" make
// "questions[2].prompt"; an empty field names the sub-field alone).
func at(field, sub string) string {
	if field == "" {
		return sub
	}
	return field + "." + sub
}

func index(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

func runes(s string) int { return utf8.RuneCountInString(s) }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Normalize validates a question as an instructor posted it and fills its
// defaults: texts are trimmed, the question and each option without an id
// get newID() (ids given are kept, and must be unique within the question,
// at most 64 characters of A-Z a-z 0-9 _ -), and zero points become 1.
// field is the question's JSON path ("questions[2]"); errors name the
// sub-field at fault ("questions[2].options[0].text").
//
// The rules: a known type; a prompt of 1 to 2000 characters; a hint, an
// explanation and each feedback of at most 2000; points above 0 and at
// most 1000. Per type:
//   - single_choice: 2 to 20 options, exactly one correct;
//   - multiple_choice: 2 to 20 options, at least one correct;
//   - true_false: exactly two options, the first meaning true and the
//     second false, exactly one of them correct. Their ids are "true" and
//     "false" (filled in when empty; any other id is an error) and their
//     texts default to "True" and "False" (an author may word them, say
//     "Vrai" and "Faux");
//   - numeric: an answer, and a tolerance of 0 or more; no options;
//   - short_text: 1 to 20 accepted answers, each 1 to 200 characters
//     (after the white space rule above) and without "[,]", the xAPI
//     response delimiter; no two equal under the matching rule; no options;
//   - ordering: 2 to 20 options listed in the correct order; their correct
//     flags are cleared and they take no feedback.
//
// Option texts are 1 to 500 characters, unique within the question
// regardless of case. Fields of another type (an answer on a choice
// question, accepted answers on a numeric one...) are errors.
func (q *Question) Normalize(field string, newID func() string) error {
	q.Type = strings.TrimSpace(q.Type)
	q.ID = strings.TrimSpace(q.ID)
	q.Prompt = strings.TrimSpace(q.Prompt)
	q.Hint = strings.TrimSpace(q.Hint)
	q.Explanation = strings.TrimSpace(q.Explanation)
	q.CorrectFeedback = strings.TrimSpace(q.CorrectFeedback)
	q.IncorrectFeedback = strings.TrimSpace(q.IncorrectFeedback)

	if !slices.Contains(QuestionTypes, q.Type) {
		return httpapp.Invalid(at(field, "type"), "must be one of %s", strings.Join(QuestionTypes, ", "))
	}
	if q.ID == "" {
		q.ID = newID()
	} else if err := checkID(at(field, "id"), q.ID); err != nil {
		return err
	}
	if n := runes(q.Prompt); n == 0 || n > maxPromptLen {
		return httpapp.Invalid(at(field, "prompt"), "must be 1 to %d characters (has %d)", maxPromptLen, n)
	}
	for _, f := range []struct{ name, text string }{
		{"hint", q.Hint}, {"explanation", q.Explanation},
		{"correct_feedback", q.CorrectFeedback}, {"incorrect_feedback", q.IncorrectFeedback},
	} {
		if n := runes(f.text); n > maxNoteLen {
			return httpapp.Invalid(at(field, f.name), "must be at most %d characters (has %d)", maxNoteLen, n)
		}
	}
	if q.Points == 0 {
		q.Points = 1
	}
	if !finite(q.Points) || q.Points <= 0 || q.Points > maxPoints {
		return httpapp.Invalid(at(field, "points"), "must be more than 0 and at most %d", maxPoints)
	}
	if err := q.rejectForeign(field); err != nil {
		return err
	}

	switch q.Type {
	case Numeric:
		if q.Answer == nil || !finite(*q.Answer) {
			return httpapp.Invalid(at(field, "answer"), "is required for a numeric question: the correct value, a number")
		}
		if !finite(q.Tolerance) || q.Tolerance < 0 {
			return httpapp.Invalid(at(field, "tolerance"), "must be a number of 0 or more (responses within answer ± tolerance are correct)")
		}
		return nil
	case ShortText:
		return q.normalizeAccepted(field)
	}
	return q.normalizeOptions(field, newID)
}

func checkID(field, id string) error {
	if len(id) > maxIDLen || !idPattern.MatchString(id) {
		return httpapp.Invalid(field, "must be at most %d characters of A-Z, a-z, 0-9, _ and -", maxIDLen)
	}
	return nil
}

// rejectForeign refuses the fields that belong to another question type.
func (q *Question) rejectForeign(field string) error {
	hasOptions := q.Type == SingleChoice || q.Type == MultipleChoice || q.Type == TrueFalse || q.Type == Ordering
	switch {
	case !hasOptions && len(q.Options) > 0:
		return httpapp.Invalid(at(field, "options"), "%s questions take no options", q.Type)
	case q.Type != Numeric && q.Answer != nil:
		return httpapp.Invalid(at(field, "answer"), "is only for numeric questions")
	case q.Type != Numeric && q.Tolerance != 0:
		return httpapp.Invalid(at(field, "tolerance"), "is only for numeric questions")
	case q.Type != ShortText && len(q.Accepted) > 0:
		return httpapp.Invalid(at(field, "accepted"), "is only for short_text questions")
	case q.Type != ShortText && q.CaseSensitive:
		return httpapp.Invalid(at(field, "case_sensitive"), "is only for short_text questions")
	case q.Type != ShortText && q.ExactWhitespace:
		return httpapp.Invalid(at(field, "exact_whitespace"), "is only for short_text questions")
	}
	return nil
}

func (q *Question) normalizeOptions(field string, newID func() string) error {
	of := at(field, "options")
	n := len(q.Options)
	if q.Type == TrueFalse {
		if n != 2 {
			return httpapp.Invalid(of, "a true_false question has exactly two options, the first meaning true and the second false (has %d)", n)
		}
	} else if n < minOptions || n > maxOptions {
		return httpapp.Invalid(of, "must have %d to %d options (has %d)", minOptions, maxOptions, n)
	}
	correct := 0
	for i := range q.Options {
		o := &q.Options[i]
		f := index(of, i)
		o.ID = strings.TrimSpace(o.ID)
		o.Text = strings.TrimSpace(o.Text)
		o.Feedback = strings.TrimSpace(o.Feedback)
		if q.Type == TrueFalse {
			want, text, other := trueID, "True", "false"
			if i == 1 {
				want, text, other = falseID, "False", "true"
			}
			if o.ID == "" {
				o.ID = want
			} else if o.ID != want {
				return httpapp.Invalid(at(f, "id"), "must be %q or empty: the first option of a true_false question means true, the second false", want)
			}
			if o.Text == "" {
				o.Text = text
			} else if strings.EqualFold(o.Text, other) {
				return httpapp.Invalid(at(f, "text"), "is %q, but the first option of a true_false question means true and the second false", o.Text)
			}
		}
		if o.ID == "" {
			o.ID = newID()
		} else if err := checkID(at(f, "id"), o.ID); err != nil {
			return err
		}
		if l := runes(o.Text); l == 0 || l > maxOptionLen {
			return httpapp.Invalid(at(f, "text"), "must be 1 to %d characters (has %d)", maxOptionLen, l)
		}
		if l := runes(o.Feedback); l > maxNoteLen {
			return httpapp.Invalid(at(f, "feedback"), "must be at most %d characters (has %d)", maxNoteLen, l)
		}
		if q.Type == Ordering {
			if o.Feedback != "" {
				return httpapp.Invalid(at(f, "feedback"), "ordering options take no feedback (use correct_feedback and incorrect_feedback)")
			}
			o.Correct = false
		}
		for j := range i {
			if q.Options[j].ID == o.ID {
				return httpapp.Invalid(at(f, "id"), "repeats the id of options[%d]", j)
			}
			if strings.EqualFold(q.Options[j].Text, o.Text) {
				return httpapp.Invalid(at(f, "text"), "repeats the text of options[%d]", j)
			}
		}
		if o.Correct {
			correct++
		}
	}
	switch q.Type {
	case SingleChoice, TrueFalse:
		if correct != 1 {
			return httpapp.Invalid(of, "a %s question needs exactly one correct option (%d are marked correct)", q.Type, correct)
		}
	case MultipleChoice:
		if correct == 0 {
			return httpapp.Invalid(of, "a multiple_choice question needs at least one correct option")
		}
	}
	return nil
}

func (q *Question) normalizeAccepted(field string) error {
	af := at(field, "accepted")
	if n := len(q.Accepted); n == 0 || n > maxAccepted {
		return httpapp.Invalid(af, "a short_text question needs 1 to %d accepted answers (has %d)", maxAccepted, n)
	}
	for i, a := range q.Accepted {
		a = q.textForm(a)
		q.Accepted[i] = a
		f := index(af, i)
		if l := runes(a); l == 0 || l > maxAcceptedLen {
			return httpapp.Invalid(f, "must be 1 to %d characters (has %d)", maxAcceptedLen, l)
		}
		if strings.Contains(a, "[,]") {
			return httpapp.Invalid(f, "must not contain [,] (the xAPI response delimiter)")
		}
		for j := range i {
			if q.textMatch(q.Accepted[j], a) {
				return httpapp.Invalid(f, "repeats accepted[%d]", j)
			}
		}
	}
	return nil
}

// textForm applies the short_text white space rule.
func (q *Question) textForm(s string) string {
	if q.ExactWhitespace {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// textMatch compares two texts already in textForm.
func (q *Question) textMatch(a, b string) bool {
	if q.CaseSensitive {
		return a == b
	}
	return strings.EqualFold(a, b)
}

func (q *Question) points() float64 {
	if q.Points == 0 {
		return 1
	}
	return q.Points
}

// LearnerQuestion is a question as a learner sees it before answering:
// nothing in it tells which answer is right.
type LearnerQuestion struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Prompt  string          `json:"prompt"`
	Hint    string          `json:"hint,omitempty"`
	Points  float64         `json:"points"`
	Options []LearnerOption `json:"options,omitempty"`
}

// LearnerOption is an option without its correct flag or feedback.
type LearnerOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// LearnerView is the question without its key. Options keep their
// author's order, except an ordering question's, which are shuffled by
// seed (with the question id, so one seed per learner and attempt gives
// each question its own order) and never shown in the correct order.
func (q *Question) LearnerView(seed string) LearnerQuestion {
	v := LearnerQuestion{ID: q.ID, Type: q.Type, Prompt: q.Prompt, Hint: q.Hint, Points: q.points()}
	for _, o := range q.Options {
		v.Options = append(v.Options, LearnerOption{ID: o.ID, Text: o.Text})
	}
	if q.Type == Ordering && len(v.Options) >= 2 {
		v.Options = Shuffle(seed+"\x00"+q.ID, v.Options)
		inOrder := true
		for i, o := range v.Options {
			inOrder = inOrder && o.ID == q.Options[i].ID
		}
		if inOrder {
			first := v.Options[0]
			copy(v.Options, v.Options[1:])
			v.Options[len(v.Options)-1] = first
		}
	}
	return v
}

// Graded is the result of grading one response.
type Graded struct {
	QuestionID  string  `json:"question_id"`
	Correct     bool    `json:"correct"`
	Score       float64 `json:"score"` // points earned: all or nothing
	Points      float64 `json:"points"`
	Feedback    string  `json:"feedback,omitempty"`
	Explanation string  `json:"explanation,omitempty"`
	// Unanswered: a quiz question left without an answer (scored 0).
	Unanswered bool `json:"unanswered,omitempty"`
	// Response is the response in the xAPI format of the question's
	// Interaction type.
	Response string `json:"-"`
	// Chosen are the option ids chosen (ordering: in the order given), for
	// the analytics of wrong answers; nil for numeric and short_text.
	Chosen []string `json:"-"`
}

// Grade grades a learner's response. field names the response in the
// request ("answers[3].response"); a response of the wrong shape is an
// error naming it. The shapes:
//   - single_choice, true_false: a string, one of the option ids ("true"
//     or "false" for true_false);
//   - multiple_choice: an array of distinct option ids, in any order
//     (empty when none is chosen); correct when it is the set of correct
//     options;
//   - numeric: a number, or a string holding a decimal number ("3.14",
//     "-2", "1e3"), as form fields send them; correct within the
//     tolerance (with a margin of 1e-9 relative to the answer, so that
//     3.15 is within 0.01 of 3.14 despite binary floating point);
//   - short_text: a string of at most 500 characters, matched as
//     Question describes;
//   - ordering: an array of every option id once; correct when in the
//     author's order.
//
// The feedback is the chosen option's (multiple_choice: those of the
// chosen options, one a line), or else the question's correct or
// incorrect feedback.
func (q *Question) Grade(field string, response json.RawMessage) (Graded, error) {
	g := Graded{QuestionID: q.ID, Points: q.points(), Explanation: q.Explanation}
	raw := bytes.TrimSpace(response)
	if len(raw) == 0 || string(raw) == "null" {
		return g, httpapp.Invalid(field, "is required: %s", q.expected())
	}
	var err error
	switch q.Type {
	case SingleChoice, TrueFalse:
		err = q.gradeSingle(field, raw, &g)
	case MultipleChoice:
		err = q.gradeMultiple(field, raw, &g)
	case Numeric:
		err = q.gradeNumeric(field, raw, &g)
	case ShortText:
		err = q.gradeText(field, raw, &g)
	case Ordering:
		err = q.gradeOrdering(field, raw, &g)
	default:
		return g, fmt.Errorf("grade question %s: unknown type %q", q.ID, q.Type)
	}
	if err != nil {
		return g, err
	}
	if g.Correct {
		g.Score = g.Points
	}
	if g.Feedback == "" {
		g.Feedback = q.IncorrectFeedback
		if g.Correct {
			g.Feedback = q.CorrectFeedback
		}
	}
	return g, nil
}

// expected says what a response to the question looks like.
func (q *Question) expected() string {
	switch q.Type {
	case SingleChoice:
		return "a string, one of the question's option ids"
	case TrueFalse:
		return `a string, "true" or "false"`
	case MultipleChoice:
		return "an array of distinct option ids of the question"
	case Numeric:
		return "a number"
	case ShortText:
		return fmt.Sprintf("a string of at most %d characters", maxTextAnswer)
	case Ordering:
		return "an array of every option id of the question, once each, in the chosen order"
	}
	return "a response"
}

func (q *Question) option(id string) int {
	return slices.IndexFunc(q.Options, func(o Option) bool { return o.ID == id })
}

func (q *Question) gradeSingle(field string, raw []byte, g *Graded) error {
	var id string
	if raw[0] != '"' || json.Unmarshal(raw, &id) != nil {
		return httpapp.Invalid(field, "must be %s", q.expected())
	}
	i := q.option(id)
	if i < 0 {
		return httpapp.Invalid(field, "must be %s", q.expected())
	}
	o := q.Options[i]
	g.Correct, g.Feedback, g.Response, g.Chosen = o.Correct, o.Feedback, id, []string{id}
	return nil
}

func (q *Question) gradeMultiple(field string, raw []byte, g *Graded) error {
	var ids []string
	if raw[0] != '[' || json.Unmarshal(raw, &ids) != nil {
		return httpapp.Invalid(field, "must be %s", q.expected())
	}
	chosen := make([]bool, len(q.Options))
	for k, id := range ids {
		i := q.option(id)
		if i < 0 {
			return httpapp.Invalid(index(field, k), "must be one of the question's option ids")
		}
		if chosen[i] {
			return httpapp.Invalid(index(field, k), "repeats option %q", id)
		}
		chosen[i] = true
	}
	g.Correct = true
	var feedback []string
	for i, o := range q.Options {
		g.Correct = g.Correct && chosen[i] == o.Correct
		if chosen[i] && o.Feedback != "" {
			feedback = append(feedback, o.Feedback)
		}
	}
	g.Chosen = slices.Sorted(slices.Values(ids))
	g.Response = strings.Join(g.Chosen, "[,]")
	g.Feedback = strings.Join(feedback, "\n")
	return nil
}

var decimalPattern = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// parseNumber reads a finite JSON number, or a JSON string holding a
// decimal number.
func parseNumber(raw []byte) (float64, bool) {
	var v float64
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
		if !decimalPattern.MatchString(s) {
			return 0, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		v = f
	} else if json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	return v, finite(v)
}

func (q *Question) gradeNumeric(field string, raw []byte, g *Graded) error {
	v, ok := parseNumber(raw)
	if !ok {
		return httpapp.Invalid(field, "must be a number (like 3.14), or a string holding one")
	}
	answer := 0.0
	if q.Answer != nil {
		answer = *q.Answer
	}
	margin := 1e-9 * math.Max(1, math.Abs(answer))
	g.Correct = q.Answer != nil && math.Abs(v-answer) <= q.Tolerance+margin
	g.Response = strconv.FormatFloat(v, 'f', -1, 64)
	return nil
}

func (q *Question) gradeText(field string, raw []byte, g *Graded) error {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return httpapp.Invalid(field, "must be %s", q.expected())
	}
	if n := runes(s); n > maxTextAnswer {
		return httpapp.Invalid(field, "must be at most %d characters (has %d)", maxTextAnswer, n)
	}
	form := q.textForm(s)
	g.Correct = slices.ContainsFunc(q.Accepted, func(a string) bool { return q.textMatch(q.textForm(a), form) })
	g.Response = strings.TrimSpace(s)
	return nil
}

func (q *Question) gradeOrdering(field string, raw []byte, g *Graded) error {
	var ids []string
	if raw[0] != '[' || json.Unmarshal(raw, &ids) != nil {
		return httpapp.Invalid(field, "must be %s", q.expected())
	}
	seen := make([]bool, len(q.Options))
	for k, id := range ids {
		i := q.option(id)
		if i < 0 {
			return httpapp.Invalid(index(field, k), "must be one of the question's option ids")
		}
		if seen[i] {
			return httpapp.Invalid(index(field, k), "repeats option %q", id)
		}
		seen[i] = true
	}
	if i := slices.Index(seen, false); i >= 0 {
		return httpapp.Invalid(field, "must list every option id once; %q is missing", q.Options[i].ID)
	}
	g.Correct = true
	for i, id := range ids {
		g.Correct = g.Correct && q.Options[i].ID == id
	}
	g.Chosen = ids
	g.Response = strings.Join(ids, "[,]")
	return nil
}

// Interaction describes the question as an xAPI cmi.interaction activity:
// its interactionType, correctResponsesPattern, and the interaction
// components to add to the activity definition (nil when the type has
// none). The patterns:
//   - single_choice, multiple_choice: "choice", the correct ids sorted and
//     joined by "[,]", with "choices";
//   - true_false: "true-false", "true" or "false";
//   - numeric: "numeric", the answer when the tolerance is 0, else the
//     range "lo[:]hi";
//   - short_text: "fill-in", one pattern per accepted answer, each led by
//     {case_matters=false} or {case_matters=true};
//   - ordering: "sequencing", the ids in order joined by "[,]", with
//     "choices".
//
// Graded.Response is in the matching format.
func (q *Question) Interaction() (interactionType string, correctResponsesPattern []string, components map[string]any) {
	switch q.Type {
	case SingleChoice, MultipleChoice:
		var ids []string
		for _, o := range q.Options {
			if o.Correct {
				ids = append(ids, o.ID)
			}
		}
		slices.Sort(ids)
		return "choice", []string{strings.Join(ids, "[,]")}, q.choices()
	case TrueFalse:
		for _, o := range q.Options {
			if o.Correct {
				return "true-false", []string{o.ID}, nil
			}
		}
		return "true-false", nil, nil
	case Numeric:
		if q.Answer == nil {
			return "numeric", nil, nil
		}
		a := *q.Answer
		if q.Tolerance == 0 {
			return "numeric", []string{decimal(a)}, nil
		}
		return "numeric", []string{decimal(a-q.Tolerance) + "[:]" + decimal(a+q.Tolerance)}, nil
	case ShortText:
		prefix := "{case_matters=false}"
		if q.CaseSensitive {
			prefix = "{case_matters=true}"
		}
		patterns := make([]string, len(q.Accepted))
		for i, a := range q.Accepted {
			patterns[i] = prefix + a
		}
		return "fill-in", patterns, nil
	case Ordering:
		ids := make([]string, len(q.Options))
		for i, o := range q.Options {
			ids[i] = o.ID
		}
		return "sequencing", []string{strings.Join(ids, "[,]")}, q.choices()
	}
	return "other", nil, nil
}

func (q *Question) choices() map[string]any {
	cs := make([]map[string]any, len(q.Options))
	for i, o := range q.Options {
		cs[i] = map[string]any{"id": o.ID, "description": map[string]string{"en-US": o.Text}}
	}
	return map[string]any{"choices": cs}
}

// decimal formats a range bound in plain decimal notation, rounded to 15
// significant digits so that 3.14-0.01 reads 3.13 and not
// 3.1300000000000003.
func decimal(f float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		r = f
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Scoring policies: which attempt at a checkpoint or quiz counts.
const (
	ScoreFirst = "first"
	ScoreBest  = "best"
	ScoreLast  = "last"
)

// ScoringPolicies lists the scoring policies.
var ScoringPolicies = []string{ScoreFirst, ScoreBest, ScoreLast}

// PolicyScore returns the score that counts among attempts' scores (in
// attempt order), and false when there is no attempt. An empty or unknown
// policy counts as ScoreBest, the default; validate policies where they
// are authored.
func PolicyScore(policy string, scores []float64) (float64, bool) {
	if len(scores) == 0 {
		return 0, false
	}
	switch policy {
	case ScoreFirst:
		return scores[0], true
	case ScoreLast:
		return scores[len(scores)-1], true
	}
	return slices.Max(scores), true
}

// Shuffle returns a copy of xs in an order that depends only on seed (a
// Fisher–Yates shuffle driven by SplitMix64 seeded with the FNV-1a hash of
// seed, both fixed here so that an order never changes with the Go
// release).
func Shuffle[T any](seed string, xs []T) []T {
	out := slices.Clone(xs)
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := splitMix{h.Sum64()}
	for i := len(out) - 1; i > 0; i-- {
		j := r.below(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

type splitMix struct{ state uint64 }

func (s *splitMix) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a number in [0, n).
func (s *splitMix) below(n int) int {
	hi, _ := bits.Mul64(s.next(), uint64(n))
	return int(hi)
}
