package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

var errInvalidCredentials = httpapp.Errorf(fiber.StatusUnauthorized, "invalid_credentials", "the email or password is wrong")

type signInReq struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Org      string `json:"org"`
}

type candidate struct {
	UserID string
	OrgID  string
	Hash   *string
	Active bool
}

// signIn checks an address and password and opens a session. The look-up
// runs on the system pool (the organization is not known yet); the session
// is written in the organization's tenant transaction.
func (h *Handlers) signIn(c *fiber.Ctx) error {
	var req signInReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	email, bad := checkEmail(req.Email)
	if bad != "" {
		return httpapp.Invalid("email", "%s", bad)
	}
	switch {
	case req.Password == "":
		return httpapp.Invalid("password", "is required")
	case len(req.Password) > 1000:
		return errInvalidCredentials
	case len(req.Org) > 63:
		return httpapp.Invalid("org", "is not an organization slug")
	}
	ctx := c.UserContext()
	rows, _ := h.System.Query(ctx, `select u.id, u.org_id, u.password_hash, u.active
		from users u join organizations o on o.id = u.org_id
		where u.email = $1 and ($2 = '' or o.slug = $2) order by u.org_id limit 2`, email, req.Org)
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var k candidate
		err := r.Scan(&k.UserID, &k.OrgID, &k.Hash, &k.Active)
		return k, err
	})
	if err != nil {
		return fmt.Errorf("sign-in look-up: %w", err)
	}
	switch {
	case len(found) == 0:
		auth.DummyCheck(req.Password)
		return errInvalidCredentials
	case len(found) > 1:
		auth.DummyCheck(req.Password)
		return &httpapp.Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: "org",
			Message: "org: this address belongs to several organizations; name one by its slug"}
	}
	k := found[0]
	if !k.Active || k.Hash == nil {
		auth.DummyCheck(req.Password)
		return errInvalidCredentials
	}
	ok, err := auth.CheckPassword(*k.Hash, req.Password)
	if err != nil {
		return fmt.Errorf("check password of user %s: %w", k.UserID, err)
	}
	if !ok {
		return errInvalidCredentials
	}
	secret, hash := auth.NewSecret()
	expires := h.now().Add(h.SessionTTL).UTC().Truncate(time.Second)
	var u *User
	err = database.InOrg(ctx, h.DB, k.OrgID, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into tokens (user_id, kind, name, hash, expires_at) values ($1, 'session', 'session', $2, $3)`,
			k.UserID, hash, expires); err != nil {
			return fmt.Errorf("open session: %w", err)
		}
		var err error
		u, err = loadUser(ctx, tx, k.UserID)
		return err
	})
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: auth.CookieName, Value: secret, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: h.SecureCookie, SameSite: fiber.CookieSameSiteStrictMode})
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": secret, "expires_at": expires, "user": u})
}

// signOut revokes the presented session and clears the cookie. An API token
// presented here stays valid (DELETE /me/tokens/{id} revokes one).
func (h *Handlers) signOut(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auth.From(ctx)
	if p.Kind == "session" {
		if _, err := database.Q(ctx, h.DB).Exec(ctx, `update tokens set revoked_at = now() where id = $1 and revoked_at is null`, p.TokenID); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
	}
	c.Cookie(&fiber.Cookie{Name: auth.CookieName, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: h.SecureCookie, SameSite: fiber.CookieSameSiteStrictMode})
	return c.SendStatus(fiber.StatusNoContent)
}

// Organization is a tenant.
type Organization struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func loadOrganization(ctx context.Context, q database.Querier) (*Organization, error) {
	var o Organization
	err := q.QueryRow(ctx, `select id, slug, name, created_at from organizations where id = lectern_org()`).
		Scan(&o.ID, &o.Slug, &o.Name, &o.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("organization: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load organization: %w", err)
	}
	return &o, nil
}

func (h *Handlers) organization(c *fiber.Ctx) error {
	ctx := c.UserContext()
	o, err := loadOrganization(ctx, database.Q(ctx, h.DB))
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// me describes the caller: their user, organization, roles, and the scopes
// of the credential presented ("*" for a session: its user's roles apply).
func (h *Handlers) me(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := auth.From(ctx)
	q := database.Q(ctx, h.DB)
	u, err := loadUser(ctx, q, p.UserID)
	if err != nil {
		return err
	}
	o, err := loadOrganization(ctx, q)
	if err != nil {
		return err
	}
	scopes := p.Scopes
	if p.Kind == "session" {
		scopes = []string{"*"}
	}
	if scopes == nil {
		scopes = []string{}
	}
	return c.JSON(fiber.Map{"user": u, "organization": o, "roles": u.Roles, "scopes": scopes, "credential": p.Kind})
}
