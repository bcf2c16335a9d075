package xapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi/statement"
)

// The record: admins browse and export their organization's statements
// through /api/v1 (a session is enough; the admin page uses these).

// recordQuery reads the admin filters: learner (a Lectern user id: their
// account Agent), agent (any Agent as JSON), verb, activity, registration,
// since and until (RFC 3339), newest first.
func (h *Handlers) recordQuery(c *fiber.Ctx) (*Query, error) {
	p := auth.From(c.UserContext())
	q := &Query{}
	if id := c.Query("learner"); id != "" {
		if _, err := httpapp.ID("learner", id); err != nil {
			return nil, err
		}
		q.Agent = statement.IFI(LearnerAgent(h.Settings.PublicURL, p.OrgID, id, ""))
	}
	if s := c.Query("agent"); s != "" {
		doc, err := statement.Decode([]byte(s))
		if err == nil {
			err = statement.ValidateAgent(doc, statement.V200, "agent")
		}
		if err != nil {
			return nil, httpapp.Invalid("agent", "must be an xAPI Agent as JSON: %v", err)
		}
		m, _ := doc.(map[string]any)
		q.Agent = statement.IFI(m)
	}
	for _, f := range []struct {
		name string
		to   *string
	}{{"verb", &q.Verb}, {"activity", &q.Activity}} {
		if s := c.Query(f.name); s != "" {
			if !statement.IsIRI(s) {
				return nil, httpapp.Invalid(f.name, "must be an IRI")
			}
			*f.to = s
		}
	}
	if s := c.Query("registration"); s != "" {
		if !statement.IsUUID(s) {
			return nil, httpapp.Invalid("registration", "must be a UUID")
		}
		q.Registration = lowerUUID(s)
	}
	for _, f := range []struct {
		name string
		to   **time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if s := c.Query(f.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, httpapp.Invalid(f.name, "must be an RFC 3339 time")
			}
			*f.to = &t
		}
	}
	return q, nil
}

// listRecord answers a page of statements, newest first.
func (h *Handlers) listRecord(c *fiber.Ctx) error {
	q, err := h.recordQuery(c)
	if err != nil {
		return err
	}
	pr, err := httpapp.ParsePage(c, httpapp.KeyText)
	if err != nil {
		return err
	}
	q.Limit = pr.Limit
	if pr.After != nil {
		if q.After, err = strconv.ParseInt(pr.After[0], 10, 64); err != nil || q.After <= 0 {
			return httpapp.Invalid("cursor", "is not a cursor this list returned")
		}
	}
	rows, err := h.Store.Statements(c.UserContext(), q)
	if err != nil {
		return err
	}
	page := httpapp.NewPage(rows, q.Limit, func(r *StoredStatement) []string { return []string{strconv.FormatInt(r.Seq, 10)} })
	items := make([]json.RawMessage, len(page.Items))
	for i, r := range page.Items {
		items[i] = r.Body
	}
	return c.JSON(httpapp.Page[json.RawMessage]{Items: items, NextCursor: page.NextCursor})
}

// exportChunk is how many statements an export reads at a time.
const exportChunk = 1000

// exportRecord streams every statement matching the filters, newest
// first, as JSON lines (format=jsonl, the default) or CSV (format=csv):
// read a thousand at a time by seq and written as they come, so that a
// million statements never sit in memory.
func (h *Handlers) exportRecord(c *fiber.Ctx) error {
	q, err := h.recordQuery(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "jsonl")
	if format != "jsonl" && format != "csv" {
		return httpapp.Invalid("format", "must be jsonl or csv")
	}
	q.Limit = exportChunk
	org := auth.From(c.UserContext()).OrgID
	name := "statements-" + h.Clock.Now().UTC().Format("20060102T150405Z") + "." + format
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
	}
	// The body is written after the handler returns: the export has a
	// context and a read scope of its own.
	log := h.Log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		var cw *csv.Writer
		if format == "csv" {
			cw = csv.NewWriter(w)
			_ = cw.Write(csvHeader)
		}
		err := h.Store.Export(ctx, org, q, func(body []byte) error {
			if cw != nil {
				return cw.Write(csvRow(body))
			}
			if _, err := w.Write(body); err != nil {
				return err
			}
			return w.WriteByte('\n')
		}, func() error {
			if cw != nil {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
			}
			return w.Flush()
		})
		if err != nil {
			log.Warn("statement export stopped", "org", org, "err", err)
		}
	})
	return nil
}

var csvHeader = []string{"id", "stored", "timestamp", "actor", "verb", "object", "registration",
	"result_success", "result_completion", "result_score_scaled", "statement"}

// csvRow is one statement as a CSV row: its main fields, then the whole
// statement as JSON.
func csvRow(body []byte) []string {
	var s map[string]any
	_ = json.Unmarshal(body, &s)
	str := func(v any) string {
		switch x := v.(type) {
		case nil:
			return ""
		case string:
			return x
		default:
			b, _ := json.Marshal(x)
			return string(b)
		}
	}
	field := func(path ...string) any {
		var cur any = s
		for _, p := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[p]
		}
		return cur
	}
	actor, _ := s["actor"].(map[string]any)
	return []string{str(s["id"]), str(s["stored"]), str(s["timestamp"]), statement.IFI(actor),
		str(field("verb", "id")), str(field("object", "id")), str(field("context", "registration")),
		str(field("result", "success")), str(field("result", "completion")), str(field("result", "score", "scaled")),
		string(body)}
}
