package database_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/testenv"
)

// seedOrg writes one row (at least) into every tenant-owned table for a new
// organization, on the system pool, and returns the organization's id.
func seedOrg(t *testing.T, db *pgxpool.Pool, slug string) string {
	t.Helper()
	ctx := context.Background()
	var org string
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `insert into organizations (slug, name) values ($1, $1) returning id`, slug).Scan(&org); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
with u as (insert into users (org_id, email, name, roles) values ($1, $2 || '@example.com', 'U', '{learner,instructor}') returning id),
tok as (insert into tokens (org_id, user_id, kind, hash) select $1, id, 'api', sha256(convert_to($2 || 'tok', 'utf8')) from u returning id),
g as (insert into groups (org_id, name) values ($1, 'Sales') returning id),
gm as (insert into group_members (org_id, group_id, user_id) select $1, g.id, u.id from g, u returning 1),
c as (insert into courses (org_id, title, owner_id, status) select $1, 'Course ' || $2, id, 'published' from u returning id),
ci as (insert into course_instructors (org_id, course_id, user_id, role) select $1, c.id, u.id, 'owner' from c, u returning 1),
m1 as (insert into modules (org_id, course_id, title, position) select $1, id, 'M1', 1 from c returning id),
m2 as (insert into modules (org_id, course_id, title, position) select $1, id, 'M2', 2 from c returning id),
mp as (insert into module_prerequisites (org_id, module_id, requires_module_id) select $1, m2.id, m1.id from m1, m2 returning 1),
v as (insert into videos (id, org_id, title, status, source_key, source_size, owner_id) select gen_random_uuid(), $1, 'V', 'ready', 'k', 1, id from u returning id),
e as (insert into encodes (id, org_id, video_id, state, prefix) select gen_random_uuid(), $1, id, 'succeeded', 'p/' from v returning 1),
up as (insert into uploads (id, org_id, filename, title, size, chunk_size, parts_total, object_key, s3_upload_id, expires_at, owner_id)
       select gen_random_uuid(), $1, 'f', 'f', 1, 1, 1, 'k', 's', now() + interval '1 day', id from u returning id),
upp as (insert into upload_parts (org_id, upload_id, part, size, sha256, etag) select $1, id, 1, 1, 'x', 'e' from up returning 1),
l1 as (insert into lessons (org_id, course_id, module_id, title, kind, video_id, position) select $1, c.id, m1.id, 'L1', 'video', v.id, 1 from c, m1, v returning id),
l2 as (insert into lessons (org_id, course_id, module_id, title, kind, position) select $1, c.id, m2.id, 'L2', 'text', 1 from c, m2 returning id),
lp as (insert into lesson_prerequisites (org_id, lesson_id, requires_lesson_id) select $1, l2.id, l1.id from l1, l2 returning 1),
wh as (insert into webhooks (org_id, url, secret, events) values ($1, 'http://127.0.0.1:1/', 's', '{enrollment.created}') returning id),
wd as (insert into webhook_deliveries (org_id, webhook_id, event, payload) select $1, id, 'ping', '{}' from wh returning 1),
en as (insert into enrollments (org_id, course_id, user_id, source) select $1, c.id, u.id, 'admin' from c, u returning 1),
pr as (insert into lesson_progress (org_id, user_id, course_id, lesson_id, status) select $1, u.id, c.id, l1.id, 'completed' from u, c, l1 returning 1),
r as (insert into enrollment_rules (org_id, group_id, course_id) select $1, g.id, c.id from g, c returning 1),
ik as (insert into idempotency_keys (org_id, principal, key, method, path, fingerprint) select $1, id, 'k', 'POST', '/', '\x00' from tok returning 1),
ev as (insert into events (org_id, type, subject, payload) values ($1, 'test.seeded', 'seed', '{}') returning 1),
xc as (insert into xapi_credentials (org_id, name, key, secret_hash, scopes) values ($1, 'c', 'key-' || $2, '\x00', '{all}') returning 1),
xs as (insert into xapi_statements (org_id, id, stored, verb, body) values ($1, gen_random_uuid(), now(), 'http://v', '{}') returning seq),
xk as (insert into xapi_statement_keys (org_id, kind, key, seq, related) select $1, 'v', gen_random_uuid(), seq, false from xs returning 1),
xa as (insert into xapi_attachments (org_id, sha2, content_type, body) values ($1, 'h', 'text/plain', '\x00') returning 1),
xt as (insert into xapi_activities (org_id, key, id) values ($1, gen_random_uuid(), 'http://a') returning 1),
xd as (insert into xapi_documents (org_id, key, scope, doc_id, content_type, body, etag, updated_at)
       values ($1, gen_random_uuid(), gen_random_uuid(), 'd', 'application/json', '{}', 'e', now()) returning 1),
