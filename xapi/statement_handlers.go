package xapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi/attach"
	"github.com/lectern/lectern/xapi/statement"
)

// bad is a 400 naming what is wrong.
func bad(format string, args ...any) error {
	return httpapp.Errorf(fiber.StatusBadRequest, "invalid", format, args...)
}

// forbidden is a 403.
func forbidden(format string, args ...any) error {
	return httpapp.Errorf(fiber.StatusForbidden, "forbidden", format, args...)
}

// readStatements reads a statements request body: JSON, or
// multipart/mixed with the statements first and attachments after. It
// returns the statements (an array when the body is one) and the parts.
func readStatements(c *fiber.Ctx) (list []map[string]any, array bool, parts []attach.Part, err error) {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return nil, false, nil, bad("Content-Type must be application/json or multipart/mixed")
	}
	body := c.Body()
	switch mt {
	case fiber.MIMEApplicationJSON:
	case "multipart/mixed":
		if body, parts, err = attach.ReadMixed(c.Get(fiber.HeaderContentType), body); err != nil {
			return nil, false, nil, bad("%v", err)
		}
	default:
		return nil, false, nil, bad("Content-Type %s: statements are application/json or multipart/mixed", mt)
	}
	doc, err := statement.Decode(body)
	if err != nil {
		return nil, false, nil, bad("%v", err)
	}
	switch d := doc.(type) {
	case map[string]any:
		return []map[string]any{d}, false, parts, nil
	case []any:
		if len(d) == 0 {
			return nil, true, nil, bad("the array holds no statement")
		}
		for i, e := range d {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, true, nil, bad("[%d]: a statement is a JSON object", i)
			}
			list = append(list, m)
		}
		return list, true, parts, nil
	}
	return nil, false, nil, bad("the body must be a statement or an array of statements")
}

// prepare validates statements as received and fills in what the LRS
// sets: id, authority, version. It checks what the caller may write, the
// attachments against the parts and the signatures of signed statements.
func (h *Handlers) prepare(c *fiber.Ctx, list []map[string]any, parts []attach.Part) ([]*Statement, error) {
	a := AccessFrom(c.UserContext())
	v := requestVersion(c)
	if !a.Allows(ScopeStatementsWrite) {
		return nil, forbidden("this credential may not write statements")
	}
	var learner string
	if a.Learner != nil {
		learner = statement.IFI(a.Learner)
	}
	seen := map[string]bool{}
	var declared []attach.Declared
	out := make([]*Statement, len(list))
	for i, s := range list {
		where := ""
		if len(list) > 1 {
			where = fmt.Sprintf("statement %d: ", i)
		}
		// A null timestamp is none: the LRS sets it to stored.
		if t, ok := s["timestamp"]; ok && t == nil {
			delete(s, "timestamp")
		}
		if err := statement.Validate(s, v); err != nil {
			var se *statement.Error
			if errors.As(err, &se) {
				return nil, &httpapp.Error{Status: fiber.StatusBadRequest, Code: "invalid", Field: se.Path, Message: where + se.Error()}
			}
			return nil, bad("%s%v", where, err)
		}
		if learner != "" {
			actor, _ := s["actor"].(map[string]any)
			if statement.IFI(actor) != learner {
				return nil, forbidden("%sa learner writes statements about themselves only: the actor must be %s", where, learner)
			}
		}
		// Kept as received (context activities as arrays, as the LRS
		// answers them: s is this request's own, changed in place); the
		// LRS's own properties go on a copy.
		received := statement.NormalizeInPlace(s)
		s = maps.Clone(received)
		st := &Statement{Body: s, Received: received, Credential: a.CredentialID}
		if id, ok := s["id"].(string); ok {
			st.ID = strings.ToLower(id)
		} else {
			st.ID = uuid.NewString()
		}
		s["id"] = st.ID
		if seen[st.ID] {
			return nil, bad("%sid %s appears twice in the batch", where, st.ID)
		}
		seen[st.ID] = true
		if o, _ := s["object"].(map[string]any); objectType(o) == "StatementRef" {
			st.Ref, _ = o["id"].(string)
			st.Ref = strings.ToLower(st.Ref)
		}
		if st.Verb() == VoidVerb {
			if st.Ref == "" {
				return nil, bad("%sa voiding statement's object must be a StatementRef", where)
			}
			st.Voids = st.Ref
		}
		s["authority"] = a.Authority
		if _, ok := s["version"]; !ok {
			if v == statement.V103 {
				s["version"] = "1.0.0"
			} else {
				s["version"] = "2.0.0"
			}
		}
		if err := attach.VerifySigned(received, parts); err != nil {
			return nil, bad("%s%v", where, err)
		}
		declared = append(declared, attach.Declarations(received)...)
		out[i] = st
	}
	if err := attach.Match(declared, parts); err != nil {
		return nil, bad("%v", err)
	}
	return out, nil
}

