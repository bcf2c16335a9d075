package identity

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Token is a personal API token as listed (never with its secret).
type Token struct {
	ID         string     `json:"id" db:"id"`
	Name       string     `json:"name" db:"name"`
	Scopes     []string   `json:"scopes" db:"scopes"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at" db:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at" db:"last_used_at"`
}

func (h *Handlers) listTokens(c *fiber.Ctx) error {
	ctx := c.UserContext()
	rows, _ := database.Q(ctx, h.DB).Query(ctx, `select id, name, scopes, created_at, expires_at, last_used_at
		from tokens where user_id = $1 and kind = 'api' and revoked_at is null
		order by created_at desc, id`, auth.From(ctx).UserID)
	tokens, err := pgx.CollectRows(rows, pgx.RowToStructByName[Token])
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	if tokens == nil {
		tokens = []Token{}
	}
	return c.JSON(httpapp.Page[Token]{Items: tokens})
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
	name, bad := checkText(req.Name, 1, 100)
	if bad != "" {
		return httpapp.Invalid("name", "%s", bad)
	}
	if len(req.Scopes) == 0 {
		return httpapp.Invalid("scopes", "must name at least one scope (%s, or *)", strings.Join(auth.AllScopes, ", "))
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	var scopes []string
	for _, s := range req.Scopes {
		if !auth.ValidScope(s) {
			return httpapp.Invalid("scopes", "%q is not a scope (one of %s, or *)", s, strings.Join(auth.AllScopes, ", "))
		}
		if !p.Allows(s) {
			return &httpapp.Error{Status: fiber.StatusForbidden, Code: "insufficient_scope", Field: "scopes",
				Message: fmt.Sprintf("scopes: the token you call with lacks %s, so it cannot grant it", s)}
		}
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if slices.Contains(scopes, "*") {
		scopes = []string{"*"}
	}
	var expires *time.Time
	if req.ExpiresInDays != nil {
		d := *req.ExpiresInDays
		if d < 1 || d > 3650 {
			return httpapp.Invalid("expires_in_days", "must be from 1 to 3650")
		}
		t := h.now().Add(time.Duration(d) * 24 * time.Hour).UTC().Truncate(time.Second)
		expires = &t
	}
	secret, hash := auth.NewSecret()
	var t Token
	err := database.Q(ctx, h.DB).QueryRow(ctx, `insert into tokens (user_id, kind, name, hash, scopes, expires_at)
		values ($1, 'api', $2, $3, $4, $5) returning id, created_at`, p.UserID, name, hash, scopes, expires).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	t.Name, t.Scopes, t.ExpiresAt = name, scopes, expires
	c.Location("/api/v1/me/tokens/" + t.ID)
	return c.Status(fiber.StatusCreated).JSON(struct {
		Token
		Secret string `json:"token"`
	}{t, secret})
}

func (h *Handlers) deleteToken(c *fiber.Ctx) error {
	id, err := pathID(c, "id", "token")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tag, err := database.Q(ctx, h.DB).Exec(ctx, `update tokens set revoked_at = now()
		where id = $1 and user_id = $2 and kind = 'api' and revoked_at is null`, id, auth.From(ctx).UserID)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %s: %w", id, ErrNotFound)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
