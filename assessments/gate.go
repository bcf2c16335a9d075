package assessments

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lectern/lectern/internal/httpapp"
)

// Navigation policies of a video lesson.
const (
	NavFree        = "free"          // seek anywhere
	NavNoSkipAhead = "no_skip_ahead" // seek back, not beyond what was watched
	NavNoSeek      = "no_seek"       // no seeking at all (the player enforces it; credit is as no_skip_ahead)
)

// Navigations lists the navigation policies.
var Navigations = []string{NavFree, NavNoSkipAhead, NavNoSeek}

// Policy says what a video lesson asks of its learners.
type Policy struct {
	Navigation string  `json:"navigation"` // default free
	MaxSpeed   float64 `json:"max_speed"`  // default 2, allowed 0.25..4
	// CompletionThreshold is the fraction of the video to watch, default
	// 0.9, 0 < x <= 1.
	CompletionThreshold float64 `json:"completion_threshold"`
	// MasteryScore is the lesson score (LessonScore) to reach, a fraction
	// 0..1, or nil for none.
	MasteryScore *float64 `json:"mastery_score"`
}

// DefaultPolicy is the policy of a lesson that has not set one.
func DefaultPolicy() Policy {
	return Policy{Navigation: NavFree, MaxSpeed: 2, CompletionThreshold: 0.9}
}

// Validate checks a policy as an instructor posted it; zero navigation,
// max_speed and completion_threshold take the defaults.
func (p *Policy) Validate() error {
	d := DefaultPolicy()
	if p.Navigation == "" {
		p.Navigation = d.Navigation
	}
	if p.MaxSpeed == 0 {
		p.MaxSpeed = d.MaxSpeed
	}
	if p.CompletionThreshold == 0 {
		p.CompletionThreshold = d.CompletionThreshold
	}
	switch {
	case p.Navigation != NavFree && p.Navigation != NavNoSkipAhead && p.Navigation != NavNoSeek:
		return httpapp.Invalid("navigation", "must be one of %s", strings.Join(Navigations, ", "))
	case !(p.MaxSpeed >= 0.25 && p.MaxSpeed <= 4):
		return httpapp.Invalid("max_speed", "must be from 0.25 to 4 (times real time)")
	case !(p.CompletionThreshold > 0 && p.CompletionThreshold <= 1):
		return httpapp.Invalid("completion_threshold", "must be a fraction of the video above 0 and at most 1")
	case p.MasteryScore != nil && !(*p.MasteryScore >= 0 && *p.MasteryScore <= 1):
		return httpapp.Invalid("mastery_score", "must be a fraction from 0 to 1, or null for none")
	}
	return nil
}

// CheckpointState is where a learner stands at one checkpoint.
type CheckpointState struct {
	ID              string  `json:"id"`
	At              float64 `json:"at"`
	Required        bool    `json:"required"`
	MustPass        bool    `json:"must_pass"`
	AttemptsAllowed int     `json:"attempts_allowed"` // 0 = unlimited
	Attempts        int     `json:"attempts"`         // attempts made
	Passed          bool    `json:"passed"`           // per its scoring policy, the counted attempt passed
	Score           float64 `json:"score"`            // counted attempt's score fraction (0 without attempts)
	Points          float64 `json:"points"`           // total points of its questions (weight in the lesson score)
}

// Satisfied reports whether the checkpoint lets the learner past: it is
// not required, or it is and was passed (MustPass) or attempted.
func (c CheckpointState) Satisfied() bool {
	switch {
	case !c.Required:
		return true
	case c.MustPass:
		return c.Passed
	}
	return c.Attempts > 0
}

// attemptsLeft reports whether the learner may still try the checkpoint.
func (c CheckpointState) attemptsLeft() bool {
	return c.AttemptsAllowed == 0 || c.Attempts < c.AttemptsAllowed
}

// UnlockedUntil is the time up to which a learner may watch a video of
// duration seconds: the time of the earliest checkpoint not Satisfied
// (blocking, pointing into cps), or the duration when every one is. A
// checkpoint's time is taken within [0, duration]: one at or beyond the
// end blocks nothing of the video, only the lesson's completion. Among
// checkpoints at the same time the first in cps blocks.
func UnlockedUntil(duration float64, cps []CheckpointState) (until float64, blocking *CheckpointState) {
	if !(duration > 0) {
		duration = 0
	}
	until = duration
	for i := range cps {
		c := &cps[i]
		if c.Satisfied() {
			continue
		}
		if at := clamp(c.At, 0, duration); blocking == nil || at < until {
			until, blocking = at, c
		}
	}
	return until, blocking
}

// clamp returns x within [lo, hi], lo for NaN.
func clamp(x, lo, hi float64) float64 {
	if !(x > lo) {
		return lo
	}
	return min(x, hi)
}

