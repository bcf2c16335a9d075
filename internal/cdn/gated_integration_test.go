package cdn_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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

// The stack's CDN serves a learner's gated URL only for init segments and
// media segments up to the signed limit, for the signed learner and encode,
// before it expires; nothing else under /g/, however the path is spelled;
// every learner shares one cache entry per object; and the origin itself
// answers only the CDN.
func TestEdgeGatesSegments(t *testing.T) {
	testenv.Require(t)
	base := testenv.Env(t, "LECTERN_CDN_URL")
	secret := testenv.Env(t, "LECTERN_MEDIA_SECRET")
	endpoint := testenv.Env(t, "LECTERN_S3_ENDPOINT")
	bucket := testenv.Env(t, "LECTERN_S3_BUCKET")
	originSecret := testenv.Env(t, "LECTERN_ORIGIN_SECRET")
	bs, err := blob.New(endpoint, testenv.Env(t, "LECTERN_S3_ACCESS_KEY"), testenv.Env(t, "LECTERN_S3_SECRET_KEY"), bucket, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	video, encode := uuid.NewString(), uuid.NewString()
	learnerA, learnerB := uuid.NewString(), uuid.NewString()
	prefix := "media/" + video + "/" + encode + "/"
	put := func(rel, contentType, cache string) {
		path := filepath.Join(t.TempDir(), "obj")
		if err := os.WriteFile(path, []byte("bytes of "+rel), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := bs.PutFile(ctx, prefix+rel, path, contentType, cache); err != nil {
			t.Fatalf("put %s: %v", rel, err)
		}
	}
	put("v0/init.mp4", "video/mp4", blob.CacheImmutable)
	for i := 1; i <= 5; i++ {
		put(fmt.Sprintf("v0/seg-%05d.m4s", i), "video/iso.segment", blob.CacheImmutable)
	}
	put("a0/init.mp4", "audio/mp4", blob.CacheImmutable)
	put("a0/seg-00003.m4s", "video/iso.segment", blob.CacheImmutable)
	put("master.m3u8", "application/vnd.apple.mpegurl", blob.CacheManifest)
	put("v0/index.m3u8", "application/vnd.apple.mpegurl", blob.CacheManifest)
	put("manifest.mpd", "application/dash+xml", blob.CacheManifest)
	put("thumbs.vtt", "text/vtt", blob.CacheImmutable)
	put("poster.jpg", "image/jpeg", blob.CacheImmutable)
	t.Cleanup(func() { _ = bs.RemovePrefix(context.Background(), "media/"+video+"/") })

	signer := &cdn.Signer{Base: base, Secret: secret, TTL: time.Hour}
	gA, _ := signer.Gated(prefix, learnerA, 3)
	gB, _ := signer.Gated(prefix, learnerB, 3)

	// Served: init segments and segments 1..3, in every rendition.
	for _, rel := range []string{"v0/init.mp4", "v0/seg-00001.m4s", "v0/seg-00002.m4s", "v0/seg-00003.m4s", "a0/init.mp4", "a0/seg-00003.m4s"} {
		r := do(t, http.MethodGet, gA+rel, nil)
		if r.status != 200 || r.body != "bytes of "+rel {
			t.Errorf("%s within the limit: %d %q", rel, r.status, r.body)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("x-amz-request-id") != "" || r.header.Get("Vary") != "" || r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: headers %v", rel, r.header)
		}
	}
	if r := do(t, http.MethodHead, gA+"v0/seg-00001.m4s", nil); r.status != 200 {
		t.Errorf("HEAD: %d", r.status)
	}
	if r := do(t, http.MethodGet, gA+"v0/seg-00002.m4s", http.Header{"Range": {"bytes=0-4"}}); r.status != 206 || r.body != "bytes" {
		t.Errorf("range: %d %q", r.status, r.body)
	}
	// The query string is not passed on (no ?acl, ?tagging, ?versionId at the origin).
	if r := do(t, http.MethodGet, gA+"v0/seg-00001.m4s?tagging", nil); r.status != 200 || r.body != "bytes of v0/seg-00001.m4s" {
		t.Errorf("with a query string: %d %q", r.status, r.body)
	}
	if r := do(t, http.MethodOptions, gA+"v0/seg-00001.m4s", nil); r.status != 204 || r.header.Get("Access-Control-Allow-Headers") != "Range" {
		t.Errorf("preflight: %d %v", r.status, r.header)
	}

	// Another learner shares the cache, and so does staff's /s/ URL.
	if r := do(t, http.MethodGet, gB+"v0/seg-00002.m4s", nil); r.status != 200 || r.header.Get("X-Cache-Status") != "HIT" {
		t.Errorf("second learner: %d cache %q, want 200 HIT", r.status, r.header.Get("X-Cache-Status"))
	}
	if r := do(t, http.MethodGet, signer.URL(prefix+"v0/seg-00003.m4s"), nil); r.status != 200 || r.header.Get("X-Cache-Status") != "HIT" {
		t.Errorf("staff URL after a learner's: %d cache %q, want 200 HIT", r.status, r.header.Get("X-Cache-Status"))
	}
	// Staff URLs still reach the whole video, manifests included.
	if r := do(t, http.MethodGet, signer.URL(prefix+"master.m3u8"), nil); r.status != 200 || r.body != "bytes of master.m3u8" {
		t.Errorf("staff master: %d %q", r.status, r.body)
	}
	if r := do(t, http.MethodGet, signer.URL(prefix+"v0/seg-00005.m4s"), nil); r.status != 200 {
		t.Errorf("staff segment 5: %d", r.status)
	}

	exp := time.Now().Add(-time.Minute).Unix()
	expired := fmt.Sprintf("%s/g/%d/%s/%s/3/%s", base, exp, cdn.GatedSignature(secret, exp, learnerA, 3, prefix), learnerA, prefix)
	other, _ := (&cdn.Signer{Base: base, Secret: "not-the-secret"}).Gated(prefix, learnerA, 3)
	zero, _ := signer.Gated(prefix, learnerA, 0)
	cases := []struct {
		name string
		url  string
		want int
	}{
		{"beyond the limit", gA + "v0/seg-00004.m4s", 403},
		{"last segment", gA + "v0/seg-00005.m4s", 403},
		{"segment 0", gA + "v0/seg-00000.m4s", 403},
		{"unpadded number", gA + "v0/seg-3.m4s", 403},
		{"master playlist", gA + "master.m3u8", 403},
		{"media playlist", gA + "v0/index.m3u8", 403},
		{"MPD", gA + "manifest.mpd", 403},
		{"thumbnails track", gA + "thumbs.vtt", 403},
		{"poster", gA + "poster.jpg", 403},
		{"rendition in capitals", gA + "V0/seg-00001.m4s", 403},
		{"limit raised", strings.Replace(gA, "/3/media/", "/5/media/", 1) + "v0/seg-00004.m4s", 403},
		{"limit raised, old segment", strings.Replace(gA, "/3/media/", "/5/media/", 1) + "v0/seg-00001.m4s", 403},
		{"limit zero-padded", strings.Replace(gA, "/3/media/", "/03/media/", 1) + "v0/seg-00001.m4s", 403},
		{"other learner, same signature", strings.Replace(gA, learnerA, learnerB, 1) + "v0/seg-00001.m4s", 403},
		{"other encode, same signature", strings.Replace(gA, encode, uuid.NewString(), 1) + "v0/seg-00001.m4s", 403},
		{"expired", expired + "v0/seg-00001.m4s", 410},
		{"wrong secret", other + "v0/seg-00001.m4s", 403},
		{"limit 0, segment 1", zero + "v0/seg-00001.m4s", 403},
		{"limit 0, init", zero + "v0/init.mp4", 200},
	}
	for _, c := range cases {
		if r := do(t, http.MethodGet, c.url, nil); r.status != c.want || (c.want != 200 && strings.Contains(r.body, "bytes of")) {
			t.Errorf("%s: %d %q, want %d", c.name, r.status, r.body, c.want)
		}
	}
	if r := do(t, http.MethodPost, gA+"v0/seg-00001.m4s", nil); r.status != 403 {
		t.Errorf("POST: %d, want 403", r.status)
	}

	// Paths nginx would normalise into an allowed one are refused as sent
	// (403), or rejected by nginx itself (400). Sent byte for byte.
	u, err := url.Parse(gA)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"v0/seg-00003.m4s/../seg-00004.m4s",
		"v0/x/../seg-00001.m4s",
		"v0/./seg-00001.m4s",
		"v0//seg-00001.m4s",
		"v0%2Fseg-00001.m4s",
		"v0/seg-0000%31.m4s",
		"v0/seg-00001%2Em4s",
		"%76%30/seg-00001.m4s",
		"../../../../../../" + prefix + "v0/seg-00001.m4s",
		"v0/seg-00001.m4s%00",
		"v0\\seg-00001.m4s",
	} {
		st, body := rawGet(t, u.Host, u.Path+p)
		if (st != 403 && st != 400) || strings.Contains(body, "bytes of") {
			t.Errorf("%s: %d %q, want 403 (or 400) and no media", p, st, body)
		}
	}

	// The origin answers the CDN only: anonymous GETs straight to MinIO are
	// refused, whatever Referer they send (but the right one).
	direct := "http://" + endpoint + "/" + bucket + "/" + prefix + "v0/seg-00001.m4s"
	for _, ref := range []string{"", base + "/", "not-the-origin-secret"} {
		h := http.Header{}
		if ref != "" {
			h.Set("Referer", ref)
		}
		if r := do(t, http.MethodGet, direct, h); r.status != 403 || strings.Contains(r.body, "bytes of") {
			t.Errorf("direct origin GET with Referer %q: %d, want 403", ref, r.status)
		}
	}
	if r := do(t, http.MethodGet, direct, http.Header{"Referer": {originSecret}}); r.status != 200 {
		t.Errorf("direct origin GET with the origin secret: %d, want 200 (the bucket policy lectern migrate sets)", r.status)
	}
	// A client's own Referer does not replace the CDN's.
	if r := do(t, http.MethodGet, gA+"v0/seg-00001.m4s", http.Header{"Referer": {"https://evil.example/"}}); r.status != 200 {
		t.Errorf("gated GET with a client Referer: %d", r.status)
	}
}

type response struct {
	status int
	body   string
	header http.Header
}

func do(t *testing.T, method, u string, h http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b), resp.Header}
}

// rawGet sends path exactly as given (Go's client would keep most of it
// too, but this leaves no doubt), and returns the status and body.
func rawGet(t *testing.T, host, path string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
