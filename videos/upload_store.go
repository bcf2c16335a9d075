package videos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
