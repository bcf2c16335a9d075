package xapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

type credentialRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// RegisterAPI mounts the admin routes on r (/api/v1): the organization's
// xAPI credentials, its record (statements browsed and exported) and the
// LRSs it forwards the record to.
func (h *Handlers) RegisterAPI(r fiber.Router) {
	admin := auth.Require("xapi", auth.Admin)
	r.Get("/xapi/credentials", admin, h.listCredentials)
	r.Post("/xapi/credentials", admin, h.createCredential)
	r.Get("/xapi/credentials/:id", admin, h.getCredential)
	r.Delete("/xapi/credentials/:id", admin, h.revokeCredential)
	r.Get("/xapi/statements", admin, h.listRecord)
	r.Get("/xapi/statements/export", admin, h.exportRecord)
	r.Get("/xapi/forwards", admin, h.listForwards)
	r.Post("/xapi/forwards", admin, h.createForward)
	r.Get("/xapi/forwards/:id", admin, h.getForward)
	r.Patch("/xapi/forwards/:id", admin, h.updateForward)
	r.Delete("/xapi/forwards/:id", admin, h.deleteForward)
}

func (h *Handlers) listCredentials(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	cs, err := h.Store.Credentials(c.UserContext(), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(cs, pr.Limit, func(x *Credential) []string {
		return []string{httpapp.TimeKey(x.CreatedAt), x.ID}
	}))
}

func (h *Handlers) createCredential(c *fiber.Ctx) error {
	var req credentialRequest
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	name, err := httpapp.Text("name", req.Name, 1, 200)
	if err != nil {
		return err
	}
	scopes := req.Scopes
	if scopes == nil {
		scopes = []string{ScopeAll}
	}
	if !ValidScopes(scopes) {
		return httpapp.Invalid("scopes", "must be one or more of %v", AllScopes)
	}
	cred, err := h.Store.CreateCredential(c.UserContext(), name, scopes)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cred)
}

func (h *Handlers) getCredential(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "credential", ErrNotFound)
	if err != nil {
		return err
	}
	cred, err := h.Store.Credential(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(cred)
}

// revokeCredential ends a credential at once, in every API process.
func (h *Handlers) revokeCredential(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "credential", ErrNotFound)
	if err != nil {
		return err
	}
	if _, err := h.Store.RevokeCredential(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
