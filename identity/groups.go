package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Group is a named set of users; enrollment rules enroll its members.
type Group struct {
	ID          string    `json:"id" db:"id"`
	Name        string    `json:"name" db:"name"`
	MemberCount int       `json:"member_count" db:"member_count"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
}

const groupCols = `g.id, g.name, (select count(*) from group_members gm where gm.group_id = g.id)::int as member_count, g.created_at`

// maxMembersPerCall bounds POST /groups/{id}/members.
const maxMembersPerCall = 10000

func loadGroup(ctx context.Context, q database.Querier, id string) (*Group, error) {
	rows, _ := q.Query(ctx, `select `+groupCols+` from groups g where g.id = $1`, id)
	g, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Group])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load group %s: %w", id, err)
	}
	return g, nil
}

func (h *Handlers) listGroups(c *fiber.Ctx) error {
	pr, pattern, after, err := listQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, _ := database.Q(ctx, h.DB).Query(ctx, `select `+groupCols+` from groups g
		where ($1 = '' or g.name ilike $1) and g.name > $2 order by g.name limit $3`, pattern, after, pr.Limit+1)
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	return c.JSON(httpapp.NewPage(groups, pr.Limit, func(g Group) []string { return []string{g.Name} }))
}

type groupReq struct {
	Name *string `json:"name"`
}

func (r *groupReq) name() (string, error) {
	if r.Name == nil {
		return "", httpapp.Invalid("name", "is required")
	}
	n, bad := checkText(*r.Name, 1, 200)
	if bad != "" {
		return "", httpapp.Invalid("name", "%s", bad)
	}
	return n, nil
}

func (h *Handlers) createGroup(c *fiber.Ctx) error {
	var req groupReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	var id string
	if err := q.QueryRow(ctx, `insert into groups (name) values ($1) returning id`, name).Scan(&id); err != nil {
		return conflictOn(err)
	}
	g, err := loadGroup(ctx, q, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/groups/" + id)
	return c.Status(fiber.StatusCreated).JSON(g)
}

func (h *Handlers) getGroup(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	g, err := loadGroup(ctx, database.Q(ctx, h.DB), id)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func (h *Handlers) patchGroup(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	var req groupReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	if req.Name != nil {
		name, err := req.name()
		if err != nil {
			return err
		}
		tag, err := q.Exec(ctx, `update groups set name = $2 where id = $1`, id, name)
		if err != nil {
			return conflictOn(err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("group %s: %w", id, ErrNotFound)
		}
	}
	g, err := loadGroup(ctx, q, id)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func (h *Handlers) deleteGroup(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tag, err := database.Q(ctx, h.DB).Exec(ctx, `delete from groups where id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) listMembers(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	pr, err := httpapp.ParsePage(c, 1)
	if err != nil {
		return err
	}
	after := ""
	if len(pr.After) == 1 {
		after = pr.After[0]
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	if _, err := loadGroup(ctx, q, id); err != nil {
		return err
	}
	rows, _ := q.Query(ctx, `select `+userCols+` from group_members gm join users u on u.id = gm.user_id
		where gm.group_id = $1 and u.email > $2 order by u.email limit $3`, id, after, pr.Limit+1)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return fmt.Errorf("list members of group %s: %w", id, err)
	}
	return c.JSON(httpapp.NewPage(users, pr.Limit, func(u User) []string { return []string{u.Email} }))
}

type addMembersReq struct {
	UserIDs []string `json:"user_ids"`
	Emails  []string `json:"emails"`
}

func unprocessable(field, format string, args ...any) *httpapp.Error {
	return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: field,
		Message: field + ": " + fmt.Sprintf(format, args...)}
}

func sample(list []string) string {
	if len(list) > 5 {
		return strings.Join(list[:5], ", ") + fmt.Sprintf(" and %d more", len(list)-5)
	}
	return strings.Join(list, ", ")
}

// addMembers adds users by id or by email in one set-based insert; the
// group_members trigger enrolls them in the group's rule courses.
func (h *Handlers) addMembers(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	var req addMembersReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	field := "user_ids"
	switch {
	case len(req.UserIDs) > 0 && len(req.Emails) > 0:
		return httpapp.Invalid("user_ids", "send user_ids or emails, not both")
	case len(req.UserIDs) == 0 && len(req.Emails) == 0:
		return httpapp.Invalid("user_ids", "send user_ids or emails (at least one)")
	case len(req.UserIDs) > maxMembersPerCall || len(req.Emails) > maxMembersPerCall:
		return httpapp.Invalid(field, "at most %d per request", maxMembersPerCall)
	case len(req.Emails) > 0:
		field = "emails"
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	if _, err := loadGroup(ctx, q, id); err != nil {
		return err
	}
	var ids []string
	if field == "user_ids" {
		seen := make(map[string]bool, len(req.UserIDs))
		for _, s := range req.UserIDs {
			u, err := uuid.Parse(s)
			if err != nil {
				return httpapp.Invalid("user_ids", "%q is not a user id", s)
			}
			if !seen[u.String()] {
				seen[u.String()] = true
				ids = append(ids, u.String())
			}
		}
		var unknown []string
		if err := q.QueryRow(ctx, `select coalesce(array_agg(x::text order by x), '{}') from unnest($1::uuid[]) x
			where not exists (select 1 from users u where u.id = x)`, ids).Scan(&unknown); err != nil {
			return fmt.Errorf("resolve members: %w", err)
		}
		if len(unknown) > 0 {
			return unprocessable("user_ids", "no such user: %s", sample(unknown))
		}
	} else {
		emails := make([]string, 0, len(req.Emails))
		seen := make(map[string]bool, len(req.Emails))
		for _, s := range req.Emails {
			e, bad := checkEmail(s)
			if bad != "" {
				return httpapp.Invalid("emails", "%q %s", s, bad)
			}
			if !seen[e] {
				seen[e] = true
				emails = append(emails, e)
			}
		}
		var unknown []string
		if err := q.QueryRow(ctx, `select coalesce(array_agg(u.id::text) filter (where u.id is not null), '{}'),
				coalesce(array_agg(e order by e) filter (where u.id is null), '{}')
			from unnest($1::text[]) e left join users u on u.email = e`, emails).Scan(&ids, &unknown); err != nil {
			return fmt.Errorf("resolve members: %w", err)
		}
		if len(unknown) > 0 {
			return unprocessable("emails", "no such user: %s", sample(unknown))
		}
	}
	tag, err := q.Exec(ctx, `insert into group_members (group_id, user_id)
		select $1, x from unnest($2::uuid[]) x on conflict do nothing`, id, ids)
	if err != nil {
		return fmt.Errorf("add members to group %s: %w", id, err)
	}
	added := int(tag.RowsAffected())
	return c.JSON(fiber.Map{"added": added, "already": len(ids) - added})
}

func (h *Handlers) removeMember(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "group")
	if err != nil {
		return err
	}
	user, err := pathID(c, "user_id", "member")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tag, err := database.Q(ctx, h.DB).Exec(ctx, `delete from group_members where group_id = $1 and user_id = $2`, id, user)
	if err != nil {
		return fmt.Errorf("remove member %s of group %s: %w", user, id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("member %s of group %s: %w", user, id, ErrNotFound)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
