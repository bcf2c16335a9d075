// Package bulk holds what the bulk routes (user provisioning, bulk
// enrollment) share: the per-row failure they report and the reading of a
// CSV body whose header names its columns.
package bulk

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lectern/lectern/internal/httpapp"
)

// Failure is a row of a bulk request that was not applied, and why. Row
// counts records from 1 (in CSV the first line after the header is row 1);
// Field names the column or JSON field at fault ("row" for the record as a
// whole, with no Value) and Value is what it held.
type Failure struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Sort orders failures by row.
func Sort(fs []Failure) {
	slices.SortStableFunc(fs, func(a, b Failure) int { return cmp.Compare(a.Row, b.Row) })
}

// IsCSV reports whether a content type names CSV.
func IsCSV(contentType string) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	return ct == "text/csv" || ct == "application/csv"
}

// CSV is a CSV body read by ReadCSV.
type CSV struct {
	col   map[string]int
	width int
	// Records are the data rows; record i is row i+1.
	Records [][]string
}

// ReadCSV reads a CSV body whose first line names its columns, each one of
// columns (case-insensitive, a UTF-8 byte order mark ignored), none twice.
// It stops after max+1 records, so a caller can refuse an oversized file
// without reading it all. Problems of the file as a whole are 400s naming
// the field "header" (the column line) or "body" (malformed CSV).
func ReadCSV(body []byte, columns []string, max int) (*CSV, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, httpapp.Invalid("header", "the CSV is empty; its first line must name the columns (%s)", strings.Join(columns, ","))
	}
	if err != nil {
		return nil, csvError(err)
	}
	c := &CSV{col: make(map[string]int, len(head)), width: len(head)}
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, name) {
			return nil, httpapp.Invalid("header", "unknown column %q (columns: %s)", h, strings.Join(columns, ","))
		}
		if _, dup := c.col[name]; dup {
			return nil, httpapp.Invalid("header", "column %q appears twice", name)
		}
		c.col[name] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		c.Records = append(c.Records, rec)
		if len(c.Records) > max {
			return c, nil
		}
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return httpapp.Invalid("body", "CSV line %d: %v", pe.Line, pe.Err)
	}
	return httpapp.Invalid("body", "not readable as CSV: %v", err)
}

// Has reports whether the header names column.
func (c *CSV) Has(column string) bool {
	_, ok := c.col[column]
	return ok
}

// Ragged returns the failure of a record whose field count differs from
// the header's, or nil.
func (c *CSV) Ragged(row int, rec []string) *Failure {
	if len(rec) == c.width {
		return nil
	}
	return &Failure{Row: row, Field: "row", Reason: fmt.Sprintf("has %d fields; the header has %d", len(rec), c.width)}
}

// Cell returns a record's value of column, trimmed, and whether the column
// exists and the cell is not blank.
func (c *CSV) Cell(rec []string, column string) (string, bool) {
	i, ok := c.col[column]
	if !ok || i >= len(rec) {
		return "", false
	}
	v := strings.TrimSpace(rec[i])
	return v, v != ""
}
