package main

// The statements of the lrs section and the queries on them. Every
// statement comes from one vocabulary: 2,000 learners (account agents),
// 20 verbs (some far more common than others), 100 courses of 50 lessons
// in 10 programs (5,110 activities: a lesson is the object, its course
// the context's parent, its program the grouping), a registration per
// learner and course (each learner takes 8 of the courses), a score on
// the verbs that have one, a timestamp in the past year.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	lrsLearners       = 2000
	lrsCourses        = 100
	lrsLessons        = 50 // per course
	lrsPrograms       = 10
	lrsCoursesEach    = 8 // courses a learner takes
	lrsHome           = "https://" + benchEmailDomain
	lrsVerbPrefix     = "http://adlnet.gov/expapi/verbs/"
	lrsLessonType     = "http://adlnet.gov/expapi/activities/lesson"
	lrsStatementYears = 1
)

// lrsVerbs are the verbs with their share of the statements (%).
var lrsVerbs = []struct {
	name   string
	weight float64
	scored bool // the statement carries a result with a score
}{
	{"experienced", 24, false}, {"progressed", 15, false}, {"launched", 8, false}, {"initialized", 8, false},
	{"terminated", 8, false}, {"attempted", 6, false}, {"completed", 6, true}, {"answered", 6, true},
	{"interacted", 4, false}, {"passed", 3, true}, {"failed", 2, true}, {"scored", 2, true},
	{"suspended", 2, false}, {"resumed", 1.5, false}, {"registered", 1, false}, {"commented", 1, false},
	{"shared", 0.8, false}, {"attended", 0.8, false}, {"mastered", 0.5, true}, {"preferred", 0.4, false},
}

// xStatement is a statement of the vocabulary, without id (the LRS
// assigns it).
type xStatement struct {
	Actor     xAgent    `json:"actor"`
	Verb      xVerb     `json:"verb"`
	Object    xActivity `json:"object"`
	Result    *xResult  `json:"result,omitempty"`
	Context   xContext  `json:"context"`
	Timestamp string    `json:"timestamp"`
}

type xAgent struct {
	ObjectType string   `json:"objectType"`
	Name       string   `json:"name,omitempty"`
	Account    xAccount `json:"account"`
}

type xAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

type xVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

type xActivity struct {
	ObjectType string       `json:"objectType"`
	ID         string       `json:"id"`
	Definition *xDefinition `json:"definition,omitempty"`
}

type xDefinition struct {
	Name map[string]string `json:"name"`
	Type string            `json:"type"`
}

type xResult struct {
	Score      xScore `json:"score"`
	Success    bool   `json:"success"`
	Completion bool   `json:"completion"`
	Duration   string `json:"duration"`
}

