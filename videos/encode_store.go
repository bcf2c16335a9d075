package videos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/lectern/lectern/internal/events"
)

// Encode is the job record of one pipeline run.
type Encode struct {
	ID         string          `json:"id"`
	VideoID    string          `json:"video_id"`
	State      string          `json:"state"`
	Stage      string          `json:"stage"`
	Progress   float64         `json:"progress"`
	FPS        float64         `json:"fps"`
	Speed      float64         `json:"speed"`
	Attempts   int             `json:"attempts"`
	Error      *string         `json:"error"`
	Prefix     string          `json:"-"`
	Probe      json.RawMessage `json:"probe,omitempty"`
	Ladder     json.RawMessage `json:"ladder,omitempty"`
	Renditions json.RawMessage `json:"renditions,omitempty"`
	HLSPath    *string         `json:"-"`
	DASHPath   *string         `json:"-"`
	PosterPath *string         `json:"-"`
	ThumbsPath *string         `json:"-"`
	QueuedAt   time.Time       `json:"queued_at"`
	StartedAt  *time.Time      `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

const encodeCols = `id::text, video_id::text, state, stage, progress, fps, speed, attempts, error, prefix, probe, ladder,
	renditions, hls_path, dash_path, poster_path, thumbs_path, queued_at, started_at, finished_at, updated_at`

func scanEncode(row pgx.Row) (*Encode, error) {
	var e Encode
	err := row.Scan(&e.ID, &e.VideoID, &e.State, &e.Stage, &e.Progress, &e.FPS, &e.Speed, &e.Attempts, &e.Error,
		&e.Prefix, &e.Probe, &e.Ladder, &e.Renditions, &e.HLSPath, &e.DASHPath, &e.PosterPath, &e.ThumbsPath,
		&e.QueuedAt, &e.StartedAt, &e.FinishedAt, &e.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// GetEncode returns one encode.
func (s *Store) GetEncode(ctx context.Context, id string) (*Encode, error) {
	e, err := scanEncode(s.q(ctx).QueryRow(ctx, `select `+encodeCols+` from encodes where id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	return e, nil
}

// LatestEncode returns the newest encode of a video.
// EncodesOf returns, for each of the videos, its latest encode and the
// encode it currently plays from, in one query (a list of videos presents
// both without a query per video).
func (s *Store) EncodesOf(ctx context.Context, videoIDs []string) (latest, current map[string]*Encode, err error) {
	rows, err := s.q(ctx).Query(ctx, `select true, `+encodeCols+` from (
			select distinct on (video_id) * from encodes where video_id = any($1::uuid[]) order by video_id, queued_at desc) e
		union all
		select false, `+encodeCols+` from encodes e where e.id in (select current_encode_id from videos where id = any($1::uuid[]))`, videoIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("encodes of %d videos: %w", len(videoIDs), err)
	}
	defer rows.Close()
	latest, current = map[string]*Encode{}, map[string]*Encode{}
	for rows.Next() {
		var isLatest bool
		var e Encode
		if err := rows.Scan(&isLatest, &e.ID, &e.VideoID, &e.State, &e.Stage, &e.Progress, &e.FPS, &e.Speed, &e.Attempts, &e.Error,
			&e.Prefix, &e.Probe, &e.Ladder, &e.Renditions, &e.HLSPath, &e.DASHPath, &e.PosterPath, &e.ThumbsPath,
			&e.QueuedAt, &e.StartedAt, &e.FinishedAt, &e.UpdatedAt); err != nil {
			return nil, nil, err
		}
		if isLatest {
			latest[e.VideoID] = &e
		} else {
			current[e.VideoID] = &e
		}
	}
	return latest, current, rows.Err()
}

func (s *Store) LatestEncode(ctx context.Context, videoID string) (*Encode, error) {
	e, err := scanEncode(s.q(ctx).QueryRow(ctx, `select `+encodeCols+` from encodes where video_id = $1 order by queued_at desc limit 1`, videoID))
	if err != nil {
		return nil, fmt.Errorf("latest encode of %s: %w", videoID, err)
	}
	return e, nil
}

// QueuedEncodes lists encodes that are waiting or were running, oldest
// first: the reconciler re-enqueues them (TaskIDs make that idempotent).
func (s *Store) QueuedEncodes(ctx context.Context, olderThan time.Time) ([]*Encode, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+encodeCols+` from encodes where state in ('queued','running','retrying') and updated_at < $1 order by queued_at`, olderThan)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Encode, error) { return scanEncode(r) })
}

// NewEncode queues a new encode of an existing video (a re-encode).
func (s *Store) NewEncode(ctx context.Context, videoID, encodeID, prefix string) error {
	return pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		var active int
		if err := tx.QueryRow(ctx, `select count(*) from encodes where video_id = $1 and state in ('queued','running','retrying')`, videoID).Scan(&active); err != nil {
			return err
		}
		if active > 0 {
			return fmt.Errorf("video %s already has an encode in progress: %w", videoID, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `insert into encodes (id, video_id, state, prefix) values ($1, $2, 'queued', $3)`, encodeID, videoID, prefix); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `update videos set status = case when status = 'ready' then 'ready' else 'queued' end, updated_at = now() where id = $1`, videoID)
		return err
	})
}