xf as (insert into xapi_forwards (org_id, url) values ($1, 'http://127.0.0.1:9/xapi') returning 1),
lpo as (insert into lesson_policies (org_id, lesson_id) select $1, id from l1 returning 1),
cp as (insert into checkpoints (org_id, course_id, lesson_id, at, questions) select $1, c.id, l1.id, 1, '[]' from c, l1 returning id),
ca as (insert into checkpoint_attempts (org_id, checkpoint_id, lesson_id, user_id, number, score, passed, answers, results)
       select $1, cp.id, l1.id, u.id, 1, 1, true, '[]', '[]' from cp, l1, u returning 1),
ws as (insert into watch_states (org_id, user_id, lesson_id, video_id) select $1, u.id, l1.id, v.id from u, l1, v returning 1),
l3 as (insert into lessons (org_id, course_id, module_id, title, kind, position) select $1, c.id, m2.id, 'Quiz', 'quiz', 2 from c, m2 returning id),
qz as (insert into quizzes (org_id, lesson_id, course_id) select $1, l3.id, c.id from l3, c returning 1),
qa as (insert into quiz_attempts (org_id, course_id, lesson_id, user_id, number, questions) select $1, c.id, l3.id, u.id, 1, '[]' from c, l3, u returning 1)
select (select count(*) from gm) + (select count(*) from ci) + (select count(*) from mp) + (select count(*) from e) + (select count(*) from upp)
     + (select count(*) from lp) + (select count(*) from wd) + (select count(*) from en) + (select count(*) from pr) + (select count(*) from r)
     + (select count(*) from ik) + (select count(*) from ev) + (select count(*) from xc) + (select count(*) from xk)
     + (select count(*) from xa) + (select count(*) from xt) + (select count(*) from xd) + (select count(*) from xf)
     + (select count(*) from lpo) + (select count(*) from ca) + (select count(*) from ws) + (select count(*) from qz) + (select count(*) from qa)`, org, slug)
		return err
	})
	if err != nil {
		t.Fatalf("seed %s: %v", slug, err)
	}
	return org
}

// Every table that holds tenant data is under row-level security for the
// tenant role, and a transaction in one organization can neither see,
// change, delete nor create another organization's rows, whatever SQL a
// handler runs; outside such a transaction the tenant pool sees nothing.
func TestRowLevelSecurityIsolatesEveryTable(t *testing.T) {
	db := testenv.DB(t)
	tenant := testenv.TenantPool(t, db)
	ctx := context.Background()
	a := seedOrg(t, db, "org-a")
	b := seedOrg(t, db, "org-b")

	rows, err := db.Query(ctx, `select c.relname, c.relrowsecurity, c.relforcerowsecurity,
			exists (select 1 from pg_policy p where p.polrelid = c.oid),
			exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
		from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname <> 'schema_migrations'
		order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		name               string
		rls, force, policy bool
		hasOrg             bool
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var x table
		return x, r.Scan(&x.name, &x.rls, &x.force, &x.policy, &x.hasOrg)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 21 {
		t.Fatalf("found %d tables; the catalog query is broken", len(tables))
	}
	for _, tb := range tables {
		t.Run(tb.name, func(t *testing.T) {
			// Not forced: the owner (system work) is exempt by design; the
			// tenant role is not.
			if !tb.rls || tb.force || !tb.policy {
				t.Fatalf("row-level security enabled=%v forced=%v policy=%v: every table must be tenant-guarded (enabled, with a policy, owner exempt)", tb.rls, tb.force, tb.policy)
			}
			col := "org_id"
			if !tb.hasOrg {
				if tb.name != "organizations" {
					t.Fatalf("table has no org_id column")
				}
				col = "id"
			}
			var total, ofA int
			if err := db.QueryRow(ctx, fmt.Sprintf("select count(*), count(*) filter (where %s = $1) from %s", col, tb.name), a).Scan(&total, &ofA); err != nil {
				t.Fatal(err)
			}
			if ofA == 0 || ofA == total {
				t.Fatalf("seed left %d of %d rows in org a; both organizations need rows", ofA, total)
			}
			// Outside any organization a tenant connection sees nothing.
			var n int
			if err := tenant.QueryRow(ctx, "select count(*) from "+tb.name).Scan(&n); err != nil || n != 0 {
				t.Fatalf("tenant pool outside InOrg sees %d rows (err %v), want 0", n, err)
			}
			errRollback := errors.New("rollback")
			err := database.InOrg(ctx, tenant, a, func(ctx context.Context, tx pgx.Tx) error {
				var seen, foreign int
				if err := tx.QueryRow(ctx, fmt.Sprintf("select count(*), count(*) filter (where %s <> $1) from %s", col, tb.name), a).Scan(&seen, &foreign); err != nil {
					return err
				}
				if seen != ofA || foreign != 0 {
					t.Errorf("org a sees %d rows (%d foreign), want its own %d", seen, foreign, ofA)
				}
				for _, stmt := range []string{
					fmt.Sprintf("update %s set %s = %s where %s = $1", tb.name, col, col, col),
					fmt.Sprintf("delete from %s where %s = $1", tb.name, col),
				} {
					tag, err := tx.Exec(ctx, stmt, b)
					if err != nil {
						return fmt.Errorf("%s: %w", stmt, err)
					}
					if tag.RowsAffected() != 0 {
						t.Errorf("%q reached %d rows of org b", stmt, tag.RowsAffected())
					}
				}
				// Moving an own row into org b, or writing a new one there,
				// breaks the policy's check.
				if _, err := tx.Exec(ctx, "savepoint s"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, fmt.Sprintf("update %s set %s = $1 where %s = $2", tb.name, col, col), b, a)
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Code != "42501" {
					t.Errorf("moving a row to org b: err %v, want a row-level security violation (42501)", err)
				}
				if _, err := tx.Exec(ctx, "rollback to savepoint s"); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
		})
	}
	// InOrg confines a transaction even when begun on the owner's pool.
	var users, foreignUsers int
	if err := database.InOrg(ctx, db, a, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `select count(*), count(*) filter (where org_id <> $1) from users`, a).Scan(&users, &foreignUsers)
	}); err != nil || users == 0 || foreignUsers != 0 {
		t.Fatalf("InOrg on the owner's pool: %d users, %d foreign (err %v)", users, foreignUsers, err)
	}
	// Inserting a fresh row for another organization is refused, and one
	// without org_id lands in the transaction's organization.
	err = database.InOrg(ctx, tenant, a, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into groups (org_id, name) values ($1, 'Intruders')`, b)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("insert into org b: err %v, want 42501", err)
		}
		return nil
	})
	if err == nil {
		t.Fatal("the transaction with a failed insert committed")
	}
	var org string
	if err := database.InOrg(ctx, tenant, a, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `insert into groups (name) values ('Defaults') returning org_id`).Scan(&org)
	}); err != nil || org != a {
		t.Fatalf("insert without org_id: org %q err %v, want %s", org, err, a)
	}
}

// A read-only request's queries (ReadInOrg) each see exactly their
// organization's rows, and entering it lasts for that query alone: the
// same connection, used next outside ReadInOrg, sees nothing again.
func TestReadInOrgConfinesEachQuery(t *testing.T) {
	db := testenv.DB(t)
	a := seedOrg(t, db, "read-a")
	seedOrg(t, db, "read-b")
	ctx := context.Background()
	tenant, err := database.OpenTenant(ctx, testenv.URL(t, db), 1) // one connection: every query below shares it
	if err != nil {
		t.Fatal(err)
	}
	defer tenant.Close()
	rctx, err := database.ReadInOrg(ctx, tenant, a)
	if err != nil {
		t.Fatal(err)
	}
	q := database.Q(rctx, tenant)
	var users, foreign int
	if err := q.QueryRow(rctx, `select count(*), count(*) filter (where org_id <> $1) from users`, a).Scan(&users, &foreign); err != nil || users == 0 || foreign != 0 {
		t.Fatalf("QueryRow: %d users, %d foreign (%v)", users, foreign, err)
	}
	rows, err := q.Query(rctx, `select org_id::text from courses`)
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(orgs) == 0 {
		t.Fatalf("Query: %v %v", orgs, err)
	}
	for _, o := range orgs {
		if o != a {
			t.Fatalf("Query saw a course of %s", o)
		}
	}
	b := &pgx.Batch{}
	b.Queue(`select count(*) from groups`)
	b.Queue(`select current_setting('lectern.org_id', true)`)
	br := q.SendBatch(rctx, b)
	var groups int
	var inBatch string
	if err := br.QueryRow().Scan(&groups); err != nil || groups != 1 {
		t.Fatalf("batch: %d groups (%v)", groups, err)
	}
	if err := br.QueryRow().Scan(&inBatch); err != nil || inBatch != a {
		t.Fatalf("batch: organization %q (%v)", inBatch, err)
	}
	br.Close()
	// Outside ReadInOrg the connection has left the organization.
	var left *string
	var seen int
	if err := tenant.QueryRow(ctx, `select nullif(current_setting('lectern.org_id', true), ''), (select count(*) from users)`).Scan(&left, &seen); err != nil || left != nil || seen != 0 {
		t.Fatalf("after ReadInOrg the connection still is in %v and sees %d users (%v)", left, seen, err)
	}
	// A write inside a transaction begun from the read scope stays in it.
	tx, err := q.Begin(rctx)
	if err != nil {
		t.Fatal(err)
	}
	var org string
	if err := tx.QueryRow(rctx, `insert into groups (name) values ('From read scope') returning org_id::text`).Scan(&org); err != nil || org != a {
		t.Fatalf("insert: %q %v", org, err)
	}
	if err := tx.Rollback(rctx); err != nil {
		t.Fatal(err)
	}
}
