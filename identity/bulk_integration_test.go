package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/bulk"
)

const bulkRows = 10000

func email(i int) string { return fmt.Sprintf("u%05d@example.com", i) }

// hrRecord is row i of the synthetic HR export: everyone is a learner in
// one of five groups.
func hrRecord(i int) map[string]any {
	return map[string]any{"external_id": fmt.Sprintf("E%05d", i), "email": email(i), "name": fmt.Sprintf("User %d", i),
		"roles": []string{"learner"}, "groups": []string{fmt.Sprintf("g%d", i%5)}}
}

func (e *env) bulk(body any, ctype ...string) identity.BulkReport {
	e.t.Helper()
	start := time.Now()
	r := e.do("POST", "/api/v1/users/bulk", apptest.Token, body, ctype...)
	e.want(r, 200, "bulk")
	e.t.Logf("bulk of %d bytes: %s", len(fmt.Sprint(body)), time.Since(start))
	var rep identity.BulkReport
	r.decode(e.t, &rep)
	return rep
}

func checkReport(t *testing.T, what string, got, want identity.BulkReport) {
	t.Helper()
	if want.Failed == nil {
		want.Failed = []bulk.Failure{}
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s report\n got %s\nwant %s", what, g, w)
	}
}

func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) groupsOf(email string) string {
	e.t.Helper()
	var s string
	if err := e.db.QueryRow(context.Background(), `select coalesce(string_agg(g.name, ',' order by g.name), '')
		from users u left join group_members gm on gm.user_id = u.id left join groups g on g.id = gm.group_id
		where u.email = $1`, email).Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// 10,000 rows of JSON then of CSV, each with bad rows; running either again
// changes nothing.
func TestBulkProvisioning(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	// A rule on g1 enrolls its members in a course.
	var course string
	if err := e.db.QueryRow(ctx, `with o as (select org_id, id from users where email = $1),
			g as (insert into groups (org_id, name) select org_id, 'g1' from o returning org_id, id),
			c as (insert into courses (org_id, title, owner_id, status) select org_id, 'Onboarding', id, 'published' from o returning id)
		insert into enrollment_rules (org_id, group_id, course_id) select g.org_id, g.id, c.id from g, c returning course_id`,
		identity.BootstrapEmail).Scan(&course); err != nil {
		t.Fatal(err)
	}

	users := make([]any, bulkRows)
	for i := 1; i <= bulkRows; i++ {
		users[i-1] = hrRecord(i)
	}
	users[7-1] = map[string]any{"email": "not-an-email", "name": "Seven"}
	users[50-1] = map[string]any{"email": email(50), "name": ""}
	users[300-1] = map[string]any{"email": email(300), "name": "X", "roles": []string{"boss"}}
	users[4000-1] = map[string]any{"external_id": "E04000", "email": email(1), "name": "Dup"}
	users[9999-1] = map[string]any{"email": email(9999), "name": "X", "active": "yes"}
	failed := []bulk.Failure{
		{Row: 7, Field: "email", Value: "not-an-email", Reason: "is not an email address"},
		{Row: 50, Field: "name", Value: "", Reason: "is required"},
		{Row: 300, Field: "roles", Value: "boss", Reason: `"boss" is not a role (one of admin, instructor, learner, ops)`},
		{Row: 4000, Field: "email", Value: email(1), Reason: "the same email as row 1"},
		{Row: 9999, Field: "active", Reason: "must be true or false, not string"},
	}
	body := map[string]any{"users": users}
	checkReport(t, "first JSON", e.bulk(body), identity.BulkReport{Created: bulkRows - 5, Failed: failed, GroupsCreated: 4})
	if n := e.count(`select count(*) from users where email like 'u%@example.com'`); n != bulkRows-5 {
		t.Fatalf("%d users", n)
	}
	if n := e.count(`select count(*) from group_members`); n != bulkRows-5 {
		t.Fatalf("%d memberships", n)
	}
	// g1 holds rows 1, 6, 11, ... except the failed 4000 (i%5 == 0, so
	// not in g1) and 50, 300 (g0): 2000 members.
	if n := e.count(`select count(*) from enrollments where course_id = $1 and source = 'rule'`, course); n != 2000 {
		t.Fatalf("%d rule enrollments, want 2000", n)
	}
	checkReport(t, "second JSON", e.bulk(body), identity.BulkReport{Unchanged: bulkRows - 5, Failed: failed})

	// A session of user 2, whom the CSV deactivates.
	var id2 string
	if err := e.db.QueryRow(ctx, `select id from users where email = $1`, email(2)).Scan(&id2); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("PATCH", "/api/v1/users/"+id2, apptest.Token, map[string]any{"password": password}), 200, "set password")
	sess2 := e.signIn(email(2))

	var csv strings.Builder
	csv.WriteString("external_id,email,name,roles,groups,active\n")
	for i := 1; i <= bulkRows; i++ {
		name, roles, groups, active := fmt.Sprintf("User %d", i), "learner", fmt.Sprintf("g%d", i%5), "true"
		switch i {
		case 1:
			name = "Renamed One"
		case 2:
			active = "false"
		case 3:
			groups = "g9|g3"
		case 5:
			roles = "learner;instructor"
		case 10:
			fmt.Fprintf(&csv, "E%05d,%s\n", i, email(i))
			continue
		case 20:
			active = "maybe"
		case 30:
			fmt.Fprintf(&csv, "E%05d,x@,%s,%s,%s,%s\n", i, name, roles, groups, active)
			continue
		}
		fmt.Fprintf(&csv, "E%05d,%s,%s,%s,%s,%s\n", i, email(i), name, roles, groups, active)
	}
	csvFailed := []bulk.Failure{
		{Row: 10, Field: "row", Reason: "has 2 fields; the header has 6"},
		{Row: 20, Field: "active", Value: "maybe", Reason: `"maybe" is not true or false`},
		{Row: 30, Field: "email", Value: "x@", Reason: "is not an email address"},
	}
	// Rows 7, 50, 300, 4000 and 9999 failed in JSON: they are new now.
	checkReport(t, "first CSV", e.bulk(csv.String(), "text/csv"),
		identity.BulkReport{Created: 5, Updated: 4, Deactivated: 1, Unchanged: bulkRows - 3 - 5 - 4, Failed: csvFailed, GroupsCreated: 1})
	checkReport(t, "second CSV", e.bulk(csv.String(), "text/csv"),
		identity.BulkReport{Unchanged: bulkRows - 3, Failed: csvFailed})

	e.want(e.do("GET", "/api/v1/me", sess2, nil), 401, "session of a user the sync deactivated")
	if got := e.groupsOf(email(3)); got != "g3,g9" {
		t.Fatalf("user 3 groups %q", got)
	}
	var name string
	var roles []string
	if err := e.db.QueryRow(ctx, `select name, roles from users where email = $1`, email(1)).Scan(&name, &roles); err != nil || name != "Renamed One" {
		t.Fatalf("user 1 name %q, %v", name, err)
	}
	if err := e.db.QueryRow(ctx, `select roles from users where email = $1`, email(5)).Scan(&roles); err != nil || fmt.Sprint(roles) != "[instructor learner]" {
		t.Fatalf("user 5 roles %v, %v", roles, err)
	}
}

