package identity

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/bulk"
	"github.com/lectern/lectern/internal/httpapp"
)

// bulk provisions users from an HR system's export: JSON {"users": [...]}
// or CSV. Every row is validated; invalid rows are reported and skipped;
// the valid ones are written set-based in the request's transaction.
func (h *Handlers) bulk(c *fiber.Ctx) error {
	// The app caps bodies of /bulk routes (LECTERN_BULK_BODY_LIMIT).
	body := c.Body()
	ct := c.Get(fiber.HeaderContentType)
	var rows []bulkRow
	var failed []bulk.Failure
	var err error
	switch {
	case bulk.IsCSV(ct):
		rows, failed, err = parseBulkCSV(body)
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		rows, failed, err = parseBulkJSON(body)
	default:
		return httpapp.Errorf(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json ({\"users\": [...]}) or text/csv")
	}
	if err != nil {
		return err
	}
	recs, bad := validateBulk(rows)
	failed = append(failed, bad...)
	ctx := c.UserContext()
	rep, err := h.Store.Provision(ctx, auth.From(ctx).UserID, recs)
	if err != nil {
		return err
	}
	rep.Failed = append(rep.Failed, failed...)
	bulk.Sort(rep.Failed)
	return c.JSON(rep)
}
