package cdn

import (
	"strings"
	"testing"
	"time"
)

func TestSignedURLs(t *testing.T) {
	now := time.Date(2026, 11, 22, 17, 20, 0, 0, time.UTC)
	s := &Signer{Base: "http://cdn.test", Secret: "s3cret", TTL: 6 * time.Hour, Clock: func() time.Time { return now }}
	u := s.URL("media/0b3f/e1/master.m3u8")
	exp := time.Date(2026, 11, 22, 24, 0, 0, 0, time.UTC).Unix() // 23:20 rounded up to the hour
	// printf '%s' "1795392000/media/0b3f/ s3cret" | openssl md5 -binary | base64 | tr +/ -_ | tr -d =
	want := "http://cdn.test/s/1795392000/" + Signature("s3cret", exp, "/media/0b3f/") + "/media/0b3f/e1/master.m3u8"
	if exp != 1795392000 || u != want {
		t.Fatalf("URL = %s\nwant %s (exp %d)", u, want, exp)
	}
	if got := Signature("s3cret", 1795392000, "/media/0b3f/"); got != "w0r1W_Be0ebrkPNIJxXvzA" {
		t.Errorf("signature %s differs from nginx's secure_link_md5 of the same text", got)
	}
	// Every object of the video shares the signed prefix; another video does not.
	a := s.URL("media/0b3f/e2/720p/seg-1.m4s")
	b := s.URL("media/9999/e1/master.m3u8")
	if !strings.HasPrefix(a, strings.TrimSuffix(u, "e1/master.m3u8")) || strings.Contains(b, Signature("s3cret", exp, "/media/0b3f/")) {
		t.Errorf("prefix scoping: %s / %s", a, b)
	}
	if s.URL("uploads/x/source") != "http://cdn.test/uploads/x/source" {
		t.Error("a key outside media/ was signed")
	}
	if (&Signer{Base: "http://cdn.test"}).URL("media/0b3f/x") != "http://cdn.test/media/0b3f/x" {
		t.Error("without a secret the URL must be plain")
	}
}