// LessonScore is the points-weighted mean of the checkpoints' counted
// scores, over the checkpoints with questions (Points > 0); one not
// attempted counts 0, required or not. Without such checkpoints it is 1:
// a mastery score is trivially met.
func LessonScore(cps []CheckpointState) float64 {
	var earned, total float64
	for _, c := range cps {
		if !(c.Points > 0) || math.IsInf(c.Points, 0) {
			continue
		}
		earned += clamp(c.Score, 0, 1) * c.Points
		total += c.Points
	}
	if total == 0 {
		return 1
	}
	return earned / total
}

// coverageSlack is how many seconds short of the completion threshold
// still count as reaching it: players stop reporting a few hundred
// milliseconds before the last frame, and segments are rounded to the
// millisecond.
const coverageSlack = 0.5

// Completion is whether a learner completed a video lesson, and if not
// what is missing.
type Completion struct {
	Complete bool    `json:"complete"`
	Coverage float64 `json:"coverage"` // fraction of the video watched
	Score    float64 `json:"score"`    // LessonScore
	// Mastered is nil when the lesson has no mastery score, else whether
	// the lesson score reaches it (so far: false until it does).
	Mastered *bool `json:"mastered"`
	// Missing says in words what the learner still has to do, in the
	// order of the video.
	Missing []string `json:"missing"`
}

// Evaluate decides whether a learner completed a video lesson of duration
// seconds: the part of the video watched (within [0, duration]) reaches
// the policy's completion threshold, give or take half a second; every
// required checkpoint is satisfied (a must_pass one passed); and the
// lesson score reaches the mastery score when there is one. A video of
// unknown duration (0) is never complete.
func Evaluate(p Policy, duration float64, watched Intervals, cps []CheckpointState) Completion {
	threshold := p.CompletionThreshold
	if !(threshold > 0 && threshold <= 1) {
		threshold = DefaultPolicy().CompletionThreshold
	}
	c := Completion{Score: LessonScore(cps), Missing: []string{}}
	if duration > 0 && !math.IsInf(duration, 0) {
		seen := watched.Clip(0, duration).Total()
		c.Coverage = min(seen/duration, 1)
		if seen < threshold*duration-coverageSlack {
			c.Missing = append(c.Missing, fmt.Sprintf("watch %s of the video (%s so far)", percent(threshold, false), percent(c.Coverage, true)))
		}
	} else {
		c.Missing = append(c.Missing, "wait until the video is ready (its length is not known yet)")
	}

	var blocked []CheckpointState
	for _, cp := range cps {
		if !cp.Satisfied() {
			blocked = append(blocked, cp)
		}
	}
	slices.SortStableFunc(blocked, func(a, b CheckpointState) int { return cmp.Compare(a.At, b.At) })
	for _, cp := range blocked {
		when := clock(clamp(cp.At, 0, max(duration, 0)))
		switch {
		case !cp.MustPass:
			c.Missing = append(c.Missing, "answer the checkpoint at "+when)
		case cp.Attempts > 0 && !cp.attemptsLeft():
			c.Missing = append(c.Missing, "pass the checkpoint at "+when+" (no attempts left)")
		default:
			c.Missing = append(c.Missing, "pass the checkpoint at "+when)
		}
	}

	if p.MasteryScore != nil {
		met := c.Score >= *p.MasteryScore-1e-9
		c.Mastered = &met
		if !met {
			c.Missing = append(c.Missing, fmt.Sprintf("score at least %s on the checkpoints (%s so far)", percent(*p.MasteryScore, false), percent(c.Score, true)))
		}
	}
	c.Complete = len(c.Missing) == 0
	return c
}

