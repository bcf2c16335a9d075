package cdn_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/testenv"
)

// The stack's CDN (nginx) serves a video's media only under a URL the API
// signed for that video, before it expires, and caches one copy for every
// signature.
func TestEdgeServesOnlySignedMedia(t *testing.T) {
	testenv.Require(t)
	base := testenv.Env(t, "LECTERN_CDN_URL")
	secret := testenv.Env(t, "LECTERN_MEDIA_SECRET")
	bs, err := blob.New(testenv.Env(t, "LECTERN_S3_ENDPOINT"), testenv.Env(t, "LECTERN_S3_ACCESS_KEY"),
		testenv.Env(t, "LECTERN_S3_SECRET_KEY"), testenv.Env(t, "LECTERN_S3_BUCKET"), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	videoA, videoB := uuid.NewString(), uuid.NewString()
	put := func(key, body string) {
		path := filepath.Join(t.TempDir(), "obj")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := bs.PutFile(ctx, key, path, "text/plain", blob.CacheImmutable); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	put("media/"+videoA+"/e1/seg-1.m4s", "segment of A")
	put("media/"+videoA+"/e2/seg-1.m4s", "re-encode of A")
	put("media/"+videoB+"/e1/seg-1.m4s", "segment of B")
	t.Cleanup(func() {
		_ = bs.RemovePrefix(context.Background(), "media/"+videoA+"/")
		_ = bs.RemovePrefix(context.Background(), "media/"+videoB+"/")
	})

	get := func(url string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("X-Cache-Status")
	}
	signer := &cdn.Signer{Base: base, Secret: secret, TTL: time.Hour}
	later := &cdn.Signer{Base: base, Secret: secret, TTL: 5 * time.Hour}
	urlA := signer.URL("media/" + videoA + "/e1/seg-1.m4s")

	if st, body, _ := get(urlA); st != 200 || body != "segment of A" {
		t.Fatalf("signed URL: %d %q", st, body)
	}
	// Another signature for the same object is served from the same cache entry.
	if st, body, cache := get(later.URL("media/" + videoA + "/e1/seg-1.m4s")); st != 200 || body != "segment of A" || cache != "HIT" {
		t.Errorf("second signature: %d %q cache %q, want 200 from the shared cache (HIT)", st, body, cache)
	}
	// The signature covers the video's prefix: another encode of A resolves.
	sigPrefix := urlA[:strings.Index(urlA, "/media/")]
	if st, body, _ := get(sigPrefix + "/media/" + videoA + "/e2/seg-1.m4s"); st != 200 || body != "re-encode of A" {
		t.Errorf("same video, other encode: %d %q", st, body)
	}
	exp := time.Now().Add(-time.Minute).Unix()
	cases := []struct {
		name string
		url  string
		want int
	}{
		{"unsigned", base + "/media/" + videoA + "/e1/seg-1.m4s", 403},
		{"A's signature on B", sigPrefix + "/media/" + videoB + "/e1/seg-1.m4s", 403},
		{"tampered signature", base + "/s/" + flip(strings.TrimPrefix(urlA, base+"/s/")), 403},
		{"expired", fmt.Sprintf("%s/s/%d/%s/media/%s/e1/seg-1.m4s", base, exp, cdn.Signature(secret, exp, "/media/"+videoA+"/"), videoA), 410},
		{"wrong secret", (&cdn.Signer{Base: base, Secret: "not-the-secret", TTL: time.Hour}).URL("media/" + videoA + "/e1/seg-1.m4s"), 403},
		{"path escape", sigPrefix + "/media/" + videoA + "/../" + videoB + "/e1/seg-1.m4s", 403},
	}
	for _, c := range cases {
		if st, body, _ := get(c.url); st != c.want || strings.Contains(body, "segment of") {
			t.Errorf("%s: %d %q, want %d and no media", c.name, st, body, c.want)
		}
	}
}

// flip changes the first character of the signature in "<exp>/<sig>/...".
func flip(s string) string {
	i := strings.Index(s, "/") + 1
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
