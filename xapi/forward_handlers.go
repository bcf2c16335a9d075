package xapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi/statement"
)

type forwardRequest struct {
	URL        string   `json:"url"`
	Username   string   `json:"username"`
	Password   string   `json:"password"`
	Verbs      []string `json:"verbs"`
	Activities []string `json:"activities"`
	Backfill   *bool    `json:"backfill"`
}

type forwardUpdate struct {
	URL        *string   `json:"url"`
	Username   *string   `json:"username"`
	Password   *string   `json:"password"`
	Verbs      *[]string `json:"verbs"`
	Activities *[]string `json:"activities"`
	Active     *bool     `json:"active"`
}

// iris checks a filter list: IRIs, at most 100.
func iris(field string, list []string) ([]string, error) {
	if len(list) > 100 {
		return nil, httpapp.Invalid(field, "holds at most 100 IRIs")
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !statement.IsIRI(s) {
			return nil, httpapp.Invalid(field, "%q is not an IRI", s)
		}
		out = append(out, s)
	}
	return out, nil
}

func (h *Handlers) listForwards(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	fs, err := h.Store.Forwards(c.UserContext(), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(fs, pr.Limit, func(f *Forward) []string {
		return []string{httpapp.TimeKey(f.CreatedAt), f.ID}
	}))
}

func (h *Handlers) createForward(c *fiber.Ctx) error {
	var req forwardRequest
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	u, err := httpapp.URL("url", req.URL)
	if err != nil {
		return err
	}
	n := NewForward{URL: u, Backfill: req.Backfill == nil || *req.Backfill}
	if n.Username, err = httpapp.Text("username", req.Username, 0, 200); err != nil {
		return err
	}
	if len(req.Password) > 500 {
		return httpapp.Invalid("password", "must be at most 500 characters")
	}
	n.Password = req.Password
	if n.Verbs, err = iris("verbs", req.Verbs); err != nil {
		return err
	}
	if n.Activities, err = iris("activities", req.Activities); err != nil {
		return err
	}
	f, err := h.Store.CreateForward(c.UserContext(), n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(f)
}

func (h *Handlers) getForward(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "forward", ErrNotFound)
	if err != nil {
		return err
	}
	f, err := h.Store.Forward(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(f)
}

func (h *Handlers) updateForward(c *fiber.Ctx) error {
	var req forwardUpdate
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	id, err := httpapp.PathID(c, "id", "forward", ErrNotFound)
	if err != nil {
		return err
	}
	ch := ForwardChange{Active: req.Active, Password: req.Password}
	if req.URL != nil {
		u, err := httpapp.URL("url", *req.URL)
		if err != nil {
			return err
		}
		ch.URL = &u
	}
	if req.Username != nil {
		u, err := httpapp.Text("username", *req.Username, 0, 200)
		if err != nil {
			return err
		}
		ch.Username = &u
	}
	if req.Password != nil && len(*req.Password) > 500 {
		return httpapp.Invalid("password", "must be at most 500 characters")
	}
	if req.Verbs != nil {
		if ch.Verbs, err = iris("verbs", *req.Verbs); err != nil {
			return err
		}
	}
	if req.Activities != nil {
		if ch.Activities, err = iris("activities", *req.Activities); err != nil {
			return err
		}
	}
	f, err := h.Store.UpdateForward(c.UserContext(), id, ch)
	if err != nil {
		return err
	}
	return c.JSON(f)
}

func (h *Handlers) deleteForward(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "forward", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteForward(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
