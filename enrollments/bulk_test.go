package enrollments

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lectern/lectern/internal/bulk"
	"github.com/lectern/lectern/internal/httpapp"
)

func TestBulkValidateRows(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	def := now.Add(24 * time.Hour)
	in := []bulkInput{
		{Email: "A@Example.test"},
		{UserID: "9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11", Email: "ignored@example.test"},
		{ExternalID: "hr-7", DueAt: "2030-02-01T00:00:00Z"},
		{},
		{Email: "a@example.test"},
		{Email: "two@@example.test"},
		{UserID: "{9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11}"},
		{ExternalID: "hr-8", DueAt: "2029-12-31T00:00:00Z"},
		{ExternalID: "hr-9", DueAt: "31/12/2030"},
		{UserID: "9C2D7D4E-1B7A-4B8E-9D53-6C1F4F0E2A11"},
	}
	good, rep := validateBulk(in, &def, now)
	if rep.Rows != len(in) {
		t.Fatalf("rows %d", rep.Rows)
	}
	wantGood := []string{"1 e:a@example.test", "2 u:9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11", "3 x:hr-7"}
	if len(good) != len(wantGood) {
		t.Fatalf("good rows %+v", good)
	}
	for i, g := range good {
		key := map[bool]string{true: "u:" + g.UserID}[g.UserID != ""]
		if key == "" && g.ExternalID != "" {
			key = "x:" + g.ExternalID
		} else if key == "" {
			key = "e:" + g.Email
		}
		if got := fmt.Sprintf("%d %s", g.N, key); got != wantGood[i] {
			t.Errorf("good row %d = %s, want %s", i, got, wantGood[i])
		}
	}
	if !good[0].DueAt.Equal(def) || good[2].DueAt.Equal(def) {
		t.Errorf("due dates: default %v, own %v", good[0].DueAt, good[2].DueAt)
	}
	want := []bulk.Failure{
		{Row: 4, Field: "row", Reason: "missing identifier: give email, user_id or external_id"},
		{Row: 5, Field: "email", Value: "a@example.test", Reason: "duplicate of row 1"},
		{Row: 6, Field: "email", Value: "two@@example.test", Reason: "is not an email address"},
		{Row: 7, Field: "user_id", Value: "{9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11}", Reason: "is not a UUID"},
		{Row: 8, Field: "due_at", Value: "2029-12-31T00:00:00Z", Reason: "is in the past"},
		{Row: 9, Field: "due_at", Value: "31/12/2030", Reason: "is not an RFC 3339 date-time"},
		{Row: 10, Field: "user_id", Value: "9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11", Reason: "duplicate of row 2"},
	}
	if fmt.Sprint(rep.Failed) != fmt.Sprint(want) {
		t.Errorf("failed\n got %v\nwant %v", rep.Failed, want)
	}
}

func TestBulkParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name, csv    string
		rows, failed int
		field        string // of a request-level error
	}{
		{"bom and spaces", "\xef\xbb\xbfEmail, due_at\na@b.c, 2031-01-01T00:00:00Z\nd@e.f,\n", 2, 0, ""},
		{"header only", "external_id\n", 0, 0, ""},
		{"unknown column", "email,name\na@b.c,A\n", 0, 0, "header"},
		{"no identifier", "due_at\n2031-01-01T00:00:00Z\n", 0, 0, "header"},
		{"ragged rows fail alone", "email,user_id\na@b.c\nd@e.f,\n", 1, 1, ""},
		{"empty", "", 0, 0, "header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, failed, err := parseBulkCSV([]byte(tc.csv))
			var he *httpapp.Error
			if tc.field != "" && (!errors.As(err, &he) || he.Field != tc.field) {
				t.Fatalf("err %v, want one naming %s", err, tc.field)
			}
			if tc.field == "" && err != nil || len(rows) != tc.rows || len(failed) != tc.failed {
				t.Fatalf("rows %d failed %v err %v", len(rows), failed, err)
			}
		})
	}
	rows, failed, _ := parseBulkCSV([]byte("Email, due_at\na@b.c\nx@y.z, 2031-01-01T00:00:00Z\n"))
	if rows[0].Email != "x@y.z" || rows[0].DueAt != "2031-01-01T00:00:00Z" || rows[0].Row != 2 {
		t.Fatalf("row %+v", rows[0])
	}
	if want := (bulk.Failure{Row: 1, Field: "row", Reason: "has 1 fields; the header has 2"}); len(failed) != 1 || failed[0] != want {
		t.Fatalf("failed %+v", failed)
	}
}
