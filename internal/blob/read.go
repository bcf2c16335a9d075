package blob

import (
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// Read returns the bytes of a small object (a manifest, a caption track):
// at most max bytes, an error beyond.
func (s *Store) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	obj, err := s.core.Client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, max+1))
	if err != nil {
		if isNoSuch(err) {
			return nil, fmt.Errorf("read %s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: larger than %d bytes", key, max)
	}
	return b, nil
}
