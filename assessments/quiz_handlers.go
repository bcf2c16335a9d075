package assessments

// Quiz lessons: the same questions as checkpoints, as a lesson of their
// own (an end-of-module quiz). A learner opens an attempt (questions in
// the order this attempt shows them, without keys), saves answers as they
// go, and submits; the server grades. A time limit is the server's: an
// attempt still open past its deadline (plus a few seconds for the
// network) is graded on what was saved by then, whenever it is next
// touched, and answers posted later do not count. The scoring policy
// picks the attempt that counts; when it reaches the pass score the
// lesson completes (lesson.completed, course progress) and the xAPI
// passed statement is recorded; when the last allowed attempt leaves it
// short, failed. Every graded answer is an xAPI answered statement.

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/events"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi"
)

const (
	maxQuizQuestions = 100
	// quizGrace is how late past its deadline a submission still counts
	// as on time: the network's delay, not extra time.
	quizGrace = 5 * time.Second
)

// quizLesson reads the quiz lesson :lesson_id of course :id.
func (h *Handlers) quizLesson(c *fiber.Ctx) (*courses.Relation, *LessonMedia, error) {
	ctx := c.UserContext()
	rel, err := h.Courses.Relation(ctx, c.Params("id"), auth.From(ctx))
	if err != nil {
		return nil, nil, err
	}
	lessonID, err := httpapp.PathID(c, "lesson_id", "lesson", ErrNotFound)
	if err != nil {
		return nil, nil, err
	}
	m, err := h.Store.Lesson(ctx, rel.CourseID, lessonID)
	if err != nil {
		return nil, nil, err
	}
	if m.Kind != "quiz" {
		return nil, nil, httpapp.Errorf(fiber.StatusConflict, "not_a_quiz_lesson", "lesson %s is a %s lesson, not a quiz", m.LessonID, m.Kind)
	}
	return rel, m, nil
}

// quizInput is a quiz as put by its staff: the fields present change.
type quizInput struct {
	AttemptsAllowed  *int                  `json:"attempts_allowed"`
	TimeLimit        httpapp.Optional[int] `json:"time_limit_seconds"`
	ShuffleQuestions *bool                 `json:"shuffle_questions"`
	ShuffleOptions   *bool                 `json:"shuffle_options"`
	Scoring          *string               `json:"scoring"`
	PassScore        *float64              `json:"pass_score"`
	Questions        []*Question           `json:"questions"`
}

func (in *quizInput) apply(q *Quiz) error {
	if err := attemptRules(in.AttemptsAllowed, in.Scoring, in.PassScore, &q.AttemptsAllowed, &q.Scoring, &q.PassScore); err != nil {
		return err
	}
	if in.TimeLimit.Set {
		if v := in.TimeLimit.Value; v != nil && (*v < 30 || *v > 86400) {
			return httpapp.Invalid("time_limit_seconds", "must be between 30 and 86400 seconds, or null for no limit")
		}
		q.TimeLimit = in.TimeLimit.Value
	}
	if in.ShuffleQuestions != nil {
		q.ShuffleQuestions = *in.ShuffleQuestions
	}
	if in.ShuffleOptions != nil {
		q.ShuffleOptions = *in.ShuffleOptions
	}
	if in.Questions != nil {
		if len(in.Questions) == 0 || len(in.Questions) > maxQuizQuestions {
			return httpapp.Invalid("questions", "must hold 1 to %d questions", maxQuizQuestions)
		}
		seen := map[string]bool{}
		for i, x := range in.Questions {
			f := fmt.Sprintf("questions[%d]", i)
			if x == nil {
				return httpapp.Invalid(f, "must be a question object")
			}
			if err := x.Normalize(f, newID); err != nil {
				return err
			}
			if seen[x.ID] {
				return httpapp.Invalid(f+".id", "%s is the id of another question of the quiz", x.ID)
			}
			seen[x.ID] = true
		}
		q.Questions = in.Questions
	}
	return nil
}

// StaffQuiz is the quiz as its staff read it: keys included.
type StaffQuiz struct {
	*Quiz
	Title  string  `json:"title"`
	Points float64 `json:"points"`
	Staff  bool    `json:"staff"`
}

