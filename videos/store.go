// Package videos owns uploads, videos and their encodes: the resumable
// upload protocol, the video records learners and instructors read, and the
// job record the worker keeps up to date. It is a top-level domain (not under
// courses/) because courses, checkpoints and the ops console all point at
// videos, and the worker writes its records.
package videos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lectern/lectern/internal/database"
)

// Domain errors, mapped to HTTP statuses at the edge.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Upload is one resumable upload.
type Upload struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	Title       string    `json:"title"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	ChunkSize   int64     `json:"chunk_size"`
	PartsTotal  int       `json:"parts_total"`
	ObjectKey   string    `json:"-"`
	S3UploadID  string    `json:"-"`
	Status      string    `json:"status"`
	VideoID     *string   `json:"video_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Received    []Part    `json:"received"`
	OwnerID     *string   `json:"owner_id"`
}

// PartSize is the exact size part n (1-based) must have.
func (u *Upload) PartSize(n int) int64 {
	if n < u.PartsTotal {
		return u.ChunkSize
	}
	return u.Size - int64(u.PartsTotal-1)*u.ChunkSize
}

// Part is one received chunk.
type Part struct {
	Part   int    `json:"part"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	CRC32C string `json:"crc32c,omitempty"`
	ETag   string `json:"-"`
}

// Video is the record every client reads.
type Video struct {
	ID              string     `json:"id"`
	Title           string     `json:"title"`
	Status          string     `json:"status"`
	SourceKey       string     `json:"-"`
	SourceSize      int64      `json:"source_size"`
	Duration        *float64   `json:"duration"`
	Width           *int       `json:"width"`
	Height          *int       `json:"height"`
	CurrentEncodeID *string    `json:"-"`
	Error           *string    `json:"error"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	ReadyAt         *time.Time `json:"ready_at"`
	OwnerID         *string    `json:"owner_id"`
}

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

// Store reads and writes the videos tables.
type Store struct {
	db database.Querier
}

// NewStore returns a store over db.
func NewStore(db database.Querier) *Store { return &Store{db: db} }

// q is the transaction the context carries (a request's tenant
// transaction), else the store's pool.
func (s *Store) q(ctx context.Context) database.Querier { return database.Q(ctx, s.db) }

const uploadCols = `id::text, filename, title, content_type, size, chunk_size, parts_total, object_key,
	s3_upload_id, status, video_id::text, created_at, updated_at, expires_at, owner_id::text`

func scanUpload(row pgx.Row) (*Upload, error) {
	var u Upload
	err := row.Scan(&u.ID, &u.Filename, &u.Title, &u.ContentType, &u.Size, &u.ChunkSize, &u.PartsTotal,
		&u.ObjectKey, &u.S3UploadID, &u.Status, &u.VideoID, &u.CreatedAt, &u.UpdatedAt, &u.ExpiresAt, &u.OwnerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &u, err
}

// CreateUpload inserts a new upload.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	_, err := s.q(ctx).Exec(ctx, `insert into uploads (id, filename, title, content_type, size, chunk_size, parts_total,
		object_key, s3_upload_id, expires_at, owner_id) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		u.ID, u.Filename, u.Title, u.ContentType, u.Size, u.ChunkSize, u.PartsTotal, u.ObjectKey, u.S3UploadID, u.ExpiresAt, u.OwnerID)
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	return nil
}

