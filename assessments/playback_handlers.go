package assessments

import (
	"context"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi"
)

// Playback is what a learner's player needs: the manifests this learner
// may play now (ending at the next required checkpoint they have not
// passed), the checkpoints without their keys, what they watched, and
// where their Video Profile statements go.
type Playback struct {
	CourseID      string    `json:"course_id"`
	LessonID      string    `json:"lesson_id"`
	VideoID       string    `json:"video_id"`
	HLS           string    `json:"hls"`
	DASH          string    `json:"dash"`
	Thumbnails    *string   `json:"thumbnails"`
	Poster        *string   `json:"poster"`
	Duration      float64   `json:"duration"`
	UnlockedUntil float64   `json:"unlocked_until"`
	ExpiresAt     time.Time `json:"expires_at"`
	// RefreshAfter: fetch the playback again after this many seconds (the
	// URLs expire at ExpiresAt).
	RefreshAfter    int                 `json:"refresh_after"`
	Policy          Policy              `json:"policy"`
	Watched         Intervals           `json:"watched"`
	WatchedFraction float64             `json:"watched_fraction"`
	Furthest        float64             `json:"furthest"`
	Position        float64             `json:"position"`
	Completed       bool                `json:"completed"`
	Missing         []string            `json:"missing"`
	Score           float64             `json:"score"`
	Checkpoints     []LearnerCheckpoint `json:"checkpoints"`
	XAPI            PlaybackXAPI        `json:"xapi"`
	// Staff: the caller teaches the course: nothing is gated nor recorded.
	Staff bool `json:"staff"`
}

// PlaybackXAPI is where and as whom the player sends its statements.
type PlaybackXAPI struct {
	Endpoint         string         `json:"endpoint"`
	ActivityID       string         `json:"activity_id"`
	Registration     string         `json:"registration,omitempty"`
	Actor            map[string]any `json:"actor"`
	LessonActivityID string         `json:"lesson_activity_id"`
	CourseActivityID string         `json:"course_activity_id"`
}

// LearnerCheckpoint is a checkpoint as a learner sees it: no key.
type LearnerCheckpoint struct {
	ID              string            `json:"id"`
	At              float64           `json:"at"`
	Title           string            `json:"title"`
	Required        bool              `json:"required"`
	MustPass        bool              `json:"must_pass"`
	Passed          bool              `json:"passed"`
	Attempts        int               `json:"attempts"`
	AttemptsAllowed int               `json:"attempts_allowed"`
	CanAttempt      bool              `json:"can_attempt"`
	Questions       []LearnerQuestion `json:"questions"`
}

