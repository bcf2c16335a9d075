package videos

import (
	"context"
	"errors"
	"time"
)

// Expired is what the sweep reads and writes of uploads (Store).
type Expired interface {
	ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*Upload, error)
	MarkUploadAborted(ctx context.Context, id string) error
}

// Aborter drops the parts of a multipart upload (the blob store).
type Aborter interface {
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// SweepExpiredUploads aborts open uploads past their expiry and removes their
// parts from the object store. It returns how many it aborted.
func SweepExpiredUploads(ctx context.Context, st Expired, bs Aborter, now time.Time) (int, error) {
	us, err := st.ExpiredUploads(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range us {
		if err := bs.AbortMultipart(ctx, u.ObjectKey, u.S3UploadID); err != nil {
			return n, err
		}
		if err := st.MarkUploadAborted(ctx, u.ID); err != nil && !errors.Is(err, ErrConflict) {
			return n, err
		}
		n++
	}
	return n, nil
}