// GetUpload returns an upload with the parts received so far.
func (s *Store) GetUpload(ctx context.Context, id string) (*Upload, error) {
	u, err := scanUpload(s.q(ctx).QueryRow(ctx, `select `+uploadCols+` from uploads where id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, err)
	}
	rows, _ := s.q(ctx).Query(ctx, `select part, size, coalesce(sha256, ''), coalesce(crc32c, ''), etag from upload_parts where upload_id = $1 order by part`, id)
	u.Received, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Part, error) {
		var p Part
		err := r.Scan(&p.Part, &p.Size, &p.SHA256, &p.CRC32C, &p.ETag)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("upload %s parts: %w", id, err)
	}
	return u, nil
}

// SavePart records a received part; a part sent again replaces the old one.
func (s *Store) SavePart(ctx context.Context, uploadID string, p Part) error {
	tag, err := s.q(ctx).Exec(ctx, `insert into upload_parts (upload_id, part, size, sha256, crc32c, etag)
		select $1, $2, $3, nullif($4, ''), nullif($5, ''), $6 from uploads where id = $1 and status = 'open'
		on conflict (upload_id, part) do update set size = excluded.size, sha256 = excluded.sha256, crc32c = excluded.crc32c,
			etag = excluded.etag, created_at = now()`,
		uploadID, p.Part, p.Size, p.SHA256, p.CRC32C, p.ETag)
	if err != nil {
		return fmt.Errorf("save part: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("upload %s is no longer open: %w", uploadID, ErrConflict)
	}
	_, err = s.q(ctx).Exec(ctx, `update uploads set updated_at = now() where id = $1`, uploadID)
	return err
}

// CompleteUpload marks the upload completed and creates its video and first
// encode in one transaction. It returns ErrConflict if the upload was
// completed or aborted meanwhile.
func (s *Store) CompleteUpload(ctx context.Context, u *Upload, videoID, encodeID, prefix string) error {
	return pgx.BeginFunc(ctx, s.q(ctx), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update uploads set status = 'completed', video_id = $2, updated_at = now() where id = $1 and status = 'open'`, u.ID, videoID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("upload %s is not open: %w", u.ID, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `insert into videos (id, title, status, source_key, source_size, current_encode_id, owner_id)
			values ($1, $2, 'queued', $3, $4, null, $5)`, videoID, u.Title, u.ObjectKey, u.Size, u.OwnerID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into encodes (id, video_id, state, prefix) values ($1, $2, 'queued', $3)`, encodeID, videoID, prefix)
		return err
	})
}

// MarkUploadAborted marks an upload aborted.
func (s *Store) MarkUploadAborted(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `update uploads set status = 'aborted', updated_at = now() where id = $1 and status = 'open'`, id)
	if err != nil {
		return fmt.Errorf("abort upload: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("upload %s is not open: %w", id, ErrConflict)
	}
	return nil
}

// ExpiredUploads lists open uploads past their expiry.
func (s *Store) ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*Upload, error) {
	rows, err := s.q(ctx).Query(ctx, `select `+uploadCols+` from uploads where status = 'open' and expires_at < $1 order by expires_at limit $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Upload, error) { return scanUpload(r) })
}

const videoCols = `id::text, title, status, source_key, source_size, duration, width, height, current_encode_id::text,
	error, created_at, updated_at, ready_at, owner_id::text`

func scanVideo(row pgx.Row) (*Video, error) {
	var v Video
	err := row.Scan(&v.ID, &v.Title, &v.Status, &v.SourceKey, &v.SourceSize, &v.Duration, &v.Width, &v.Height,
		&v.CurrentEncodeID, &v.Error, &v.CreatedAt, &v.UpdatedAt, &v.ReadyAt, &v.OwnerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &v, err
}

// GetVideo returns one video.
func (s *Store) GetVideo(ctx context.Context, id string) (*Video, error) {
	v, err := scanVideo(s.q(ctx).QueryRow(ctx, `select `+videoCols+` from videos where id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("video %s: %w", id, err)
	}
	return v, nil
}

// ListVideos returns the organization's videos newest first, before the
// cursor (a created_at,id pair). In a tenant transaction, row-level security
// confines it to the organization, and the videos_org index serves it.
func (s *Store) ListVideos(ctx context.Context, limit int, before *time.Time, beforeID string) ([]*Video, error) {
	var rows pgx.Rows
	var err error
	if before == nil {
		rows, err = s.q(ctx).Query(ctx, `select `+videoCols+` from videos order by created_at desc, id desc limit $1`, limit)
	} else {
		rows, err = s.q(ctx).Query(ctx, `select `+videoCols+` from videos where (created_at, id) < ($2, $3::uuid) order by created_at desc, id desc limit $1`, limit, *before, beforeID)
	}
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Video, error) { return scanVideo(r) })
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

// FinishEncode records a successful encode and points the video at it.
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
		_, err := tx.Exec(ctx, `update videos set status = 'ready', current_encode_id = $2, error = null, ready_at = now(), updated_at = now() where id = $1`, videoID, id)
		return err
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

// IsUniqueViolation reports a duplicate key.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
