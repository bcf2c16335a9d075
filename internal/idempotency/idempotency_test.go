package idempotency

import (
	"bytes"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	base := Fingerprint("POST", "/api/v1/webhooks", []byte(`{"url":"https://x"}`))
	if len(base) != 32 {
		t.Fatalf("length %d", len(base))
	}
	if !bytes.Equal(base, Fingerprint("POST", "/api/v1/webhooks", []byte(`{"url":"https://x"}`))) {
		t.Fatal("not deterministic")
	}
	for name, fp := range map[string][]byte{
		"method":             Fingerprint("PUT", "/api/v1/webhooks", []byte(`{"url":"https://x"}`)),
		"path":               Fingerprint("POST", "/api/v1/webhook", []byte(`{"url":"https://x"}`)),
		"query":              Fingerprint("POST", "/api/v1/webhooks?x=1", []byte(`{"url":"https://x"}`)),
		"body":               Fingerprint("POST", "/api/v1/webhooks", []byte(`{"url":"https://y"}`)),
		"path/body boundary": Fingerprint("POST", "/api/v1/webhooks{", []byte(`"url":"https://x"}`)),
	} {
		if bytes.Equal(fp, base) {
			t.Errorf("a different %s gives the same fingerprint", name)
		}
	}
}

func TestValidKey(t *testing.T) {
	for k, want := range map[string]bool{
		"a": true, "order-2024-06-01/17": true, "with space": true, strings.Repeat("k", 255): true,
		"": false, strings.Repeat("k", 256): false, "tab\there": false, "é": false, "nul\x00": false, "del\x7f": false,
	} {
		if got := ValidKey(k); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", k, got, want)
		}
	}
}
