package assessments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Checkpoint is one or more questions at a time of a video lesson, with
// what it takes to get past it. As stored and as staff see it: the
// questions carry their keys.
type Checkpoint struct {
	ID       string  `json:"id"`
	CourseID string  `json:"course_id"`
	LessonID string  `json:"lesson_id"`
	At       float64 `json:"at"`
	Title    string  `json:"title"`
	// Required: the learner cannot watch past it without answering it
	// (past it passed, with MustPass). Not required: skippable.
	Required bool `json:"required"`
	MustPass bool `json:"must_pass"`
	// AttemptsAllowed is 0 for unlimited.
	AttemptsAllowed int `json:"attempts_allowed"`
	// Scoring says which attempt counts: first, best or last.
	Scoring string `json:"scoring"`
	// PassScore is the fraction of its points an attempt needs to pass.
	PassScore float64 `json:"pass_score"`
	// JumpTo, after a failed attempt, is where the learner is sent back to
	// re-watch the explanation.
	JumpTo    *float64    `json:"jump_to"`
	Questions []*Question `json:"questions"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// Points is the checkpoint's total points.
func (c *Checkpoint) Points() float64 {
	var p float64
	for _, q := range c.Questions {
		p += q.Points
	}
	return p
}

// LessonMedia is what the assessments need of a lesson and its video.
type LessonMedia struct {
	CourseID string
	LessonID string
	Kind     string
	Title    string
	VideoID  *string
	Status   *string  // the video's
	Duration *float64 // seconds, once probed
	// The current encode, once one succeeded.
	EncodeID *string
	Prefix   *string
	HLS      *string
	DASH     *string
	Poster   *string
	Thumbs   *string
}

// Ready reports whether the lesson's video can be played.
func (m *LessonMedia) Ready() bool {
	return m.VideoID != nil && m.Status != nil && *m.Status == "ready" && m.EncodeID != nil &&
		m.Prefix != nil && m.HLS != nil && m.DASH != nil && m.Duration != nil && *m.Duration > 0
}

// Lesson reads a lesson of a course with its video's current encode.
func (s *Store) Lesson(ctx context.Context, courseID, lessonID string) (*LessonMedia, error) {
	if _, err := uuid.Parse(lessonID); err != nil {
		return nil, fmt.Errorf("lesson %q: %w", lessonID, ErrNotFound)
	}
	m := LessonMedia{CourseID: courseID, LessonID: lessonID}
	err := s.q(ctx).QueryRow(ctx, `select l.kind, l.title, l.video_id::text, v.status, v.duration,
			e.id::text, e.prefix, e.hls_path, e.dash_path, e.poster_path, e.thumbs_path
		from lessons l
		left join videos v on v.id = l.video_id
		left join encodes e on e.id = v.current_encode_id
		where l.course_id = $1 and l.id = $2`, courseID, lessonID).
		Scan(&m.Kind, &m.Title, &m.VideoID, &m.Status, &m.Duration, &m.EncodeID, &m.Prefix, &m.HLS, &m.DASH, &m.Poster, &m.Thumbs)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("lesson %s: %w", lessonID, err)
	}
	return &m, nil
}

const checkpointCols = `id::text, course_id::text, lesson_id::text, at, title, required, must_pass, attempts_allowed,
	scoring, pass_score, jump_to, questions, created_at, updated_at`

func scanCheckpoint(row pgx.CollectableRow) (*Checkpoint, error) {
	var c Checkpoint
	var qs []byte
	if err := row.Scan(&c.ID, &c.CourseID, &c.LessonID, &c.At, &c.Title, &c.Required, &c.MustPass, &c.AttemptsAllowed,
		&c.Scoring, &c.PassScore, &c.JumpTo, &qs, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(qs, &c.Questions); err != nil {
		return nil, fmt.Errorf("checkpoint %s: questions: %w", c.ID, err)
	}
	return &c, nil
}

// Checkpoints reads a lesson's checkpoints in time order.
func (s *Store) Checkpoints(ctx context.Context, lessonID string) ([]*Checkpoint, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+checkpointCols+` from checkpoints where lesson_id = $1 order by at, created_at, id`, lessonID)
	if err != nil {
		return nil, fmt.Errorf("checkpoints of %s: %w", lessonID, err)
	}
	out, err := pgx.CollectRows(rows, scanCheckpoint)
	if err != nil {
		return nil, fmt.Errorf("checkpoints of %s: %w", lessonID, err)
	}
	return out, nil
}

// Checkpoint reads one checkpoint.
func (s *Store) Checkpoint(ctx context.Context, id string) (*Checkpoint, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("checkpoint %q: %w", id, ErrNotFound)
	}
	rows, err := s.q(ctx).Query(ctx, `select `+checkpointCols+` from checkpoints where id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", id, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCheckpoint)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("checkpoint %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", id, err)
	}
	return c, nil
}

