package assessments

import (
	"context"
	"fmt"
	"time"

	"github.com/lectern/lectern/internal/events"
	"github.com/lectern/lectern/xapi"
)

// The events this domain writes to the log. Each carries the xAPI
// statement's verb, object and result (xapi.Recorded), built here because
// only this domain knows the answer keys; the LRS recorder adds the actor,
// the registration and the context.
const (
	EventAnswered = "assessment.answered"
	EventPassed   = "assessment.passed"
	EventFailed   = "assessment.failed"
)

// Recorded xAPI IRIs.
const (
	verbAnswered       = "http://adlnet.gov/expapi/verbs/answered"
	verbPassed         = "http://adlnet.gov/expapi/verbs/passed"
	verbFailed         = "http://adlnet.gov/expapi/verbs/failed"
	activityCMI        = "http://adlnet.gov/expapi/activities/cmi.interaction"
	activityAssessment = "http://adlnet.gov/expapi/activities/assessment"
)

// Answered is the payload of assessment.answered: one graded answer.
type Answered struct {
	CourseID     string        `json:"course_id"`
	LessonID     string        `json:"lesson_id"`
	UserID       string        `json:"user_id"`
	CheckpointID string        `json:"checkpoint_id,omitempty"` // empty for a quiz lesson's question
	Quiz         bool          `json:"quiz,omitempty"`          // a question of a quiz lesson
	QuestionID   string        `json:"question_id"`
	Attempt      int           `json:"attempt"`
	Correct      bool          `json:"correct"`
	Chosen       []string      `json:"chosen,omitempty"`
	XAPI         xapi.Recorded `json:"xapi"`
}

// Outcome is the payload of assessment.passed and assessment.failed: the
// lesson's mastery score was met, or can no longer be.
type Outcome struct {
	CourseID string        `json:"course_id"`
	LessonID string        `json:"lesson_id"`
	UserID   string        `json:"user_id"`
	Score    float64       `json:"score"`
	Mastery  float64       `json:"mastery_score"`
	XAPI     xapi.Recorded `json:"xapi"`
}

// QuestionIRI is the activity id of a question of a checkpoint.
func QuestionIRI(publicURL, courseID, lessonID, checkpointID, questionID string) string {
	return xapi.LessonIRI(publicURL, courseID, lessonID) + "/checkpoints/" + checkpointID + "/questions/" + questionID
}

// answeredEvents are the events of a graded attempt, one per answer.
func (h *Handlers) answeredEvents(c *Checkpoint, userID string, number int, graded []Graded, at time.Time) []events.Event {
	byID := map[string]*Question{}
	for _, q := range c.Questions {
		byID[q.ID] = q
	}
	out := make([]events.Event, 0, len(graded))
	for _, g := range graded {
		q := byID[g.QuestionID]
		p := Answered{CourseID: c.CourseID, LessonID: c.LessonID, UserID: userID, CheckpointID: c.ID, QuestionID: q.ID,
			Attempt: number, Correct: g.Correct, Chosen: g.Chosen,
			XAPI: answeredStatement(q, g, QuestionIRI(h.Settings.PublicURL, c.CourseID, c.LessonID, c.ID, q.ID),
				[]string{VideoIRI(h.Settings.PublicURL, c.CourseID, c.LessonID)})}
		out = append(out, events.Event{Type: EventAnswered, Subject: fmt.Sprintf("checkpoints/%s/learners/%s/attempts/%d/%s", c.ID, userID, number, q.ID),
			OccurredAt: at, Payload: p})
	}
	return out
}

// answeredStatement is the answered statement of one graded answer: the
// question as a cmi.interaction (its key in correctResponsesPattern, which
// the LRS never shows a learner), the response and the score.
func answeredStatement(q *Question, g Graded, iri string, parent []string) xapi.Recorded {
	typ, pattern, components := q.Interaction()
	def := map[string]any{
		"type":                    activityCMI,
		"name":                    map[string]any{"und": clip(q.Prompt, 200)},
		"description":             map[string]any{"und": q.Prompt},
		"interactionType":         typ,
		"correctResponsesPattern": pattern,
	}
	for k, v := range components {
		def[k] = v
	}
	scaled := 0.0
	if g.Points > 0 {
		scaled = g.Score / g.Points
	}
	return xapi.Recorded{
		Verb: verbAnswered, Display: "answered",
		Object: map[string]any{"objectType": "Activity", "id": iri, "definition": def},
		Result: map[string]any{"success": g.Correct, "response": g.Response,
			"score": map[string]any{"raw": g.Score, "min": 0, "max": g.Points, "scaled": scaled}},
		Parent: parent,
	}
}

// recordOutcome writes the lesson's mastery outcome to the log.
func (h *Handlers) recordOutcome(ctx context.Context, userID string, v *lessonView, outcome string, score float64) error {
	typ, verb := EventPassed, verbPassed
	if outcome == "failed" {
		typ, verb = EventFailed, verbFailed
	}
	lesson := xapi.LessonIRI(h.Settings.PublicURL, v.media.CourseID, v.media.LessonID)
	p := Outcome{CourseID: v.media.CourseID, LessonID: v.media.LessonID, UserID: userID, Score: score, Mastery: *v.policy.MasteryScore,
		XAPI: xapi.Recorded{Verb: verb, Display: outcome,
			Object: map[string]any{"objectType": "Activity", "id": lesson,
				"definition": map[string]any{"type": xapi.ActivityLesson, "name": map[string]any{"und": v.media.Title}}},
			Result: map[string]any{"success": outcome == "passed", "score": map[string]any{"scaled": round3(score)}},
		}}
	return events.Append(ctx, h.Store.q(ctx), events.Event{Type: typ, Subject: "lessons/" + v.media.LessonID + "/learners/" + userID,
		OccurredAt: h.Clock.Now(), Payload: p})
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