// postStatements stores one statement or a batch (one write) and answers
// their ids.
func (h *Handlers) postStatements(c *fiber.Ctx) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	list, _, parts, err := readStatements(c)
	if err != nil {
		return err
	}
	stmts, err := h.prepare(c, list, parts)
	if err != nil {
		return err
	}
	if err := h.Store.Commit(AccessFrom(c.UserContext()).OrgID, stmts, parts); err != nil {
		return err
	}
	h.observe(c, stmts)
	ids := make([]string, len(stmts))
	for i, s := range stmts {
		ids[i] = s.ID
	}
	return c.JSON(ids)
}

// putStatement stores one statement under the statementId parameter.
func (h *Handlers) putStatement(c *fiber.Ctx) error {
	if err := onlyParams(c, "statementId"); err != nil {
		return err
	}
	id := c.Query("statementId")
	if id == "" {
		return bad("PUT /statements needs the statementId parameter")
	}
	if !statement.IsUUID(id) {
		return bad("statementId %q is not a UUID", id)
	}
	list, array, parts, err := readStatements(c)
	if err != nil {
		return err
	}
	if array {
		return bad("PUT /statements takes one statement, not an array")
	}
	if sid, ok := list[0]["id"].(string); ok && !strings.EqualFold(sid, id) {
		return bad("the statement's id %s is not the statementId parameter %s", sid, id)
	}
	list[0]["id"] = strings.ToLower(id)
	stmts, err := h.prepare(c, list, parts)
	if err != nil {
		return err
	}
	if err := h.Store.Commit(AccessFrom(c.UserContext()).OrgID, stmts, parts); err != nil {
		return err
	}
	h.observe(c, stmts)
	return c.SendStatus(fiber.StatusNoContent)
}

// queryParams are the parameters of GET /statements.
var queryParams = []string{"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
	"related_activities", "related_agents", "since", "until", "limit", "format", "attachments", "ascending", "more"}

