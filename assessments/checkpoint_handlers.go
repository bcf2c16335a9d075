package assessments

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// Limits of what a lesson holds.
const (
	maxCheckpoints = 100
	maxQuestions   = 20
)

// staffLesson is the video lesson a request's :id and :lesson_id name,
// for its course's staff: 404 when the caller may not see the course, 403
// when they may see but not change it, 409 for a text lesson.
func (h *Handlers) staffLesson(c *fiber.Ctx) (*LessonMedia, error) {
	ctx := c.UserContext()
	rel, err := h.Courses.Relation(ctx, c.Params("id"), auth.From(ctx))
	if err != nil {
		return nil, err
	}
	if !rel.CanEdit() {
		return nil, httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the course's instructors and admins may change its checkpoints")
	}
	return h.videoLesson(c, rel)
}

// videoLesson reads the video lesson :lesson_id of the course.
func (h *Handlers) videoLesson(c *fiber.Ctx, rel *courses.Relation) (*LessonMedia, error) {
	lessonID, err := httpapp.PathID(c, "lesson_id", "lesson", ErrNotFound)
	if err != nil {
		return nil, err
	}
	m, err := h.Store.Lesson(c.UserContext(), rel.CourseID, lessonID)
	if err != nil {
		return nil, err
	}
	if m.Kind != "video" {
		return nil, httpapp.Errorf(fiber.StatusConflict, "not_a_video_lesson", "lesson %s is a %s lesson: checkpoints and playback are for video lessons", m.LessonID, m.Kind)
	}
	return m, nil
}

// checkpointInput is a checkpoint as posted (all fields) or patched (the
// fields present).
type checkpointInput struct {
	At              *float64                  `json:"at"`
	Title           *string                   `json:"title"`
	Required        *bool                     `json:"required"`
	MustPass        *bool                     `json:"must_pass"`
	AttemptsAllowed *int                      `json:"attempts_allowed"`
	Scoring         *string                   `json:"scoring"`
	PassScore       *float64                  `json:"pass_score"`
	JumpTo          httpapp.Optional[float64] `json:"jump_to"`
	Questions       []*Question               `json:"questions"`
}

// apply validates in and sets what it holds on c.
func (in *checkpointInput) apply(c *Checkpoint, m *LessonMedia, creating bool) error {
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	if in.At != nil {
		switch {
		case !finite(*in.At) || *in.At < 0:
			return httpapp.Invalid("at", "must be a time in seconds, 0 or more")
		case m.Duration != nil && *in.At > *m.Duration:
			return httpapp.Invalid("at", "must be within the video (%.3f s long)", *m.Duration)
		}
		c.At = math.Round(*in.At*1000) / 1000
	} else if creating {
		return httpapp.Invalid("at", "is required: the time of the video, in seconds, the checkpoint is pinned to")
	}
	if in.Title != nil {
		t, err := httpapp.Text("title", *in.Title, 0, 200)
		if err != nil {
			return err
		}
		c.Title = t
	}
	if in.Required != nil {
		c.Required = *in.Required
	}
	if in.MustPass != nil {
		c.MustPass = *in.MustPass
	}
	if err := attemptRules(in.AttemptsAllowed, in.Scoring, in.PassScore, &c.AttemptsAllowed, &c.Scoring, &c.PassScore); err != nil {
		return err
	}
	if in.JumpTo.Set {
		c.JumpTo = in.JumpTo.Value
	}
	if c.JumpTo != nil && (!finite(*c.JumpTo) || *c.JumpTo < 0 || *c.JumpTo >= c.At) {
		return httpapp.Invalid("jump_to", "must be a time before the checkpoint (%.3f s), or null", c.At)
	}
	if in.Questions != nil || creating {
		if len(in.Questions) == 0 || len(in.Questions) > maxQuestions {
			return httpapp.Invalid("questions", "must hold 1 to %d questions", maxQuestions)
		}
		seen := map[string]bool{}
		for i, q := range in.Questions {
			if q == nil {
				return httpapp.Invalid(fmt.Sprintf("questions[%d]", i), "must be a question object")
			}
			if err := q.Normalize(fmt.Sprintf("questions[%d]", i), newID); err != nil {
				return err
			}
			if seen[q.ID] {
				return httpapp.Invalid(fmt.Sprintf("questions[%d].id", i), "%s is the id of another question of the checkpoint", q.ID)
			}
			seen[q.ID] = true
		}
		c.Questions = in.Questions
	}
	return nil
}

