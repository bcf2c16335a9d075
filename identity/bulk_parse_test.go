package identity

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lectern/lectern/internal/bulk"
	"github.com/lectern/lectern/internal/httpapp"
)

func ptr[T any](v T) *T { return &v }

func TestParseBulkCSV(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		rows   []bulkRow
		failed []bulk.Failure
		field  string // of a request-level error
	}{
		{
			name: "all columns, both separators, BOM, blanks keep values",
			in: "\ufeffEmail, Name ,external_id,roles,groups,active\n" +
				"ada@example.com,Ada Lovelace,E1,learner;instructor,Math|Science,true\n" +
				"\"bob@example.com\",\"Bob, Jr\",,,,\n" +
				"cy@example.com,Cy,E3, admin | ops ,;,no\n",
			rows: []bulkRow{
				{Row: 1, Email: ptr("ada@example.com"), Name: ptr("Ada Lovelace"), ExternalID: ptr("E1"),
					Roles: ptr([]string{"learner", "instructor"}), Groups: ptr([]string{"Math", "Science"}), Active: ptr(true)},
				{Row: 2, Email: ptr("bob@example.com"), Name: ptr("Bob, Jr")},
				{Row: 3, Email: ptr("cy@example.com"), Name: ptr("Cy"), ExternalID: ptr("E3"),
					Roles: ptr([]string{"admin", "ops"}), Groups: ptr([]string{}), Active: ptr(false)},
			},
		},
		{
			name: "bad rows are reported and skipped",
			in:   "email,name,active\na@x.io,A,true\nb@x.io,B\nc@x.io,C,maybe\nd@x.io,D,\n",
			rows: []bulkRow{
				{Row: 1, Email: ptr("a@x.io"), Name: ptr("A"), Active: ptr(true)},
				{Row: 4, Email: ptr("d@x.io"), Name: ptr("D")},
			},
			failed: []bulk.Failure{
				{Row: 2, Field: "row", Reason: "has 2 fields; the header has 3"},
				{Row: 3, Field: "active", Value: "maybe", Reason: `"maybe" is not true or false`},
			},
		},
		{name: "unknown column", in: "email,name,phone\n", field: "header"},
		{name: "missing name column", in: "email\n", field: "header"},
		{name: "duplicate column", in: "email,name,Email\n", field: "header"},
		{name: "empty", in: "", field: "header"},
		{name: "broken quoting", in: "email,name\n\"a@x.io,A\nb\"c,d\n", field: "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, failed, err := parseBulkCSV([]byte(tt.in))
			if tt.field != "" {
				var he *httpapp.Error
				if !errors.As(err, &he) || he.Field != tt.field {
					t.Fatalf("error %v, want one naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Errorf("rows\n got %+v\nwant %+v", rows, tt.rows)
			}
			if !reflect.DeepEqual(failed, tt.failed) {
				t.Errorf("failed\n got %+v\nwant %+v", failed, tt.failed)
			}
		})
	}
}

func TestValidateBulk(t *testing.T) {
	rows := []bulkRow{
		{Row: 1, Email: ptr(" Ada@Example.com "), Name: ptr("Ada"), ExternalID: ptr("E1"), Roles: ptr([]string{"instructor", "learner"}),
			Groups: ptr([]string{"b", "a", "b"})},
		{Row: 2, Email: ptr("ada@example.com"), Name: ptr("Dup")},
		{Row: 3, Email: ptr("x@example.com"), Name: ptr("X"), ExternalID: ptr("E1")},
		{Row: 4, Email: ptr("nope"), Name: ptr("N")},
		{Row: 5, Email: ptr("y@example.com"), Name: ptr(strings.Repeat("y", 201))},
		{Row: 6, Email: ptr("z@example.com"), Name: ptr("Z"), Roles: ptr([]string{})},
		{Row: 7, Email: ptr("w@example.com"), Name: ptr("W"), Groups: ptr([]string{" "})},
		{Row: 8, Email: ptr("v@example.com"), Name: ptr("V"), ExternalID: ptr("  ")},
	}
	recs, failed := validateBulk(rows)
	want := []bulkRecord{
		{Row: 1, Email: "ada@example.com", Name: "Ada", ExternalID: ptr("E1"), Roles: []string{"instructor", "learner"},
			Groups: []string{"a", "b"}, SetGroups: true},
		{Row: 8, Email: "v@example.com", Name: "V"},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("records\n got %+v\nwant %+v", recs, want)
	}
	wantFailed := []bulk.Failure{
		{Row: 2, Field: "email", Value: "ada@example.com", Reason: "the same email as row 1"},
		{Row: 3, Field: "external_id", Value: "E1", Reason: "the same external_id as row 1"},
		{Row: 4, Field: "email", Value: "nope", Reason: "is not an email address"},
		{Row: 5, Field: "name", Value: strings.Repeat("y", 201), Reason: "must be from 1 to 200 characters"},
		{Row: 6, Field: "roles", Reason: "must name at least one role"},
		{Row: 7, Field: "groups", Value: " ", Reason: "group name is required"},
	}
	if !reflect.DeepEqual(failed, wantFailed) {
		t.Errorf("failed\n got %+v\nwant %+v", failed, wantFailed)
	}
}
