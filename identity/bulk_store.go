package identity

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/bulk"
)

// BulkReport is the answer to a provisioning request. Each row is counted
// once: created, updated (a field or its group memberships changed),
// unchanged or failed. Deactivated counts the updated rows that turned an
// active user inactive (their sessions and tokens are revoked).
type BulkReport struct {
	Created       int            `json:"created"`
	Updated       int            `json:"updated"`
	Deactivated   int            `json:"deactivated"`
	Unchanged     int            `json:"unchanged"`
	Failed        []bulk.Failure `json:"failed"`
	GroupsCreated int            `json:"groups_created"`
}

// Provision writes valid records in a handful of set-based statements: the
// rows are copied into a temporary table, matched to users (by external id,
// then by email), checked against the organization, then upserted with
// their group memberships (Joins hears of the new ones). self is the
// caller, who may not lock themself out.
func (s *Store) Provision(ctx context.Context, self string, recs []bulkRecord) (*BulkReport, error) {
	q := s.q(ctx)
	rep := &BulkReport{Failed: []bulk.Failure{}}
	if len(recs) == 0 {
		return rep, nil
	}
	step := func(what, sql string, args ...any) (int64, error) {
		tag, err := q.Exec(ctx, sql, args...)
		if err != nil {
			return 0, fmt.Errorf("provision: %s: %w", what, err)
		}
		return tag.RowsAffected(), nil
	}
	// Every statement below joins thousands of rows: hash joins are right,
	// and a nested loop chosen on the stale statistics of tables that just
	// grew by thousands of rows (a second sync right after the first) would
	// be quadratic. With nested loops priced out, plans look costly enough
	// to JIT-compile, which takes longer than running them: no JIT either.
	// SET LOCAL ends with the transaction; the caller's values are restored
	// on return.
	var nestloop, jit string
	if err := q.QueryRow(ctx, `select current_setting('enable_nestloop'), current_setting('jit'),
			set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)`).Scan(&nestloop, &jit, new(string), new(string)); err != nil {
		return nil, fmt.Errorf("provision: plan settings: %w", err)
	}
	defer func() {
		_, _ = q.Exec(context.WithoutCancel(ctx), `select set_config('enable_nestloop', $1, true), set_config('jit', $2, true)`, nestloop, jit)
	}()
	if _, err := step("temp table", `create temp table bulk_in (
			row integer primary key, external_id text, email text not null, name text not null,
			roles text[], groups text[], set_groups boolean not null, active boolean,
			ext_user uuid, email_user uuid, user_id uuid, is_new boolean not null default false,
			fail_field text, fail_value text, fail_reason text,
			changed boolean not null default false, deactivate boolean not null default false
		) on commit drop`); err != nil {
		return nil, err
	}
	_, err := q.CopyFrom(ctx, pgx.Identifier{"bulk_in"},
		[]string{"row", "external_id", "email", "name", "roles", "groups", "set_groups", "active"},
		pgx.CopyFromSlice(len(recs), func(i int) ([]any, error) {
			r := recs[i]
			var groups []string
			if r.SetGroups {
				groups = r.Groups
			}
			return []any{r.Row, r.ExternalID, r.Email, r.Name, r.Roles, groups, r.SetGroups, r.Active}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("provision: copy rows: %w", err)
	}
	// One join with users matches every row; the checks after it read
	// bulk_in alone.
	steps := []struct{ what, sql string }{
		{"analyze", `analyze bulk_in (row, email, external_id)`},
		// New users get their ids here, so the memberships below need no
		// join back from the insert.
		{"match", `update bulk_in b set ext_user = m.ext_user, email_user = m.email_user,
				user_id = coalesce(m.ext_user, m.email_user, gen_random_uuid()),
				is_new = m.ext_user is null and m.email_user is null
			from (select r.row, ue.id as ext_user, um.id as email_user from bulk_in r
				left join users ue on ue.external_id = r.external_id
				left join users um on um.email = r.email) m
			where m.row = b.row`},
		{"email taken", `update bulk_in set fail_field = 'email', fail_value = email, fail_reason = 'another user has this email'
			where ext_user is not null and email_user is not null and ext_user <> email_user`},
		{"same user twice", `update bulk_in b set
				fail_field = case when b.external_id is null then 'email' else 'external_id' end,
				fail_value = coalesce(b.external_id, b.email),
				fail_reason = 'matches the same user as row ' || f.first
			from (select user_id, min(row) as first from bulk_in where not is_new and fail_field is null
			      group by user_id having count(*) > 1) f
			where b.user_id = f.user_id and b.row > f.first and b.fail_field is null`},
	}
	for _, s := range steps {
		if _, err := step(s.what, s.sql); err != nil {
			return nil, err
		}
	}
	if _, err := step("self", `update bulk_in set
			fail_field = case when active is false then 'active' else 'roles' end,
			fail_value = case when active is false then 'false' else array_to_string(roles, ';') end,
			fail_reason = case when active is false then 'you may not deactivate yourself'
				else 'you may not remove your own admin role' end
		where user_id = $1 and fail_field is null and (active is false or (roles is not null and not 'admin' = any (roles)))`, self); err != nil {
		return nil, err
	}
	rows, _ := q.Query(ctx, `delete from bulk_in where fail_field is not null returning row, fail_field, coalesce(fail_value, ''), fail_reason`)
	rep.Failed, err = pgx.CollectRows(rows, pgx.RowToStructByPos[bulk.Failure])
	if err != nil {
		return nil, fmt.Errorf("provision: collect failures: %w", err)
	}
	steps = []struct{ what, sql string }{
		// Only rows that change are rewritten.
		{"compare", `update bulk_in b set changed = true, deactivate = u.active and b.active is false
			from users u left join (
				select gm.user_id, array_agg(g.name order by g.name collate "C") as names
				from group_members gm join groups g on g.id = gm.group_id
				where gm.user_id in (select user_id from bulk_in where set_groups and not is_new)
				group by gm.user_id) cur on cur.user_id = u.id
			where u.id = b.user_id and not b.is_new and (u.email <> b.email or u.name <> b.name
				or (b.external_id is not null and u.external_id is distinct from b.external_id)
				or (b.roles is not null and not (u.roles @> b.roles and u.roles <@ b.roles))
				or (b.active is not null and u.active <> b.active)
				or (b.set_groups and b.groups <> coalesce(cur.names, '{}')))`},
		{"update users", `update users u set email = b.email, name = b.name,
				external_id = coalesce(b.external_id, u.external_id),
				roles = coalesce(b.roles, u.roles),
				active = coalesce(b.active, u.active),
				deactivated_at = case when coalesce(b.active, u.active) then null else coalesce(u.deactivated_at, now()) end,
				updated_at = now()
			from bulk_in b where b.user_id = u.id and b.changed`},
		{"revoke tokens", `update tokens t set revoked_at = now() from bulk_in b
			where b.deactivate and t.user_id = b.user_id and t.revoked_at is null`},
	}
	for _, s := range steps {
		if _, err := step(s.what, s.sql); err != nil {
			return nil, err
		}
	}
	if err := q.QueryRow(ctx, `select count(*) filter (where is_new), count(*) filter (where changed),
			count(*) filter (where deactivate), count(*) filter (where not is_new and not changed)
		from bulk_in`).Scan(&rep.Created, &rep.Updated, &rep.Deactivated, &rep.Unchanged); err != nil {
		return nil, fmt.Errorf("provision: count: %w", err)
	}
	n, err := step("insert users", `insert into users (id, email, name, external_id, roles, active, deactivated_at)
		select user_id, email, name, external_id, coalesce(roles, '{learner}'), coalesce(active, true),
			case when active is false then now() end
		from bulk_in where is_new order by row
		on conflict (org_id, email) do nothing`)
	if err != nil {
		return nil, taken(err)
	}
	if int(n) != rep.Created {
		return nil, ErrRaced
	}

	created, err := step("create groups", `insert into groups (name)
		select distinct n from bulk_in b cross join unnest(b.groups) n where b.set_groups
		on conflict (org_id, name) do nothing`)
	if err != nil {
		return nil, err
	}
	rep.GroupsCreated = int(created)
	if _, err := step("leave groups", `delete from group_members gm using bulk_in b, groups g
		where b.set_groups and gm.user_id = b.user_id and g.id = gm.group_id and not g.name = any (b.groups)`); err != nil {
		return nil, err
	}
	// One insert; Joins hears of every new membership at once.
	rows, _ = q.Query(ctx, `insert into group_members (group_id, user_id)
		select g.id, b.user_id from bulk_in b cross join unnest(b.groups) n join groups g on g.name = n
		where b.set_groups and not exists (select 1 from group_members gm where gm.group_id = g.id and gm.user_id = b.user_id)
		on conflict do nothing returning group_id::text, user_id::text`)
	joins, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("provision: join groups: %w", err)
	}
	if err := s.joined(ctx, joins); err != nil {
		return nil, err
	}
	if rep.Updated > 0 {
		// Names, roles, deactivations: every process forgets what it held
		// of the organization's credentials.
		if err := s.changed(ctx, ""); err != nil {
			return nil, err
		}
	}
	return rep, nil
}
