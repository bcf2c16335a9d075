package enrollments

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/bulk"
	"github.com/lectern/lectern/internal/httpapp"
)

// MaxBulkRows is the most rows one bulk enrollment request may carry.
const MaxBulkRows = 10000

// BulkReport is the outcome of a bulk enrollment, row by row for failures
// and in totals otherwise. Rows counts every row received; the others add
// up to it.
type BulkReport struct {
	Rows            int            `json:"rows"`
	Enrolled        int            `json:"enrolled"`
	AlreadyEnrolled int            `json:"already_enrolled"`
	Reactivated     int            `json:"reactivated"`
	Failed          []bulk.Failure `json:"failed"`
}

// bulkInput is one row as received. Row is its number in a CSV file (0 in
// JSON, where it is its place in the list).
type bulkInput struct {
	Email      string `json:"email"`
	UserID     string `json:"user_id"`
	ExternalID string `json:"external_id"`
	DueAt      string `json:"due_at"`
	Row        int    `json:"-"`
}

type bulkRequest struct {
	Rows  []bulkInput `json:"rows"`
	DueAt string      `json:"due_at"`
}

// BulkRow is a row that passed validation: exactly one identifier is used,
// by precedence user_id, external_id, email.
type BulkRow struct {
	N          int
	UserID     string
	ExternalID string
	Email      string
	DueAt      *time.Time
}

// by names the identifier a row uses and its value.
func (r BulkRow) by() (field, value string) {
	switch {
	case r.UserID != "":
		return "user_id", r.UserID
	case r.ExternalID != "":
		return "external_id", r.ExternalID
	}
	return "email", r.Email
}

// enrollBulk enrolls up to MaxBulkRows users in one request and one batch:
// rows are checked here, the good ones copied into a temporary table, and
// one statement resolves them to users and enrolls them.
func (h *Handlers) enrollBulk(c *fiber.Ctx) error {
	rel, err := h.relation(c)
	if err != nil {
		return err
	}
	if err := staffOnly(rel); err != nil {
		return err
	}
	var in bulkRequest
	var failed []bulk.Failure
	if bulk.IsCSV(c.Get(fiber.HeaderContentType)) {
		in.Rows, failed, err = parseBulkCSV(c.Body())
	} else {
		err = httpapp.ParseJSON(c, &in)
		if err == nil && in.Rows == nil {
			err = httpapp.Invalid("rows", "is required: a list of {email | user_id | external_id, due_at?}")
		}
	}
	if err != nil {
		return err
	}
	if len(in.Rows)+len(failed) == 0 {
		return httpapp.Invalid("rows", "must hold at least one row")
	}
	if len(in.Rows)+len(failed) > MaxBulkRows {
		return &httpapp.Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_many_rows", Field: "rows",
			Message: fmt.Sprintf("rows: %d rows exceed the limit of %d per request; split the file", len(in.Rows)+len(failed), MaxBulkRows)}
	}
	if rel.Status == "archived" {
		return fmt.Errorf("course %s is archived and takes no enrollments: %w", rel.CourseID, ErrConflict)
	}
	now := h.Clock.Now()
	var defDue *time.Time
	if in.DueAt != "" {
		if defDue, err = parseDueAt("due_at", in.DueAt, now); err != nil {
			return err
		}
	}
	good, report := validateBulk(in.Rows, defDue, now)
	report.Rows += len(failed)
	report.Failed = append(report.Failed, failed...)
	if len(good) > 0 {
		ctx := c.UserContext()
		failed, err := h.Store.EnrollBulk(ctx, rel.CourseID, auth.From(ctx).UserID, good, report)
		if err != nil {
			return err
		}
		report.Failed = append(report.Failed, failed...)
	}
	bulk.Sort(report.Failed)
	return c.JSON(report)
}

var bulkColumns = []string{"email", "user_id", "external_id", "due_at"}

// parseBulkCSV reads a header row naming any of email, user_id,
// external_id, due_at (with at least one identifier) and the data rows,
// each with its number. A row whose field count differs from the header's
// fails alone.
func parseBulkCSV(body []byte) ([]bulkInput, []bulk.Failure, error) {
	f, err := bulk.ReadCSV(body, bulkColumns, MaxBulkRows)
	if err != nil {
		return nil, nil, err
	}
	if !f.Has("email") && !f.Has("user_id") && !f.Has("external_id") {
		return nil, nil, httpapp.Invalid("header", "the CSV header needs an identifier column: email, user_id or external_id")
	}
	rows := make([]bulkInput, 0, len(f.Records))
	var failed []bulk.Failure
	for i, rec := range f.Records {
		if bad := f.Ragged(i+1, rec); bad != nil {
			failed = append(failed, *bad)
			continue
		}
		cell := func(name string) string { v, _ := f.Cell(rec, name); return v }
		rows = append(rows, bulkInput{Row: i + 1, Email: cell("email"), UserID: cell("user_id"), ExternalID: cell("external_id"), DueAt: cell("due_at")})
	}
	return rows, failed, nil
}

// validateBulk checks each row's shape and finds duplicates within the
// request; it returns the rows worth resolving and a report holding the
// rows that are not.
func validateBulk(in []bulkInput, defDue *time.Time, now time.Time) ([]BulkRow, *BulkReport) {
	rep := &BulkReport{Rows: len(in), Failed: []bulk.Failure{}}
	good := make([]BulkRow, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, r := range in {
		n := i + 1
		if r.Row > 0 {
			n = r.Row
		}
		row := BulkRow{N: n, DueAt: defDue}
		uid, xid, email := strings.TrimSpace(r.UserID), strings.TrimSpace(r.ExternalID), httpapp.NormalizeEmail(r.Email)
		fail := func(field, value, reason string) {
			rep.Failed = append(rep.Failed, bulk.Failure{Row: n, Field: field, Value: value, Reason: reason})
		}
		switch {
		case uid == "" && xid == "" && email == "":
			fail("row", "", "missing identifier: give email, user_id or external_id")
			continue
		case uid != "" && (len(uid) != 36 || uuid.Validate(uid) != nil):
			fail("user_id", uid, "is not a UUID")
			continue
		case uid != "":
			row.UserID = strings.ToLower(uid)
		case len(xid) > 200:
			fail("external_id", xid, "is longer than 200 characters")
			continue
		case xid != "":
			row.ExternalID = xid
		default:
			if p := httpapp.EmailProblem(email); p != "" {
				fail("email", email, p)
				continue
			}
			row.Email = email
		}
		if d := strings.TrimSpace(r.DueAt); d != "" {
			t, err := time.Parse(time.RFC3339, d)
			if err != nil {
				fail("due_at", d, "is not an RFC 3339 date-time")
				continue
			}
			if !t.After(now) {
				fail("due_at", d, "is in the past")
				continue
			}
			row.DueAt = &t
		}
		field, value := row.by()
		if first, dup := seen[field+":"+value]; dup {
			fail(field, value, fmt.Sprintf("duplicate of row %d", first))
			continue
		}
		seen[field+":"+value] = n
		good = append(good, row)
	}
	return good, rep
}
