package assessments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Attempt is a learner's graded attempt at a checkpoint.
type Attempt struct {
	ID           string    `json:"id"`
	CheckpointID string    `json:"checkpoint_id"`
	Number       int       `json:"number"`
	Score        float64   `json:"score"`
	Passed       bool      `json:"passed"`
	Results      []Graded  `json:"results"`
	CreatedAt    time.Time `json:"created_at"`
}

// Answer is one answer of an attempt as posted.
type Answer struct {
	QuestionID string          `json:"question_id"`
	Response   json.RawMessage `json:"response"`
}

// lockLearner serialises, for the rest of the transaction, everything that
// changes one learner's state in one lesson: attempts, watching, outcome.
func (s *Store) lockLearner(ctx context.Context, userID, lessonID string) error {
	if _, err := s.q(ctx).Exec(ctx, `select pg_advisory_xact_lock(hashtextextended('assessments:' || $1 || ':' || $2, 0))`, userID, lessonID); err != nil {
		return fmt.Errorf("lock learner state: %w", err)
	}
	return nil
}

// attemptScore is what the gating needs of one attempt.
type attemptScore struct {
	Score  float64
	Passed bool
}

// Attempts reads a learner's attempts at a lesson's checkpoints, by
// checkpoint, in attempt order.
func (s *Store) Attempts(ctx context.Context, userID, lessonID string) (map[string][]attemptScore, error) {
	rows, err := s.q(ctx).Query(ctx, `select checkpoint_id::text, score, passed from checkpoint_attempts
		where user_id = $1 and lesson_id = $2 order by checkpoint_id, number`, userID, lessonID)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	out := map[string][]attemptScore{}
	var id string
	var a attemptScore
	_, err = pgx.ForEachRow(rows, []any{&id, &a.Score, &a.Passed}, func() error {
		out[id] = append(out[id], a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	return out, nil
}

// InsertAttempt stores an attempt as the learner's next at its checkpoint.
func (s *Store) InsertAttempt(ctx context.Context, userID, lessonID string, a *Attempt, answers []Answer) error {
	ans, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	res, err := json.Marshal(a.Results)
	if err != nil {
		return err
	}
	err = s.q(ctx).QueryRow(ctx, `insert into checkpoint_attempts (checkpoint_id, lesson_id, user_id, number, score, passed, answers, results)
		values ($1, $2, $3, $4, $5, $6, $7, $8) returning id::text, created_at`,
		a.CheckpointID, lessonID, userID, a.Number, a.Score, a.Passed, ans, res).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return fmt.Errorf("store attempt: %w", err)
	}
	return nil
}

// learnerRow is a learner's derived state in a lesson.
type learnerRow struct {
	WatchState
	VideoID    string
	ThroughSeq int64
	Refused    int64
	Outcome    *string
	exists     bool
	stored     *learnerRow // the row as last read or written
}

// keep remembers the row as it is in the database now.
func (r *learnerRow) keep() {
	c := *r
	c.Watched = slices.Clone(r.Watched)
	if r.Outcome != nil {
		o := *r.Outcome
		c.Outcome = &o
	}
	c.stored = nil
	r.stored = &c
}

// unchanged tells whether the row is as the database holds it: most
// playback grants and reports change nothing, and need not write.
func (r *learnerRow) unchanged() bool {
	s := r.stored
	return r.exists && s != nil && slices.Equal(r.Watched, s.Watched) && r.Furthest == s.Furthest && r.Position == s.Position &&
		r.CreditClock.Equal(s.CreditClock) && r.VideoID == s.VideoID && r.ThroughSeq == s.ThroughSeq && r.Refused == s.Refused &&
		(r.Outcome == nil) == (s.Outcome == nil) && (r.Outcome == nil || *r.Outcome == *s.Outcome)
}

// learner reads a learner's state in a lesson (zero without a row).
func (s *Store) learner(ctx context.Context, userID, lessonID string) (*learnerRow, error) {
	var r learnerRow
	var watched []byte
	var clock *time.Time
	err := s.q(ctx).QueryRow(ctx, `select video_id::text, watched, furthest, position, credit_clock, through_seq, refused, outcome
		from watch_states where user_id = $1 and lesson_id = $2`, userID, lessonID).
		Scan(&r.VideoID, &watched, &r.Furthest, &r.Position, &clock, &r.ThroughSeq, &r.Refused, &r.Outcome)
	if errors.Is(err, pgx.ErrNoRows) {
		return &r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("watch state: %w", err)
	}
	if err := json.Unmarshal(watched, &r.Watched); err != nil {
		return nil, fmt.Errorf("watch state: %w", err)
	}
	if clock != nil {
		r.CreditClock = *clock
	}
	r.exists = true
	r.keep()
	return &r, nil
}

// saveLearner writes a learner's state in a lesson, when it changed.
func (s *Store) saveLearner(ctx context.Context, userID, lessonID string, r *learnerRow) error {
	if r.unchanged() {
		return nil
	}
	watched, err := json.Marshal(r.Watched)
	if err != nil {
		return err
	}
	var clock *time.Time
	if !r.CreditClock.IsZero() {
		clock = &r.CreditClock
	}
	_, err = s.q(ctx).Exec(ctx, `insert into watch_states (user_id, lesson_id, video_id, watched, furthest, position, credit_clock, through_seq, refused, outcome)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		on conflict (user_id, lesson_id) do update set video_id = excluded.video_id, watched = excluded.watched,
			furthest = excluded.furthest, position = excluded.position, credit_clock = excluded.credit_clock,
			through_seq = excluded.through_seq, refused = excluded.refused, outcome = excluded.outcome, updated_at = now()`,
		userID, lessonID, r.VideoID, watched, r.Furthest, r.Position, clock, r.ThroughSeq, r.Refused, r.Outcome)
	if err != nil {
		return fmt.Errorf("save watch state: %w", err)
	}
	r.exists = true
	r.keep()
	return nil
}

// now is the database's clock: the time the LRS stamps statements with.
func (s *Store) now(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := s.q(ctx).QueryRow(ctx, `select clock_timestamp()`).Scan(&t); err != nil {
		return t, fmt.Errorf("database time: %w", err)
	}
	return t, nil
}
