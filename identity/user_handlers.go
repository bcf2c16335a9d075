package identity

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// listQuery reads what the user and group lists share: the page (keyed by
// one text column), the q search as an ILIKE pattern ("" for none) and the
// key to continue after.
func listQuery(c *fiber.Ctx) (pr httpapp.PageRequest, pattern, after string, err error) {
	if pr, err = httpapp.ParsePage(c, httpapp.KeyText); err != nil {
		return pr, "", "", err
	}
	q, err := httpapp.Text("q", c.Query("q"), 0, 200)
	if err != nil {
		return pr, "", "", err
	}
	if q != "" {
		pattern = "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	}
	if pr.After != nil {
		after = pr.After[0]
	}
	return pr, pattern, after, nil
}

func (h *Handlers) listUsers(c *fiber.Ctx) error {
	pr, pattern, after, err := listQuery(c)
	if err != nil {
		return err
	}
	f := UserFilter{Pattern: pattern, After: after, Limit: pr.Limit, Role: strings.Clone(c.Query("role"))}
	if f.Role != "" && !auth.ValidRole(f.Role) {
		return httpapp.Invalid("role", "must be one of %s", strings.Join(auth.AllRoles, ", "))
	}
	if g := c.Query("group_id"); g != "" {
		id, err := httpapp.ID("group_id", g)
		if err != nil {
			return err
		}
		f.GroupID = &id
	}
	if a := c.Query("active"); a != "" {
		b, err := strconv.ParseBool(a)
		if err != nil {
			return httpapp.Invalid("active", "must be true or false")
		}
		f.Active = &b
	}
	users, err := h.Store.Users(c.UserContext(), f)
	if err != nil {
		return err
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
	u := NewUser{Roles: []string{auth.Learner}, Active: req.Active == nil || *req.Active}
	var err error
	if u.Email, err = httpapp.Email("email", req.Email); err != nil {
		return err
	}
	if u.Name, err = httpapp.Text("name", req.Name, 1, 200); err != nil {
		return err
	}
	if u.ExternalID, err = externalID(req.ExternalID); err != nil {
		return err
	}
	if req.Roles != nil {
		var bad string
		if u.Roles, bad = checkRoles(*req.Roles); bad != "" {
			return httpapp.Invalid("roles", "%s", bad)
		}
	}
	if u.PasswordHash, err = newPasswordHash(req.Password); err != nil {
		return err
	}
	ctx := c.UserContext()
	id, err := h.Store.CreateUser(ctx, u)
	if err != nil {
		return err
	}
	out, err := h.Store.User(ctx, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + id)
	return c.Status(fiber.StatusCreated).JSON(out)
}

// externalID checks an optional external id; blank means none.
func externalID(p *string) (*string, error) {
	if p == nil {
		return nil, nil
	}
	s, err := httpapp.Text("external_id", *p, 0, 200)
	if err != nil || s == "" {
		return nil, err
	}
	return &s, nil
}

func (h *Handlers) getUser(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "user", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if p := auth.From(ctx); !p.Has(auth.Admin) && p.UserID != id {
		return fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	u, err := h.Store.User(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

type patchUserReq struct {
	Email      *string                  `json:"email"`
	Name       *string                  `json:"name"`
	ExternalID httpapp.Optional[string] `json:"external_id"`
	Roles      *[]string                `json:"roles"`
	Active     *bool                    `json:"active"`
	Password   *string                  `json:"password"`
}

func (h *Handlers) patchUser(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "user", ErrNotFound)
	if err != nil {
		return err
	}
	var req patchUserReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := h.Store.User(ctx, id)
	if err != nil {
		return err
	}
	if req.Email != nil {
		if u.Email, err = httpapp.Email("email", *req.Email); err != nil {
			return err
		}
	}
	if req.Name != nil {
		if u.Name, err = httpapp.Text("name", *req.Name, 1, 200); err != nil {
			return err
		}
	}
	if req.ExternalID.Set {
		if u.ExternalID, err = externalID(req.ExternalID.Value); err != nil {
			return err
		}
	}
	self := auth.From(ctx).UserID == id
	if req.Roles != nil {
		var bad string
		if u.Roles, bad = checkRoles(*req.Roles); bad != "" {
			return httpapp.Invalid("roles", "%s", bad)
		}
		if self && !slices.Contains(u.Roles, auth.Admin) {
			return httpapp.Unprocessable("roles", "you may not remove your own admin role (ask another admin)")
		}
	}
	if req.Active != nil {
		if self && !*req.Active {
			return httpapp.Unprocessable("active", "you may not deactivate yourself (ask another admin)")
		}
		u.Active = *req.Active
	}
	hash, err := newPasswordHash(req.Password)
	if err != nil {
		return err
	}
	if err := h.Store.UpdateUser(ctx, u, hash); err != nil {
		return err
	}
	if u, err = h.Store.User(ctx, id); err != nil {
		return err
	}
	return c.JSON(u)
}
