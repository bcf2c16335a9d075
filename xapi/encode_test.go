package xapi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// reference is encoding/json's encoding, which encode must match byte
// for byte (statements are served as stored, and compared as stored).
func reference(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func checkEncode(t *testing.T, v any) {
	t.Helper()
	got, err := encode(v)
	if err != nil {
		t.Fatalf("encode(%#v): %v", v, err)
	}
	if want := reference(t, v); !bytes.Equal(got, want) {
		t.Errorf("encode(%#v)\n got %s\nwant %s", v, got, want)
	}
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "\b\f\n\r\t", "\x00\x01\x1f\x7f", "<html>&amp;",
		"é ü 日本", "\u2028\u2029", "bad \xff\xfe utf8", "\xe2\x80", "emoji 😀", "mixed\"\\\n\u2028\xffend"} {
		checkEncode(t, s)
		checkEncode(t, map[string]any{s: s})
	}
	checkEncode(t, map[string]any{"b": json.Number("1.50"), "a": []any{nil, true, false, json.Number("-0"), 1.5, 3.0, 1e21},
		"c": map[string]any{}, "d": []any{}, "e": []any(nil), "f": map[string]string{"x": "<y>"}, "g": 42})
	// A json.Number that is no number: encoding/json refuses it, and so
	// does encode; the numbers it accepts are written as they are.
	for _, n := range []string{`"1"`, "[1]", "01", "1.", ".5", "1e", "1e+", "+1", "-", "1x", " 1"} {
		if _, err := json.Marshal(json.Number(n)); err == nil {
			t.Fatalf("encoding/json writes json.Number(%q)", n)
		}
		if b, err := encode(json.Number(n)); err == nil {
			t.Errorf("encode(json.Number(%q)) = %s, want an error", n, b)
		}
	}
	for _, n := range []string{"0", "-0", "12", "1.25", "-3.5e+10", "2E-3", "7e1"} {
		checkEncode(t, json.Number(n))
	}
	// Every statement of the conformance suite, decoded as the LRS decodes
	// them (numbers as written).
	for _, v := range []string{"2.0.0", "1.0.3"} {
		f, err := os.Open(filepath.Join("statement", "testdata", "suite", v+".jsonl.gz"))
		if err != nil {
			t.Fatal(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(z)
		lines.Buffer(nil, 1<<20)
		n := 0
		for lines.Scan() {
			var c struct {
				Statement json.RawMessage `json:"statement"`
			}
			if err := json.Unmarshal(lines.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			var s any
			if err := decodeJSON(string(c.Statement), &s); err != nil {
				continue // not JSON at all: the suite's syntax cases
			}
			checkEncode(t, s)
			n++
		}
		f.Close()
		if n < 500 {
			t.Fatalf("%s: only %d statements compared", v, n)
		}
	}
}

func BenchmarkEncodeStatement(b *testing.B) {
	var s map[string]any
	_ = decodeJSON(`{"actor":{"objectType":"Agent","name":"Learner 1","account":{"homePage":"https://lms.example.com","name":"learner-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed"}},"object":{"objectType":"Activity","id":"https://lms.example.com/courses/1/lessons/2","definition":{"name":{"en-US":"Lesson 2"},"type":"http://adlnet.gov/expapi/activities/lesson"}},"result":{"score":{"scaled":0.8},"duration":"PT4M12S"},"context":{"registration":"0b0f3c0e-8a44-4ac4-9a44-4c1f3a0e1a11","contextActivities":{"parent":[{"id":"https://lms.example.com/courses/1"}]}},"timestamp":"2026-05-01T10:00:00.000Z"}`, &s)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = encode(s)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			reference(b, s)
		}
	})
}
