package identity

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lectern/lectern/internal/httpapp"
)

// maxBulkRows bounds one provisioning request.
const maxBulkRows = 10000

// bulkRow is one provisioning record as sent, before validation. A nil
// field was not given: an existing user keeps that value.
type bulkRow struct {
	Row        int       `json:"-"`
	ExternalID *string   `json:"external_id"`
	Email      *string   `json:"email"`
	Name       *string   `json:"name"`
	Roles      *[]string `json:"roles"`
	Groups     *[]string `json:"groups"`
	Active     *bool     `json:"active"`
}

// BulkFailure is a provisioning row that was skipped, and why. Row counts
// records from 1 (in CSV, the first line after the header is row 1).
type BulkFailure struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// bulkRecord is a valid provisioning record.
type bulkRecord struct {
	Row        int
	ExternalID *string
	Email      string
	Name       string
	Roles      []string // nil: keep (a new user is a learner)
	Groups     []string // sorted, distinct; meaningful when SetGroups
	SetGroups  bool
	Active     *bool
}

// parseBulkJSON reads {"users": [...]}. A record of the wrong shape fails
// alone; a body that is not such an object fails the request.
func parseBulkJSON(body []byte) ([]bulkRow, []BulkFailure, error) {
	var doc struct {
		Users *[]json.RawMessage `json:"users"`
	}
	if err := httpapp.DecodeJSON(body, &doc); err != nil {
		return nil, nil, err
	}
	if doc.Users == nil {
		return nil, nil, httpapp.Invalid("users", "is required: an array of records")
	}
	if len(*doc.Users) > maxBulkRows {
		return nil, nil, httpapp.Invalid("users", "has %d records; at most %d per request", len(*doc.Users), maxBulkRows)
	}
	rows := make([]bulkRow, 0, len(*doc.Users))
	var failed []BulkFailure
	for i, raw := range *doc.Users {
		r := bulkRow{}
		if err := httpapp.DecodeJSON(raw, &r); err != nil {
			f := BulkFailure{Row: i + 1, Field: "row", Reason: "is not a user record (an object)"}
			var he *httpapp.Error
			if errors.As(err, &he) && he.Field != "" {
				f.Field, f.Reason = he.Field, strings.TrimPrefix(he.Message, he.Field+": ")
			}
			failed = append(failed, f)
			continue
		}
		r.Row = i + 1
		rows = append(rows, r)
	}
	return rows, failed, nil
}

var csvColumns = []string{"email", "name", "external_id", "roles", "groups", "active"}

// parseBulkCSV reads a CSV file whose header names its columns (email and
// name are required; external_id, roles, groups, active optional). Roles and
// groups are lists separated by ';' or '|'; an empty cell leaves the value
// as it is.
func parseBulkCSV(r io.Reader) ([]bulkRow, []BulkFailure, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, httpapp.Invalid("header", "the CSV is empty; its first line must name the columns (%s)", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvColumns, name) {
			return nil, nil, httpapp.Invalid("header", "unknown column %q (columns: %s)", h, strings.Join(csvColumns, ","))
		}
		if _, dup := col[name]; dup {
			return nil, nil, httpapp.Invalid("header", "column %q appears twice", name)
		}
		col[name] = i
	}
	for _, need := range []string{"email", "name"} {
		if _, ok := col[need]; !ok {
			return nil, nil, httpapp.Invalid("header", "the %s column is required", need)
		}
	}
	var rows []bulkRow
	var failed []BulkFailure
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if n > maxBulkRows {
			return nil, nil, httpapp.Invalid("body", "more than %d records; at most %d per request", maxBulkRows, maxBulkRows)
		}
		if len(rec) != len(header) {
			failed = append(failed, BulkFailure{Row: n, Field: "row", Reason: fmt.Sprintf("has %d fields; the header has %d", len(rec), len(header))})
			continue
		}
		cell := func(name string) (string, bool) {
			i, ok := col[name]
			if !ok {
				return "", false
			}
			v := strings.TrimSpace(rec[i])
			return v, v != ""
		}
		r := bulkRow{Row: n}
		email, _ := cell("email")
		name, _ := cell("name")
		r.Email, r.Name = &email, &name
		if v, ok := cell("external_id"); ok {
			r.ExternalID = &v
		}
		if v, ok := cell("roles"); ok {
			l := splitList(v)
			r.Roles = &l
		}
		if v, ok := cell("groups"); ok {
			l := splitList(v)
			r.Groups = &l
		}
		if v, ok := cell("active"); ok {
			switch strings.ToLower(v) {
			case "true", "yes", "1", "y":
				t := true
				r.Active = &t
			case "false", "no", "0", "n":
				f := false
				r.Active = &f
			default:
				failed = append(failed, BulkFailure{Row: n, Field: "active", Reason: fmt.Sprintf("%q is not true or false", v)})
				continue
			}
		}
		rows = append(rows, r)
	}
	return rows, failed, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return httpapp.Invalid("body", "CSV line %d: %v", pe.Line, pe.Err)
	}
	return httpapp.Invalid("body", "not readable as CSV: %v", err)
}

