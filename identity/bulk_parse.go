package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lectern/lectern/internal/bulk"
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
func parseBulkJSON(body []byte) ([]bulkRow, []bulk.Failure, error) {
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
	var failed []bulk.Failure
	for i, raw := range *doc.Users {
		r := bulkRow{}
		if err := httpapp.DecodeJSON(raw, &r); err != nil {
			f := bulk.Failure{Row: i + 1, Field: "row", Reason: "is not a user record (an object)"}
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
func parseBulkCSV(body []byte) ([]bulkRow, []bulk.Failure, error) {
	f, err := bulk.ReadCSV(body, csvColumns, maxBulkRows)
	if err != nil {
		return nil, nil, err
	}
	for _, need := range []string{"email", "name"} {
		if !f.Has(need) {
			return nil, nil, httpapp.Invalid("header", "the %s column is required", need)
		}
	}
	if len(f.Records) > maxBulkRows {
		return nil, nil, httpapp.Invalid("body", "more than %d records; at most %d per request", maxBulkRows, maxBulkRows)
	}
	var rows []bulkRow
	var failed []bulk.Failure
	for i, rec := range f.Records {
		n := i + 1
		if bad := f.Ragged(n, rec); bad != nil {
			failed = append(failed, *bad)
			continue
		}
		r := bulkRow{Row: n}
		email, _ := f.Cell(rec, "email")
		name, _ := f.Cell(rec, "name")
		r.Email, r.Name = &email, &name
		if v, ok := f.Cell(rec, "external_id"); ok {
			r.ExternalID = &v
		}
		if v, ok := f.Cell(rec, "roles"); ok {
			l := splitList(v)
			r.Roles = &l
		}
		if v, ok := f.Cell(rec, "groups"); ok {
			l := splitList(v)
			r.Groups = &l
		}
		if v, ok := f.Cell(rec, "active"); ok {
			switch strings.ToLower(v) {
			case "true", "yes", "1", "y":
				t := true
				r.Active = &t
			case "false", "no", "0", "n":
				f := false
				r.Active = &f
			default:
				failed = append(failed, bulk.Failure{Row: n, Field: "active", Value: v, Reason: fmt.Sprintf("%q is not true or false", v)})
				continue
			}
		}
		rows = append(rows, r)
	}
	return rows, failed, nil
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
func validateBulk(rows []bulkRow) ([]bulkRecord, []bulk.Failure) {
	out := make([]bulkRecord, 0, len(rows))
	var failed []bulk.Failure
	byEmail := make(map[string]int, len(rows))
	byExt := make(map[string]int, len(rows))
	for _, r := range rows {
		rec, bad := validateRow(r)
		if bad == nil {
			if first, dup := byEmail[rec.Email]; dup {
				bad = &bulk.Failure{Field: "email", Value: rec.Email, Reason: fmt.Sprintf("the same email as row %d", first)}
			} else if first, dup := byExt[deref(rec.ExternalID)]; dup && rec.ExternalID != nil {
				bad = &bulk.Failure{Field: "external_id", Value: *rec.ExternalID, Reason: fmt.Sprintf("the same external_id as row %d", first)}
			}
		}
		if bad != nil {
			bad.Row = r.Row
			failed = append(failed, *bad)
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

// validateRow checks one record; the failure it returns has no row yet.
func validateRow(r bulkRow) (bulkRecord, *bulk.Failure) {
	rec := bulkRecord{Row: r.Row, Active: r.Active}
	fail := func(field, value string, err error) (bulkRecord, *bulk.Failure) {
		return rec, &bulk.Failure{Field: field, Value: value, Reason: reason(err)}
	}
	var err error
	if rec.Email, err = httpapp.Email("email", deref(r.Email)); err != nil {
		return fail("email", deref(r.Email), err)
	}
	if rec.Name, err = httpapp.Text("name", deref(r.Name), 1, 200); err != nil {
		return fail("name", deref(r.Name), err)
	}
	if r.ExternalID != nil {
		if rec.ExternalID, err = externalID(r.ExternalID); err != nil {
			return fail("external_id", *r.ExternalID, err)
		}
	}
	if r.Roles != nil {
		var bad string
		if rec.Roles, bad = checkRoles(*r.Roles); bad != "" {
			return rec, &bulk.Failure{Field: "roles", Value: strings.Join(*r.Roles, ";"), Reason: bad}
		}
	}
	if r.Groups != nil {
		if len(*r.Groups) > 100 {
			return rec, &bulk.Failure{Field: "groups", Reason: "at most 100 groups"}
		}
		rec.SetGroups = true
		rec.Groups = []string{}
		for _, g := range *r.Groups {
			name, err := httpapp.Text("groups", g, 1, 200)
			if err != nil {
				return rec, &bulk.Failure{Field: "groups", Value: g, Reason: "group name " + reason(err)}
			}
			if !slices.Contains(rec.Groups, name) {
				rec.Groups = append(rec.Groups, name)
			}
		}
		slices.Sort(rec.Groups) // byte order, as collate "C" compares
	}
	return rec, nil
}
