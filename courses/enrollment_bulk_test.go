package courses

import (
	"fmt"
	"testing"
	"time"
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
	want := []BulkFailure{
		{4, "", "missing identifier: give email, user_id or external_id"},
		{5, "a@example.test", "duplicate of row 1"},
		{6, "two@@example.test", "email is not an email address"},
		{7, "{9c2d7d4e-1b7a-4b8e-9d53-6c1f4f0e2a11}", "user_id is not a UUID"},
		{8, "hr-8", "due_at is in the past"},
		{9, "hr-9", "due_at is not an RFC 3339 date-time"},
		{10, "9C2D7D4E-1B7A-4B8E-9D53-6C1F4F0E2A11", "duplicate of row 2"},
	}
	if fmt.Sprint(rep.Failed) != fmt.Sprint(want) {
		t.Errorf("failed\n got %v\nwant %v", rep.Failed, want)
	}
}

func TestBulkParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		rows      int
		err       bool
	}{
		{"bom and spaces", "\xef\xbb\xbfEmail, due_at\na@b.c, 2031-01-01T00:00:00Z\nd@e.f,\n", 2, false},
		{"header only", "external_id\n", 0, false},
		{"unknown column", "email,name\na@b.c,A\n", 0, true},
		{"no identifier", "due_at\n2031-01-01T00:00:00Z\n", 0, true},
		{"ragged", "email,user_id\na@b.c\n", 0, true},
		{"empty", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := parseBulkCSV([]byte(tc.csv))
			if (err != nil) != tc.err || len(rows) != tc.rows {
				t.Fatalf("rows %d err %v", len(rows), err)
			}
		})
	}
	rows, _ := parseBulkCSV([]byte("Email, due_at\na@b.c, 2031-01-01T00:00:00Z\n"))
	if rows[0].Email != "a@b.c" || rows[0].DueAt != "2031-01-01T00:00:00Z" {
		t.Fatalf("row %+v", rows[0])
	}
}