// getStatements answers one statement (statementId, voidedStatementId)
// or a page of a query.
func (h *Handlers) getStatements(c *fiber.Ctx) error {
	ctx := c.UserContext()
	// Every answer says how current it is, taken before what it answers
	// is read: a page in the same round trip as its query, one statement
	// just before it is read, a refusal on its way out.
	stamped := false
	stamp := func(t time.Time) {
		c.Set("X-Experience-API-Consistent-Through", t.UTC().Format(timeFormat))
		stamped = true
	}
	defer func() {
		if !stamped {
			if t, err := h.Store.ConsistentThrough(ctx); err == nil {
				stamp(t)
			}
		}
	}()
	if err := onlyParams(c, queryParams...); err != nil {
		return err
	}
	a := AccessFrom(ctx)
	if !a.CanRead() {
		return forbidden("this credential may not read statements")
	}
	args := c.Request().URI().QueryArgs()
	single, voided := c.Query("statementId"), false
	if v := c.Query("voidedStatementId"); v != "" || args.Has("voidedStatementId") {
		if single != "" {
			return bad("statementId and voidedStatementId cannot both be given")
		}
		single, voided = v, true
	}
	format, err := formatParam(c)
	if err != nil {
		return err
	}
	withAttachments, err := boolParam(c, "attachments")
	if err != nil {
		return err
	}
	if single != "" || args.Has("statementId") {
		var extra []string
		args.VisitAll(func(k, _ []byte) {
			if n := string(k); n != "statementId" && n != "voidedStatementId" && n != "format" && n != "attachments" {
				extra = append(extra, n)
			}
		})
		if len(extra) > 0 {
			return bad("a GET of one statement takes only format and attachments besides its id, not %s", strings.Join(extra, ", "))
		}
		if !statement.IsUUID(single) {
			return bad("statement id %q is not a UUID", single)
		}
		through, err := h.Store.ConsistentThrough(ctx)
		if err != nil {
			return err
		}
		stamp(through)
		st, err := h.Store.Statement(ctx, strings.ToLower(single), voided)
		if err != nil {
			return err
		}
		if err := h.mayRead(a, st); err != nil {
			return err
		}
		c.Set(fiber.HeaderLastModified, st.Stored.UTC().Format(http.TimeFormat))
		body, err := h.formatted(c, st.Body, format)
		if err != nil {
			return err
		}
		return h.respond(c, body, [][]byte{st.Body}, withAttachments)
	}
	q, err := h.parseQuery(c, format, withAttachments)
	if err != nil {
		return err
	}
	// Who the caller is confines the query, whatever a cursor says.
	q.Actor, q.Credential = "", ""
	if a.Learner != nil {
		q.Actor = statement.IFI(a.Learner)
	} else if a.ReadsMine() {
		q.Credential = a.CredentialID
	}
	rows, through, err := h.Store.Page(ctx, q)
	if err != nil {
		return err
	}
	stamp(through)
	more := ""
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		more = Prefix + "/statements?more=" + q.More(rows[len(rows)-1].Seq)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"statements":[`)
	raw := make([][]byte, len(rows))
	var last time.Time
	for i, r := range rows {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := h.formatted(c, r.Body, q.Format)
		if err != nil {
			return err
		}
		buf.Write(b)
		raw[i] = r.Body
		if r.Stored.After(last) {
			last = r.Stored
		}
	}
	buf.WriteString(`],"more":`)
	m, _ := json.Marshal(more)
	buf.Write(m)
	buf.WriteByte('}')
	if !last.IsZero() {
		c.Set(fiber.HeaderLastModified, last.UTC().Format(http.TimeFormat))
	}
	return h.respond(c, buf.Bytes(), raw, q.Attachments)
}

// mayRead refuses a statement the caller may not see.
func (h *Handlers) mayRead(a *Access, st *StoredStatement) error {
	if a.Learner == nil && !a.ReadsMine() {
		return nil
	}
	var s map[string]any
	if err := json.Unmarshal(st.Body, &s); err != nil {
		return err
	}
	if a.Learner != nil {
		actor, _ := s["actor"].(map[string]any)
		if statement.IFI(actor) == statement.IFI(a.Learner) {
			return nil
		}
	} else if auth, ok := s["authority"].(map[string]any); ok {
		if reflectEqualJSON(auth, a.Authority) {
			return nil
		}
	}
	return fmt.Errorf("statement: %w", ErrNotFound)
}

func reflectEqualJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// respond sends a statement or a StatementResult: JSON, or with
// attachments multipart/mixed carrying the bytes of every attachment the
// statements (raw, as stored) declare.
func (h *Handlers) respond(c *fiber.Ctx, body []byte, raw [][]byte, withAttachments bool) error {
	if a := AccessFrom(c.UserContext()); a != nil && a.Learner != nil {
		var err error
		if body, err = withoutKeys(body); err != nil {
			return err
		}
	}
	if !withAttachments {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	var hashes []string
	for _, r := range raw {
		var s map[string]any
		if err := json.Unmarshal(r, &s); err != nil {
			return err
		}
		for _, d := range attach.Declarations(s) {
			if d.SHA2 != "" {
				hashes = append(hashes, strings.ToLower(d.SHA2))
			}
		}
	}
	parts, err := h.Store.Attachments(c.UserContext(), hashes)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	ct, err := attach.WriteMixed(&buf, body, parts)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.Send(buf.Bytes())
}

// formatted is a stored statement in a format: exact is the stored bytes.
func (h *Handlers) formatted(c *fiber.Ctx, body []byte, format string) ([]byte, error) {
	if format == "" || format == "exact" {
		return body, nil
	}
	doc, err := statement.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("stored statement: %w", err)
	}
	s, _ := doc.(map[string]any)
	return encode(statement.Format(s, format, acceptLanguages(c.Get(fiber.HeaderAcceptLanguage))))
}

// acceptLanguages lists an Accept-Language header's tags, preferred first.
func acceptLanguages(h string) []string {
	type tag struct {
		name string
		q    float64
	}
	var tags []tag
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if name == "" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		tags = append(tags, tag{name, q})
	}
	for i := 1; i < len(tags); i++ {
		for j := i; j > 0 && tags[j].q > tags[j-1].q; j-- {
			tags[j], tags[j-1] = tags[j-1], tags[j]
		}
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.name
	}
	return out
}

func formatParam(c *fiber.Ctx) (string, error) {
	f := c.Query("format")
	switch f {
	case "", "exact", "ids", "canonical":
		return f, nil
	}
	return "", bad("format %q is not ids, exact or canonical", f)
}

func boolParam(c *fiber.Ctx, name string) (bool, error) {
	switch v := c.Query(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, bad("%s must be true or false, not %q", name, v)
	}
}

// parseQuery reads the filter parameters, or the cursor of a next page.
func (h *Handlers) parseQuery(c *fiber.Ctx, format string, withAttachments bool) (*Query, error) {
	v := requestVersion(c)
	if m := c.Query("more"); m != "" {
		q, err := ParseMore(m)
		if err != nil {
			return nil, bad("%v", err)
		}
		return q, nil
	}
	q := &Query{Format: format, Attachments: withAttachments, Limit: h.pageSize()}
	if s := c.Query("agent"); s != "" {
		doc, err := statement.Decode([]byte(s))
		if err != nil {
			return nil, bad("agent: %v", err)
		}
		if err := statement.ValidateAgent(doc, v, "agent"); err != nil {
			return nil, bad("%v", err)
		}
		m, _ := doc.(map[string]any)
		if q.Agent = statement.IFI(m); q.Agent == "" {
			return nil, bad("agent: has no identifier (mbox, mbox_sha1sum, openid or account)")
		}
	}
	if s := c.Query("verb"); s != "" {
		if !statement.IsIRI(s) {
			return nil, bad("verb %q is not an IRI", s)
		}
		q.Verb = s
	}
	if s := c.Query("activity"); s != "" {
		if !statement.IsIRI(s) {
			return nil, bad("activity %q is not an IRI", s)
		}
		q.Activity = s
	}
	if s := c.Query("registration"); s != "" {
		if !statement.IsUUID(s) {
			return nil, bad("registration %q is not a UUID", s)
		}
		q.Registration = lowerUUID(s)
	}
	var err error
	if q.RelatedActivities, err = boolParam(c, "related_activities"); err != nil {
		return nil, err
	}
	if q.RelatedAgents, err = boolParam(c, "related_agents"); err != nil {
		return nil, err
	}
	if q.Ascending, err = boolParam(c, "ascending"); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		to   **time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if s := c.Query(p.name); s != "" {
			t, err := statement.ParseTimestamp(s, v)
			if err != nil {
				return nil, bad("%s %q is not a timestamp", p.name, s)
			}
			*p.to = &t
		}
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, bad("limit %q is not a whole number ≥ 0", s)
		}
		if n > 0 && n < q.Limit {
			q.Limit = n
		}
	}
	return q, nil
}

func (h *Handlers) pageSize() int {
	if h.Settings.PageSize > 0 {
		return h.Settings.PageSize
	}
	return 100
}

// onlyParams refuses a parameter the resource does not define.
func onlyParams(c *fiber.Ctx, allowed ...string) error {
	var err error
	c.Request().URI().QueryArgs().VisitAll(func(k, _ []byte) {
		if err == nil && !slices.Contains(allowed, string(k)) {
			err = bad("%s does not take the parameter %q", strings.TrimPrefix(c.Path(), Prefix+"/"), k)
		}
	})
	return err
}

func lowerUUID(s string) string { return strings.ToLower(s) }

// observe tells the Observer which activities a signed-in learner's
// statements, now stored, are about.
func (h *Handlers) observe(c *fiber.Ctx, stmts []*Statement) {
	a := AccessFrom(c.UserContext())
	p := auth.From(c.UserContext())
	if h.Observer == nil || a == nil || a.Learner == nil || p == nil {
		return
	}
	var ids []string
	for _, st := range stmts {
		if o, _ := st.Body["object"].(map[string]any); o != nil && (o["objectType"] == nil || o["objectType"] == "Activity") {
			if id, _ := o["id"].(string); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > 0 {
		h.Observer(c.UserContext(), a.OrgID, p.UserID, ids)
	}
}

// withoutKeys removes every interaction's correctResponsesPattern from a
// JSON document (a statement, a StatementResult, an activity definition):
// what a learner reads of the LRS never holds an answer key.
func withoutKeys(body []byte) ([]byte, error) {
	if !bytes.Contains(body, []byte(`"correctResponsesPattern"`)) {
		return body, nil
	}
	doc, err := statement.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("strip answer keys: %w", err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			delete(t, "correctResponsesPattern")
			for _, x := range t {
				strip(x)
			}
		case []any:
			for _, x := range t {
				strip(x)
			}
		}
	}
	strip(doc)
	return encode(doc)
}
