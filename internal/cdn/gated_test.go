package cdn

import (
	"strings"
	"testing"
	"time"
)

const (
	testVideo   = "0b3f6a10-0000-4000-8000-000000000001"
	testEncode  = "5e7d0c2a-0000-4000-8000-000000000002"
	testLearner = "7c1e0d3a-2b4f-4c5d-9e6f-0a1b2c3d4e5f"
	testPrefix  = "media/" + testVideo + "/" + testEncode + "/"
)

func TestGatedURL(t *testing.T) {
	now := time.Date(2026, 11, 22, 17, 20, 30, 0, time.UTC)
	s := &Signer{Base: "http://cdn.test", Secret: "s3cret", TTL: 6 * time.Hour, Clock: func() time.Time { return now }}
	base, exp := s.Gated(testPrefix, testLearner, 3)

	// 17:20:30 + 10 min (the default) rounded up to the minute.
	if want := time.Date(2026, 11, 22, 17, 31, 0, 0, time.UTC); !exp.Equal(want) || exp.Unix() != 1795368660 {
		t.Fatalf("expires %v, want %v", exp, want)
	}
	// E=1795368660; printf '%s' "$E/g/<learner>/3/<prefix> s3cret" | openssl md5 -binary | base64 | tr +/ -_ | tr -d =
	want := "http://cdn.test/g/1795368660/SHhtnxrliu68tZLgKhOdOA/" + testLearner + "/3/" + testPrefix
	if base != want {
		t.Fatalf("base = %s\nwant   %s", base, want)
	}
	if got := GatedSignature("s3cret", 1795368660, testLearner, 3, testPrefix); got != "SHhtnxrliu68tZLgKhOdOA" {
		t.Errorf("signature %s differs from nginx's secure_link_md5 of the same text", got)
	}

	for _, tc := range []struct {
		name  string
		now   time.Time
		ttl   time.Duration
		limit int
		want  time.Time
	}{
		{"on a minute", time.Date(2026, 11, 22, 17, 20, 0, 0, time.UTC), 0, 3, time.Date(2026, 11, 22, 17, 31, 0, 0, time.UTC)},
		{"end of the minute", time.Date(2026, 11, 22, 17, 20, 59, 999, time.UTC), 0, 3, time.Date(2026, 11, 22, 17, 31, 0, 0, time.UTC)},
		{"own TTL", now, 2 * time.Minute, 3, time.Date(2026, 11, 22, 17, 23, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Signer{Base: "http://cdn.test", Secret: "s3cret", GatedTTL: tc.ttl, Clock: func() time.Time { return tc.now }}
			if _, exp := s.Gated(testPrefix, testLearner, tc.limit); !exp.Equal(tc.want) {
				t.Errorf("expires %v, want %v", exp, tc.want)
			}
		})
	}

	// Within the minute the URL is stable; the learner, the limit and the
	// encode each change the signature.
	later := *s
	later.Clock = func() time.Time { return now.Add(20 * time.Second) }
	if b, _ := later.Gated(testPrefix, testLearner, 3); b != base {
		t.Errorf("same minute, other URL: %s", b)
	}
	sig := func(b string) string { return strings.Split(strings.TrimPrefix(b, "http://cdn.test/g/"), "/")[1] }
	for name, b := range map[string]string{
		"learner": first(s.Gated(testPrefix, "00000000-0000-4000-8000-000000000000", 3)),
		"limit":   first(s.Gated(testPrefix, testLearner, 4)),
		"encode":  first(s.Gated("media/"+testVideo+"/other/", testLearner, 3)),
	} {
		if sig(b) == sig(base) {
			t.Errorf("another %s, same signature: %s", name, b)
		}
	}

	// A missing trailing slash is added; a negative limit is 0.
	if b := first(s.Gated(strings.TrimSuffix(testPrefix, "/"), testLearner, 3)); b != base {
		t.Errorf("prefix without slash: %s", b)
	}
	if b, b0 := first(s.Gated(testPrefix, testLearner, -2)), first(s.Gated(testPrefix, testLearner, 0)); b != b0 || !strings.Contains(b, "/"+testLearner+"/0/media/") {
		t.Errorf("negative limit: %s, limit 0: %s", b, b0)
	}

	// A staff signature is not a gated one: the signed texts differ in form.
	if Signature("s3cret", 1795368660, "/media/"+testVideo+"/") == sig(base) {
		t.Error("staff and gated signatures coincide")
	}

	// Without a secret: the plain, ungated prefix.
	if b := first((&Signer{Base: "http://cdn.test"}).Gated(testPrefix, testLearner, 3)); b != "http://cdn.test/"+testPrefix {
		t.Errorf("without a secret: %s", b)
	}
}

func first(s string, _ time.Time) string { return s }
