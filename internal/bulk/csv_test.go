package bulk

import (
	"errors"
	"testing"

	"github.com/lectern/lectern/internal/httpapp"
)

func TestReadCSV(t *testing.T) {
	cols := []string{"email", "name"}
	c, err := ReadCSV([]byte("\xef\xbb\xbfEmail, Name\na@x.io, Ann\nb@x.io\n  ,Cy\n"), cols, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Has("email") || !c.Has("name") || c.Has("roles") {
		t.Errorf("columns: %v", c.col)
	}
	if len(c.Records) != 3 {
		t.Fatalf("%d records, want 3", len(c.Records))
	}
	if v, ok := c.Cell(c.Records[0], "name"); v != "Ann" || !ok {
		t.Errorf("row 1 name %q %v", v, ok)
	}
	if f := c.Ragged(2, c.Records[1]); f == nil || f.Row != 2 || f.Field != "row" {
		t.Errorf("a short row is not ragged: %+v", f)
	}
	if f := c.Ragged(1, c.Records[0]); f != nil {
		t.Errorf("a full row is ragged: %+v", f)
	}
	if v, ok := c.Cell(c.Records[1], "name"); ok {
		t.Errorf("a missing cell is %q", v)
	}
	if v, ok := c.Cell(c.Records[2], "email"); ok {
		t.Errorf("a blank cell is %q", v)
	}

	// It stops one record past max.
	if c, err := ReadCSV([]byte("email\na\nb\nc\nd\n"), cols, 2); err != nil || len(c.Records) != 3 {
		t.Errorf("max 2: %v %v", c, err)
	}

	for body, field := range map[string]string{
		"":                  "header",
		"email,roles\n":     "header",
		"email,EMAIL\n":     "header",
		"email\n\"a@x.io\n": "body",
	} {
		_, err := ReadCSV([]byte(body), cols, 10)
		var he *httpapp.Error
		if !errors.As(err, &he) || he.Status != 400 || he.Field != field {
			t.Errorf("%q: %v, want a 400 naming %q", body, err, field)
		}
	}
}

func TestSortAndIsCSV(t *testing.T) {
	fs := []Failure{{Row: 3, Field: "a"}, {Row: 1}, {Row: 3, Field: "b"}}
	Sort(fs)
	if fs[0].Row != 1 || fs[1].Field != "a" || fs[2].Field != "b" {
		t.Errorf("not sorted stably by row: %+v", fs)
	}
	for ct, want := range map[string]bool{"text/csv": true, "Text/CSV; charset=utf-8": true, "application/csv": true, "application/json": false, "": false} {
		if IsCSV(ct) != want {
			t.Errorf("IsCSV(%q) = %v", ct, !want)
		}
	}
}
