// Package blob is Lectern's object store: one bucket on S3/MinIO holding
// private sources under uploads/ and published media under media/, which
// only the CDN may read (EnsureBucket) and learners fetch through it.
package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sync/errgroup"
)

// Cache-Control values of published objects.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheManifest  = "public, max-age=10"
	MediaPrefix    = "media/"
)

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("object not found")

// Store wraps one bucket.
type Store struct {
	core   *minio.Core
	bucket string
}

// New connects to endpoint (host:port).
func New(endpoint, accessKey, secretKey, bucket string, useSSL bool) (*Store, error) {
	tr, err := minio.DefaultTransport(useSSL)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	// Upload parts stream from the client's socket to the store's: a large
	// write buffer makes the copy read and write in big blocks instead of
	// 32 KiB ones (fewer syscalls on the API's hot path).
	tr.WriteBufferSize = 1 << 20
	tr.ReadBufferSize = 256 << 10
	c, err := minio.NewCore(endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:    useSSL,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Store{core: c, bucket: bucket}, nil
}

// Bucket names the bucket.
func (s *Store) Bucket() string { return s.bucket }

// Ping checks the bucket answers.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.Exists(ctx)
	if err != nil {
		return fmt.Errorf("blob ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob ping: bucket %q does not exist (run lectern migrate)", s.bucket)
	}
	return nil
}

// EnsureBucket creates the bucket if needed, sets its media read policy and
// lets browsers fetch media from any origin.
//
// Nothing in the bucket is readable anonymously, with one exception: the
// CDN. With an originSecret, the bucket policy (MediaPolicy) lets an
// anonymous GET of media/* through only when its Referer header is that
// secret, which the CDN (deploy/local/nginx.conf.tmpl) sets on every
// request it makes to the origin; anyone else reaching the store directly
// gets 403, so media is served only through the edge's signature and gating
// checks. Without one, the bucket has no policy at all: the CDN must
// authenticate to the store itself. Either way a policy set before (the
// anonymous read of media/* older versions set) is replaced.
func (s *Store) EnsureBucket(ctx context.Context, originSecret string) error {
	ok, err := s.core.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("bucket exists: %w", err)
	}
	if !ok {
		if err := s.core.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{}); err != nil {
			return fmt.Errorf("make bucket: %w", err)
		}
	}
	if err := s.core.Client.SetBucketPolicy(ctx, s.bucket, MediaPolicy(s.bucket, originSecret)); err != nil {
		var er minio.ErrorResponse
		// Removing a policy that is not there is done.
		if originSecret != "" || !errors.As(err, &er) || er.Code != "NoSuchBucketPolicy" {
			return fmt.Errorf("set bucket policy: %w", err)
		}
	}
	cfg := cors.NewConfig([]cors.Rule{{
		AllowedOrigin: []string{"*"},
		AllowedMethod: []string{http.MethodGet, http.MethodHead},
		AllowedHeader: []string{"*"},
		ExposeHeader:  []string{"Content-Length", "Content-Range", "ETag"},
		MaxAgeSeconds: 3600,
	}})
	if err := s.core.Client.SetBucketCors(ctx, s.bucket, cfg); err != nil {
		// MinIO answers NotImplemented for bucket CORS on some builds; the CDN
		// adds the CORS headers itself, so this is not fatal.
		var er minio.ErrorResponse
		if !errors.As(err, &er) || er.Code != "NotImplemented" {
			return fmt.Errorf("set bucket cors: %w", err)
		}
	}
	return nil
}

// MediaPolicy is the bucket policy EnsureBucket sets: s3:GetObject on
// media/* for requests carrying Referer: originSecret, nothing else ("",
// no policy, without a secret). aws:Referer is one of the condition keys
// MinIO evaluates for anonymous requests (the edge test checks that it does).
func MediaPolicy(bucket, originSecret string) string {
	if originSecret == "" {
		return ""
	}
	type statement struct {
		Sid       string
		Effect    string
		Principal map[string][]string
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
	// Strings, slices and maps of strings: Marshal cannot fail.
	b, _ := json.Marshal(struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{{
		Sid:       "CDNReadsMedia",
		Effect:    "Allow",
		Principal: map[string][]string{"AWS": {"*"}},
		Action:    []string{"s3:GetObject"},
		Resource:  []string{"arn:aws:s3:::" + bucket + "/" + MediaPrefix + "*"},
		Condition: map[string]map[string][]string{"StringEquals": {"aws:Referer": {originSecret}}},
	}}})
	return string(b)
}

// NewMultipart starts a multipart upload of key.
func (s *Store) NewMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return "", fmt.Errorf("new multipart %s: %w", key, err)
	}
	return id, nil
}

