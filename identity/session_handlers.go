package identity

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

var errInvalidCredentials = httpapp.Errorf(fiber.StatusUnauthorized, "invalid_credentials", "the email or password is wrong")

type signInReq struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Org      string `json:"org"`
}

// signIn checks an address and password and opens a session. The look-up
// runs on the system pool (the organization is not known yet); the session
// is written in the organization's tenant transaction.
func (h *Handlers) signIn(c *fiber.Ctx) error {
	var req signInReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	email, err := httpapp.Email("email", req.Email)
	if err != nil {
		return err
	}
	switch {
	case req.Password == "":
		return httpapp.Invalid("password", "is required")
	case len(req.Password) > 1000:
		return errInvalidCredentials
	case len(req.Org) > 63:
		return httpapp.Invalid("org", "is not an organization slug")
	}
	if h.SignInGuard != nil {
		if err := h.SignInGuard(c, c.IP(), email); err != nil {
			return err
		}
	}
	ctx := c.UserContext()
	found, err := h.Store.signInCandidates(ctx, email, req.Org)
	if err != nil {
		return err
	}
	switch {
	case len(found) == 0:
		auth.DummyCheck(req.Password)
		return errInvalidCredentials
	case len(found) > 1:
		auth.DummyCheck(req.Password)
		return httpapp.Unprocessable("org", "this address belongs to several organizations; name one by its slug")
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
	expires := h.Clock.Now().Add(h.SessionTTL).UTC().Truncate(time.Second)
	u, err := h.Store.OpenSession(ctx, k.OrgID, k.UserID, hash, expires)
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
	if p := auth.From(ctx); p.Kind == "session" {
		if err := h.Store.RevokeSession(ctx, p.TokenID); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: auth.CookieName, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: h.SecureCookie, SameSite: fiber.CookieSameSiteStrictMode})
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) organization(c *fiber.Ctx) error {
	o, err := h.Store.Organization(c.UserContext())
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
	u, err := h.Store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	o, err := h.Store.Organization(ctx)
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
