package identity

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

func (h *Handlers) listTokens(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tokens, err := h.Store.Tokens(ctx, auth.From(ctx).UserID)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.All(tokens))
}

type createTokenReq struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	ExpiresInDays *int     `json:"expires_in_days"`
}

// createToken issues a personal API token. Its secret is in this response
// only. A token may not mint a token with a scope it lacks itself.
func (h *Handlers) createToken(c *fiber.Ctx) error {
	var req createTokenReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	name, err := httpapp.Text("name", req.Name, 1, 100)
	if err != nil {
		return err
	}
	if len(req.Scopes) == 0 {
		return httpapp.Invalid("scopes", "must name at least one scope (%s, or *)", strings.Join(auth.AllScopes, ", "))
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	t := Token{Name: name}
	for _, s := range req.Scopes {
		if !auth.ValidScope(s) {
			return httpapp.Invalid("scopes", "%q is not a scope (one of %s, or *)", s, strings.Join(auth.AllScopes, ", "))
		}
		if !p.Allows(s) {
			return &httpapp.Error{Status: fiber.StatusForbidden, Code: "insufficient_scope", Field: "scopes",
				Message: fmt.Sprintf("scopes: the token you call with lacks %s, so it cannot grant it", s)}
		}
		if !slices.Contains(t.Scopes, s) {
			t.Scopes = append(t.Scopes, s)
		}
	}
	if slices.Contains(t.Scopes, "*") {
		t.Scopes = []string{"*"}
	}
	if req.ExpiresInDays != nil {
		d := *req.ExpiresInDays
		if d < 1 || d > 3650 {
			return httpapp.Invalid("expires_in_days", "must be from 1 to 3650")
		}
		at := h.Clock.Now().Add(time.Duration(d) * 24 * time.Hour).UTC().Truncate(time.Second)
		t.ExpiresAt = &at
	}
	secret, hash := auth.NewSecret()
	if err := h.Store.CreateToken(ctx, p.UserID, &t, hash); err != nil {
		return err
	}
	c.Location("/api/v1/me/tokens/" + t.ID)
	return c.Status(fiber.StatusCreated).JSON(struct {
		Token
		Secret string `json:"token"`
	}{t, secret})
}

func (h *Handlers) deleteToken(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "token", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.Store.RevokeToken(ctx, auth.From(ctx).UserID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
