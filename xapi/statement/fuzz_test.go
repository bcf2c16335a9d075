package statement

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzValidate decodes and validates arbitrary bytes, as the LRS does with
// request bodies: neither may panic, whatever the input, and a statement
// Validate accepts must survive Format and Normalize.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{minimal, complete, withSubStatement, withContextActors, formatted, `[]`, `{"actor": null}`, `{"a": 1, "a": 2}`} {
		f.Add([]byte(seed))
	}
	for _, v := range []string{"1.0.3", "2.0.0"} {
		// A few of the suite's statements, good and bad.
		cases := readSuiteFile(f, filepath.Join("testdata", "suite", v+".jsonl.gz"))
		for i := 0; i < len(cases); i += 40 {
			f.Add([]byte(cases[i].Statement))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := Decode(raw)
		if err != nil {
			return
		}
		if want, err := standardDecode(raw); err != nil || !reflect.DeepEqual(doc, want) {
			t.Fatalf("Decode accepted what encoding/json decodes otherwise: %v, %v", want, err)
		}
		if err := ValidateAgent(doc, V200, "agent"); err == nil {
			IFI(doc.(map[string]any))
		}
		s, ok := doc.(map[string]any)
		if !ok {
			return
		}
		for _, v := range []Version{V103, V200} {
			if Validate(s, v) != nil {
				continue
			}
			for _, format := range []string{FormatIDs, FormatCanonical} {
				Format(s, format, []string{"en-US"})
			}
			if err := Validate(Normalize(s), v); err != nil {
				t.Fatalf("the normalized statement is not valid: %v", err)
			}
		}
	})
}

// standardDecode decodes raw with encoding/json, as Decode does but for
// its extra checks.
func standardDecode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// readSuiteFile is readSuite for fuzz seeds, skipping when the file is
// missing.
func readSuiteFile(f *testing.F, name string) []suiteCase {
	if _, err := os.Stat(name); err != nil {
		f.Skip(err)
	}
	return readSuite(f, name)
}
