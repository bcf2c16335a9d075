package webhooks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	secret := NewSecret()
	body := []byte(`{"id":"d1","event":"video.ready"}`)
	sent := time.Unix(1_700_000_000, 0)
	header := Sign(secret, sent, body)
	if !strings.HasPrefix(header, "t=1700000000,v1=") || len(header) != len("t=1700000000,v1=")+64 {
		t.Fatalf("header %q", header)
	}
	other := Sign("whsec_other", sent, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"valid", secret, header, string(body), sent.Add(time.Minute), nil},
		{"valid with spaces and a second signature", secret, other + ", v1=" + header[strings.Index(header, "v1=")+3:], string(body), sent, nil},
		{"tampered body", secret, header, string(body) + " ", sent, ErrSignatureMismatch},
		{"wrong secret", "whsec_nope", header, string(body), sent, ErrSignatureMismatch},
		{"too old", secret, header, string(body), sent.Add(6 * time.Minute), ErrSignatureExpired},
		{"from the future", secret, header, string(body), sent.Add(-6 * time.Minute), ErrSignatureExpired},
		{"timestamp swapped", secret, strings.Replace(header, "t=1700000000", "t=1700000001", 1), string(body), sent, ErrSignatureMismatch},
		{"no timestamp", secret, header[strings.Index(header, "v1="):], string(body), sent, ErrSignatureFormat},
		{"no signature", secret, "t=1700000000", string(body), sent, ErrSignatureFormat},
		{"not hex", secret, "t=1700000000,v1=zz", string(body), sent, ErrSignatureFormat},
		{"garbage", secret, "garbage", string(body), sent, ErrSignatureFormat},
		{"empty", secret, "", string(body), sent, ErrSignatureFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 5*time.Minute)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if !strings.HasPrefix(a, SecretPrefix) || len(a) != len(SecretPrefix)+43 || a == b {
		t.Fatalf("secrets %q %q", a, b)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/lectern", true},
		{"http://127.0.0.1:9000/x?y=1", true},
		{"  https://example.com  ", true},
		{"", false},
		{"ftp://example.com/x", false},
		{"/relative", false},
		{"https://", false},
		{"https://user:pw@example.com/", false},
		{"https://example.com/#frag", false},
		{"https://example.com/" + strings.Repeat("a", 2000), false},
	}
	for _, tt := range tests {
		_, err := checkURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("checkURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestCheckEvents(t *testing.T) {
	got, err := checkEvents([]string{"video.ready", "lesson.completed", "video.ready"})
	if err != nil || strings.Join(got, ",") != "video.ready,lesson.completed" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][]string{nil, {}, {"ping"}, {"video.ready", "video.deleted"}} {
		if _, err := checkEvents(bad); err == nil {
			t.Errorf("checkEvents(%q) accepted", bad)
		}
	}
}

func TestBackoffGrowsWithJitterAndIsCapped(t *testing.T) {
	for n := range MaxRetry + 3 {
		base := min(10*time.Second<<n, time.Hour)
		for range 50 {
			d := Backoff(n)
			if d < base*3/4 || d > base*5/4 {
				t.Fatalf("Backoff(%d) = %s, want within 25%% of %s", n, d, base)
			}
		}
	}
}

func TestTruncateKeepsCharactersWhole(t *testing.T) {
	if got := truncate("short", 500); got != "short" {
		t.Fatal(got)
	}
	s := strings.Repeat("é", 300) // 600 bytes
	got := truncate(s, 501)
	if len(got) != 500 || got != strings.Repeat("é", 250) {
		t.Fatalf("len %d", len(got))
	}
}