func (h *Handlers) getPlayback(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auth.From(ctx)
	rel, err := h.Courses.Relation(ctx, c.Params("id"), p)
	if err != nil {
		return err
	}
	staff := rel.CanEdit() && !rel.Enrolled()
	if !staff && !rel.Enrolled() {
		return httpapp.Errorf(fiber.StatusForbidden, "not_enrolled", "you are not enrolled in course %s", rel.CourseID)
	}
	m, err := h.videoLesson(c, rel)
	if err != nil {
		return err
	}
	if !m.Ready() {
		return httpapp.Errorf(fiber.StatusConflict, "not_ready", "the lesson's video is not ready to play yet")
	}
	var out *Playback
	if staff {
		out, err = h.staffPlayback(ctx, p, m)
	} else {
		st, err := h.lessonState(ctx, m.CourseID, m.LessonID, p.UserID)
		if err != nil {
			return err
		}
		if st.Locked {
			return httpapp.Errorf(fiber.StatusLocked, "locked", "this lesson unlocks when you finish its prerequisites")
		}
		// A read request has no transaction: the grant (and the catch-up
		// with the LRS) writes in one of its own.
		err = database.InOrg(ctx, h.DB, p.OrgID, func(ctx context.Context, _ pgx.Tx) error {
			out, err = h.learnerPlayback(ctx, p, m, st.Status == courses.Completed)
			return err
		})
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// learnerPlayback grants a learner playback: their state caught up with
// the LRS, the budget clock started, the manifests cut at what they may
// watch. completed says the lesson was completed before.
func (h *Handlers) learnerPlayback(ctx context.Context, p *auth.Principal, m *LessonMedia, completed bool) (*Playback, error) {
	if err := h.Store.lockLearner(ctx, p.UserID, m.LessonID); err != nil {
		return nil, err
	}
	v, err := h.view(ctx, m, p.UserID)
	if err != nil {
		return nil, err
	}
	if err := h.catchUp(ctx, p.OrgID, p.UserID, v); err != nil {
		return nil, err
	}
	// The budget clock runs on the database's time, as the LRS's stored
	// times (which Credit compares it with) do; it starts at the first
	// grant.
	if v.row.CreditClock.IsZero() {
		granted, err := h.Store.now(ctx)
		if err != nil {
			return nil, err
		}
		v.row.Grant(granted)
	}
	comp, err := h.settle(ctx, p.UserID, v)
	if err != nil {
		return nil, err
	}
	if err := h.Store.saveLearner(ctx, p.UserID, m.LessonID, v.row); err != nil {
		return nil, err
	}
	reg, err := h.Progress.Registration(ctx, m.CourseID, p.UserID)
	if err != nil {
		return nil, err
	}
	out, err := h.playback(ctx, p, m, v.until)
	if err != nil {
		return nil, err
	}
	out.Policy = v.policy
	out.Watched = v.row.Watched
	if out.Watched == nil {
		out.Watched = Intervals{}
	}
	out.WatchedFraction = math.Round(comp.Coverage*1000) / 1000
	out.Furthest, out.Position = v.row.Furthest, v.row.Position
	out.Completed = completed || comp.Complete
	out.Missing, out.Score = comp.Missing, comp.Score
	if out.Missing == nil {
		out.Missing = []string{}
	}
	out.XAPI.Registration = reg
	for i, cp := range v.cps {
		st := v.states[i]
		lc := LearnerCheckpoint{ID: cp.ID, At: cp.At, Title: cp.Title, Required: cp.Required, MustPass: cp.MustPass,
			Passed: st.Passed, Attempts: st.Attempts, AttemptsAllowed: cp.AttemptsAllowed,
			CanAttempt: cp.AttemptsAllowed == 0 || st.Attempts < cp.AttemptsAllowed}
		for _, q := range cp.Questions {
			lc.Questions = append(lc.Questions, q.LearnerView(p.UserID))
		}
		out.Checkpoints = append(out.Checkpoints, lc)
	}
	return out, nil
}

// staffPlayback is the whole video for the course's staff, checkpoints as
// learners see them (a preview), nothing recorded.
func (h *Handlers) staffPlayback(ctx context.Context, p *auth.Principal, m *LessonMedia) (*Playback, error) {
	out, err := h.playback(ctx, p, m, *m.Duration)
	if err != nil {
		return nil, err
	}
	out.Staff = true
	if out.Policy, err = h.Store.Policy(ctx, m.LessonID); err != nil {
		return nil, err
	}
	cps, err := h.Store.Checkpoints(ctx, m.LessonID)
	if err != nil {
		return nil, err
	}
	out.Watched, out.Missing = Intervals{}, []string{}
	for _, cp := range cps {
		lc := LearnerCheckpoint{ID: cp.ID, At: cp.At, Title: cp.Title, Required: cp.Required, MustPass: cp.MustPass,
			AttemptsAllowed: cp.AttemptsAllowed, CanAttempt: true}
		for _, q := range cp.Questions {
			lc.Questions = append(lc.Questions, q.LearnerView(p.UserID))
		}
		out.Checkpoints = append(out.Checkpoints, lc)
	}
	return out, nil
}

// playback signs the manifest URLs of a grant up to until.
func (h *Handlers) playback(ctx context.Context, p *auth.Principal, m *LessonMedia, until float64) (*Playback, error) {
	limit, err := h.segmentLimit(ctx, *m.Prefix, until)
	if isNotFound(err) {
		h.Log.Error("a ready video's manifests are missing", "video", *m.VideoID, "prefix", *m.Prefix, "err", err)
		return nil, httpapp.Errorf(fiber.StatusConflict, "not_ready", "the video's published files are missing: ask the course's staff to re-encode it")
	}
	if err != nil {
		return nil, err
	}
	// The grant lives as long as the segment URLs it hands out.
	_, exp := h.Settings.Media.Gated(*m.Prefix, p.UserID, limit)
	ttl := h.Settings.Media.GatedTTL
	if ttl <= 0 {
		ttl = cdn.DefaultGatedTTL
	}
	g := grant{Org: p.OrgID, User: p.UserID, Course: m.CourseID, Lesson: m.LessonID, Encode: *m.EncodeID, Prefix: *m.Prefix,
		Limit: limit, Full: until >= *m.Duration, Expires: exp.Unix()}
	base := h.Settings.PublicURL + "/play/" + h.sign(g) + "/"
	out := &Playback{CourseID: m.CourseID, LessonID: m.LessonID, VideoID: *m.VideoID,
		HLS: base + manifestMaster, DASH: base + manifestMPD,
		Duration: *m.Duration, UnlockedUntil: math.Min(until, *m.Duration), ExpiresAt: exp,
		RefreshAfter: int(ttl.Seconds() / 2), Checkpoints: []LearnerCheckpoint{}}
	if until >= *m.Duration {
		// Stills show the whole video: only once all of it is unlocked.
		if m.Thumbs != nil {
			s := base + manifestThumbs
			out.Thumbnails = &s
		}
		if m.Poster != nil {
			s := base + manifestPoster
			out.Poster = &s
		}
	}
	out.XAPI = PlaybackXAPI{
		Endpoint:         h.Settings.PublicURL + xapi.Prefix + "/",
		ActivityID:       VideoIRI(h.Settings.PublicURL, m.CourseID, m.LessonID),
		Actor:            xapi.LearnerAgent(h.Settings.PublicURL, p.OrgID, p.UserID, ""),
		LessonActivityID: xapi.LessonIRI(h.Settings.PublicURL, m.CourseID, m.LessonID),
		CourseActivityID: xapi.CourseIRI(h.Settings.PublicURL, m.CourseID),
	}
	return out, nil
}