// percent writes a fraction as a percentage: to a tenth (0.333 is
// "33.3%"), or rounded down to a whole one for progress so far, so that
// it never reads as reached when it is not (0.899 is "89%").
func percent(f float64, soFar bool) string {
	if soFar {
		return strconv.Itoa(int(math.Floor(f*100+1e-9))) + "%"
	}
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// clock writes seconds as m:ss, or h:mm:ss from an hour.
func clock(sec float64) string {
	s := int(sec)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// WatchState is what the server believes a learner watched of a video.
type WatchState struct {
	Watched  Intervals `json:"watched"`
	Furthest float64   `json:"furthest"` // end of the furthest credited interval
	Position float64   `json:"position"` // last reported playhead (resume point)
	// CreditClock is where the viewing budget accrues from (zero: playback
	// was never granted, so nothing is credited).
	CreditClock time.Time `json:"credit_clock"`
}

// Grant starts the budget clock at a learner's first playback grant.
func (st *WatchState) Grant(now time.Time) {
	if st.CreditClock.IsZero() {
		st.CreditClock = now
	}
}

// Report is what one Video Profile statement tells of a learner's viewing.
type Report struct {
	Segments Intervals // the statement's played segments (cumulative for its session)
	Position *float64  // its time or time-to, if any (resume point)
	At       time.Time // when the server stored it (never the client's timestamp)
}

// CreditRules are the limits a report is credited within.
type CreditRules struct {
	MaxSpeed      float64 // playback rate allowed (times real time); default 2
	Duration      float64 // of the video
	UnlockedUntil float64 // see UnlockedUntil
	Navigation    string  // the policy's
	// BankCap caps how much unused real time accrues as budget (default
	// 15 minutes), so a learner who paused can catch up in a burst but
	// no one can bank an afternoon.
	BankCap time.Duration
	// Slack is how many seconds of video a learner may be ahead of the
	// server's clock (default 2): reports race the clock by network delay.
	Slack float64
	// SeekTolerance is how far past the furthest point watched a segment
	// may start and still count as continuing it, under no_skip_ahead and
	// no_seek (default 1.5 s).
	SeekTolerance float64
}

func (r *CreditRules) defaults() {
	if !(r.MaxSpeed > 0) || math.IsInf(r.MaxSpeed, 0) {
		r.MaxSpeed = DefaultPolicy().MaxSpeed
	}
	if r.BankCap <= 0 {
		r.BankCap = 15 * time.Minute
	}
	if !(r.Slack > 0) || math.IsInf(r.Slack, 0) {
		r.Slack = 2
	}
	if !(r.SeekTolerance > 0) || math.IsInf(r.SeekTolerance, 0) {
		r.SeekTolerance = 1.5
	}
}

// refusalSlack is how much of a report may be refused without a reason
// given (rounding, a player's last frame reported past the end).
const refusalSlack = 0.01

// Credit applies one report to a learner's watch state and returns the new
// state, the intervals newly credited, and in words why anything reported
// was not credited. Zero BankCap, Slack and SeekTolerance take their
// defaults.
//
// The report's segments are clipped to the video and to what is
// unlocked. Under no_skip_ahead and no_seek they are taken in time order
// and one that starts further than SeekTolerance past the furthest point
// reached is dropped (one that starts within reach extends it, so that
// watching on counts and a jump ahead does not). What is left and not
// watched already is credited earliest first within the budget: the real
// time since CreditClock (at most BankCap) times MaxSpeed, plus Slack.
// Crediting spends budget by moving the clock on by credited/MaxSpeed
// (after bringing it up to At-BankCap, so unspent time beyond the cap is
// forgotten). The clock may end up to Slack/MaxSpeed past At: the slack is
// an allowance for being ahead, granted once rather than with every
// report, so many small reports earn no more than one large one. Nothing
// is credited before the clock starts (Grant).
//
// Position becomes the report's, within [0, UnlockedUntil] and the video;
// Furthest is the end of what was watched.
func Credit(st WatchState, r Report, rules CreditRules) (next WatchState, credited Intervals, refused []string) {
	rules.defaults()
	next = st
	next.Watched = Normalize(st.Watched)
	duration := max(rules.Duration, 0)
	limit := clamp(rules.UnlockedUntil, 0, duration)

	segs := Normalize(r.Segments)
	inRange := segs.Clip(0, limit)
	if limit < duration && segs.Clip(limit, duration).Total() > refusalSlack {
		refused = append(refused, "beyond the unlocked range (up to "+clock(limit)+")")
	}

	allowed := inRange
	if rules.Navigation == NavNoSkipAhead || rules.Navigation == NavNoSeek {
		allowed = nil
		reach := next.Watched.End() + rules.SeekTolerance
		skipped := false
		for _, x := range inRange {
			if x.Start > reach {
				skipped = true
				continue
			}
			allowed = append(allowed, x)
			reach = max(reach, x.End+rules.SeekTolerance)
		}
		if skipped {
			refused = append(refused, "skipped ahead of "+clock(next.Watched.End())+" (seeking forward is not allowed)")
		}
	}

	fresh := allowed.Subtract(next.Watched)
	if !st.CreditClock.IsZero() {
		elapsed := min(r.At.Sub(st.CreditClock), rules.BankCap)
		budget := max(elapsed.Seconds()*rules.MaxSpeed+rules.Slack, 0)
		credited = fresh.Truncate(budget)
		if fresh.Total()-credited.Total() > refusalSlack {
			refused = append(refused, "faster than "+strconv.FormatFloat(rules.MaxSpeed, 'f', -1, 64)+"× real time")
		}
		spent := seconds(credited.Total() / rules.MaxSpeed)
		from := st.CreditClock
		if floor := r.At.Add(-rules.BankCap); floor.After(from) {
			from = floor
		}
		next.CreditClock = from.Add(spent)
		// credited <= budget keeps the clock below the ceiling but for
		// rounding; the clock never goes back.
		ceiling := r.At.Add(seconds(rules.Slack / rules.MaxSpeed))
		if ceiling.Before(from) {
			ceiling = from
		}
		if next.CreditClock.After(ceiling) {
			next.CreditClock = ceiling
		}
	} else if fresh.Total() > refusalSlack {
		refused = append(refused, "playback was not granted")
	}

	next.Watched = Union(next.Watched, credited)
	next.Furthest = next.Watched.End()
	if r.Position != nil && finite(*r.Position) {
		next.Position = clamp(*r.Position, 0, limit)
	}
	return next, credited, refused
}

// seconds converts to a Duration rounding up to the nanosecond, so that
// the credit clock never lags what was credited.
func seconds(s float64) time.Duration {
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
