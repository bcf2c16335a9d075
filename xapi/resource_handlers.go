package xapi

import (
	"encoding/json"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/xapi/statement"
)

// about answers which versions the LRS speaks; it needs no credential.
func (h *Handlers) about(c *fiber.Ctx) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	if _, err := version(c); err != nil && c.Get("X-Experience-API-Version") != "" {
		return err
	}
	c.Set("X-Experience-API-Version", Versions[0])
	return c.JSON(fiber.Map{"version": Versions, "extensions": fiber.Map{}})
}

// getActivity answers an activity with its canonical definition (the
// latest a statement carried; none when no statement defined it).
func (h *Handlers) getActivity(c *fiber.Ctx) error {
	if err := onlyParams(c, "activityId"); err != nil {
		return err
	}
	if !AccessFrom(c.UserContext()).CanRead() {
		return forbidden("this credential may not read")
	}
	id := c.Query("activityId")
	if id == "" {
		return bad("activityId is required")
	}
	if !statement.IsIRI(id) {
		return bad("activityId %q is not an IRI", id)
	}
	out := map[string]any{"objectType": "Activity", "id": id}
	def, err := h.Store.Activity(c.UserContext(), id)
	switch {
	case err == nil:
		if AccessFrom(c.UserContext()).Learner != nil {
			if def, err = withoutKeys(def); err != nil {
				return err
			}
		}
		out["definition"] = def
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return c.JSON(out)
}

// getAgent answers the Person object of an agent: what the LRS knows of
// the person behind an identifier (here, the identifier itself: Lectern
// does not join identities).
func (h *Handlers) getAgent(c *fiber.Ctx) error {
	if err := onlyParams(c, "agent"); err != nil {
		return err
	}
	if !AccessFrom(c.UserContext()).CanRead() {
		return forbidden("this credential may not read")
	}
	s := c.Query("agent")
	if s == "" {
		return bad("agent is required")
	}
	doc, err := statement.Decode([]byte(s))
	if err != nil {
		return bad("agent: %v", err)
	}
	if err := statement.ValidateAgent(doc, requestVersion(c), "agent"); err != nil {
		return bad("%v", err)
	}
	a, _ := doc.(map[string]any)
	if t, _ := a["objectType"].(string); t == "Group" {
		return bad("agent: the agents resource takes an Agent, not a Group")
	}
	person := map[string]any{"objectType": "Person"}
	if n, ok := a["name"]; ok {
		person["name"] = []any{n}
	}
	for _, f := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
		if v, ok := a[f]; ok {
			person[f] = []any{v}
		}
	}
	b, err := json.Marshal(person)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
