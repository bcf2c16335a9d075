package statement

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// suiteCase is one statement test of the ADL LRS conformance suite, as
// testdata/suite/generate.js expands it.
type suiteCase struct {
	Config    string          `json:"config"`
	Group     string          `json:"group"`
	Name      string          `json:"name"`
	Expect    int             `json:"expect"`
	Statement json.RawMessage `json:"statement"`
}

// TestConformanceSuite checks every statement the conformance suite posts
// from its configs: those it expects 200 for must pass Validate, those it
// expects 400 for must not.
func TestConformanceSuite(t *testing.T) {
	for _, v := range []Version{V103, V200} {
		t.Run(v.String(), func(t *testing.T) {
			for i, sc := range readSuite(t, filepath.Join("testdata", "suite", v.String()+".jsonl.gz")) {
				t.Run(fmt.Sprintf("%03d %s: %s", i, sc.Config, sc.Name), func(t *testing.T) {
					err := validateRaw(sc.Statement, v)
					switch {
					case sc.Expect == 200 && err != nil:
						t.Errorf("rejected a statement the suite expects accepted (%s): %v\n%s", sc.Group, err, sc.Statement)
					case sc.Expect == 400 && err == nil:
						t.Errorf("accepted a statement the suite expects rejected (%s)\n%s", sc.Group, sc.Statement)
					}
				})
			}
		})
	}
}

// validateRaw decodes and validates a statement, as the LRS does.
func validateRaw(raw []byte, v Version) error {
	doc, err := Decode(raw)
	if err != nil {
		return err
	}
	s, ok := doc.(map[string]any)
	if !ok {
		return &Error{Reason: "not an object"}
	}
	return Validate(s, v)
}

// readSuite reads a gzipped JSON Lines file of suite cases.
func readSuite(t testing.TB, name string) []suiteCase {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var cases []suiteCase
	lines := bufio.NewScanner(z)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var sc suiteCase
		if err := json.Unmarshal(lines.Bytes(), &sc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cases = append(cases, sc)
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}
