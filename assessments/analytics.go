package assessments

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
)

// Analytics is what the course's staff see of how a video lesson is
// watched and answered.
type Analytics struct {
	Duration float64 `json:"duration"`
	// Learners who have a watch record (started the video).
	Learners int `json:"learners"`
	// Bucket is the width in seconds of each entry of Heatmap and DropOff.
	Bucket float64 `json:"bucket"`
	// Heatmap[i]: how many learners watched second i*Bucket.
	Heatmap []int `json:"heatmap"`
	// DropOff[i]: the share of learners whose furthest point is at or
	// beyond i*Bucket.
	DropOff   []float64          `json:"drop_off"`
	Questions []QuestionAnalysis `json:"questions"`
}

// QuestionAnalysis is how one question was answered at first try.
type QuestionAnalysis struct {
	CheckpointID string  `json:"checkpoint_id"`
	QuestionID   string  `json:"question_id"`
	Prompt       string  `json:"prompt"`
	At           float64 `json:"at"`
	Answered     int     `json:"answered"` // learners with a first attempt
	// Difficulty: the share correct at first try (null without answers).
	Difficulty *float64 `json:"difficulty"`
	// Discrimination: the point-biserial correlation of first-try
	// correctness with the learner's lesson score (null when undefined:
	// fewer than 2 answers, or everyone scored the same).
	Discrimination *float64      `json:"discrimination"`
	WrongAnswers   []WrongAnswer `json:"wrong_answers"`
}

// WrongAnswer is a wrong response and how many gave it at first try.
type WrongAnswer struct {
	Response string `json:"response"`
	Count    int    `json:"count"`
}

// maxBuckets bounds the heatmap's resolution.
const maxBuckets = 600