// Memberships become exactly the listed groups; an absent list leaves them;
// external_id matches before email; the caller cannot lock themself out.
func TestBulkGroupSyncAndMatching(t *testing.T) {
	e := setup(t)
	sync := func(rows ...map[string]any) identity.BulkReport {
		return e.bulk(map[string]any{"users": rows})
	}
	checkReport(t, "create", sync(
		map[string]any{"external_id": "H1", "email": "ann@example.com", "name": "Ann", "groups": []string{"a", "b"}},
		map[string]any{"email": "ben@example.com", "name": "Ben", "groups": []string{"a"}},
		map[string]any{"email": "cat@example.com", "name": "Cat"},
	), identity.BulkReport{Created: 3, GroupsCreated: 2})
	if g := e.groupsOf("ann@example.com"); g != "a,b" {
		t.Fatalf("ann %q", g)
	}

	// Ann changes address (matched by external id) and groups; Ben's list
	// is absent, so his memberships stay.
	checkReport(t, "move", sync(
		map[string]any{"external_id": "H1", "email": "ann.new@example.com", "name": "Ann", "groups": []string{"c", "b"}},
		map[string]any{"email": "ben@example.com", "name": "Ben"},
	), identity.BulkReport{Updated: 1, Unchanged: 1, GroupsCreated: 1})
	if g := e.groupsOf("ann.new@example.com"); g != "b,c" {
		t.Fatalf("ann %q", g)
	}
	if g := e.groupsOf("ben@example.com"); g != "a" {
		t.Fatalf("ben %q", g)
	}
	checkReport(t, "leave all", sync(
		map[string]any{"email": "ben@example.com", "name": "Ben", "groups": []string{}},
	), identity.BulkReport{Updated: 1})
	if g := e.groupsOf("ben@example.com"); g != "" {
		t.Fatalf("ben %q", g)
	}

	// Conflicts with the organization: an address another user holds, the
	// caller locking themself out, an unknown field.
	checkReport(t, "conflicts", sync(
		map[string]any{"external_id": "H1", "email": "cat@example.com", "name": "Ann"},
		map[string]any{"email": "ben@example.com", "name": "Ben", "external_id": "H2"},
		map[string]any{"email": "ann.new@example.com", "name": "Ann again"},
		map[string]any{"email": identity.BootstrapEmail, "name": "Administrator", "active": false},
		map[string]any{"email": "cy@example.com", "name": "Cy", "nickname": "C"},
	), identity.BulkReport{Updated: 2, Failed: []bulk.Failure{
		{Row: 1, Field: "email", Value: "cat@example.com", Reason: "another user has this email"},
		{Row: 4, Field: "active", Value: "false", Reason: "you may not deactivate yourself"},
		{Row: 5, Field: "nickname", Reason: "is not a field of this request"},
	}})
	checkReport(t, "one user twice", sync(
		map[string]any{"external_id": "H1", "email": "ann.x@example.com", "name": "Ann"},
		map[string]any{"email": "ann.new@example.com", "name": "Ann"},
	), identity.BulkReport{Updated: 1, Failed: []bulk.Failure{
		{Row: 2, Field: "email", Value: "ann.new@example.com", Reason: "matches the same user as row 1"},
	}})
	checkReport(t, "self demotion", sync(
		map[string]any{"email": identity.BootstrapEmail, "name": "Administrator", "roles": []string{"learner"}},
	), identity.BulkReport{Failed: []bulk.Failure{
		{Row: 1, Field: "roles", Value: "learner", Reason: "you may not remove your own admin role"},
	}})
	if n := e.count(`select count(*) from users where email = 'ann.x@example.com' and external_id = 'H1'`); n != 1 {
		t.Fatal("ann was not moved by external id")
	}

	// Bad requests as a whole.
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		field             string
	}{
		{"no users", `{}`, "application/json", 400, "users"},
		{"users not an array", `{"users": 5}`, "application/json", 400, "users"},
		{"csv without header", "", "text/csv", 400, "header"},
		{"xml", "<users/>", "application/xml", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do("POST", "/api/v1/users/bulk", apptest.Token, tc.body, tc.ctype); r.Status != tc.status || r.field() != tc.field {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}
	many := make([]map[string]any, bulkRows+1)
	for i := range many {
		many[i] = map[string]any{"email": email(i), "name": "x"}
	}
	if r := e.do("POST", "/api/v1/users/bulk", apptest.Token, map[string]any{"users": many}); r.Status != 400 || r.field() != "users" {
		t.Fatalf("10,001 rows: %d %s", r.Status, r.Raw)
	}
}
