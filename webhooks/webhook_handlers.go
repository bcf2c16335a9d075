package webhooks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/lectern/lectern/internal/httpapp"
)

type createRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	Active      *bool    `json:"active"`
}

type updateRequest struct {
	URL          *string   `json:"url"`
	Events       *[]string `json:"events"`
	Description  *string   `json:"description"`
	Active       *bool     `json:"active"`
	RotateSecret bool      `json:"rotate_secret"`
}

func (h *Handlers) list(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	ws, err := h.Store.Webhooks(c.UserContext(), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(ws, pr.Limit, func(w *Webhook) []string {
		return []string{httpapp.TimeKey(w.CreatedAt), w.ID}
	}))
}

func (h *Handlers) create(c *fiber.Ctx) error {
	var req createRequest
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	u, err := checkURL(req.URL)
	if err != nil {
		return err
	}
	events, err := checkEvents(req.Events)
	if err != nil {
		return err
	}
	desc, err := description(req.Description)
	if err != nil {
		return err
	}
	active := req.Active == nil || *req.Active
	w, err := h.Store.CreateWebhook(c.UserContext(), u, desc, events, active, NewSecret())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

func (h *Handlers) get(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "webhook", ErrNotFound)
	if err != nil {
		return err
	}
	w, err := h.Store.Webhook(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (h *Handlers) update(c *fiber.Ctx) error {
	var req updateRequest
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	id, err := httpapp.PathID(c, "id", "webhook", ErrNotFound)
	if err != nil {
		return err
	}
	var ch Change
	if req.URL != nil {
		u, err := checkURL(*req.URL)
		if err != nil {
			return err
		}
		ch.URL = &u
	}
	if req.Events != nil {
		events, err := checkEvents(*req.Events)
		if err != nil {
			return err
		}
		ch.Events = events
	}
	if req.Description != nil {
		d, err := description(*req.Description)
		if err != nil {
			return err
		}
		ch.Description = &d
	}
	ch.Active = req.Active
	if req.RotateSecret {
		s := NewSecret()
		ch.Secret = &s
	}
	w, err := h.Store.UpdateWebhook(c.UserContext(), id, ch)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (h *Handlers) delete(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "webhook", ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.Store.DeleteWebhook(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) deliveries(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{"pending", "delivered", "failed"}, status) {
		return httpapp.Invalid("status", "must be pending, delivered or failed")
	}
	id, err := httpapp.PathID(c, "id", "webhook", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := h.Store.Webhook(ctx, id); err != nil {
		return err
	}
	ds, err := h.Store.Deliveries(ctx, id, strings.Clone(status), pr.After, pr.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(ds, pr.Limit, func(d *Delivery) []string {
		return []string{httpapp.TimeKey(d.CreatedAt), d.ID}
	}))
}

func (h *Handlers) ping(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "webhook", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	w, err := h.Store.Webhook(ctx, id)
	if err != nil {
		return err
	}
	if !w.Active {
		return fmt.Errorf("ping webhook %s: %w", w.ID, ErrInactive)
	}
	d, err := h.Store.QueuePing(ctx, w.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(d)
}

// checkURL accepts an absolute http or https URL of at most 2000 bytes.
func checkURL(s string) (string, error) { return httpapp.URL("url", s) }

// checkEvents accepts a non-empty list of known events, duplicates dropped.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, httpapp.Invalid("events", "must name at least one of %s", strings.Join(Events, ", "))
	}
	out := make([]string, 0, len(events))
	for _, e := range events {
		if !slices.Contains(Events, e) {
			return nil, httpapp.Invalid("events", "%q is not an event; events are %s", e, strings.Join(Events, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func description(d string) (string, error) {
	return httpapp.Text("description", d, 0, 500)
}
