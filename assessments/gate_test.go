package assessments

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicyValidate(t *testing.T) {
	t.Run("zero values take the defaults", func(t *testing.T) {
		var p Policy
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if d := DefaultPolicy(); p.Navigation != d.Navigation || p.MaxSpeed != d.MaxSpeed || p.CompletionThreshold != d.CompletionThreshold || p.MasteryScore != nil {
			t.Errorf("got %+v, want %+v", p, d)
		}
	})
	ok := []Policy{
		{Navigation: NavNoSeek, MaxSpeed: 0.25, CompletionThreshold: 1, MasteryScore: float(0)},
		{Navigation: NavNoSkipAhead, MaxSpeed: 4, CompletionThreshold: 0.01, MasteryScore: float(1)},
	}
	for _, p := range ok {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	tests := []struct {
		name  string
		p     Policy
		field string
		msg   string
	}{
		{"navigation", Policy{Navigation: "locked"}, "navigation", "must be one of free, no_skip_ahead, no_seek"},
		{"too slow", Policy{MaxSpeed: 0.2}, "max_speed", "0.25 to 4"},
		{"too fast", Policy{MaxSpeed: 4.5}, "max_speed", "0.25 to 4"},
		{"negative speed", Policy{MaxSpeed: -1}, "max_speed", "0.25 to 4"},
		{"NaN speed", Policy{MaxSpeed: math.NaN()}, "max_speed", "0.25 to 4"},
		{"threshold above 1", Policy{CompletionThreshold: 1.1}, "completion_threshold", "above 0 and at most 1"},
		{"negative threshold", Policy{CompletionThreshold: -0.5}, "completion_threshold", "above 0"},
		{"mastery above 1", Policy{MasteryScore: float(80)}, "mastery_score", "from 0 to 1, or null"},
		{"negative mastery", Policy{MasteryScore: float(-0.1)}, "mastery_score", "from 0 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantInvalid(t, tt.p.Validate(), tt.field, tt.msg)
		})
	}
}