func (h *Handlers) putQuiz(c *fiber.Ctx) error {
	rel, m, err := h.quizLesson(c)
	if err != nil {
		return err
	}
	if !rel.CanEdit() {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may change its quizzes")
	}
	var in quizInput
	if err := httpapp.ParseJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	q, err := h.Store.Quiz(ctx, m.CourseID, m.LessonID)
	if err != nil {
		return err
	}
	if err := in.apply(q); err != nil {
		return err
	}
	if err := h.Store.SaveQuiz(ctx, q); err != nil {
		return err
	}
	return c.JSON(StaffQuiz{Quiz: q, Title: m.Title, Points: q.Points(), Staff: true})
}

// QuizState is a quiz as a learner sees it: its rules, their attempts and
// where they stand. No question, no key.
type QuizState struct {
	LessonID         string         `json:"lesson_id"`
	CourseID         string         `json:"course_id"`
	Title            string         `json:"title"`
	AttemptsAllowed  int            `json:"attempts_allowed"`
	TimeLimit        *int           `json:"time_limit_seconds"`
	ShuffleQuestions bool           `json:"shuffle_questions"`
	Scoring          string         `json:"scoring"`
	PassScore        float64        `json:"pass_score"`
	Questions        int            `json:"question_count"`
	Points           float64        `json:"points"`
	Attempts         []*QuizAttempt `json:"attempts"`
	OpenAttempt      *string        `json:"open_attempt"`
	// Score is the score that counts (by the scoring policy), null before
	// a first submitted attempt.
	Score        *float64 `json:"score"`
	Passed       bool     `json:"passed"`
	Completed    bool     `json:"completed"`
	CanAttempt   bool     `json:"can_attempt"`
	AttemptsLeft *int     `json:"attempts_left"`
}

