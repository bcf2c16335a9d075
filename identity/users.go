package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
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

// loadUser reads one user of the transaction's organization, with groups.
func loadUser(ctx context.Context, q database.Querier, id string) (*User, error) {
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

// revokeTokens revokes every live credential of a user.
func revokeTokens(ctx context.Context, q database.Querier, userID string) error {
	_, err := q.Exec(ctx, `update tokens set revoked_at = now() where user_id = $1 and revoked_at is null`, userID)
	if err != nil {
		return fmt.Errorf("revoke tokens of user %s: %w", userID, err)
	}
	return nil
}

func likePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// listQuery reads what the user and group lists share: the page (keyed by
// one sort column), the q search as an ILIKE pattern ("" for none) and the
// key to continue after.
func listQuery(c *fiber.Ctx) (pr httpapp.PageRequest, pattern, after string, err error) {
	if pr, err = httpapp.ParsePage(c, 1); err != nil {
		return pr, "", "", err
	}
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		return pr, "", "", httpapp.Invalid("q", "must be at most 200 characters")
	}
	if q != "" {
		pattern = likePattern(q)
	}
	if len(pr.After) == 1 {
		after = pr.After[0]
	}
	return pr, pattern, after, nil
}

func (h *Handlers) listUsers(c *fiber.Ctx) error {
	pr, pattern, after, err := listQuery(c)
	if err != nil {
		return err
	}
	role := strings.Clone(c.Query("role"))
	if role != "" && !auth.ValidRole(role) {
		return httpapp.Invalid("role", "must be one of %s", strings.Join(auth.AllRoles, ", "))
	}
	var group *string
	if g := c.Query("group_id"); g != "" {
		if _, err := uuid.Parse(g); err != nil {
			return httpapp.Invalid("group_id", "must be a group id")
		}
		g = strings.Clone(g)
		group = &g
	}
	var active *bool
	if a := c.Query("active"); a != "" {
		b, err := strconv.ParseBool(a)
		if err != nil {
			return httpapp.Invalid("active", "must be true or false")
		}
		active = &b
	}
	ctx := c.UserContext()
	rows, _ := database.Q(ctx, h.DB).Query(ctx, `select `+userCols+` from users u
		where ($1 = '' or u.email ilike $1 or u.name ilike $1)
		  and ($2 = '' or $2 = any (u.roles))
		  and ($3::uuid is null or exists (select 1 from group_members gm where gm.user_id = u.id and gm.group_id = $3))
		  and ($4::boolean is null or u.active = $4)
		  and u.email > $5
		order by u.email limit $6`, pattern, role, group, active, after, pr.Limit+1)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	return c.JSON(httpapp.NewPage(users, pr.Limit, func(u User) []string { return []string{u.Email} }))
}

type createUserReq struct {
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	ExternalID *string   `json:"external_id"`
	Roles      *[]string `json:"roles"`
	Active     *bool     `json:"active"`
	Password   *string   `json:"password"`
}

func (h *Handlers) createUser(c *fiber.Ctx) error {
	var req createUserReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	email, bad := checkEmail(req.Email)
	if bad != "" {
		return httpapp.Invalid("email", "%s", bad)
	}
	name, bad := checkText(req.Name, 1, 200)
	if bad != "" {
		return httpapp.Invalid("name", "%s", bad)
	}
	ext, err := checkExternalID(req.ExternalID)
	if err != nil {
		return err
	}
	roles := []string{auth.Learner}
	if req.Roles != nil {
		if roles, bad = checkRoles(*req.Roles); bad != "" {
			return httpapp.Invalid("roles", "%s", bad)
		}
	}
	active := req.Active == nil || *req.Active
	hash, err := newPasswordHash(req.Password)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	var id string
	err = q.QueryRow(ctx, `insert into users (email, name, external_id, roles, active, password_hash, deactivated_at)
		values ($1, $2, $3, $4, $5, $6, case when $5 then null else now() end) returning id`,
		email, name, ext, roles, active, hash).Scan(&id)
	if err != nil {
		return conflictOn(err)
	}
	u, err := loadUser(ctx, q, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + id)
	return c.Status(fiber.StatusCreated).JSON(u)
}

func checkExternalID(p *string) (*string, error) {
	if p == nil {
		return nil, nil
	}
	s, bad := checkText(*p, 0, 200)
	if bad != "" {
		return nil, httpapp.Invalid("external_id", "%s", bad)
	}
	if s == "" {
		return nil, nil
	}
	return &s, nil
}

func (h *Handlers) getUser(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "user")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if p := auth.From(ctx); !p.Has(auth.Admin) && p.UserID != id {
		return fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	u, err := loadUser(ctx, database.Q(ctx, h.DB), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

type patchUserReq struct {
	Email      *string          `json:"email"`
	Name       *string          `json:"name"`
	ExternalID nullable[string] `json:"external_id"`
	Roles      *[]string        `json:"roles"`
	Active     *bool            `json:"active"`
	Password   *string          `json:"password"`
}

func (h *Handlers) patchUser(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "user")
	if err != nil {
		return err
	}
	var req patchUserReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	u, err := loadUser(ctx, q, id)
	if err != nil {
		return err
	}
	var bad string
	if req.Email != nil {
		if u.Email, bad = checkEmail(*req.Email); bad != "" {
			return httpapp.Invalid("email", "%s", bad)
		}
	}
	if req.Name != nil {
		if u.Name, bad = checkText(*req.Name, 1, 200); bad != "" {
			return httpapp.Invalid("name", "%s", bad)
		}
	}
	if req.ExternalID.Set {
		if u.ExternalID, err = checkExternalID(req.ExternalID.Value); err != nil {
			return err
		}
	}
	self := auth.From(ctx).UserID == id
	if req.Roles != nil {
		if u.Roles, bad = checkRoles(*req.Roles); bad != "" {
			return httpapp.Invalid("roles", "%s", bad)
		}
		if self && !slices.Contains(u.Roles, auth.Admin) {
			return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: "roles",
				Message: "roles: you may not remove your own admin role (ask another admin)"}
		}
	}
	wasActive := u.Active
	if req.Active != nil {
		if self && !*req.Active {
			return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: "active",
				Message: "active: you may not deactivate yourself (ask another admin)"}
		}
		u.Active = *req.Active
	}
	hash, err := newPasswordHash(req.Password)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `update users set email = $2, name = $3, external_id = $4, roles = $5, active = $6,
			password_hash = coalesce($7, password_hash),
			deactivated_at = case when $6 then null else coalesce(deactivated_at, now()) end,
			updated_at = now()
		where id = $1`, id, u.Email, u.Name, u.ExternalID, u.Roles, u.Active, hash)
	if err != nil {
		return conflictOn(err)
	}
	if wasActive && !u.Active {
		if err := revokeTokens(ctx, q, id); err != nil {
			return err
		}
	}
	u, err = loadUser(ctx, q, id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// newPasswordHash checks and hashes a password given in a request; nil
// when none was given.
func newPasswordHash(pw *string) (*string, error) {
	if pw == nil {
		return nil, nil
	}
	if bad := checkPassword(*pw); bad != "" {
		return nil, httpapp.Invalid("password", "%s", bad)
	}
	h, err := auth.HashPassword(*pw)
	if err != nil {
		return nil, err
	}
	return &h, nil
}
