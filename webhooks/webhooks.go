// Package webhooks lets admins register endpoints for events and delivers
// the events written to the outbox (webhook_deliveries) by triggers, signed
// with HMAC-SHA256 and retried with backoff through asynq.
//
// The API side (this file, webhook_store.go) manages endpoints and shows
// the delivery log. The worker side (sender.go, dispatch.go) moves pending
// deliveries into asynq and sends them.
package webhooks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Events an endpoint may subscribe to.
var Events = []string{"video.ready", "enrollment.created", "lesson.completed", "course.completed"}

// EventPing is the event of a test delivery (POST /webhooks/{id}/ping).
const EventPing = "ping"

// ErrNotFound is a webhook that does not exist or belongs to another
// organization.
var ErrNotFound = errors.New("not found")

// ErrInactive is a ping of a deactivated endpoint.
var ErrInactive = errors.New("the webhook is inactive: activate it first")

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrInactive, Status: fiber.StatusConflict, Code: "webhook_inactive"},
}

// Handlers serves /api/v1/webhooks.
type Handlers struct {
	DB  database.Querier
	Log *slog.Logger
}

// Register mounts the routes, all for admins (token scope webhooks).
func (h *Handlers) Register(r fiber.Router) {
	admin := auth.Require("webhooks", auth.Admin)
	r.Get("/webhooks", admin, h.list)
	r.Post("/webhooks", admin, h.create)
	r.Get("/webhooks/:id", admin, h.get)
	r.Patch("/webhooks/:id", admin, h.update)
	r.Delete("/webhooks/:id", admin, h.delete)
	r.Get("/webhooks/:id/deliveries", admin, h.deliveries)
	r.Post("/webhooks/:id/ping", admin, h.ping)
}

// Webhook is an endpoint. Secret is set only in the answer that creates or
// rotates it.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Events      []string  `json:"events"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Secret      string    `json:"secret,omitempty" db:"-"`
}

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
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	ws, err := listWebhooks(c.UserContext(), database.Q(c.UserContext(), h.DB), pr)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(ws, pr.Limit, func(w *Webhook) []string {
		return []string{w.CreatedAt.Format(time.RFC3339Nano), w.ID}
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
	if err := checkDescription(req.Description); err != nil {
		return err
	}
	active := req.Active == nil || *req.Active
	w, err := createWebhook(c.UserContext(), database.Q(c.UserContext(), h.DB), u, strings.TrimSpace(req.Description), events, active, NewSecret())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

func (h *Handlers) get(c *fiber.Ctx) error {
	w, err := getWebhook(c.UserContext(), database.Q(c.UserContext(), h.DB), c.Params("id"))
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
	var ch change
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
		if err := checkDescription(*req.Description); err != nil {
			return err
		}
		d := strings.TrimSpace(*req.Description)
		ch.Description = &d
	}
	ch.Active = req.Active
	if req.RotateSecret {
		s := NewSecret()
		ch.Secret = &s
	}
	w, err := updateWebhook(c.UserContext(), database.Q(c.UserContext(), h.DB), c.Params("id"), ch)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (h *Handlers) delete(c *fiber.Ctx) error {
	if err := deleteWebhook(c.UserContext(), database.Q(c.UserContext(), h.DB), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) deliveries(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, 2)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{"pending", "delivered", "failed"}, status) {
		return httpapp.Invalid("status", "must be pending, delivered or failed")
	}
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	if _, err := getWebhook(ctx, q, c.Params("id")); err != nil {
		return err
	}
	ds, err := listDeliveries(ctx, q, c.Params("id"), status, pr)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(ds, pr.Limit, func(d *Delivery) []string {
		return []string{d.CreatedAt.Format(time.RFC3339Nano), d.ID}
	}))
}

func (h *Handlers) ping(c *fiber.Ctx) error {
	ctx := c.UserContext()
	q := database.Q(ctx, h.DB)
	w, err := getWebhook(ctx, q, c.Params("id"))
	if err != nil {
		return err
	}
	if !w.Active {
		return fmt.Errorf("ping webhook %s: %w", w.ID, ErrInactive)
	}
	d, err := queuePing(ctx, q, w.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(d)
}

// checkURL accepts an absolute http or https URL of at most 2000 bytes.
func checkURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", httpapp.Invalid("url", "is required")
	}
	if len(s) > 2000 {
		return "", httpapp.Invalid("url", "must be at most 2000 characters")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", httpapp.Invalid("url", "must be an absolute http:// or https:// URL")
	}
	if u.User != nil {
		return "", httpapp.Invalid("url", "must not carry credentials; deliveries are signed with the webhook's secret")
	}
	if u.Fragment != "" {
		return "", httpapp.Invalid("url", "must not have a #fragment")
	}
	return s, nil
}

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

func checkDescription(d string) error {
	if len(strings.TrimSpace(d)) > 500 {
		return httpapp.Invalid("description", "must be at most 500 characters")
	}
	return nil
}