type xScore struct {
	Scaled float64 `json:"scaled"`
	Raw    int     `json:"raw"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
}

type xContext struct {
	Registration      string              `json:"registration"`
	ContextActivities map[string][]xRefer `json:"contextActivities"`
	Platform          string              `json:"platform"`
	Language          string              `json:"language"`
}

type xRefer struct {
	ObjectType string `json:"objectType"`
	ID         string `json:"id"`
}

func learnerAgent(l int) xAgent {
	return xAgent{ObjectType: "Agent", Name: fmt.Sprintf("Learner %04d", l+1),
		Account: xAccount{HomePage: lrsHome, Name: fmt.Sprintf("learner%04d", l+1)}}
}

func courseIRI(c int) string       { return fmt.Sprintf("%s/courses/%d", lrsHome, c+1) }
func lessonIRI(c, l int) string    { return fmt.Sprintf("%s/courses/%d/lessons/%d", lrsHome, c+1, l+1) }
func programIRI(p int) string      { return fmt.Sprintf("%s/programs/%d", lrsHome, p+1) }
func registration(l, c int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", l+1, c+1) }

// statementGen draws statements of the vocabulary.
type statementGen struct {
	r   *rand.Rand
	now time.Time
	cum []float64 // cumulative verb weights
}

func newStatementGen(seed uint64, now time.Time) *statementGen {
	g := &statementGen{r: rand.New(rand.NewPCG(seed, 0x1e57e2)), now: now}
	sum := 0.0
	for _, v := range lrsVerbs {
		sum += v.weight
		g.cum = append(g.cum, sum)
	}
	return g
}

func (g *statementGen) verb() int {
	x := g.r.Float64() * g.cum[len(g.cum)-1]
	for i, c := range g.cum {
		if x < c {
			return i
		}
	}
	return len(g.cum) - 1
}

// next is a statement: a learner, one of the learner's courses, a lesson
// of it, a verb by its share.
func (g *statementGen) next() *xStatement {
	l := g.r.IntN(lrsLearners)
	c := (l*7 + g.r.IntN(lrsCoursesEach)*13) % lrsCourses
	lesson := g.r.IntN(lrsLessons)
	v := lrsVerbs[g.verb()]
	at := g.now.Add(-time.Duration(g.r.Int64N(int64(lrsStatementYears * 365 * 24 * time.Hour))))
	s := &xStatement{
		Actor: learnerAgent(l),
		Verb:  xVerb{ID: lrsVerbPrefix + v.name, Display: map[string]string{"en-US": v.name}},
		Object: xActivity{ObjectType: "Activity", ID: lessonIRI(c, lesson), Definition: &xDefinition{
			Name: map[string]string{"en-US": fmt.Sprintf("Lesson %d of course %d", lesson+1, c+1)}, Type: lrsLessonType}},
		Context: xContext{Registration: registration(l, c), Platform: "Lectern bench", Language: "en-US",
			ContextActivities: map[string][]xRefer{
				"parent":   {{ObjectType: "Activity", ID: courseIRI(c)}},
				"grouping": {{ObjectType: "Activity", ID: programIRI(c % lrsPrograms)}},
			}},
		Timestamp: at.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if v.scored {
		raw := 40 + g.r.IntN(61)
		s.Result = &xResult{Score: xScore{Scaled: float64(raw) / 100, Raw: raw, Min: 0, Max: 100},
			Success: raw >= 60, Completion: true, Duration: fmt.Sprintf("PT%dM%dS", 1+g.r.IntN(30), g.r.IntN(60))}
	}
	return s
}

// batch is n statements as one JSON array.
func (g *statementGen) batch(n int) ([]byte, error) {
	list := make([]*xStatement, n)
	for i := range list {
		list[i] = g.next()
	}
	return json.Marshal(list)
}

// lines is n statements, one JSON document a line (lrs.lua's input).
func (g *statementGen) lines(n int) ([]byte, error) {
	var out []byte
	for range n {
		b, err := json.Marshal(g.next())
		if err != nil {
			return nil, err
		}
		out = append(append(out, b...), '\n')
	}
	return out, nil
}

// lrsQuery is one filtered GET /xapi/statements of a query set.
type lrsQuery struct {
	Path string
	Kind string // what it filters on: a common or a rare verb; a lesson, course or program
}

// agentVerbQuery asks for an agent's statements of a verb, a page of limit.
func agentVerbQuery(agent json.RawMessage, verb string, limit int) lrsQuery {
	kind := "other verb"
	for _, v := range lrsVerbs {
		if lrsVerbPrefix+v.name == verb {
			kind = "common verb"
			if v.weight < 2 {
				kind = "rare verb"
			}
		}
	}
	return lrsQuery{Path: xapiStatementsPath + "?" + url.Values{"agent": {string(agent)}, "verb": {verb},
		"limit": {strconv.Itoa(limit)}}.Encode(), Kind: kind}
}

// activityQuery asks for the statements about an activity, in context
// too (related_activities), a page of limit.
func activityQuery(iri string, limit int) lrsQuery {
	kind := "other activity"
	switch {
	case strings.Contains(iri, "/lessons/"):
		kind = "lesson"
	case strings.HasPrefix(iri, lrsHome+"/courses/"):
		kind = "course (parent)"
	case strings.HasPrefix(iri, lrsHome+"/programs/"):
		kind = "program (grouping)"
	}
	return lrsQuery{Path: xapiStatementsPath + "?" + url.Values{"activity": {iri}, "related_activities": {"true"},
		"limit": {strconv.Itoa(limit)}}.Encode(), Kind: kind}
}

const xapiStatementsPath = "/xapi/statements"
