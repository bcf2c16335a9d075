package courses

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// MaxBulkRows is the most rows one bulk enrollment request may carry.
const MaxBulkRows = 10000

// BulkReport is the outcome of a bulk enrollment, row by row for failures
// and in totals otherwise. Rows counts every row received; the others add
// up to it.
type BulkReport struct {
	Rows            int           `json:"rows"`
	Enrolled        int           `json:"enrolled"`
	AlreadyEnrolled int           `json:"already_enrolled"`
	Reactivated     int           `json:"reactivated"`
	Failed          []BulkFailure `json:"failed"`
}

// BulkFailure is a row that enrolled nobody, and why. Row is 1-based and
// counts data rows (a CSV header is not a row).
type BulkFailure struct {
	Row    int    `json:"row"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// bulkInput is one row as received.
type bulkInput struct {
	Email      string `json:"email"`
	UserID     string `json:"user_id"`
	ExternalID string `json:"external_id"`
	DueAt      string `json:"due_at"`
}

type bulkRequest struct {
	Rows  []bulkInput `json:"rows"`
	DueAt string      `json:"due_at"`
}

// bulkRow is a row that passed validation: exactly one identifier is used,
// by precedence user_id, external_id, email.
type bulkRow struct {
	N          int
	UserID     string
	ExternalID string
	Email      string
	DueAt      *time.Time
}

// enrollBulk enrolls up to MaxBulkRows users in one request and one batch:
// rows are checked here, the good ones copied into a temporary table, and
// one statement resolves them to users and enrolls them.
func (h *Handlers) enrollBulk(c *fiber.Ctx) error {
	ctx := c.UserContext()
	rel, err := h.relation(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	if err := enrollmentStaffOnly(rel); err != nil {
		return err
	}
	var in bulkRequest
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), "text/csv") {
		in.Rows, err = parseBulkCSV(c.Body())
	} else {
		err = httpapp.ParseJSON(c, &in)
		if err == nil && in.Rows == nil {
			err = httpapp.Invalid("rows", "is required: a list of {email | user_id | external_id, due_at?}")
		}
	}
	if err != nil {
		return err
	}
	if len(in.Rows) == 0 {
		return httpapp.Invalid("rows", "must hold at least one row")
	}
	if len(in.Rows) > MaxBulkRows {
		return &httpapp.Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_many_rows", Field: "rows",
			Message: fmt.Sprintf("rows: %d rows exceed the limit of %d per request; split the file", len(in.Rows), MaxBulkRows)}
	}
	if rel.Status == "archived" {
		return fmt.Errorf("course %s is archived and takes no enrollments: %w", rel.CourseID, ErrConflict)
	}
	now := h.enrollmentNow()
	var defDue *time.Time
	if in.DueAt != "" {
		if defDue, err = parseDueAt("due_at", in.DueAt, now); err != nil {
			return err
		}
	}
	good, report := validateBulk(in.Rows, defDue, now)
	if len(good) > 0 {
		failed, err := h.enrollments().bulk(ctx, rel.CourseID, auth.From(ctx).UserID, good, report)
		if err != nil {
			return err
		}
		report.Failed = append(report.Failed, failed...)
	}
	sortFailures(report.Failed)
	return c.JSON(report)
}

// parseBulkCSV reads a header row naming any of email, user_id,
// external_id, due_at (with at least one identifier) and the data rows.
func parseBulkCSV(body []byte) ([]bulkInput, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(body))
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, httpapp.Invalid("rows", "the CSV is empty: it needs a header row (email, user_id, external_id, due_at)")
	}
	if err != nil {
		return nil, httpapp.Invalid("rows", "the CSV header is malformed: %v", err)
	}
	col := map[string]int{}
	for i, name := range head {
		name = strings.ToLower(strings.TrimSpace(name))
		switch name {
		case "email", "user_id", "external_id", "due_at":
		default:
			return nil, httpapp.Invalid("rows", "unknown CSV column %q (use email, user_id, external_id, due_at)", name)
		}
		if _, dup := col[name]; dup {
			return nil, httpapp.Invalid("rows", "CSV column %q appears twice", name)
		}
		col[name] = i
	}
	_, e := col["email"]
	_, u := col["user_id"]
	_, x := col["external_id"]
	if !e && !u && !x {
		return nil, httpapp.Invalid("rows", "the CSV header needs an identifier column: email, user_id or external_id")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	var rows []bulkInput
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, httpapp.Invalid("rows", "malformed CSV: %v", err)
		}
		if len(rows) == MaxBulkRows {
			// One past the limit is enough to refuse; read no further.
			return append(rows, bulkInput{}), nil
		}
		rows = append(rows, bulkInput{Email: get(rec, "email"), UserID: get(rec, "user_id"),
			ExternalID: get(rec, "external_id"), DueAt: get(rec, "due_at")})
	}
	return rows, nil
}

// validateBulk checks each row's shape and finds duplicates within the
// request; it returns the rows worth resolving and a report holding the
// rows that are not.
func validateBulk(in []bulkInput, defDue *time.Time, now time.Time) ([]bulkRow, *BulkReport) {
	rep := &BulkReport{Rows: len(in), Failed: []BulkFailure{}}
	good := make([]bulkRow, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, r := range in {
		n := i + 1
		row := bulkRow{N: n, DueAt: defDue}
		uid, xid, email := strings.TrimSpace(r.UserID), strings.TrimSpace(r.ExternalID), auth.NormalizeEmail(r.Email)
		value := uid
		if value == "" {
			value = xid
		}
		if value == "" {
			value = email
		}
		fail := func(reason string) {
			rep.Failed = append(rep.Failed, BulkFailure{Row: n, Value: value, Reason: reason})
		}
		var key string
		switch {
		case uid == "" && xid == "" && email == "":
			fail("missing identifier: give email, user_id or external_id")
			continue
		case uid != "" && (len(uid) != 36 || uuid.Validate(uid) != nil):
			fail("user_id is not a UUID")
			continue
		case len(xid) > 200:
			fail("external_id is longer than 200 characters")
			continue
		case email != "" && !enrolleeEmailOK(email):
			fail("email is not an email address")
			continue
		case uid != "":
			row.UserID, key = strings.ToLower(uid), "u:"+strings.ToLower(uid)
		case xid != "":
			row.ExternalID, key = xid, "x:"+xid
		default:
			row.Email, key = email, "e:"+email
		}
		if d := strings.TrimSpace(r.DueAt); d != "" {
			t, err := time.Parse(time.RFC3339, d)
			if err != nil {
				fail("due_at is not an RFC 3339 date-time")
				continue
			}
			if !t.After(now) {
				fail("due_at is in the past")
				continue
			}
			row.DueAt = &t
		}
		if first, dup := seen[key]; dup {
			fail(fmt.Sprintf("duplicate of row %d", first))
			continue
		}
		seen[key] = n
		good = append(good, row)
	}
	return good, rep
}

func sortFailures(f []BulkFailure) {
	slices.SortFunc(f, func(a, b BulkFailure) int { return cmp.Compare(a.Row, b.Row) })
}

// bulk resolves rows to users and enrolls them in ONE batch: the rows are
// copied into a temporary table, and one statement joins them to users
// (by user_id, else external_id, else email), inserts the new enrollments
// (on conflict do nothing), reactivates withdrawn ones and counts. It
// fills rep's totals and returns the rows that failed in SQL.
func (s enrollmentStore) bulk(ctx context.Context, courseID, by string, rows []bulkRow, rep *BulkReport) ([]BulkFailure, error) {
	q := s.q(ctx)
	if _, err := q.Exec(ctx, `create temp table enrollment_bulk_rows (
			n integer not null, user_id text, external_id text, email text, due_at timestamptz
		) on commit drop`); err != nil {
		return nil, fmt.Errorf("bulk enroll: temp table: %w", err)
	}
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	_, err := q.CopyFrom(ctx, pgx.Identifier{"enrollment_bulk_rows"}, []string{"n", "user_id", "external_id", "email", "due_at"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{int32(r.N), opt(r.UserID), opt(r.ExternalID), opt(r.Email), r.DueAt}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("bulk enroll: copy rows: %w", err)
	}
	// Join users only by the identifiers the rows use: each join is a
	// pass over the organization's users.
	var has [3]bool
	for _, r := range rows {
		has[0] = has[0] || r.UserID != ""
		has[1] = has[1] || r.ExternalID != ""
		has[2] = has[2] || r.Email != ""
	}
	var ids, actives, joins []string
	for i, j := range []struct{ alias, on string }{
		{"ui", "b.user_id is not null and ui.id = b.user_id::uuid"},
		{"ux", "b.user_id is null and b.external_id is not null and ux.external_id = b.external_id"},
		{"ue", "b.user_id is null and b.external_id is null and ue.email = b.email"},
	} {
		if has[i] {
			ids, actives = append(ids, j.alias+".id"), append(actives, j.alias+".active")
			joins = append(joins, "left join users "+j.alias+" on "+j.on)
		}
	}
	resolve := "coalesce(" + strings.Join(ids, ", ") + ") as uid, coalesce(" + strings.Join(actives, ", ") + ") as active"
	var inserted, reactivated, ok int64
	var failN []int32
	var failReason []string
	err = q.QueryRow(ctx, `with src as (
			select b.n, b.due_at, `+resolve+`
			from enrollment_bulk_rows b `+strings.Join(joins, " ")+`
		), judged as (
			select s.n, s.uid, s.due_at,
				case when s.uid is null then 'no such user in this organization'
					when not s.active then 'user is deactivated'
					when row_number() over w > 1 then 'same user as row ' || first_value(s.n) over w
				end as reason
			from src s
			window w as (partition by s.uid order by s.n)
		), ins as (
			insert into enrollments (course_id, user_id, source, enrolled_by, due_at)
			select $1, j.uid, 'bulk', $2, j.due_at from judged j where j.reason is null
			on conflict (course_id, user_id) do nothing
			returning user_id
		), upd as (
			update enrollments e set status = 'active', withdrawn_at = null, due_at = coalesce(j.due_at, e.due_at),
				updated_at = now()
			from judged j
			where j.reason is null and e.course_id = $1 and e.user_id = j.uid and e.status = 'withdrawn'
			returning e.user_id
		)
		select (select count(*) from ins), (select count(*) from upd),
			(select count(*) from judged where reason is null),
			coalesce((select array_agg(n order by n) from judged where reason is not null), '{}'),
			coalesce((select array_agg(reason order by n) from judged where reason is not null), '{}')`,
		courseID, by).Scan(&inserted, &reactivated, &ok, &failN, &failReason)
	if err != nil {
		return nil, fmt.Errorf("bulk enroll: %w", err)
	}
	rep.Enrolled, rep.Reactivated = int(inserted), int(reactivated)
	rep.AlreadyEnrolled = int(ok - inserted - reactivated)
	failed := make([]BulkFailure, len(failN))
	for i, n := range failN {
		// rows is in row order: find the row to report the identifier used.
		j, _ := slices.BinarySearchFunc(rows, int(n), func(r bulkRow, n int) int { return cmp.Compare(r.N, n) })
		r := rows[j]
		failed[i] = BulkFailure{Row: r.N, Value: r.UserID + r.ExternalID + r.Email, Reason: failReason[i]} // one is set
	}
	return failed, nil
}