func (h *Handlers) getQuiz(c *fiber.Ctx) error {
	rel, m, err := h.quizLesson(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	if rel.CanEdit() && !rel.Enrolled() {
		q, err := h.Store.Quiz(ctx, m.CourseID, m.LessonID)
		if err != nil {
			return err
		}
		return c.JSON(StaffQuiz{Quiz: q, Title: m.Title, Points: q.Points(), Staff: true})
	}
	if !rel.Enrolled() {
		return httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s", rel.CourseID)
	}
	var out *QuizState
	// A read has no transaction; settling an expired attempt writes.
	err = database.InOrg(ctx, h.DB, p.OrgID, func(ctx context.Context, _ pgx.Tx) error {
		s, err := h.quizSession(ctx, p, m)
		if err == nil {
			out, err = s.state(ctx)
		}
		return err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// quizSession is a learner's quiz, their attempts and lesson status, read
// under the learner's lock with an expired open attempt settled.
type quizSession struct {
	h        *Handlers
	user     string
	media    *LessonMedia
	quiz     *Quiz
	attempts []*QuizAttempt
	lesson   courses.LessonState
	now      time.Time
}

func (h *Handlers) quizSession(ctx context.Context, p *auth.Principal, m *LessonMedia) (*quizSession, error) {
	if err := h.Store.lockLearner(ctx, p.UserID, m.LessonID); err != nil {
		return nil, err
	}
	s := &quizSession{h: h, user: p.UserID, media: m, now: h.Clock.Now()}
	var err error
	if s.quiz, err = h.Store.Quiz(ctx, m.CourseID, m.LessonID); err != nil {
		return nil, err
	}
	if s.attempts, err = h.Store.QuizAttempts(ctx, m.LessonID, p.UserID); err != nil {
		return nil, err
	}
	if s.lesson, err = h.lessonState(ctx, m.CourseID, m.LessonID, p.UserID); err != nil {
		return nil, err
	}
	if a := s.open(); a != nil && s.expired(a) {
		// Graded on what was saved in time.
		if _, err := s.submit(ctx, a, a.Draft, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *quizSession) open() *QuizAttempt {
	for _, a := range s.attempts {
		if a.Open() {
			return a
		}
	}
	return nil
}

func (s *quizSession) expired(a *QuizAttempt) bool {
	return a.Deadline != nil && s.now.After(a.Deadline.Add(quizGrace))
}

func (s *quizSession) submitted() []float64 {
	var scores []float64
	for _, a := range s.attempts {
		if !a.Open() && a.Score != nil {
			scores = append(scores, *a.Score)
		}
	}
	return scores
}

func (s *quizSession) attemptsLeft() *int {
	if s.quiz.AttemptsAllowed == 0 {
		return nil
	}
	left := max(s.quiz.AttemptsAllowed-len(s.attempts), 0)
	return &left
}

func (s *quizSession) state(ctx context.Context) (*QuizState, error) {
	q := s.quiz
	out := &QuizState{LessonID: s.media.LessonID, CourseID: s.media.CourseID, Title: s.media.Title, AttemptsAllowed: q.AttemptsAllowed,
		TimeLimit: q.TimeLimit, ShuffleQuestions: q.ShuffleQuestions, Scoring: q.Scoring, PassScore: q.PassScore,
		Questions: len(q.Questions), Points: q.Points(), Attempts: s.attempts, Completed: s.lesson.Status == courses.Completed,
		AttemptsLeft: s.attemptsLeft()}
	if out.Attempts == nil {
		out.Attempts = []*QuizAttempt{}
	}
	if a := s.open(); a != nil {
		out.OpenAttempt = &a.ID
	}
	if kept, ok := PolicyScore(q.Scoring, s.submitted()); ok {
		out.Score = &kept
		out.Passed = kept >= q.PassScore-1e-9
	}
	out.CanAttempt = !s.lesson.Locked && len(q.Questions) > 0 && (out.OpenAttempt != nil || out.AttemptsLeft == nil || *out.AttemptsLeft > 0)
	return out, nil
}

// QuizAttemptView is an attempt as its learner sees it: the questions
// without keys; once submitted, the results (feedback, explanations).
type QuizAttemptView struct {
	*QuizAttempt
	State     string            `json:"state"` // open or submitted
	TimeLeft  *float64          `json:"time_left_seconds"`
	Questions []LearnerQuestion `json:"questions"`
	Answers   []Answer          `json:"answers"`
	SavedAt   *time.Time        `json:"saved_at"`
	Results   []Graded          `json:"results,omitempty"`
	Points    float64           `json:"points"`
}

func (s *quizSession) view(a *QuizAttempt) *QuizAttemptView {
	v := &QuizAttemptView{QuizAttempt: a, State: "open", Answers: a.Draft, SavedAt: a.DraftAt, Questions: make([]LearnerQuestion, 0, len(a.Questions))}
	for _, q := range a.Questions {
		v.Questions = append(v.Questions, q.LearnerView(a.ID))
		v.Points += q.points()
	}
	if v.Answers == nil {
		v.Answers = []Answer{}
	}
	if !a.Open() {
		v.State, v.Results = "submitted", a.Results
	} else if a.Deadline != nil {
		left := math.Max(0, math.Round(a.Deadline.Sub(s.now).Seconds()*10)/10)
		v.TimeLeft = &left
	}
	return v
}

func (h *Handlers) startQuizAttempt(c *fiber.Ctx) error {
	rel, m, err := h.quizLesson(c)
	if err != nil {
		return err
	}
	if len(c.Body()) > 0 {
		var none struct{} // nothing to choose: the body may only be {}
		if err := httpapp.ParseJSON(c, &none); err != nil {
			return err
		}
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	if !rel.Enrolled() {
		return httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s: only its learners take its quizzes", rel.CourseID)
	}
	s, err := h.quizSession(ctx, p, m)
	if err != nil {
		return err
	}
	if s.lesson.Locked {
		return fmt.Errorf("lesson %s is locked until its prerequisites are completed: %w", m.LessonID, ErrLocked)
	}
	if a := s.open(); a != nil {
		return c.JSON(s.view(a)) // resume, on any device
	}
	q := s.quiz
	if len(q.Questions) == 0 {
		return httpapp.Errorf(fiber.StatusConflict, "no_questions", "this quiz has no questions yet")
	}
	if left := s.attemptsLeft(); left != nil && *left == 0 {
		return fmt.Errorf("the quiz allows %d attempts and all were used: %w", q.AttemptsAllowed, ErrNoAttempts)
	}
	a := &QuizAttempt{ID: uuid.NewString(), CourseID: m.CourseID, LessonID: m.LessonID, UserID: p.UserID, Number: len(s.attempts) + 1, StartedAt: s.now}
	if q.TimeLimit != nil {
		d := a.StartedAt.Add(time.Duration(*q.TimeLimit) * time.Second)
		a.Deadline = &d
	}
	a.Questions = attemptQuestions(q, a.ID)
	if err := h.Store.InsertQuizAttempt(ctx, a); err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return c.JSON(s.view(a))
}

// attemptQuestions are the quiz's questions as one attempt shows them:
// their order shuffled when the quiz says so, and the options of choice
// questions (true/false keeps true first; an ordering question's options
// are shuffled by its LearnerView, and their stored order is the key).
func attemptQuestions(q *Quiz, seed string) []*Question {
	qs := make([]*Question, len(q.Questions))
	for i, x := range q.Questions {
		c := *x
		c.Options = append([]Option(nil), x.Options...)
		if q.ShuffleOptions && (c.Type == SingleChoice || c.Type == MultipleChoice) {
			c.Options = Shuffle(seed+"\x00options\x00"+c.ID, c.Options)
		}
		qs[i] = &c
	}
	if q.ShuffleQuestions {
		qs = Shuffle(seed+"\x00questions", qs)
	}
	return qs
}

// learnerAttempt reads :id, the caller's own attempt, and its lesson.
func (h *Handlers) learnerAttempt(ctx context.Context, c *fiber.Ctx) (*QuizAttempt, *LessonMedia, error) {
	id, err := httpapp.PathID(c, "id", "quiz attempt", ErrNotFound)
	if err != nil {
		return nil, nil, err
	}
	a, err := h.Store.QuizAttempt(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if a.UserID != auth.From(ctx).UserID {
		return nil, nil, fmt.Errorf("quiz attempt %s: %w", id, ErrNotFound) // another learner's: as if none
	}
	m, err := h.Store.Lesson(ctx, a.CourseID, a.LessonID)
	if err != nil {
		return nil, nil, err
	}
	return a, m, nil
}

// attempt is the attempt of id as the session has it (settled).
func (s *quizSession) attempt(id string) (*QuizAttempt, error) {
	for _, a := range s.attempts {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, fmt.Errorf("quiz attempt %s: %w", id, ErrNotFound)
}

func (h *Handlers) getQuizAttempt(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auth.From(ctx)
	var out *QuizAttemptView
	err := database.InOrg(ctx, h.DB, p.OrgID, func(ctx context.Context, _ pgx.Tx) error {
		a, m, err := h.learnerAttempt(ctx, c)
		if err != nil {
			return err
		}
		s, err := h.quizSession(ctx, p, m)
		if err != nil {
			return err
		}
		if a, err = s.attempt(a.ID); err != nil {
			return err
		}
		out = s.view(a)
		return nil
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// openAttempt is the session's attempt :id, still open (409 when it is
// submitted, or time ran out: it was just graded on what was saved).
func (h *Handlers) openAttempt(c *fiber.Ctx) (*quizSession, *QuizAttempt, error) {
	ctx := c.UserContext()
	a, m, err := h.learnerAttempt(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	s, err := h.quizSession(ctx, auth.From(ctx), m)
	if err != nil {
		return nil, nil, err
	}
	if a, err = s.attempt(a.ID); err != nil {
		return nil, nil, err
	}
	switch {
	case a.Open():
		return s, a, nil
	case a.Late:
		return s, a, httpapp.Errorf(fiber.StatusConflict, "time_up", "the time limit of this attempt has passed: it was graded on the answers saved in time")
	}
	return s, a, httpapp.Errorf(fiber.StatusConflict, "already_submitted", "this attempt was submitted already")
}

// checkAnswers validates answers against an attempt's questions: each a
// question of the attempt, once, with a response of the right shape (a
// null response leaves the question unanswered and is dropped).
func checkAnswers(qs []*Question, answers []Answer) ([]Answer, error) {
	byID := map[string]*Question{}
	for _, q := range qs {
		byID[q.ID] = q
	}
	seen := map[string]bool{}
	out := make([]Answer, 0, len(answers))
	for i, a := range answers {
		f := fmt.Sprintf("answers[%d].question_id", i)
		q := byID[a.QuestionID]
		switch {
		case a.QuestionID == "":
			return nil, httpapp.Invalid(f, "is required")
		case q == nil:
			return nil, httpapp.Invalid(f, "%q is not a question of this attempt", a.QuestionID)
		case seen[a.QuestionID]:
			return nil, httpapp.Invalid(f, "answers question %s a second time", a.QuestionID)
		}
		seen[a.QuestionID] = true
		if r := string(a.Response); r == "" || r == "null" {
			continue
		}
		if _, err := q.Grade(fmt.Sprintf("answers[%d].response", i), a.Response); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (h *Handlers) saveQuizAnswers(c *fiber.Ctx) error {
	var req struct {
		Answers *[]Answer `json:"answers"`
	}
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.Answers == nil {
		return httpapp.Invalid("answers", "is required: the answers so far, [{\"question_id\", \"response\"}]")
	}
	s, a, err := h.openAttempt(c)
	if err != nil {
		return err
	}
	answers, err := checkAnswers(a.Questions, *req.Answers)
	if err != nil {
		return err
	}
	// Past the deadline but within the grace, answers are still saved in
	// time; after it, openAttempt has graded the attempt already.
	a.Draft, a.DraftAt = answers, &s.now
	if err := h.Store.SaveQuizDraft(c.UserContext(), a); err != nil {
		return err
	}
	return c.JSON(s.view(a))
}

// QuizResult is the answer to a submitted attempt.
type QuizResult struct {
	*QuizAttemptView
	// Quiz is where the learner now stands: the score that counts, passed,
	// the lesson completed, attempts left.
	Quiz *QuizState `json:"quiz"`
}

func (h *Handlers) submitQuizAttempt(c *fiber.Ctx) error {
	var req struct {
		Answers *[]Answer `json:"answers"`
	}
	if len(c.Body()) > 0 {
		if err := httpapp.ParseJSON(c, &req); err != nil {
			return err
		}
	}
	s, a, err := h.openAttempt(c)
	if err != nil {
		return err
	}
	answers := a.Draft
	if req.Answers != nil {
		if answers, err = checkAnswers(a.Questions, *req.Answers); err != nil {
			return err
		}
	}
	ctx := c.UserContext()
	if _, err := s.submit(ctx, a, answers, false); err != nil {
		return err
	}
	st, err := s.state(ctx)
	if err != nil {
		return err
	}
	return c.JSON(QuizResult{QuizAttemptView: s.view(a), Quiz: st})
}

// submit grades an open attempt on answers, stores it, records the xAPI
// answered statements and settles the lesson: completed when the score
// that counts reaches the pass score (passed recorded), failed recorded
// when the last allowed attempt leaves it short.
func (s *quizSession) submit(ctx context.Context, a *QuizAttempt, answers []Answer, late bool) ([]Graded, error) {
	h := s.h
	graded, score := gradeQuiz(a.Questions, answers)
	passed := score >= s.quiz.PassScore-1e-9
	now := s.now
	a.Draft, a.SubmittedAt, a.Late, a.Score, a.Passed, a.Results = answers, &now, late, &score, &passed, graded
	if a.DraftAt == nil {
		a.DraftAt = &now
	}
	if err := h.Store.SubmitQuizAttempt(ctx, a); err != nil {
		return nil, err
	}
	if err := events.Append(ctx, h.Store.q(ctx), h.quizAnsweredEvents(a, graded, now)...); err != nil {
		return nil, err
	}
	kept, _ := PolicyScore(s.quiz.Scoring, s.submitted())
	if s.lesson.Status == courses.Completed || s.lesson.Locked {
		return graded, nil
	}
	exhausted := s.quiz.AttemptsAllowed > 0 && len(s.attempts) >= s.quiz.AttemptsAllowed
	switch {
	case kept >= s.quiz.PassScore-1e-9:
		if err := h.Progress.CompleteLesson(ctx, s.media.CourseID, s.media.LessonID, s.user); err != nil {
			return nil, err
		}
		s.lesson.Status = courses.Completed
		return graded, h.quizOutcome(ctx, s, "passed", kept)
	case exhausted:
		return graded, h.quizOutcome(ctx, s, "failed", kept)
	}
	return graded, nil
}

// gradeQuiz grades every question of an attempt: unanswered ones score 0.
// answers were checked (checkAnswers).
func gradeQuiz(qs []*Question, answers []Answer) ([]Graded, float64) {
	byID := map[string]Answer{}
	for _, a := range answers {
		byID[a.QuestionID] = a
	}
	out := make([]Graded, 0, len(qs))
	var earned, points float64
	for i, q := range qs {
		points += q.points()
		a, ok := byID[q.ID]
		var g Graded
		var err error
		if ok {
			g, err = q.Grade(fmt.Sprintf("answers[%d].response", i), a.Response)
		}
		if !ok || err != nil {
			g = Graded{QuestionID: q.ID, Points: q.points(), Explanation: q.Explanation, Feedback: q.IncorrectFeedback, Unanswered: true}
		}
		earned += g.Score
		out = append(out, g)
	}
	if points == 0 {
		return out, 0
	}
	return out, math.Round(earned/points*1e6) / 1e6
}

// QuizQuestionIRI is the activity id of a question of a quiz lesson.
func QuizQuestionIRI(publicURL, courseID, lessonID, questionID string) string {
	return xapi.LessonIRI(publicURL, courseID, lessonID) + "/questions/" + questionID
}

// quizAnsweredEvents are the events of a graded attempt, one per answered
// question.
func (h *Handlers) quizAnsweredEvents(a *QuizAttempt, graded []Graded, at time.Time) []events.Event {
	out := make([]events.Event, 0, len(graded))
	for i, g := range graded {
		if g.Unanswered {
			continue
		}
		q := a.Questions[i]
		p := Answered{CourseID: a.CourseID, LessonID: a.LessonID, UserID: a.UserID, QuestionID: q.ID, Attempt: a.Number,
			Correct: g.Correct, Chosen: g.Chosen, Quiz: true,
			XAPI: answeredStatement(q, g, QuizQuestionIRI(h.Settings.PublicURL, a.CourseID, a.LessonID, q.ID), nil)}
		out = append(out, events.Event{Type: EventAnswered, Subject: fmt.Sprintf("quizzes/%s/learners/%s/attempts/%d/%s", a.LessonID, a.UserID, a.Number, q.ID),
			OccurredAt: at, Payload: p})
	}
	return out
}

// quizOutcome records the quiz lesson's passed or failed statement.
func (h *Handlers) quizOutcome(ctx context.Context, s *quizSession, outcome string, score float64) error {
	typ, verb := EventPassed, verbPassed
	if outcome == "failed" {
		typ, verb = EventFailed, verbFailed
	}
	m := s.media
	lesson := xapi.LessonIRI(h.Settings.PublicURL, m.CourseID, m.LessonID)
	p := Outcome{CourseID: m.CourseID, LessonID: m.LessonID, UserID: s.user, Score: score, Mastery: s.quiz.PassScore,
		XAPI: xapi.Recorded{Verb: verb, Display: outcome,
			Object: map[string]any{"objectType": "Activity", "id": lesson,
				"definition": map[string]any{"type": activityAssessment, "name": map[string]any{"und": m.Title}}},
			Result: map[string]any{"success": outcome == "passed", "score": map[string]any{"scaled": round3(score)}},
		}}
	return events.Append(ctx, h.Store.q(ctx), events.Event{Type: typ, Subject: "lessons/" + m.LessonID + "/learners/" + s.user,
		OccurredAt: s.now, Payload: p})
}