func (h *Handlers) getAnalytics(c *fiber.Ctx) error {
	m, err := h.staffLesson(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cps, err := h.Store.Checkpoints(ctx, m.LessonID)
	if err != nil {
		return err
	}
	duration := 0.0
	if m.Duration != nil {
		duration = *m.Duration
	}
	out, err := h.Store.analytics(ctx, m.LessonID, duration, cps)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (s *Store) analytics(ctx context.Context, lessonID string, duration float64, cps []*Checkpoint) (*Analytics, error) {
	out := &Analytics{Duration: duration, Heatmap: []int{}, DropOff: []float64{}, Questions: []QuestionAnalysis{}}
	rows, err := s.q(ctx).Query(ctx, `select watched, furthest from watch_states where lesson_id = $1`, lessonID)
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	var watched []Intervals
	var furthest []float64
	var raw []byte
	var f float64
	_, err = pgx.ForEachRow(rows, []any{&raw, &f}, func() error {
		var iv Intervals
		if err := json.Unmarshal(raw, &iv); err != nil {
			return err
		}
		watched, furthest = append(watched, iv), append(furthest, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	out.Learners = len(watched)
	if duration > 0 {
		n := int(math.Ceil(duration))
		out.Bucket = 1
		if n > maxBuckets {
			out.Bucket = math.Ceil(duration / maxBuckets)
			n = int(math.Ceil(duration / out.Bucket))
		}
		out.Heatmap, out.DropOff = make([]int, n), make([]float64, n)
		for i := range n {
			t := (float64(i) + 0.5) * out.Bucket
			reached := 0
			for j, iv := range watched {
				if iv.Contains(t) {
					out.Heatmap[i]++
				}
				if furthest[j] >= float64(i)*out.Bucket {
					reached++
				}
			}
			if len(watched) > 0 {
				out.DropOff[i] = math.Round(float64(reached)/float64(len(watched))*1000) / 1000
			}
		}
	}
	return out, s.questionAnalytics(ctx, lessonID, cps, out)
}

// questionAnalytics reads every attempt at the lesson's checkpoints.
func (s *Store) questionAnalytics(ctx context.Context, lessonID string, cps []*Checkpoint, out *Analytics) error {
	type attempt struct {
		user, checkpoint string
		number           int
		score            float64
		answers          []Answer
		results          []Graded
	}
	rows, err := s.q(ctx).Query(ctx, `select user_id::text, checkpoint_id::text, number, score, answers, results
		from checkpoint_attempts where lesson_id = $1 order by user_id, checkpoint_id, number`, lessonID)
	if err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	var all []attempt
	var a attempt
	var ans, res []byte
	_, err = pgx.ForEachRow(rows, []any{&a.user, &a.checkpoint, &a.number, &a.score, &ans, &res}, func() error {
		a.answers, a.results = nil, nil
		if err := json.Unmarshal(ans, &a.answers); err != nil {
			return err
		}
		if err := json.Unmarshal(res, &a.results); err != nil {
			return err
		}
		all = append(all, a)
		return nil
	})
	if err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	// Each learner's lesson score, by the checkpoints' own scoring.
	byLearner := map[string]map[string][]attemptScore{}
	for _, a := range all {
		if byLearner[a.user] == nil {
			byLearner[a.user] = map[string][]attemptScore{}
		}
		byLearner[a.user][a.checkpoint] = append(byLearner[a.user][a.checkpoint], attemptScore{Score: a.score})
	}
	lessonScore := map[string]float64{}
	for u, as := range byLearner {
		states := make([]CheckpointState, len(cps))
		for i, c := range cps {
			states[i] = checkpointState(c, as[c.ID])
		}
		lessonScore[u] = LessonScore(states)
	}
	for _, c := range cps {
		for _, q := range c.Questions {
			qa := QuestionAnalysis{CheckpointID: c.ID, QuestionID: q.ID, Prompt: q.Prompt, At: c.At, WrongAnswers: []WrongAnswer{}}
			var correct []bool
			var scores []float64
			wrong := map[string]int{}
			for _, a := range all {
				if a.checkpoint != c.ID || a.number != 1 {
					continue
				}
				for i, g := range a.results {
					if g.QuestionID != q.ID {
						continue
					}
					correct = append(correct, g.Correct)
					scores = append(scores, lessonScore[a.user])
					if !g.Correct {
						for _, an := range a.answers {
							if an.QuestionID == q.ID {
								wrong[describe(q, an.Response)]++
							}
						}
					}
					_ = i
				}
			}
			qa.Answered = len(correct)
			if n := len(correct); n > 0 {
				k := 0
				for _, ok := range correct {
					if ok {
						k++
					}
				}
				d := math.Round(float64(k)/float64(n)*1000) / 1000
				qa.Difficulty = &d
				qa.Discrimination = pointBiserial(correct, scores)
			}
			for r, n := range wrong {
				qa.WrongAnswers = append(qa.WrongAnswers, WrongAnswer{Response: r, Count: n})
			}
			sort.Slice(qa.WrongAnswers, func(i, j int) bool {
				if qa.WrongAnswers[i].Count != qa.WrongAnswers[j].Count {
					return qa.WrongAnswers[i].Count > qa.WrongAnswers[j].Count
				}
				return qa.WrongAnswers[i].Response < qa.WrongAnswers[j].Response
			})
			if len(qa.WrongAnswers) > 5 {
				qa.WrongAnswers = qa.WrongAnswers[:5]
			}
			out.Questions = append(out.Questions, qa)
		}
	}
	return nil
}

// pointBiserial is the correlation between a dichotomous variable and a
// continuous one: (M1 - M0) / s * sqrt(p q), s the population standard
// deviation. Nil when undefined.
func pointBiserial(x []bool, y []float64) *float64 {
	n := float64(len(x))
	if len(x) < 2 {
		return nil
	}
	var sum1, sum0, k, mean float64
	for i, ok := range x {
		mean += y[i]
		if ok {
			sum1 += y[i]
			k++
		} else {
			sum0 += y[i]
		}
	}
	mean /= n
	if k == 0 || k == n {
		return nil
	}
	var ss float64
	for _, v := range y {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / n)
	if sd == 0 {
		return nil
	}
	p := k / n
	r := (sum1/k - sum0/(n-k)) / sd * math.Sqrt(p*(1-p))
	r = math.Round(r*1000) / 1000
	return &r
}

// describe is a response as staff read it: option texts for option ids.
func describe(q *Question, raw json.RawMessage) string {
	text := map[string]string{}
	for _, o := range q.Options {
		text[o.ID] = o.Text
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if t, ok := text[one]; ok {
			return t
		}
		return clip(one, 200)
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for i, id := range many {
			if t, ok := text[id]; ok {
				many[i] = t
			}
		}
		sep := ", "
		if q.Type == Ordering {
			sep = " → "
		}
		return clip(strings.Join(many, sep), 200)
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return clip(string(raw), 200)
}

// round3 rounds to 3 decimals.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
