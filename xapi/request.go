package xapi

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi/statement"
)

type versionKey struct{}

// requestVersion is the xAPI version the request speaks (negotiate set it).
func requestVersion(c *fiber.Ctx) statement.Version {
	v, _ := c.Locals(versionKey{}).(statement.Version)
	return v
}

// formHeaders are the form fields of the alternate request syntax that
// stand for headers.
var formHeaders = []string{"Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match", "If-None-Match"}

// negotiate reads the request's xAPI version and, for a 1.0.3 client,
// turns the alternate request syntax (a POST with ?method=, the headers,
// the parameters and the content as form fields) into the request it
// stands for. xAPI 2.0 dropped that syntax: a method parameter is a 400.
func (h *Handlers) negotiate(c *fiber.Ctx) error {
	args := c.Request().URI().QueryArgs()
	if args.Has("method") {
		if err := alternate(c); err != nil {
			return err
		}
	}
	key, _, _ := basic(c.Get(fiber.HeaderAuthorization))
	v, err := version(c)
	if err != nil {
		// Tell a client that sent no version the one it spoke last.
		if last, ok := h.spoken.Load(key); ok && key != "" {
			c.Set("X-Experience-API-Version", last.(string))
		}
		return err
	}
	// Written only when it changes: a write on every request would contend.
	if last, ok := h.spoken.Load(key); key != "" && (!ok || last != v.String()) {
		h.spoken.Store(strings.Clone(key), v.String())
	}
	c.Locals(versionKey{}, v)
	return c.Next()
}

func alternate(c *fiber.Ctx) error {
	args := c.Request().URI().QueryArgs()
	method := strings.ToUpper(string(args.Peek("method")))
	if c.Method() != fiber.MethodPost {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "the alternate request syntax (a method parameter) must be a POST")
	}
	if args.Len() != 1 {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "the alternate request syntax carries its parameters in the form, not the query")
	}
	// The version may itself be a form field: read the form first.
	ct := c.Get(fiber.HeaderContentType)
	if !strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "the alternate request syntax needs an application/x-www-form-urlencoded body")
	}
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "the form is not url-encoded: %v", err)
	}
	_, typed := form["Content-Type"]
	for _, name := range formHeaders {
		if vs, ok := form[name]; ok {
			c.Request().Header.Set(name, vs[0])
			delete(form, name)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(c.Get("X-Experience-API-Version")), "2.") {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "xAPI 2.0 has no alternate request syntax: send %s directly", method)
	}
	if !slices.Contains([]string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPut, fiber.MethodPost, fiber.MethodDelete}, method) {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "method %q is not one the alternate request syntax allows", method)
	}
	content, hasContent := form["content"]
	delete(form, "content")
	if (method == fiber.MethodPut || method == fiber.MethodPost) && !hasContent {
		return httpapp.Errorf(fiber.StatusBadRequest, "invalid", "the alternate request syntax sends the body as the form field content")
	}
	body := ""
	if hasContent {
		body = content[0]
	}
	if !typed && hasContent {
		c.Request().Header.SetContentType(fiber.MIMEApplicationJSON)
	}
	q := url.Values{}
	for k, vs := range form {
		q[k] = vs
	}
	c.Request().URI().SetQueryString(q.Encode())
	c.Request().SetBodyString(body)
	c.Method(method)
	return nil
}
