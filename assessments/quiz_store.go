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

// Quiz is a quiz lesson's settings and questions (with their keys: staff
// only). A quiz lesson without a row has the defaults and no questions.
type Quiz struct {
	LessonID         string      `json:"lesson_id"`
	CourseID         string      `json:"course_id"`
	AttemptsAllowed  int         `json:"attempts_allowed"`   // 0: unlimited
	TimeLimit        *int        `json:"time_limit_seconds"` // null: none
	ShuffleQuestions bool        `json:"shuffle_questions"`
	ShuffleOptions   bool        `json:"shuffle_options"` // choice questions' options, per attempt
	Scoring          string      `json:"scoring"`         // which attempt counts: first, best, last
	PassScore        float64     `json:"pass_score"`      // the mastery score: a fraction of the points
	Questions        []*Question `json:"questions"`
	UpdatedAt        *time.Time  `json:"updated_at"`
}

func defaultQuiz(courseID, lessonID string) *Quiz {
	return &Quiz{CourseID: courseID, LessonID: lessonID, Scoring: ScoreBest, PassScore: 0.8, Questions: []*Question{}}
}

// Points is the quiz's total of points.
func (q *Quiz) Points() float64 {
	var p float64
	for _, x := range q.Questions {
		p += x.points()
	}
	return p
}

// QuizAttempt is a learner's attempt at a quiz. Questions are the quiz's
// as they were when it started, in the order this learner sees them
// (options of choice questions too, when shuffled), keys included: what
// the attempt is graded against whatever the quiz becomes meanwhile.
type QuizAttempt struct {
	ID          string      `json:"id"`
	CourseID    string      `json:"course_id"`
	LessonID    string      `json:"lesson_id"`
	UserID      string      `json:"user_id"`
	Number      int         `json:"number"`
	StartedAt   time.Time   `json:"started_at"`
	Deadline    *time.Time  `json:"deadline"`
	Questions   []*Question `json:"-"`
	Draft       []Answer    `json:"-"`
	DraftAt     *time.Time  `json:"-"`
	SubmittedAt *time.Time  `json:"submitted_at"`
	Late        bool        `json:"late"`
	Score       *float64    `json:"score"`
	Passed      *bool       `json:"passed"`
	Results     []Graded    `json:"-"`
}

// Open tells whether the attempt is not submitted yet.
func (a *QuizAttempt) Open() bool { return a.SubmittedAt == nil }

// Quiz reads a quiz lesson's quiz (the defaults without a row).
func (s *Store) Quiz(ctx context.Context, courseID, lessonID string) (*Quiz, error) {
	q := defaultQuiz(courseID, lessonID)
	var questions []byte
	var updated time.Time
	err := s.q(ctx).QueryRow(ctx, `select attempts_allowed, time_limit_seconds, shuffle_questions, shuffle_options, scoring, pass_score,
			questions, updated_at
		from quizzes where lesson_id = $1`, lessonID).
		Scan(&q.AttemptsAllowed, &q.TimeLimit, &q.ShuffleQuestions, &q.ShuffleOptions, &q.Scoring, &q.PassScore, &questions, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return q, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quiz %s: %w", lessonID, err)
	}
	if err := json.Unmarshal(questions, &q.Questions); err != nil {
		return nil, fmt.Errorf("quiz %s: questions: %w", lessonID, err)
	}
	q.UpdatedAt = &updated
	return q, nil
}

// SaveQuiz writes a quiz lesson's quiz.
func (s *Store) SaveQuiz(ctx context.Context, q *Quiz) error {
	questions, err := json.Marshal(q.Questions)
	if err != nil {
		return err
	}
	var updated time.Time
	err = s.q(ctx).QueryRow(ctx, `insert into quizzes (lesson_id, course_id, attempts_allowed, time_limit_seconds, shuffle_questions,
			shuffle_options, scoring, pass_score, questions)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		on conflict (lesson_id) do update set attempts_allowed = excluded.attempts_allowed, time_limit_seconds = excluded.time_limit_seconds,
			shuffle_questions = excluded.shuffle_questions, shuffle_options = excluded.shuffle_options, scoring = excluded.scoring,
			pass_score = excluded.pass_score, questions = excluded.questions, updated_at = now()
		returning updated_at`,
		q.LessonID, q.CourseID, q.AttemptsAllowed, q.TimeLimit, q.ShuffleQuestions, q.ShuffleOptions, q.Scoring, q.PassScore, questions).Scan(&updated)
	if err != nil {
		return fmt.Errorf("save quiz: %w", err)
	}
	q.UpdatedAt = &updated
	return nil
}

