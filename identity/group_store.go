package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group is a named set of users; enrollment rules enroll its members.
type Group struct {
	ID          string    `json:"id" db:"id"`
	Name        string    `json:"name" db:"name"`
	MemberCount int       `json:"member_count" db:"member_count"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
}

const groupCols = `g.id, g.name, (select count(*) from group_members gm where gm.group_id = g.id)::int as member_count, g.created_at`

// Group reads one group.
func (s *Store) Group(ctx context.Context, id string) (*Group, error) {
	rows, _ := s.q(ctx).Query(ctx, `select `+groupCols+` from groups g where g.id = $1`, id)
	g, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Group])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load group %s: %w", id, err)
	}
	return g, nil
}

// Groups lists up to limit+1 groups by name, after the name after, matching
// the ILIKE pattern ("" for all).
func (s *Store) Groups(ctx context.Context, pattern, after string, limit int) ([]Group, error) {
	rows, _ := s.q(ctx).Query(ctx, `select `+groupCols+` from groups g
		where ($1 = '' or g.name ilike $1) and g.name > $2 order by g.name limit $3`, pattern, after, limit+1)
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return groups, nil
}

// CreateGroup inserts a group and returns its id (ErrGroupNameTaken when the
// name is in use).
func (s *Store) CreateGroup(ctx context.Context, name string) (string, error) {
	var id string
	if err := s.q(ctx).QueryRow(ctx, `insert into groups (name) values ($1) returning id`, name).Scan(&id); err != nil {
		return "", taken(err)
	}
	return id, nil
}

// RenameGroup renames a group.
func (s *Store) RenameGroup(ctx context.Context, id, name string) error {
	tag, err := s.q(ctx).Exec(ctx, `update groups set name = $2 where id = $1`, id, name)
	if err != nil {
		return taken(err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteGroup deletes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from groups where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return nil
}

// Members lists up to limit+1 members of a group by email, after the
// address after.
func (s *Store) Members(ctx context.Context, groupID, after string, limit int) ([]User, error) {
	rows, _ := s.q(ctx).Query(ctx, `select `+userCols+` from group_members gm join users u on u.id = gm.user_id
		where gm.group_id = $1 and u.email > $2 order by u.email limit $3`, groupID, after, limit+1)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return nil, fmt.Errorf("list members of group %s: %w", groupID, err)
	}
	return users, nil
}

// UnknownUsers returns the ids that name no user of the organization.
func (s *Store) UnknownUsers(ctx context.Context, ids []string) ([]string, error) {
	var unknown []string
	if err := s.q(ctx).QueryRow(ctx, `select coalesce(array_agg(x::text order by x), '{}') from unnest($1::uuid[]) x
		where not exists (select 1 from users u where u.id = x)`, ids).Scan(&unknown); err != nil {
		return nil, fmt.Errorf("resolve users: %w", err)
	}
	return unknown, nil
}

// UsersByEmail resolves addresses to user ids, and returns those that name
// no user.
func (s *Store) UsersByEmail(ctx context.Context, emails []string) (ids, unknown []string, err error) {
	if err := s.q(ctx).QueryRow(ctx, `select coalesce(array_agg(u.id::text) filter (where u.id is not null), '{}'),
			coalesce(array_agg(e order by e) filter (where u.id is null), '{}')
		from unnest($1::text[]) e left join users u on u.email = e`, emails).Scan(&ids, &unknown); err != nil {
		return nil, nil, fmt.Errorf("resolve users: %w", err)
	}
	return ids, unknown, nil
}

// AddMembers adds users to a group in one set-based insert and tells Joins
// of those who were not members yet. It returns how many joined.
func (s *Store) AddMembers(ctx context.Context, groupID string, userIDs []string) (int, error) {
	rows, _ := s.q(ctx).Query(ctx, `insert into group_members (group_id, user_id)
		select $1, x from unnest($2::uuid[]) x on conflict do nothing returning group_id::text, user_id::text`, groupID, userIDs)
	joins, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return 0, fmt.Errorf("add members to group %s: %w", groupID, err)
	}
	return len(joins), s.joined(ctx, joins)
}

// RemoveMember takes a user out of a group.
func (s *Store) RemoveMember(ctx context.Context, groupID, userID string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from group_members where group_id = $1 and user_id = $2`, groupID, userID)
	if err != nil {
		return fmt.Errorf("remove member %s of group %s: %w", userID, groupID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("member %s of group %s: %w", userID, groupID, ErrNotFound)
	}
	return nil
}