func TestSatisfied(t *testing.T) {
	tests := []struct {
		c    CheckpointState
		want bool
	}{
		{CheckpointState{}, true},
		{CheckpointState{Required: true}, false},
		{CheckpointState{Required: true, Attempts: 1}, true},
		{CheckpointState{Required: true, MustPass: true, Attempts: 3}, false},
		{CheckpointState{Required: true, MustPass: true, Attempts: 1, Passed: true}, true},
		{CheckpointState{MustPass: true}, true}, // not required: must_pass alone blocks nothing
	}
	for _, tt := range tests {
		if got := tt.c.Satisfied(); got != tt.want {
			t.Errorf("%+v: Satisfied %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestUnlockedUntil(t *testing.T) {
	req := func(id string, at float64) CheckpointState { return CheckpointState{ID: id, At: at, Required: true} }
	mustPass := func(id string, at float64) CheckpointState {
		return CheckpointState{ID: id, At: at, Required: true, MustPass: true}
	}
	passed := func(c CheckpointState) CheckpointState { c.Attempts, c.Passed, c.Score = 1, true, 1; return c }
	failed := func(c CheckpointState) CheckpointState { c.Attempts = 1; return c }
	tests := []struct {
		name     string
		duration float64
		cps      []CheckpointState
		until    float64
		blocking string
	}{
		{"no checkpoints", 600, nil, 600, ""},
		{"required, not answered", 600, []CheckpointState{req("a", 20), req("b", 90)}, 20, "a"},
		{"skippable ignored", 600, []CheckpointState{{ID: "s", At: 10}, req("a", 20)}, 20, "a"},
		{"required answered, any score", 600, []CheckpointState{failed(req("a", 20)), req("b", 90)}, 90, "b"},
		{"must pass, failed", 600, []CheckpointState{failed(mustPass("a", 20)), req("b", 90)}, 20, "a"},
		{"passed chain", 600, []CheckpointState{passed(mustPass("a", 20)), passed(mustPass("b", 90)), mustPass("c", 300)}, 300, "c"},
		{"all passed", 600, []CheckpointState{passed(mustPass("a", 20)), failed(req("b", 90))}, 600, ""},
		{"out of order input", 600, []CheckpointState{req("late", 300), passed(mustPass("x", 5)), req("early", 30)}, 30, "early"},
		{"same time: the first listed", 600, []CheckpointState{req("one", 30), req("two", 30)}, 30, "one"},
		{"beyond the end clamps", 600, []CheckpointState{req("end", 650)}, 600, "end"},
		{"negative time clamps", 600, []CheckpointState{req("start", -5)}, 0, "start"},
		{"at the start", 600, []CheckpointState{req("start", 0)}, 0, "start"},
		{"unknown duration", 0, []CheckpointState{req("a", 20)}, 0, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			until, blocking := UnlockedUntil(tt.duration, tt.cps)
			id := ""
			if blocking != nil {
				id = blocking.ID
				if !pointsInto(blocking, tt.cps) {
					t.Error("blocking does not point into cps")
				}
			}
			if until != tt.until || id != tt.blocking {
				t.Errorf("until %v blocked by %q, want %v by %q", until, id, tt.until, tt.blocking)
			}
		})
	}
}

func pointsInto(p *CheckpointState, cps []CheckpointState) bool {
	for i := range cps {
		if p == &cps[i] {
			return true
		}
	}
	return false
}

func TestLessonScore(t *testing.T) {
	tests := []struct {
		name string
		cps  []CheckpointState
		want float64
	}{
		{"no checkpoints", nil, 1},
		{"no questions", []CheckpointState{{Points: 0, Score: 0}}, 1},
		{"weighted", []CheckpointState{{Points: 1, Score: 1}, {Points: 3, Score: 0.5}}, 2.5 / 4},
		{"unattempted counts 0", []CheckpointState{{Points: 2, Score: 1, Attempts: 1}, {Points: 2}}, 0.5},
		{"scores clamped", []CheckpointState{{Points: 1, Score: 7}, {Points: 1, Score: -1}}, 0.5},
	}
	for _, tt := range tests {
		if got := LessonScore(tt.cps); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	p := DefaultPolicy()
	mastery := func(m float64) Policy { q := p; q.MasteryScore = &m; return q }
	all := Intervals{{0, 600}}
	done := CheckpointState{ID: "a", At: 20, Required: true, MustPass: true, Attempts: 1, Passed: true, Score: 1, Points: 2}
	half := CheckpointState{ID: "b", At: 65, Required: true, Attempts: 1, Score: 0.5, Points: 2}
	tru, fals := true, false
	tests := []struct {
		name     string
		p        Policy
		duration float64
		watched  Intervals
		cps      []CheckpointState
		complete bool
		coverage float64
		mastered *bool
		missing  []string
	}{
		{name: "everything done", p: p, duration: 600, watched: all, cps: []CheckpointState{done, half}, complete: true, coverage: 1},
		{name: "not watched enough", p: p, duration: 600, watched: Intervals{{0, 372}}, coverage: 0.62,
			missing: []string{"watch 90% of the video (62% so far)"}},
		{name: "just below the threshold shows the floor", p: p, duration: 1000, watched: Intervals{{0, 899}}, coverage: 0.899,
			missing: []string{"watch 90% of the video (89% so far)"}},
		{name: "within half a second counts", p: p, duration: 600, watched: Intervals{{0, 539.6}}, complete: true, coverage: 539.6 / 600},
		{name: "beyond half a second does not", p: p, duration: 600, watched: Intervals{{0, 539.4}}, coverage: 539.4 / 600,
			missing: []string{"watch 90% of the video (89% so far)"}},
		{name: "gaps count", p: p, duration: 100, watched: Intervals{{0, 50}, {55, 100}}, complete: true, coverage: 0.95},
		{name: "watched beyond the end does not count", p: p, duration: 100, watched: Intervals{{50, 150}}, coverage: 0.5,
			missing: []string{"watch 90% of the video (50% so far)"}},
		{name: "odd threshold", p: Policy{CompletionThreshold: 1.0 / 3}, duration: 90, watched: Intervals{{0, 10}}, coverage: 10.0 / 90,
			missing: []string{"watch 33.3% of the video (11% so far)"}},
		{name: "checkpoints missing, in video order", p: p, duration: 4000, watched: Intervals{{0, 4000}}, coverage: 1,
			cps: []CheckpointState{
				{ID: "late", At: 3723, Required: true, MustPass: true},
				{ID: "skip", At: 10, Points: 1},
				{ID: "mid", At: 65, Required: true, Points: 1},
				{ID: "spent", At: 20, Required: true, MustPass: true, AttemptsAllowed: 2, Attempts: 2, Points: 1},
			},
			missing: []string{"pass the checkpoint at 0:20 (no attempts left)", "answer the checkpoint at 1:05", "pass the checkpoint at 1:02:03"}},
		{name: "checkpoint beyond the end", p: p, duration: 90, watched: Intervals{{0, 90}}, coverage: 1,
			cps:     []CheckpointState{{At: 95, Required: true}},
			missing: []string{"answer the checkpoint at 1:30"}},
		{name: "mastery met", p: mastery(0.75), duration: 600, watched: all, cps: []CheckpointState{done, half}, complete: true, coverage: 1, mastered: &tru},
		{name: "mastery met exactly", p: mastery(0.6), duration: 600, watched: all, cps: []CheckpointState{{Points: 3, Score: 1}, {Points: 2}}, complete: true, coverage: 1, mastered: &tru},
		{name: "mastery not met", p: mastery(0.8), duration: 600, watched: all, cps: []CheckpointState{done, half}, coverage: 1, mastered: &fals,
			missing: []string{"score at least 80% on the checkpoints (75% so far)"}},
		{name: "mastery without checkpoints", p: mastery(1), duration: 600, watched: all, complete: true, coverage: 1, mastered: &tru},
		{name: "optional checkpoint counts for mastery", p: mastery(0.75), duration: 600, watched: all, cps: []CheckpointState{done, {ID: "opt", At: 30, Points: 2}}, coverage: 1, mastered: &fals,
			missing: []string{"score at least 75% on the checkpoints (50% so far)"}},
		{name: "unknown duration", p: p, duration: 0, watched: all,
			missing: []string{"wait until the video is ready (its length is not known yet)"}},
		{name: "everything missing", p: mastery(0.5), duration: 600, cps: []CheckpointState{{At: 20, Required: true, Points: 1}}, mastered: &fals,
			missing: []string{"watch 90% of the video (0% so far)", "answer the checkpoint at 0:20", "score at least 50% on the checkpoints (0% so far)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Evaluate(tt.p, tt.duration, tt.watched, tt.cps)
			if c.Complete != tt.complete || math.Abs(c.Coverage-tt.coverage) > 1e-12 || !slices.Equal(c.Missing, tt.missing) {
				t.Errorf("complete %v, coverage %v, missing %q;\nwant %v, %v, %q", c.Complete, c.Coverage, c.Missing, tt.complete, tt.coverage, tt.missing)
			}
			if (c.Mastered == nil) != (tt.mastered == nil) || (c.Mastered != nil && *c.Mastered != *tt.mastered) {
				t.Errorf("mastered %v, want %v", deref(c.Mastered), deref(tt.mastered))
			}
			if c.Score != LessonScore(tt.cps) || c.Missing == nil {
				t.Errorf("score %v, missing %v", c.Score, c.Missing)
			}
		})
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func granted() WatchState {
	var st WatchState
	st.Grant(t0)
	return st
}

func TestGrant(t *testing.T) {
	var st WatchState
	st.Grant(t0)
	st.Grant(t0.Add(time.Hour))
	if !st.CreditClock.Equal(t0) {
		t.Errorf("clock %v, want the first grant %v", st.CreditClock, t0)
	}
}

func TestCreditHonestWatching(t *testing.T) {
	for _, speed := range []float64{1, 2} {
		st := granted()
		rules := CreditRules{MaxSpeed: 2, Duration: 600, UnlockedUntil: 600, Navigation: NavNoSkipAhead}
		// A report every 10 s of wall time, stored up to a second late,
		// with the session's cumulative segments.
		for wall := 10.0; ; wall += 10 {
			played := min(wall*speed, 600)
			pos := played
			var refused []string
			st, _, refused = Credit(st, Report{Segments: Intervals{{0, played}}, Position: &pos, At: t0.Add(secs(wall + 0.8))}, rules)
			if len(refused) > 0 {
				t.Fatalf("%v×, at %v s: refused %q", speed, wall, refused)
			}
			if played == 600 {
				break
			}
		}
		if st.Watched.Total() != 600 || st.Furthest != 600 || st.Position != 600 {
			t.Errorf("%v×: watched %v, furthest %v, position %v", speed, st.Watched, st.Furthest, st.Position)
		}
	}
}

func TestCreditForgery(t *testing.T) {
	rules := CreditRules{MaxSpeed: 2, Duration: 600, UnlockedUntil: 600, Navigation: NavFree}
	t.Run("the whole video right after the grant", func(t *testing.T) {
		next, credited, refused := Credit(granted(), Report{Segments: Intervals{{0, 600}}, At: t0.Add(time.Second)}, rules)
		// 1 s of real time at 2×, plus 2 s of slack.
		if got := credited.Total(); math.Abs(got-4) > 1e-6 || next.Furthest != credited.End() || credited[0].Start != 0 {
			t.Errorf("credited %v, furthest %v; want [0, 4]", credited, next.Furthest)
		}
		if !slices.Equal(refused, []string{"faster than 2× real time"}) {
			t.Errorf("refused %q", refused)
		}
	})
	t.Run("many small reports earn no more slack", func(t *testing.T) {
		st := granted()
		for i := 1; i <= 1000; i++ {
			st, _, _ = Credit(st, Report{Segments: Intervals{{0, 600}}, At: t0.Add(time.Duration(i) * 10 * time.Millisecond)}, rules)
		}
		// 10 s of real time: at most 20 s at 2×, plus the slack once.
		if got := st.Watched.Total(); got > 22+1e-6 || got < 21 {
			t.Errorf("credited %v s in 10 s", got)
		}
		if limit := t0.Add(10 * time.Second).Add(time.Second); st.CreditClock.After(limit) {
			t.Errorf("clock %v past %v", st.CreditClock, limit)
		}
	})
	t.Run("a report stored before the clock", func(t *testing.T) {
		st := granted()
		st.CreditClock = t0.Add(time.Minute)
		next, credited, _ := Credit(st, Report{Segments: Intervals{{0, 600}}, At: t0}, rules)
		if credited != nil || !next.CreditClock.Equal(st.CreditClock) {
			t.Errorf("credited %v, clock %v", credited, next.CreditClock)
		}
	})
}

func TestCreditBudgetBanks(t *testing.T) {
	rules := CreditRules{MaxSpeed: 2, Duration: 7200, UnlockedUntil: 7200, Navigation: NavFree}
	t.Run("a pause is banked", func(t *testing.T) {
		// Five minutes after the grant, ten minutes of video at once (the
		// learner watched elsewhere in the video, or at 2×).
		_, credited, refused := Credit(granted(), Report{Segments: Intervals{{0, 300}, {1000, 1300}}, At: t0.Add(5 * time.Minute)}, rules)
		if credited.Total() != 600 || refused != nil {
			t.Errorf("credited %v, refused %q", credited, refused)
		}
	})
	t.Run("up to the cap", func(t *testing.T) {
		at := t0.Add(time.Hour)
		next, credited, _ := Credit(granted(), Report{Segments: Intervals{{0, 7200}}, At: at}, rules)
		// 15 min at 2× plus 2 s, not an hour's worth.
		if got := credited.Total(); math.Abs(got-1802) > 1e-6 {
			t.Errorf("credited %v s, want 1802", got)
		}
		if want := at.Add(time.Second); !next.CreditClock.Equal(want) {
			t.Errorf("clock %v, want %v (the slack spent)", next.CreditClock, want)
		}
		// Ten seconds later, 20 s more: 10 s at 2×, the slack being an
		// allowance to be ahead that is already used, not a gift per report.
		_, credited, _ = Credit(next, Report{Segments: Intervals{{0, 7200}}, At: at.Add(10 * time.Second)}, rules)
		if got := credited.Total(); math.Abs(got-20) > 1e-6 {
			t.Errorf("then credited %v s, want 20", got)
		}
	})
	t.Run("a custom cap", func(t *testing.T) {
		r := rules
		r.BankCap = time.Minute
		_, credited, _ := Credit(granted(), Report{Segments: Intervals{{0, 7200}}, At: t0.Add(time.Hour)}, r)
		if got := credited.Total(); math.Abs(got-122) > 1e-6 {
			t.Errorf("credited %v s, want 122", got)
		}
	})
	t.Run("watched again costs nothing", func(t *testing.T) {
		st := granted()
		st.Watched = Intervals{{0, 100}}
		next, credited, refused := Credit(st, Report{Segments: Intervals{{0, 100}}, At: t0}, rules)
		if credited != nil || refused != nil || !next.CreditClock.Equal(t0) {
			t.Errorf("credited %v, refused %q, clock %v", credited, refused, next.CreditClock)
		}
	})
}

func TestCreditRanges(t *testing.T) {
	later := t0.Add(10 * time.Minute)
	pos := func(f float64) *float64 { return &f }
	tests := []struct {
		name     string
		st       WatchState
		r        Report
		rules    CreditRules
		watched  Intervals
		position float64
		refused  []string
	}{
		{name: "clipped to the unlocked range", st: granted(),
			r:       Report{Segments: Intervals{{0, 30}}, Position: pos(30), At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 20},
			watched: Intervals{{0, 20}}, position: 20, refused: []string{"beyond the unlocked range (up to 0:20)"}},
		{name: "past the end of the video, silently", st: granted(),
			r:       Report{Segments: Intervals{{0, 600.3}}, Position: pos(600.3), At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600},
			watched: Intervals{{0, 600}}, position: 600},
		{name: "skip ahead refused", st: WatchState{Watched: Intervals{{0, 30}}, Furthest: 30, CreditClock: t0},
			r:       Report{Segments: Intervals{{0, 30}, {100, 130}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600, Navigation: NavNoSkipAhead},
			watched: Intervals{{0, 30}}, refused: []string{"skipped ahead of 0:30 (seeking forward is not allowed)"}},
		{name: "skip ahead refused without seeking", st: WatchState{Watched: Intervals{{0, 30}}, Furthest: 30, CreditClock: t0},
			r:       Report{Segments: Intervals{{100, 130}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600, Navigation: NavNoSeek},
			watched: Intervals{{0, 30}}, refused: []string{"skipped ahead of 0:30 (seeking forward is not allowed)"}},
		{name: "skip ahead allowed when free", st: WatchState{Watched: Intervals{{0, 30}}, Furthest: 30, CreditClock: t0},
			r:       Report{Segments: Intervals{{0, 30}, {100, 130}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600, Navigation: NavFree},
			watched: Intervals{{0, 30}, {100, 130}}},
		{name: "a small gap continues", st: WatchState{Watched: Intervals{{0, 30}}, Furthest: 30, CreditClock: t0},
			r:       Report{Segments: Intervals{{31, 40}, {41.2, 50}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600, Navigation: NavNoSkipAhead},
			watched: Intervals{{0, 30}, {31, 40}, {41.2, 50}}},
		{name: "a custom seek tolerance", st: WatchState{Watched: Intervals{{0, 30}}, Furthest: 30, CreditClock: t0},
			r:       Report{Segments: Intervals{{33, 40}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600, Navigation: NavNoSkipAhead, SeekTolerance: 5},
			watched: Intervals{{0, 30}, {33, 40}}},
		{name: "no grant, nothing credited", st: WatchState{Position: 7},
			r:        Report{Segments: Intervals{{0, 30}}, Position: pos(30), At: later},
			rules:    CreditRules{Duration: 600, UnlockedUntil: 600},
			position: 30, refused: []string{"playback was not granted"}},
		{name: "position below 0", st: granted(),
			r:     Report{Position: pos(-3), At: later},
			rules: CreditRules{Duration: 600, UnlockedUntil: 600}},
		{name: "no position keeps the last", st: WatchState{Position: 42, CreditClock: t0},
			r:       Report{Segments: Intervals{{0, 10}}, At: later},
			rules:   CreditRules{Duration: 600, UnlockedUntil: 600},
			watched: Intervals{{0, 10}}, position: 42},
		{name: "unknown duration", st: granted(),
			r:     Report{Segments: Intervals{{0, 10}}, Position: pos(5), At: later},
			rules: CreditRules{UnlockedUntil: 600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, credited, refused := Credit(tt.st, tt.r, tt.rules)
			if !nearly(next.Watched, tt.watched, 0) || len(next.Watched) != len(tt.watched) {
				t.Errorf("watched %v, want %v", next.Watched, tt.watched)
			}
			if want := tt.watched.Subtract(tt.st.Watched); !nearly(credited, want, 0) {
				t.Errorf("credited %v, want %v", credited, want)
			}
			if next.Furthest != tt.watched.End() || next.Position != tt.position {
				t.Errorf("furthest %v, position %v; want %v, %v", next.Furthest, next.Position, tt.watched.End(), tt.position)
			}
			if !slices.Equal(refused, tt.refused) {
				t.Errorf("refused %q, want %q", refused, tt.refused)
			}
		})
	}
}

// TestCreditNeverExceedsRealTime checks, over random reports, that what is
// credited never exceeds MaxSpeed × the time since the grant, plus Slack.
func TestCreditNeverExceedsRealTime(t *testing.T) {
	rules := CreditRules{MaxSpeed: 1.5, Duration: 3600, UnlockedUntil: 3000, Navigation: NavFree}
	st := granted()
	at := t0
	seed := splitMix{42}
	for range 5000 {
		at = at.Add(time.Duration(seed.below(3000)) * time.Millisecond)
		s := float64(seed.below(3600))
		st, _, _ = Credit(st, Report{Segments: Intervals{{s, s + float64(seed.below(600))}}, At: at}, rules)
		bound := at.Sub(t0).Seconds()*rules.MaxSpeed + 2 + 1e-6
		if got := st.Watched.Total(); got > bound {
			t.Fatalf("at %v: %v s credited, bound %v", at.Sub(t0), got, bound)
		}
		if st.Watched.End() > 3000 || strings.Contains(st.Watched.String(), "NaN") {
			t.Fatalf("watched %v", st.Watched)
		}
	}
}