const quizAttemptCols = `id::text, course_id::text, lesson_id::text, user_id::text, number, started_at, deadline, questions, draft, draft_at,
	submitted_at, late, score, passed, results`

func scanQuizAttempt(row pgx.CollectableRow) (*QuizAttempt, error) {
	var a QuizAttempt
	var questions, draft, results []byte
	if err := row.Scan(&a.ID, &a.CourseID, &a.LessonID, &a.UserID, &a.Number, &a.StartedAt, &a.Deadline, &questions, &draft, &a.DraftAt,
		&a.SubmittedAt, &a.Late, &a.Score, &a.Passed, &results); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(questions, &a.Questions); err != nil {
		return nil, fmt.Errorf("quiz attempt %s: questions: %w", a.ID, err)
	}
	if err := json.Unmarshal(draft, &a.Draft); err != nil {
		return nil, fmt.Errorf("quiz attempt %s: draft: %w", a.ID, err)
	}
	if results != nil {
		if err := json.Unmarshal(results, &a.Results); err != nil {
			return nil, fmt.Errorf("quiz attempt %s: results: %w", a.ID, err)
		}
	}
	return &a, nil
}

// QuizAttempts reads a learner's attempts at a quiz, in order.
func (s *Store) QuizAttempts(ctx context.Context, lessonID, userID string) ([]*QuizAttempt, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+quizAttemptCols+` from quiz_attempts where lesson_id = $1 and user_id = $2 order by number`,
		lessonID, userID)
	if err != nil {
		return nil, fmt.Errorf("quiz attempts: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanQuizAttempt)
	if err != nil {
		return nil, fmt.Errorf("quiz attempts: %w", err)
	}
	return out, nil
}

// QuizAttempt reads one attempt.
func (s *Store) QuizAttempt(ctx context.Context, id string) (*QuizAttempt, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("quiz attempt %q: %w", id, ErrNotFound)
	}
	rows, err := s.q(ctx).Query(ctx, `select `+quizAttemptCols+` from quiz_attempts where id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("quiz attempt: %w", err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanQuizAttempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("quiz attempt %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("quiz attempt: %w", err)
	}
	return a, nil
}

// InsertQuizAttempt opens an attempt (a.ID is set).
func (s *Store) InsertQuizAttempt(ctx context.Context, a *QuizAttempt) error {
	questions, err := json.Marshal(a.Questions)
	if err != nil {
		return err
	}
	return s.q(ctx).QueryRow(ctx, `insert into quiz_attempts (id, course_id, lesson_id, user_id, number, started_at, deadline, questions)
		values ($1, $2, $3, $4, $5, $6, $7, $8) returning id::text`,
		a.ID, a.CourseID, a.LessonID, a.UserID, a.Number, a.StartedAt, a.Deadline, questions).Scan(&a.ID)
}

// SaveQuizDraft stores an open attempt's answers so far.
func (s *Store) SaveQuizDraft(ctx context.Context, a *QuizAttempt) error {
	draft, err := json.Marshal(a.Draft)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `update quiz_attempts set draft = $2, draft_at = $3 where id = $1 and submitted_at is null`, a.ID, draft, a.DraftAt)
	if err != nil {
		return fmt.Errorf("save quiz answers: %w", err)
	}
	return nil
}

// SubmitQuizAttempt stores a graded attempt.
func (s *Store) SubmitQuizAttempt(ctx context.Context, a *QuizAttempt) error {
	draft, err := json.Marshal(a.Draft)
	if err != nil {
		return err
	}
	results, err := json.Marshal(a.Results)
	if err != nil {
		return err
	}
	tag, err := s.q(ctx).Exec(ctx, `update quiz_attempts set draft = $2, draft_at = $3, submitted_at = $4, late = $5, score = $6, passed = $7, results = $8
		where id = $1 and submitted_at is null`, a.ID, draft, a.DraftAt, a.SubmittedAt, a.Late, a.Score, a.Passed, results)
	if err != nil {
		return fmt.Errorf("submit quiz attempt: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("quiz attempt %s was submitted already", a.ID)
	}
	return nil
}
