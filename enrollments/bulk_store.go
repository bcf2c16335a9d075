package enrollments

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/bulk"
	"github.com/lectern/lectern/internal/events"
)

// EnrollBulk resolves rows to users and enrolls them in ONE batch: the rows
// are copied into a temporary table, and one statement joins them to users
// (by user_id, else external_id, else email), inserts the new enrollments
// (on conflict do nothing), reactivates withdrawn ones and counts; one more
// writes every new enrollment's enrollment.created. It fills rep's totals
// and returns the rows that failed in SQL.
func (s *Store) EnrollBulk(ctx context.Context, courseID, by string, rows []BulkRow, rep *BulkReport) ([]bulk.Failure, error) {
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
	var failReason, newIDs, newUsers []string
	var newDue []*time.Time
	var newAt []time.Time
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
			returning id, user_id, due_at, created_at
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
			coalesce((select array_agg(reason order by n) from judged where reason is not null), '{}'),
			coalesce((select array_agg(id::text) from ins), '{}'), coalesce((select array_agg(user_id::text) from ins), '{}'),
			coalesce((select array_agg(due_at) from ins), '{}'), coalesce((select array_agg(created_at) from ins), '{}')`,
		courseID, by).Scan(&inserted, &reactivated, &ok, &failN, &failReason, &newIDs, &newUsers, &newDue, &newAt)
	if err != nil {
		return nil, fmt.Errorf("bulk enroll: %w", err)
	}
	rep.Enrolled, rep.Reactivated = int(inserted), int(reactivated)
	rep.AlreadyEnrolled = int(ok - inserted - reactivated)
	evs := make([]EnrollmentCreated, len(newIDs))
	for i := range newIDs {
		evs[i] = EnrollmentCreated{EnrollmentID: newIDs[i], CourseID: courseID, UserID: newUsers[i], Source: "bulk", DueAt: newDue[i], EnrolledAt: newAt[i]}
	}
	if err := events.Append(ctx, q, created(evs)...); err != nil {
		return nil, err
	}
	if err := s.changed(ctx, ""); err != nil {
		return nil, err
	}
	failed := make([]bulk.Failure, len(failN))
	for i, n := range failN {
		// rows is in row order: find the row to report the identifier used.
		j, _ := slices.BinarySearchFunc(rows, int(n), func(r BulkRow, n int) int { return cmp.Compare(r.N, n) })
		field, value := rows[j].by()
		failed[i] = bulk.Failure{Row: rows[j].N, Field: field, Value: value, Reason: failReason[i]}
	}
	return failed, nil
}
