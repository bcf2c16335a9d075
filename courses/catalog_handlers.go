package courses

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

// getCatalog lists the organization's published courses: with q, those
// matching it as a web-style search, best first. Every member sees the
// same pages, so they come from the CatalogCache when it holds them.
func (h *Handlers) getCatalog(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyReal, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	f := CatalogFilter{Limit: pr.Limit, After: pr.After,
		Query: strings.TrimSpace(c.Query("q")), Tag: strings.ToLower(strings.TrimSpace(c.Query("tag"))),
		InstructorID: c.Query("instructor_id"), Language: c.Query("language")}
	switch {
	case utf8.RuneCountInString(f.Query) > 200:
		return httpapp.Invalid("q", "must be at most 200 characters")
	case utf8.RuneCountInString(f.Tag) > 50:
		return httpapp.Invalid("tag", "must be at most 50 characters")
	case len(f.Language) > 35:
		return httpapp.Invalid("language", "must be a language tag such as en or pt-BR")
	}
	if f.InstructorID != "" {
		if f.InstructorID, err = httpapp.ID("instructor_id", f.InstructorID); err != nil {
			return err
		}
	}
	f.Query, f.Tag, f.Language = strings.Clone(f.Query), strings.Clone(f.Tag), strings.Clone(f.Language)
	ctx := c.UserContext()
	org := auth.From(ctx).OrgID
	key := strings.Join(append([]string{f.Query, f.Tag, f.InstructorID, f.Language, strconv.Itoa(f.Limit)}, f.After...), "\x00")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	body, v, cacheable := h.Catalog.get(org, key)
	if body != nil {
		return c.Send(body)
	}
	cs, err := h.Store.Catalog(ctx, f)
	if err != nil {
		return err
	}
	body, err = json.Marshal(httpapp.NewPage(cs, pr.Limit, func(e *CatalogEntry) []string {
		var pub string
		if e.PublishedAt != nil {
			pub = httpapp.TimeKey(*e.PublishedAt)
		}
		return []string{httpapp.RealKey(e.Rank), pub, e.ID}
	}))
	if err != nil {
		return err
	}
	if cacheable {
		h.Catalog.put(org, key, v, body)
	}
	return c.Send(body)
}
