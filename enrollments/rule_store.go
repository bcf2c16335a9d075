package enrollments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/events"
)

// EnrollmentRule enrolls every member of a group in a course: the members
// it has when the rule is made at once, later ones as they join (Joined).
type EnrollmentRule struct {
	ID        string    `json:"id"`
	Group     RuleGroup `json:"group"`
	Course    RuleRef   `json:"course"`
	DueDays   *int32    `json:"due_days"`
	CreatedBy *string   `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// RuleGroup is the group a rule reads its members from.
type RuleGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RuleRef is the course a rule enrolls in.
type RuleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

const ruleSelect = `select r.id, g.id, g.name, c.id, c.title, r.due_days, r.created_by, r.created_at
	from enrollment_rules r join groups g on g.id = r.group_id join courses c on c.id = r.course_id`

func scanRule(row pgx.Row) (*EnrollmentRule, error) {
	var r EnrollmentRule
	err := row.Scan(&r.ID, &r.Group.ID, &r.Group.Name, &r.Course.ID, &r.Course.Title, &r.DueDays, &r.CreatedBy, &r.CreatedAt)
	return &r, err
}

// Rules lists up to limit+1 rules, oldest first, after the cursor.
func (s *Store) Rules(ctx context.Context, after []string, limit int) ([]*EnrollmentRule, error) {
	args := []any{limit + 1}
	where := ""
	if after != nil {
		args = append(args, after[0], after[1])
		where = ` where (r.created_at, r.id) > ($2::timestamptz, $3::uuid)`
	}
	rows, err := s.q(ctx).Query(ctx, ruleSelect+where+` order by r.created_at, r.id limit $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("list enrollment rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*EnrollmentRule, error) { return scanRule(r) })
	if err != nil {
		return nil, fmt.Errorf("list enrollment rules: %w", err)
	}
	return out, nil
}

// Rule reads one rule.
func (s *Store) Rule(ctx context.Context, id string) (*EnrollmentRule, error) {
	r, err := scanRule(s.q(ctx).QueryRow(ctx, ruleSelect+` where r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("enrollment rule %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get enrollment rule: %w", err)
	}
	return r, nil
}

// RuleRefs reports whether the group exists and the course's status ("" when
// there is no such course), in the caller's organization.
func (s *Store) RuleRefs(ctx context.Context, groupID, courseID string) (groupOK bool, courseStatus string, err error) {
	err = s.q(ctx).QueryRow(ctx, `select exists (select 1 from groups where id = $1),
		coalesce((select status from courses where id = $2), '')`, groupID, courseID).Scan(&groupOK, &courseStatus)
	if err != nil {
		return false, "", fmt.Errorf("enrollment rule references: %w", err)
	}
	return groupOK, courseStatus, nil
}

// CreateRule adds a rule and enrolls the group's active members at once, in
// one insert ... select (source rule; existing enrollments, withdrawn ones
// too, stay as they are). It returns ErrConflict when the rule exists.
func (s *Store) CreateRule(ctx context.Context, groupID, courseID string, dueDays *int32, by string, now time.Time) (id string, enrolled int64, err error) {
	q := s.q(ctx)
	err = q.QueryRow(ctx, `insert into enrollment_rules (group_id, course_id, due_days, created_by) values ($1, $2, $3, $4)
		on conflict (group_id, course_id) do nothing returning id`, groupID, courseID, dueDays, by).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, fmt.Errorf("a rule already enrolls this group in this course: %w", ErrConflict)
	}
	if err != nil {
		return "", 0, fmt.Errorf("create enrollment rule: %w", err)
	}
	rows, _ := q.Query(ctx, `insert into enrollments (course_id, user_id, source, enrolled_by, due_at)
		select $2, gm.user_id, 'rule', $3,
			case when $4::integer is null then null else $5::timestamptz + make_interval(days => $4::integer) end
		from group_members gm join users u on u.id = gm.user_id and u.active
		where gm.group_id = $1
		on conflict (course_id, user_id) do nothing
		returning `+createdCols, groupID, courseID, by, dueDays, now)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[EnrollmentCreated])
	if err != nil {
		return "", 0, fmt.Errorf("apply enrollment rule: %w", err)
	}
	if err := events.Append(ctx, q, created(evs)...); err != nil {
		return "", 0, err
	}
	return id, int64(len(evs)), s.changed(ctx, "")
}

// createdCols are an inserted enrollment's columns as an EnrollmentCreated.
const createdCols = `id::text, course_id::text, user_id::text, source, due_at, created_at`

// Joined enrolls users who just joined groups in the courses of the
// groups' rules (identity.GroupJoins), in the transaction that added them:
// active users, courses not archived, existing enrollments left as they
// are.
func (s *Store) Joined(ctx context.Context, joins []identity.Membership) error {
	groups, users := make([]string, len(joins)), make([]string, len(joins))
	for i, j := range joins {
		groups[i], users[i] = j.GroupID, j.UserID
	}
	q := s.q(ctx)
	rows, _ := q.Query(ctx, `insert into enrollments (course_id, user_id, source, due_at)
		select distinct on (r.course_id, j.user_id) r.course_id, j.user_id, 'rule',
			case when r.due_days is null then null else now() + make_interval(days => r.due_days) end
		from unnest($1::uuid[], $2::uuid[]) j(group_id, user_id)
		join enrollment_rules r on r.group_id = j.group_id
		join users u on u.id = j.user_id and u.active
		join courses c on c.id = r.course_id and c.status <> 'archived'
		on conflict (course_id, user_id) do nothing
		returning `+createdCols, groups, users)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[EnrollmentCreated])
	if err != nil {
		return fmt.Errorf("enroll new group members by rule: %w", err)
	}
	if len(evs) == 0 {
		return nil
	}
	if err := events.Append(ctx, q, created(evs)...); err != nil {
		return err
	}
	return s.changed(ctx, "")
}

// DeleteRule removes a rule; the enrollments it made stay.
func (s *Store) DeleteRule(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from enrollment_rules where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete enrollment rule: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("enrollment rule %s: %w", id, ErrNotFound)
	}
	return nil
}