// attemptRules validates the attempt rules checkpoints and quizzes share
// (those given: attempts allowed, the attempt that counts, the pass score)
// and sets them.
func attemptRules(attempts *int, scoring *string, pass *float64, toAttempts *int, toScoring *string, toPass *float64) error {
	if attempts != nil {
		if *attempts < 0 || *attempts > 100 {
			return httpapp.Invalid("attempts_allowed", "must be between 0 (unlimited) and 100")
		}
		*toAttempts = *attempts
	}
	if scoring != nil {
		if !slices.Contains(ScoringPolicies, *scoring) {
			return httpapp.Invalid("scoring", "must be first, best or last (the attempt that counts)")
		}
		*toScoring = *scoring
	}
	if pass != nil {
		if !finite(*pass) || *pass < 0 || *pass > 1 {
			return httpapp.Invalid("pass_score", "must be a fraction between 0 and 1")
		}
		*toPass = *pass
	}
	return nil
}

func newID() string { return strings.ReplaceAll(uuid.NewString(), "-", "")[:12] }

func (h *Handlers) listCheckpoints(c *fiber.Ctx) error {
	m, err := h.staffLesson(c)
	if err != nil {
		return err
	}
	cps, err := h.Store.Checkpoints(c.UserContext(), m.LessonID)
	if err != nil {
		return err
	}
	if cps == nil {
		cps = []*Checkpoint{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": cps})
}

func (h *Handlers) createCheckpoint(c *fiber.Ctx) error {
	m, err := h.staffLesson(c)
	if err != nil {
		return err
	}
	var in checkpointInput
	if err := httpapp.ParseJSON(c, &in); err != nil {
		return err
	}
	cp := &Checkpoint{CourseID: m.CourseID, LessonID: m.LessonID, Required: true, Scoring: ScoreBest, PassScore: 1}
	if err := in.apply(cp, m, true); err != nil {
		return err
	}
	ctx := c.UserContext()
	n, err := h.Store.CountCheckpoints(ctx, m.LessonID)
	if err != nil {
		return err
	}
	if n >= maxCheckpoints {
		return httpapp.Errorf(fiber.StatusConflict, "too_many_checkpoints", "a lesson holds at most %d checkpoints", maxCheckpoints)
	}
	out, err := h.Store.SaveCheckpoint(ctx, cp)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// staffCheckpoint is the checkpoint :checkpoint_id of the lesson.
func (h *Handlers) staffCheckpoint(c *fiber.Ctx) (*LessonMedia, *Checkpoint, error) {
	m, err := h.staffLesson(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := httpapp.PathID(c, "checkpoint_id", "checkpoint", ErrNotFound)
	if err != nil {
		return nil, nil, err
	}
	cp, err := h.Store.Checkpoint(c.UserContext(), id)
	if err != nil {
		return nil, nil, err
	}
	if cp.LessonID != m.LessonID {
		return nil, nil, fmt.Errorf("checkpoint %s of lesson %s: %w", id, m.LessonID, ErrNotFound)
	}
	return m, cp, nil
}

func (h *Handlers) patchCheckpoint(c *fiber.Ctx) error {
	m, cp, err := h.staffCheckpoint(c)
	if err != nil {
		return err
	}
	var in checkpointInput
	if err := httpapp.ParseJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(cp, m, false); err != nil {
		return err
	}
	out, err := h.Store.SaveCheckpoint(c.UserContext(), cp)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *Handlers) deleteCheckpoint(c *fiber.Ctx) error {
	m, cp, err := h.staffCheckpoint(c)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteCheckpoint(c.UserContext(), m.LessonID, cp.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) getPolicy(c *fiber.Ctx) error {
	m, err := h.staffLesson(c)
	if err != nil {
		return err
	}
	p, err := h.Store.Policy(c.UserContext(), m.LessonID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(p)
}

func (h *Handlers) putPolicy(c *fiber.Ctx) error {
	m, err := h.staffLesson(c)
	if err != nil {
		return err
	}
	p := DefaultPolicy()
	if err := httpapp.ParseJSON(c, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := h.Store.SetPolicy(c.UserContext(), m.LessonID, p); err != nil {
		return err
	}
	return c.JSON(p)
}
