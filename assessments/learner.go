package assessments

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/xapi"
)

// Video Profile IRIs the server reads.
const (
	extPlayedSegments = "https://w3id.org/xapi/video/extensions/played-segments"
	extTime           = "https://w3id.org/xapi/video/extensions/time"
	extTimeTo         = "https://w3id.org/xapi/video/extensions/time-to"
	activityVideo     = "https://w3id.org/xapi/video/activity-type/video"
)

// VideoIRI is the activity id of a video lesson's video in the learner's
// Video Profile statements.
func VideoIRI(publicURL, courseID, lessonID string) string {
	return xapi.LessonIRI(publicURL, courseID, lessonID) + "/video"
}

// parseVideoIRI is VideoIRI backwards.
func parseVideoIRI(publicURL, iri string) (courseID, lessonID string, ok bool) {
	rest, ok := strings.CutPrefix(iri, strings.TrimRight(publicURL, "/")+"/courses/")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "lessons" || parts[3] != "video" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// lessonView is one learner's whole state in one video lesson.
type lessonView struct {
	media    *LessonMedia
	duration float64
	policy   Policy
	cps      []*Checkpoint
	states   []CheckpointState
	// attempts are the learner's, by checkpoint, in attempt order.
	attempts map[string][]attemptScore
	row      *learnerRow
	until    float64
}

// state of a checkpoint given a learner's attempts at it.
func checkpointState(c *Checkpoint, as []attemptScore) CheckpointState {
	st := CheckpointState{ID: c.ID, At: c.At, Required: c.Required, MustPass: c.MustPass,
		AttemptsAllowed: c.AttemptsAllowed, Attempts: len(as), Points: c.Points()}
	scores := make([]float64, len(as))
	for i, a := range as {
		scores[i] = a.Score
	}
	if s, ok := PolicyScore(c.Scoring, scores); ok {
		st.Score = s
		st.Passed = s >= c.PassScore-1e-9
	}
	return st
}

// view loads a learner's state in a video lesson (the caller holds the
// learner lock when it will change it).
func (h *Handlers) view(ctx context.Context, m *LessonMedia, userID string) (*lessonView, error) {
	v := &lessonView{media: m}
	if m.Duration != nil {
		v.duration = *m.Duration
	}
	var err error
	if v.policy, err = h.Store.Policy(ctx, m.LessonID); err != nil {
		return nil, err
	}
	if v.cps, err = h.Store.Checkpoints(ctx, m.LessonID); err != nil {
		return nil, err
	}
	if v.attempts, err = h.Store.Attempts(ctx, userID, m.LessonID); err != nil {
		return nil, err
	}
	for _, c := range v.cps {
		v.states = append(v.states, checkpointState(c, v.attempts[c.ID]))
	}
	if v.row, err = h.Store.learner(ctx, userID, m.LessonID); err != nil {
		return nil, err
	}
	if m.VideoID != nil && v.row.VideoID != *m.VideoID {
		// Another video now (or none yet): what was watched was of another.
		clock := v.row.CreditClock
		*v.row = learnerRow{VideoID: *m.VideoID, ThroughSeq: v.row.ThroughSeq, Outcome: v.row.Outcome, exists: v.row.exists}
		v.row.CreditClock = clock
	}
	v.until, _ = UnlockedUntil(v.duration, v.states)
	return v, nil
}

// report reads what the server believes of one Video Profile statement:
// its played segments and the playhead it reports.
func report(st *xapi.StoredStatement) (Report, bool) {
	var s struct {
		Verb   struct{ ID string } `json:"verb"`
		Result *struct {
			Extensions map[string]json.RawMessage `json:"extensions"`
		} `json:"result"`
	}
	if json.Unmarshal(st.Body, &s) != nil || s.Result == nil {
		return Report{}, false
	}
	r := Report{At: st.Stored}
	if raw, ok := s.Result.Extensions[extPlayedSegments]; ok {
		var txt string
		if json.Unmarshal(raw, &txt) != nil {
			return Report{}, false
		}
		segs, err := ParsePlayedSegments(txt)
		if err != nil {
			return Report{}, false
		}
		r.Segments = segs
	}
	for _, k := range []string{extTimeTo, extTime} {
		var t float64
		if raw, ok := s.Result.Extensions[k]; ok && json.Unmarshal(raw, &t) == nil && !math.IsNaN(t) && !math.IsInf(t, 0) {
			r.Position = &t
			break
		}
	}
	return r, r.Segments != nil || r.Position != nil
}

// catchUp applies the learner's Video Profile statements stored since the
// last one applied, in stored order, each credited as far as it is
// plausible (Credit). The LRS is the record; this is a cache of what it
// implies, so a missed update is caught up next time.
func (h *Handlers) catchUp(ctx context.Context, orgID, userID string, v *lessonView) error {
	agent := xapi.LearnerAgent(h.Settings.PublicURL, orgID, userID, "")
	iri := VideoIRI(h.Settings.PublicURL, v.media.CourseID, v.media.LessonID)
	rules := CreditRules{MaxSpeed: v.policy.MaxSpeed, Duration: v.duration, UnlockedUntil: v.until, Navigation: v.policy.Navigation}
	const page = 500
	for {
		batch, err := h.LRS.LearnerStatements(ctx, agent, iri, v.row.ThroughSeq, page)
		if err != nil {
			return err
		}
		for _, st := range batch {
			if r, ok := report(st); ok {
				next, _, refused := Credit(v.row.WatchState, r, rules)
				v.row.WatchState = next
				if len(refused) > 0 {
					v.row.Refused++
				}
			}
			v.row.ThroughSeq = st.Seq
		}
		if len(batch) < page {
			return nil
		}
	}
}

// settle completes the lesson when the learner now meets everything it
// asks, and records the mastery outcome once it is known.
func (h *Handlers) settle(ctx context.Context, userID string, v *lessonView) (Completion, error) {
	comp := Evaluate(v.policy, v.duration, v.row.Watched, v.states)
	if v.policy.MasteryScore != nil && v.row.Outcome == nil {
		outcome := ""
		switch {
		case comp.Complete:
			outcome = "passed"
		case masteryOutOfReach(v.cps, v.states, *v.policy.MasteryScore):
			outcome = "failed"
		}
		if outcome != "" {
			v.row.Outcome = &outcome
			if err := h.recordOutcome(ctx, userID, v, outcome, comp.Score); err != nil {
				return comp, err
			}
		}
	}
	if !comp.Complete {
		return comp, nil
	}
	statuses, err := h.Progress.LessonStatuses(ctx, v.media.CourseID, userID)
	if err != nil {
		return comp, err
	}
	if statuses[v.media.LessonID] != courses.Completed {
		if err := h.Progress.CompleteLesson(ctx, v.media.CourseID, v.media.LessonID, userID); err != nil {
			return comp, err
		}
	}
	return comp, nil
}

// masteryOutOfReach reports whether the lesson score can no longer reach
// the mastery score: full marks on every checkpoint that still has
// attempts would not be enough.
func masteryOutOfReach(cps []*Checkpoint, states []CheckpointState, mastery float64) bool {
	best := make([]CheckpointState, len(states))
	copy(best, states)
	for i := range best {
		c := cps[i]
		if c.AttemptsAllowed == 0 || best[i].Attempts < c.AttemptsAllowed {
			switch c.Scoring {
			case ScoreFirst:
				if best[i].Attempts == 0 {
					best[i].Score = 1
				}
			default:
				best[i].Score = 1
			}
		}
	}
	return LessonScore(best) < mastery-1e-9
}

// Observe brings the derived state of the lessons a learner's new Video
// Profile statements are about up to date (the LRS calls it after it
// stored statements a signed-in learner sent): watching credited, the
// lesson completed when it now is.
func (h *Handlers) Observe(ctx context.Context, orgID, userID string, activities []string) {
	seen := map[string]bool{}
	for _, a := range activities {
		courseID, lessonID, ok := parseVideoIRI(h.Settings.PublicURL, a)
		if !ok || seen[lessonID] {
			continue
		}
		seen[lessonID] = true
		err := database.InOrg(ctx, h.DB, orgID, func(ctx context.Context, _ pgx.Tx) error {
			return h.refresh(ctx, orgID, userID, courseID, lessonID)
		})
		if err != nil {
			h.Log.Warn("derive watching from statements", "user", userID, "lesson", lessonID, "err", err)
		}
	}
}

// refresh catches a learner's state in a lesson up with the LRS and
// settles it, in the context's transaction.
func (h *Handlers) refresh(ctx context.Context, orgID, userID, courseID, lessonID string) error {
	m, err := h.Store.Lesson(ctx, courseID, lessonID)
	if err != nil || m.Kind != "video" || m.VideoID == nil {
		return nil // not (or no longer) a video lesson: nothing to derive
	}
	enrolled, err := h.enrolled(ctx, courseID, userID)
	if err != nil || !enrolled {
		return err
	}
	if err := h.Store.lockLearner(ctx, userID, lessonID); err != nil {
		return err
	}
	v, err := h.view(ctx, m, userID)
	if err != nil {
		return err
	}
	if err := h.catchUp(ctx, orgID, userID, v); err != nil {
		return err
	}
	if _, err := h.settle(ctx, userID, v); err != nil {
		return err
	}
	return h.Store.saveLearner(ctx, userID, lessonID, v.row)
}

// enrolled reports whether a user follows a course (active or completed).
func (h *Handlers) enrolled(ctx context.Context, courseID, userID string) (bool, error) {
	reg, err := h.Progress.Registration(ctx, courseID, userID)
	if err != nil {
		return false, fmt.Errorf("enrollment: %w", err)
	}
	return reg != "", nil
}
