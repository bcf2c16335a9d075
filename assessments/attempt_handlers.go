package assessments

import (
	"context"
	"fmt"
	"math"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/events"
	"github.com/lectern/lectern/internal/httpapp"
)

// AttemptResult is the answer to a posted attempt: the grade, feedback,
// and what the learner may now watch.
type AttemptResult struct {
	Passed  bool     `json:"passed"`
	Score   float64  `json:"score"`
	Results []Graded `json:"results"`
	// JumpTo, after a failed attempt, is where to re-watch from.
	JumpTo        *float64 `json:"jump_to,omitempty"`
	UnlockedUntil float64  `json:"unlocked_until"`
	Attempt       int      `json:"attempt"`
	// AttemptsLeft is null when attempts are unlimited.
	AttemptsLeft     *int `json:"attempts_left"`
	CanAttempt       bool `json:"can_attempt"`
	CheckpointPassed bool `json:"checkpoint_passed"`
	LessonCompleted  bool `json:"lesson_completed"`
	// Preview: staff tried the checkpoint; nothing was stored.
	Preview bool `json:"preview,omitempty"`
}

// lessonState is where a learner stands in a lesson: its progress status
// and whether its prerequisites still lock it.
func (h *Handlers) lessonState(ctx context.Context, courseID, lessonID, userID string) (courses.LessonState, error) {
	modules, err := h.Courses.Outline(ctx, courseID, false)
	if err != nil {
		return courses.LessonState{}, err
	}
	statuses, err := h.Progress.LessonStatuses(ctx, courseID, userID)
	if err != nil {
		return courses.LessonState{}, err
	}
	for _, l := range courses.ComputeProgress(modules, statuses).Lessons {
		if l.LessonID == lessonID {
			return l, nil
		}
	}
	return courses.LessonState{}, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
}

// grade grades every answer of a posted attempt: each question of the
// checkpoint answered exactly once.
func grade(cp *Checkpoint, answers []Answer) ([]Graded, float64, error) {
	if len(answers) == 0 {
		return nil, 0, httpapp.Invalid("answers", "must answer the checkpoint's questions: [{\"question_id\", \"response\"}]")
	}
	byID := map[string]int{}
	for i, a := range answers {
		f := fmt.Sprintf("answers[%d].question_id", i)
		if a.QuestionID == "" {
			return nil, 0, httpapp.Invalid(f, "is required")
		}
		if _, dup := byID[a.QuestionID]; dup {
			return nil, 0, httpapp.Invalid(f, "answers question %s a second time", a.QuestionID)
		}
		byID[a.QuestionID] = i
	}
	out := make([]Graded, 0, len(cp.Questions))
	var score, points float64
	for _, q := range cp.Questions {
		i, ok := byID[q.ID]
		if !ok {
			return nil, 0, httpapp.Invalid("answers", "must answer every question of the checkpoint; question %s is not answered", q.ID)
		}
		delete(byID, q.ID)
		g, err := q.Grade(fmt.Sprintf("answers[%d].response", i), answers[i].Response)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
		score += g.Score
		points += g.Points
	}
	for id, i := range byID {
		return nil, 0, httpapp.Invalid(fmt.Sprintf("answers[%d].question_id", i), "%s is not a question of this checkpoint", id)
	}
	if points == 0 {
		return out, 0, nil
	}
	return out, math.Round(score/points*1e4) / 1e4, nil
}

func (h *Handlers) postAttempt(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "checkpoint", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	cp, err := h.Store.Checkpoint(ctx, id)
	if err != nil {
		return err
	}
	rel, err := h.Courses.Relation(ctx, cp.CourseID, p)
	if err != nil {
		return err
	}
	if !rel.Enrolled() && !rel.CanEdit() {
		return httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s", cp.CourseID)
	}
	var req struct {
		Answers []Answer `json:"answers"`
	}
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	graded, score, err := grade(cp, req.Answers)
	if err != nil {
		return err
	}
	passed := score >= cp.PassScore-1e-9
	out := AttemptResult{Passed: passed, Score: score, Results: graded}
	if !passed && cp.JumpTo != nil {
		out.JumpTo = cp.JumpTo
	}
	if !rel.Enrolled() {
		// Staff previewing the checkpoint as a learner would see it.
		out.Preview, out.CanAttempt, out.CheckpointPassed, out.Attempt = true, true, passed, 1
		if m, err := h.Store.Lesson(ctx, cp.CourseID, cp.LessonID); err == nil && m.Duration != nil {
			out.UnlockedUntil = *m.Duration
		}
		return c.JSON(out)
	}

	if st, err := h.lessonState(ctx, cp.CourseID, cp.LessonID, p.UserID); err != nil {
		return err
	} else if st.Locked {
		return fmt.Errorf("lesson %s is locked until its prerequisites are completed: %w", cp.LessonID, ErrLocked)
	}
	m, err := h.Store.Lesson(ctx, cp.CourseID, cp.LessonID)
	if err != nil {
		return err
	}
	if err := h.Store.lockLearner(ctx, p.UserID, cp.LessonID); err != nil {
		return err
	}
	v, err := h.view(ctx, m, p.UserID)
	if err != nil {
		return err
	}
	i := -1
	for j, c := range v.cps {
		if c.ID == cp.ID {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("checkpoint %s: %w", cp.ID, ErrNotFound)
	}
	st := v.states[i]
	if cp.At > v.until+1e-6 {
		return fmt.Errorf("checkpoint %s at %.1f s: answer the required checkpoint at %.1f s first: %w", cp.ID, cp.At, v.until, ErrLocked)
	}
	if cp.AttemptsAllowed > 0 && st.Attempts >= cp.AttemptsAllowed {
		return fmt.Errorf("checkpoint %s allows %d attempts and all were used: %w", cp.ID, cp.AttemptsAllowed, ErrNoAttempts)
	}
	a := &Attempt{CheckpointID: cp.ID, Number: st.Attempts + 1, Score: score, Passed: passed, Results: graded}
	if err := h.Store.InsertAttempt(ctx, p.UserID, cp.LessonID, a, req.Answers); err != nil {
		return err
	}
	if err := events.Append(ctx, h.Store.q(ctx), h.answeredEvents(cp, p.UserID, a.Number, graded, a.CreatedAt)...); err != nil {
		return err
	}
	v.attempts[cp.ID] = append(v.attempts[cp.ID], attemptScore{Score: a.Score, Passed: a.Passed})
	v.states[i] = checkpointState(cp, v.attempts[cp.ID])
	v.until, _ = UnlockedUntil(v.duration, v.states)
	comp, err := h.settle(ctx, p.UserID, v)
	if err != nil {
		return err
	}
	if err := h.Store.saveLearner(ctx, p.UserID, cp.LessonID, v.row); err != nil {
		return err
	}
	out.Attempt = a.Number
	out.UnlockedUntil = v.until
	out.CheckpointPassed = v.states[i].Passed
	out.LessonCompleted = comp.Complete
	out.CanAttempt = true
	if cp.AttemptsAllowed > 0 {
		left := max(cp.AttemptsAllowed-a.Number, 0)
		out.AttemptsLeft = &left
		out.CanAttempt = left > 0
	}
	return c.JSON(out)
}
