package videos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

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

// ListVideos returns up to limit+1 of the organization's videos newest
// first, after the cursor (created_at, id). In a tenant transaction,
// row-level security confines it to the organization, and the videos_org
// index serves it.
func (s *Store) ListVideos(ctx context.Context, after []string, limit int) ([]*Video, error) {
	sql := `select ` + videoCols + ` from videos`
	args := []any{limit + 1}
	if after != nil {
		sql += ` where (created_at, id) < ($2::timestamptz, $3::uuid)`
		args = append(args, after[0], after[1])
	}
	rows, err := s.q(ctx).Query(ctx, sql+` order by created_at desc, id desc limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list videos: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Video, error) { return scanVideo(r) })
}