// CountCheckpoints counts a lesson's checkpoints.
func (s *Store) CountCheckpoints(ctx context.Context, lessonID string) (int, error) {
	var n int
	if err := s.q(ctx).QueryRow(ctx, `select count(*) from checkpoints where lesson_id = $1`, lessonID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count checkpoints of %s: %w", lessonID, err)
	}
	return n, nil
}

// SaveCheckpoint inserts a checkpoint (c.ID empty) or replaces one; it
// returns the checkpoint as stored.
func (s *Store) SaveCheckpoint(ctx context.Context, c *Checkpoint) (*Checkpoint, error) {
	qs, err := json.Marshal(c.Questions)
	if err != nil {
		return nil, err
	}
	var rows pgx.Rows
	if c.ID == "" {
		rows, err = s.q(ctx).Query(ctx, `insert into checkpoints (course_id, lesson_id, at, title, required, must_pass,
				attempts_allowed, scoring, pass_score, jump_to, questions)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning `+checkpointCols,
			c.CourseID, c.LessonID, c.At, c.Title, c.Required, c.MustPass, c.AttemptsAllowed, c.Scoring, c.PassScore, c.JumpTo, qs)
	} else {
		rows, err = s.q(ctx).Query(ctx, `update checkpoints set at = $2, title = $3, required = $4, must_pass = $5,
				attempts_allowed = $6, scoring = $7, pass_score = $8, jump_to = $9, questions = $10, updated_at = now()
			where id = $1 returning `+checkpointCols,
			c.ID, c.At, c.Title, c.Required, c.MustPass, c.AttemptsAllowed, c.Scoring, c.PassScore, c.JumpTo, qs)
	}
	if err != nil {
		return nil, fmt.Errorf("save checkpoint: %w", err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanCheckpoint)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("checkpoint %s: %w", c.ID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("save checkpoint: %w", err)
	}
	return out, nil
}

// DeleteCheckpoint deletes a checkpoint of a lesson with its attempts.
func (s *Store) DeleteCheckpoint(ctx context.Context, lessonID, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from checkpoints where lesson_id = $1 and id = $2`, lessonID, id)
	if err != nil {
		return fmt.Errorf("delete checkpoint %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("checkpoint %s: %w", id, ErrNotFound)
	}
	return nil
}

// Policy reads a video lesson's policy (the defaults without a row).
func (s *Store) Policy(ctx context.Context, lessonID string) (Policy, error) {
	p := DefaultPolicy()
	err := s.q(ctx).QueryRow(ctx, `select navigation, max_speed, completion_threshold, mastery_score
		from lesson_policies where lesson_id = $1`, lessonID).Scan(&p.Navigation, &p.MaxSpeed, &p.CompletionThreshold, &p.MasteryScore)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("policy of %s: %w", lessonID, err)
	}
	return p, nil
}

// SetPolicy stores a video lesson's policy.
func (s *Store) SetPolicy(ctx context.Context, lessonID string, p Policy) error {
	_, err := s.q(ctx).Exec(ctx, `insert into lesson_policies (lesson_id, navigation, max_speed, completion_threshold, mastery_score)
		values ($1, $2, $3, $4, $5)
		on conflict (lesson_id) do update set navigation = excluded.navigation, max_speed = excluded.max_speed,
			completion_threshold = excluded.completion_threshold, mastery_score = excluded.mastery_score, updated_at = now()`,
		lessonID, p.Navigation, p.MaxSpeed, p.CompletionThreshold, p.MasteryScore)
	if err != nil {
		return fmt.Errorf("set policy of %s: %w", lessonID, err)
	}
	return nil
}