// PutPart streams one part of exactly size bytes. sha256Hex, when set, is
// checked by the object store: a part whose bytes do not match is refused.
// Without it the part is sent unsigned (UNSIGNED-PAYLOAD) and the caller
// checks the bytes itself.
func (s *Store) PutPart(ctx context.Context, key, uploadID string, part int, r io.Reader, size int64, sha256Hex string) (string, error) {
	// With DisableContentSha256 minio-go signs the request with the
	// client's declared SHA-256 (X-Amz-Content-Sha256) instead of hashing
	// the stream again for a chunked streaming signature; the object store
	// hashes what arrives and refuses the part if it differs. One hash pass
	// on the server, done by the store, and it is the client's hash that
	// is checked.
	p, err := s.core.PutObjectPart(ctx, s.bucket, key, uploadID, part, r, size, minio.PutObjectPartOptions{Sha256Hex: sha256Hex, DisableContentSha256: true})
	if err != nil {
		return "", fmt.Errorf("put part %d of %s: %w", part, key, err)
	}
	return p.ETag, nil
}

// Part is one finished part of a multipart upload.
type Part struct {
	Number int
	ETag   string
}

// CompleteMultipart assembles the parts, in order.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cp, minio.PutObjectOptions{}); err != nil {
		return fmt.Errorf("complete multipart %s: %w", key, err)
	}
	return nil
}

// AbortMultipart drops an unfinished upload and its parts. Aborting an
// upload the store no longer knows is not an error.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := s.core.AbortMultipartUpload(ctx, s.bucket, key, uploadID)
	if err != nil && !isNoSuch(err) {
		return fmt.Errorf("abort multipart %s: %w", key, err)
	}
	return nil
}

// IsBadDigest tells whether err is the store refusing a part whose bytes do
// not match the checksum sent with it.
func IsBadDigest(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.Code == "XAmzContentSHA256Mismatch" || er.Code == "BadDigest")
}

func isNoSuch(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.Code == "NoSuchUpload" || er.Code == "NoSuchKey")
}

// Download copies key to a local file.
func (s *Store) Download(ctx context.Context, key, path string) error {
	if err := s.core.Client.FGetObject(ctx, s.bucket, key, path, minio.GetObjectOptions{}); err != nil {
		if isNoSuch(err) {
			return fmt.Errorf("download %s: %w", key, ErrNotFound)
		}
		return fmt.Errorf("download %s: %w", key, err)
	}
	return nil
}

// Stat returns the size of key.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	info, err := s.Head(ctx, key)
	return info.Size, err
}

// PutFile uploads a local file with its content type and cache policy.
func (s *Store) PutFile(ctx context.Context, key, path, contentType, cacheControl string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = s.core.Client.PutObject(ctx, s.bucket, key, f, st.Size(), minio.PutObjectOptions{
		ContentType:  contentType,
		CacheControl: cacheControl,
		PartSize:     64 << 20,
		// Published files come from the worker's own disk: no streaming
		// signature (a SHA-256 pass over every segment) on the way out.
		DisableContentSha256: true,
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Upload is one local file to publish.
type Upload struct {
	Key, Path, ContentType, CacheControl string
}

// PutFiles uploads files with a bounded number in flight.
func (s *Store) PutFiles(ctx context.Context, files []Upload, parallel int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, f := range files {
		g.Go(func() error { return s.PutFile(ctx, f.Key, f.Path, f.ContentType, f.CacheControl) })
	}
	return g.Wait()
}

// RemovePrefix deletes every object under prefix.
func (s *Store) RemovePrefix(ctx context.Context, prefix string) error {
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("remove prefix %q: must end with /", prefix)
	}
	objs := s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
	for e := range s.core.Client.RemoveObjects(ctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return fmt.Errorf("remove %s: %w", e.ObjectName, e.Err)
		}
	}
	return nil
}

// RemoveObject deletes one object; a missing object is not an error.
func (s *Store) RemoveObject(ctx context.Context, key string) error {
	if err := s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !isNoSuch(err) {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}

// List returns the keys under prefix.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

// DropBucket removes the bucket and everything in it; tests use it.
func (s *Store) DropBucket(ctx context.Context) error {
	return s.core.Client.RemoveBucketWithOptions(ctx, s.bucket, minio.RemoveBucketOptions{ForceDelete: true})
}

// IncompleteUploads counts unfinished multipart uploads under prefix.
func (s *Store) IncompleteUploads(ctx context.Context, prefix string) (int, error) {
	n := 0
	for u := range s.core.Client.ListIncompleteUploads(ctx, s.bucket, prefix, true) {
		if u.Err != nil {
			return n, u.Err
		}
		n++
	}
	return n, nil
}

// ObjectInfo is what Head reports.
type ObjectInfo struct {
	Size         int64
	ContentType  string
	CacheControl string
}

// Head returns an object's size and headers.
func (s *Store) Head(ctx context.Context, key string) (ObjectInfo, error) {
	info, err := s.core.Client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if isNoSuch(err) {
			return ObjectInfo{}, fmt.Errorf("head %s: %w", key, ErrNotFound)
		}
		return ObjectInfo{}, fmt.Errorf("head %s: %w", key, err)
	}
	return ObjectInfo{Size: info.Size, ContentType: info.ContentType, CacheControl: info.Metadata.Get("Cache-Control")}, nil
}

// Exists tells whether the bucket exists.
func (s *Store) Exists(ctx context.Context) (bool, error) {
	return s.core.BucketExists(ctx, s.bucket)
}
