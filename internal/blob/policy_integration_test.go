package blob_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/testenv"
)

// The stack's MinIO honours the media policy: an anonymous GET of media/*
// succeeds only with the origin secret as its Referer, nothing else is ever
// anonymously readable, and EnsureBucket replaces the anonymous-read policy
// older versions set.
func TestMediaPolicyLocksTheOrigin(t *testing.T) {
	s := testenv.Bucket(t)
	endpoint := testenv.Env(t, "LECTERN_S3_ENDPOINT")
	ctx := context.Background()
	put := func(key string) {
		path := filepath.Join(t.TempDir(), "obj")
		if err := os.WriteFile(path, []byte("bytes of "+key), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.PutFile(ctx, key, path, "video/mp4", blob.CacheImmutable); err != nil {
			t.Fatal(err)
		}
	}
	put("media/v/e/v0/seg-00001.m4s")
	put("uploads/u/source")

	get := func(key, referer string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, "http://"+endpoint+"/"+s.Bucket()+"/"+key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	check := func(step string, want map[[2]string]int) {
		t.Helper()
		for k, st := range want {
			if got := get(k[0], k[1]); got != st {
				t.Errorf("%s: GET %s with Referer %q: %d, want %d", step, k[0], k[1], got, st)
			}
		}
	}
	const secret = "0123456789abcdef-origin"
	seg := "media/v/e/v0/seg-00001.m4s"

	// The policy of older versions: media/* readable by anyone.
	mc, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(testenv.Env(t, "LECTERN_S3_ACCESS_KEY"), testenv.Env(t, "LECTERN_S3_SECRET_KEY"), "")})
	if err != nil {
		t.Fatal(err)
	}
	old := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + s.Bucket() + `/media/*"]}]}`
	if err := mc.SetBucketPolicy(ctx, s.Bucket(), old); err != nil {
		t.Fatal(err)
	}
	check("old policy", map[[2]string]int{{seg, ""}: 200})

	if err := s.EnsureBucket(ctx, secret); err != nil {
		t.Fatal(err)
	}
	check("origin secret", map[[2]string]int{
		{seg, ""}:                            403,
		{seg, "https://lectern.example/"}:    403,
		{seg, secret + "x"}:                  403,
		{seg, secret[:len(secret)-1]}:        403,
		{seg, secret}:                        200,
		{"uploads/u/source", secret}:         403,
		{"media/v/e/v0/missing.m4s", ""}:     403,
		{"media/v/e/v0/missing.m4s", secret}: 404,
	})
	// Listing stays private even with the secret.
	if got := get("?list-type=2&prefix=media/", secret); got != 403 {
		t.Errorf("anonymous list with the secret: %d, want 403", got)
	}

	// Idempotent; and without a secret nothing is anonymously readable.
	if err := s.EnsureBucket(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx, ""); err != nil {
		t.Fatalf("removing an absent policy: %v", err)
	}
	check("no secret", map[[2]string]int{{seg, ""}: 403, {seg, secret}: 403})
}
