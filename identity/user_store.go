package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is a person of an organization.
type User struct {
	ID            string     `json:"id" db:"id"`
	Email         string     `json:"email" db:"email"`
	Name          string     `json:"name" db:"name"`
	ExternalID    *string    `json:"external_id" db:"external_id"`
	Roles         []string   `json:"roles" db:"roles"`
	Active        bool       `json:"active" db:"active"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at" db:"updated_at"`
	DeactivatedAt *time.Time `json:"deactivated_at" db:"deactivated_at"`
	// Groups is filled when one user is read.
	Groups []GroupRef `json:"groups,omitzero" db:"-"`
}

// GroupRef names a group a user belongs to.
type GroupRef struct {
	ID   string `json:"id" db:"id"`
	Name string `json:"name" db:"name"`
}

const userCols = `u.id, u.email, u.name, u.external_id, u.roles, u.active, u.created_at, u.updated_at, u.deactivated_at`

// User reads one user with their groups.
func (s *Store) User(ctx context.Context, id string) (*User, error) {
	q := s.q(ctx)
	rows, _ := q.Query(ctx, `select `+userCols+` from users u where u.id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[User])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load user %s: %w", id, err)
	}
	rows, _ = q.Query(ctx, `select g.id, g.name from group_members gm join groups g on g.id = gm.group_id
		where gm.user_id = $1 order by g.name, g.id`, id)
	u.Groups, err = pgx.CollectRows(rows, pgx.RowToStructByName[GroupRef])
	if err != nil {
		return nil, fmt.Errorf("load groups of user %s: %w", id, err)
	}
	if u.Groups == nil {
		u.Groups = []GroupRef{}
	}
	return u, nil
}

// UserFilter narrows the user list; the zero value lists everyone.
type UserFilter struct {
	Pattern string  // an ILIKE pattern on email or name, "" for none
	Role    string  // "" for any
	GroupID *string // members of this group
	Active  *bool
	After   string // the email of the last user of the previous page
	Limit   int
}

// Users lists up to f.Limit+1 users by email.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]User, error) {
	rows, _ := s.q(ctx).Query(ctx, `select `+userCols+` from users u
		where ($1 = '' or u.email ilike $1 or u.name ilike $1)
		  and ($2 = '' or $2 = any (u.roles))
		  and ($3::uuid is null or exists (select 1 from group_members gm where gm.user_id = u.id and gm.group_id = $3))
		  and ($4::boolean is null or u.active = $4)
		  and u.email > $5
		order by u.email limit $6`, f.Pattern, f.Role, f.GroupID, f.Active, f.After, f.Limit+1)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// NewUser is a user to create.
type NewUser struct {
	Email, Name  string
	ExternalID   *string
	Roles        []string
	Active       bool
	PasswordHash *string
}

// CreateUser inserts a user and returns its id; ErrEmailTaken or
// ErrExternalIDTaken when another user has the address or external id.
func (s *Store) CreateUser(ctx context.Context, u NewUser) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `insert into users (email, name, external_id, roles, active, password_hash, deactivated_at)
		values ($1, $2, $3, $4, $5, $6, case when $5 then null else now() end) returning id`,
		u.Email, u.Name, u.ExternalID, u.Roles, u.Active, u.PasswordHash).Scan(&id)
	if err != nil {
		return "", taken(err)
	}
	return id, nil
}

// UpdateUser writes u's fields (and a new password hash, when given). An
// inactive user's sessions and tokens are revoked with it. Every process
// forgets what it held of the user's credentials.
func (s *Store) UpdateUser(ctx context.Context, u *User, passwordHash *string) error {
	q := s.q(ctx)
	_, err := q.Exec(ctx, `update users set email = $2, name = $3, external_id = $4, roles = $5, active = $6,
			password_hash = coalesce($7, password_hash),
			deactivated_at = case when $6 then null else coalesce(deactivated_at, now()) end,
			updated_at = now()
		where id = $1`, u.ID, u.Email, u.Name, u.ExternalID, u.Roles, u.Active, passwordHash)
	if err != nil {
		return taken(err)
	}
	if !u.Active {
		if _, err := q.Exec(ctx, `update tokens set revoked_at = now() where user_id = $1 and revoked_at is null`, u.ID); err != nil {
			return fmt.Errorf("revoke tokens of user %s: %w", u.ID, err)
		}
	}
	return s.changed(ctx, "u:"+u.ID)
}