// StartEncode marks an encode running and counts the attempt. It returns the
// encode as it was before, so the worker can tell finished ones apart.
func (s *Store) StartEncode(ctx context.Context, id string) (*Encode, error) {
	e, err := s.GetEncode(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.State == "succeeded" || e.State == "failed" || e.State == "canceled" {
		return e, nil
	}
	err = pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update encodes set state = 'running', stage = 'starting', attempts = attempts + 1,
			started_at = coalesce(started_at, now()), error = null, updated_at = now() where id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `update videos set status = case when status = 'ready' then 'ready' else 'processing' end, updated_at = now() where id = $1`, e.VideoID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start encode %s: %w", id, err)
	}
	return e, nil
}

// Progress is what the worker reports while it runs.
type Progress struct {
	Stage   string
	Percent float64
	FPS     float64
	Speed   float64
}

// UpdateProgress stores progress and returns the current state, so the
// worker learns about a cancel at its next report.
func (s *Store) UpdateProgress(ctx context.Context, id string, p Progress) (state string, err error) {
	err = s.q(ctx).QueryRow(ctx, `update encodes set stage = $2, progress = $3, fps = $4, speed = $5, updated_at = now()
		where id = $1 returning state`, id, p.Stage, p.Percent, p.FPS, p.Speed).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("encode %s: %w", id, ErrNotFound)
	}
	return state, err
}

// SetProbe stores what probing and planning found.
func (s *Store) SetProbe(ctx context.Context, encodeID, videoID string, probe, ladder any, duration float64, width, height int) error {
	pj, err := json.Marshal(probe)
	if err != nil {
		return err
	}
	lj, err := json.Marshal(ladder)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update encodes set probe = $2, ladder = $3, updated_at = now() where id = $1`, encodeID, pj, lj); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `update videos set duration = $2, width = $3, height = $4, updated_at = now() where id = $1`, videoID, duration, width, height)
		return err
	})
}

// Published names the manifests and images of a finished encode, relative
// to the bucket.
type Published struct {
	HLS, DASH, Poster, Thumbs string
	Renditions                any
}

// FinishEncode records a successful encode and points the video at it; a
// video that was not playable before reports video.ready.
// It returns the prefix of the encode the video pointed at before, if any,
// so its objects can be removed.
func (s *Store) FinishEncode(ctx context.Context, id string, p Published) (oldPrefix string, err error) {
	rj, err := json.Marshal(p.Renditions)
	if err != nil {
		return "", err
	}
	err = pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		var videoID string
		if err := tx.QueryRow(ctx, `update encodes set state = 'succeeded', stage = 'done', progress = 100, renditions = $2,
			hls_path = $3, dash_path = $4, poster_path = $5, thumbs_path = $6, finished_at = now(), updated_at = now(), error = null
			where id = $1 and state in ('running', 'retrying', 'queued') returning video_id::text`, id, rj, p.HLS, p.DASH, p.Poster, p.Thumbs).Scan(&videoID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("encode %s is no longer running: %w", id, ErrConflict)
			}
			return err
		}
		var old *string
		if err := tx.QueryRow(ctx, `select e.prefix from videos v join encodes e on e.id = v.current_encode_id where v.id = $1`, videoID).Scan(&old); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if old != nil {
			oldPrefix = *old
		}
		// The worker runs on the system pool: the event names its organization.
		var r Ready
		var was string
		if err := tx.QueryRow(ctx, `update videos v set status = 'ready', current_encode_id = $2, error = null, ready_at = now(), updated_at = now()
			from (select id, status from videos where id = $1) o where v.id = o.id
			returning o.status, v.org_id::text, v.id::text, v.title, v.duration, v.width, v.height, v.ready_at`, videoID, id).
			Scan(&was, &r.orgID, &r.VideoID, &r.Title, &r.Duration, &r.Width, &r.Height, &r.ReadyAt); err != nil {
			return err
		}
		if was == "ready" {
			return nil
		}
		return events.Append(ctx, tx, r.event())
	})
	if err != nil {
		return "", fmt.Errorf("finish encode %s: %w", id, err)
	}
	return oldPrefix, nil
}

// FailEncode records a failure. final=false records a retryable failure
// (state retrying); final=true fails the encode and, unless the video is
// already playable from an earlier encode, the video.
func (s *Store) FailEncode(ctx context.Context, id, reason string, final bool) error {
	state := "retrying"
	if final {
		state = "failed"
	}
	return pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		var videoID string
		err := tx.QueryRow(ctx, `update encodes set state = $2, error = $3, updated_at = now(),
			finished_at = case when $2 = 'failed' then now() else finished_at end
			where id = $1 and state in ('queued', 'running', 'retrying') returning video_id::text`, id, state, reason).Scan(&videoID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // already finished or canceled
		}
		if err != nil || !final {
			return err
		}
		_, err = tx.Exec(ctx, `update videos set status = case when current_encode_id is null then 'failed' else status end,
			error = $2, updated_at = now() where id = $1`, videoID, reason)
		return err
	})
}

// CancelEncode marks an unfinished encode canceled. ErrConflict if it already finished.
func (s *Store) CancelEncode(ctx context.Context, id string) (*Encode, error) {
	var e *Encode
	err := pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		var err error
		e, err = scanEncode(tx.QueryRow(ctx, `update encodes set state = 'canceled', error = 'canceled by an operator', finished_at = now(), updated_at = now()
			where id = $1 and state in ('queued','running','retrying') returning `+encodeCols, id))
		if errors.Is(err, ErrNotFound) {
			if _, gerr := s.GetEncode(ctx, id); gerr != nil {
				return gerr
			}
			return fmt.Errorf("encode %s already finished: %w", id, ErrConflict)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update videos set status = case when current_encode_id is null then 'canceled' else status end, updated_at = now() where id = $1`, e.VideoID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cancel encode %s: %w", id, err)
	}
	return e, nil
}