// splitList splits a cell on ';' or '|', dropping blanks.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validateBulk checks every row alone and against the rows before it (an
// address or external id twice in one request), keeping the valid ones.
func validateBulk(rows []bulkRow) ([]bulkRecord, []BulkFailure) {
	out := make([]bulkRecord, 0, len(rows))
	var failed []BulkFailure
	byEmail := make(map[string]int, len(rows))
	byExt := make(map[string]int, len(rows))
	for _, r := range rows {
		rec, field, reason := validateRow(r)
		if field == "" {
			if first, dup := byEmail[rec.Email]; dup {
				field, reason = "email", fmt.Sprintf("the same email as row %d", first)
			} else if first, dup := byExt[deref(rec.ExternalID)]; dup && rec.ExternalID != nil {
				field, reason = "external_id", fmt.Sprintf("the same external_id as row %d", first)
			}
		}
		if field != "" {
			failed = append(failed, BulkFailure{Row: r.Row, Field: field, Reason: reason})
			continue
		}
		byEmail[rec.Email] = r.Row
		if rec.ExternalID != nil {
			byExt[*rec.ExternalID] = r.Row
		}
		out = append(out, rec)
	}
	return out, failed
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func validateRow(r bulkRow) (rec bulkRecord, field, reason string) {
	rec.Row = r.Row
	var bad string
	if rec.Email, bad = checkEmail(deref(r.Email)); bad != "" {
		return rec, "email", bad
	}
	if rec.Name, bad = checkText(deref(r.Name), 1, 200); bad != "" {
		return rec, "name", bad
	}
	if r.ExternalID != nil {
		ext, bad := checkText(*r.ExternalID, 0, 200)
		if bad != "" {
			return rec, "external_id", bad
		}
		if ext != "" {
			rec.ExternalID = &ext
		}
	}
	if r.Roles != nil {
		if rec.Roles, bad = checkRoles(*r.Roles); bad != "" {
			return rec, "roles", bad
		}
	}
	if r.Groups != nil {
		if len(*r.Groups) > 100 {
			return rec, "groups", "at most 100 groups"
		}
		rec.SetGroups = true
		rec.Groups = []string{}
		for _, g := range *r.Groups {
			name, bad := checkText(g, 1, 200)
			if bad != "" {
				return rec, "groups", "group name " + bad
			}
			if !slices.Contains(rec.Groups, name) {
				rec.Groups = append(rec.Groups, name)
			}
		}
		slices.Sort(rec.Groups) // byte order, as collate "C" compares
	}
	rec.Active = r.Active
	return rec, "", ""
}

// isCSV reports whether a content type names CSV.
func isCSV(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "text/csv" || ct == "application/csv"
}
