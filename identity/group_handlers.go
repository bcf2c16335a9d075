package identity

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/httpapp"
)

// maxMembersPerCall bounds POST /groups/{id}/members.
const maxMembersPerCall = 10000

func (h *Handlers) listGroups(c *fiber.Ctx) error {
	pr, pattern, after, err := listQuery(c)
	if err != nil {
		return err
	}
	groups, err := h.Store.Groups(c.UserContext(), pattern, after, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(groups, pr.Limit, func(g Group) []string { return []string{g.Name} }))
}

type groupReq struct {
	Name *string `json:"name"`
}

func (h *Handlers) createGroup(c *fiber.Ctx) error {
	var req groupReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return httpapp.Invalid("name", "is required")
	}
	name, err := httpapp.Text("name", *req.Name, 1, 200)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id, err := h.Store.CreateGroup(ctx, name)
	if err != nil {
		return err
	}
	g, err := h.Store.Group(ctx, id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/groups/" + id)
	return c.Status(fiber.StatusCreated).JSON(g)
}

func (h *Handlers) getGroup(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	g, err := h.Store.Group(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func (h *Handlers) patchGroup(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	var req groupReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	if req.Name != nil {
		name, err := httpapp.Text("name", *req.Name, 1, 200)
		if err != nil {
			return err
		}
		if err := h.Store.RenameGroup(ctx, id, name); err != nil {
			return err
		}
	}
	g, err := h.Store.Group(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func (h *Handlers) deleteGroup(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteGroup(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) listMembers(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	pr, err := httpapp.ParsePage(c, httpapp.KeyText)
	if err != nil {
		return err
	}
	after := ""
	if pr.After != nil {
		after = pr.After[0]
	}
	ctx := c.UserContext()
	if _, err := h.Store.Group(ctx, id); err != nil {
		return err
	}
	users, err := h.Store.Members(ctx, id, after, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(users, pr.Limit, func(u User) []string { return []string{u.Email} }))
}

type addMembersReq struct {
	UserIDs []string `json:"user_ids"`
	Emails  []string `json:"emails"`
}

// sample names at most five of a list, for an error message.
func sample(list []string) string {
	if len(list) > 5 {
		return strings.Join(list[:5], ", ") + fmt.Sprintf(" and %d more", len(list)-5)
	}
	return strings.Join(list, ", ")
}

// addMembers adds users by id or by email in one set-based insert; the
// store tells the enrollments domain, which enrolls them by the group's
// rules.
func (h *Handlers) addMembers(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	var req addMembersReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	switch {
	case len(req.UserIDs) > 0 && len(req.Emails) > 0:
		return httpapp.Invalid("user_ids", "send user_ids or emails, not both")
	case len(req.UserIDs) == 0 && len(req.Emails) == 0:
		return httpapp.Invalid("user_ids", "send user_ids or emails (at least one)")
	case len(req.UserIDs) > maxMembersPerCall:
		return httpapp.Invalid("user_ids", "at most %d per request", maxMembersPerCall)
	case len(req.Emails) > maxMembersPerCall:
		return httpapp.Invalid("emails", "at most %d per request", maxMembersPerCall)
	}
	ctx := c.UserContext()
	if _, err := h.Store.Group(ctx, id); err != nil {
		return err
	}
	var ids []string
	if len(req.UserIDs) > 0 {
		if ids, err = httpapp.DistinctIDs("user_ids", req.UserIDs); err != nil {
			return err
		}
		unknown, err := h.Store.UnknownUsers(ctx, ids)
		if err != nil {
			return err
		}
		if len(unknown) > 0 {
			return httpapp.Unprocessable("user_ids", "no such user: %s", sample(unknown))
		}
	} else {
		emails := make([]string, 0, len(req.Emails))
		seen := make(map[string]bool, len(req.Emails))
		for _, s := range req.Emails {
			e, err := httpapp.Email("emails", s)
			if err != nil {
				return err
			}
			if !seen[e] {
				seen[e] = true
				emails = append(emails, e)
			}
		}
		var unknown []string
		if ids, unknown, err = h.Store.UsersByEmail(ctx, emails); err != nil {
			return err
		}
		if len(unknown) > 0 {
			return httpapp.Unprocessable("emails", "no such user: %s", sample(unknown))
		}
	}
	added, err := h.Store.AddMembers(ctx, id, ids)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"added": added, "already": len(ids) - added})
}

func (h *Handlers) removeMember(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "group", ErrNotFound)
	if err != nil {
		return err
	}
	user, err := httpapp.PathID(c, "user_id", "member", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.RemoveMember(c.UserContext(), id, user); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
