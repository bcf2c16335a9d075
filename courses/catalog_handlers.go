package courses

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/httpapp"
)

// getCatalog lists the organization's published courses: with q, those
// matching it as a web-style search, best first.
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
	cs, err := h.Store.Catalog(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpapp.NewPage(cs, pr.Limit, func(e *CatalogEntry) []string {
		var pub string
		if e.PublishedAt != nil {
			pub = httpapp.TimeKey(*e.PublishedAt)
		}
		return []string{httpapp.RealKey(e.Rank), pub, e.ID}
	}))
}
