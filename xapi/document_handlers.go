package xapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/xapi/statement"
)

// docParams are what each document resource is addressed by.
type docParams struct {
	scope DocScope
	// idParam is the document id's parameter (stateId, profileId) and id
	// its value ("" when absent).
	idParam, id string
	hasID       bool
	since       *time.Time
}

func (k docKind) idParam() string {
	if k == kindState {
		return "stateId"
	}
	return "profileId"
}

func (k docKind) scope() string {
	switch k {
	case kindState:
		return ScopeState
	default:
		return ScopeProfile
	}
}

// docRequest checks that the caller may use the resource (docAccess), then
// reads its parameters.
func (h *Handlers) docRequest(c *fiber.Ctx, k docKind) (*docParams, error) {
	if err := h.docAccess(c, k); err != nil {
		return nil, err
	}
	return readDocParams(c, k)
}

// readDocParams reads and checks a document request's parameters.
func readDocParams(c *fiber.Ctx, k docKind) (*docParams, error) {
	v := requestVersion(c)
	allowed := []string{k.idParam()}
	switch k {
	case kindState:
		allowed = append(allowed, "activityId", "agent", "registration")
	case kindActivityProfile:
		allowed = append(allowed, "activityId")
	case kindAgentProfile:
		allowed = append(allowed, "agent")
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		allowed = append(allowed, "since")
	}
	if err := onlyParams(c, allowed...); err != nil {
		return nil, err
	}
	args := c.Request().URI().QueryArgs()
	p := &docParams{scope: DocScope{Kind: k}, idParam: k.idParam(), id: c.Query(k.idParam()), hasID: args.Has(k.idParam())}
	if k == kindState || k == kindActivityProfile {
		id := c.Query("activityId")
		if id == "" {
			return nil, bad("activityId is required")
		}
		if !statement.IsIRI(id) {
			return nil, bad("activityId %q is not an IRI", id)
		}
		p.scope.Activity = id
	}
	if k == kindState || k == kindAgentProfile {
		s := c.Query("agent")
		if s == "" {
			return nil, bad("agent is required")
		}
		doc, err := statement.Decode([]byte(s))
		if err != nil {
			return nil, bad("agent: %v", err)
		}
		if err := statement.ValidateAgent(doc, v, "agent"); err != nil {
			return nil, bad("%v", err)
		}
		m, _ := doc.(map[string]any)
		if p.scope.Agent = statement.IFI(m); p.scope.Agent == "" {
			return nil, bad("agent: has no identifier (mbox, mbox_sha1sum, openid or account)")
		}
		if a := AccessFrom(c.UserContext()); a.Learner != nil && p.scope.Agent != statement.IFI(a.Learner) {
			return nil, forbidden("a learner reads and writes their own documents only")
		}
	}
	if k == kindState {
		if r := c.Query("registration"); r != "" || args.Has("registration") {
			if !statement.IsUUID(r) {
				return nil, bad("registration %q is not a UUID", r)
			}
			p.scope.Registration = lowerUUID(r)
		}
	}
	if s := c.Query("since"); s != "" {
		t, err := statement.ParseTimestamp(s, v)
		if err != nil {
			return nil, bad("since %q is not a timestamp", s)
		}
		p.since = &t
	}
	return p, nil
}

// docAccess decides whether the caller may use a document resource: its
// scope (reads also with all/read); a learner reads and writes their own
// state and agent profile, and reads activity profiles, which are the
// activity's and not theirs to change.
func (h *Handlers) docAccess(c *fiber.Ctx, k docKind) error {
	a := AccessFrom(c.UserContext())
	read := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
	if a.Learner != nil && k == kindActivityProfile && !read {
		return forbidden("a learner may read an activity's profile, not change it")
	}
	if a.Allows(k.scope()) || (read && a.Allows(ScopeAllRead)) {
		return nil
	}
	if read && a.Learner != nil && a.Allows(ScopeStatementsRead) {
		return nil
	}
	return forbidden("this credential lacks the scope %s", k.scope())
}

func (h *Handlers) getDocument(c *fiber.Ctx, k docKind) error {
	p, err := h.docRequest(c, k)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if !p.hasID {
		ids, err := h.Store.DocumentIDs(ctx, p.scope, p.since)
		if err != nil {
			return err
		}
		if ids == nil {
			ids = []string{}
		}
		return c.JSON(ids)
	}
	if p.since != nil {
		return bad("since lists documents: it is not sent with %s", p.idParam)
	}
	d, err := h.Store.Document(ctx, p.scope, p.id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, d.ETag)
	c.Set(fiber.HeaderLastModified, d.Updated.UTC().Format(http.TimeFormat))
	c.Set(fiber.HeaderContentType, d.ContentType)
	return c.Send(d.Body)
}

// putDocument stores a document (PUT) or merges a JSON object into it
// (POST).
func (h *Handlers) putDocument(c *fiber.Ctx, k docKind, merge bool) error {
	p, err := h.docRequest(c, k)
	if err != nil {
		return err
	}
	if !p.hasID || p.id == "" {
		return bad("%s is required", p.idParam)
	}
	ct := c.Get(fiber.HeaderContentType)
	if ct == "" {
		ct = "application/octet-stream"
	}
	body := append([]byte(nil), c.Body()...)
	if merge || isJSONType(ct) {
		if isJSONType(ct) && !json.Valid(body) {
			return bad("the body is declared %s but is not JSON", ct)
		}
	}
	if merge {
		var obj map[string]json.RawMessage
		if !isJSONType(ct) || json.Unmarshal(body, &obj) != nil || obj == nil {
			return bad("a POST merges a JSON object: send application/json with an object")
		}
	}
	cond := Condition{IfMatch: c.Get(fiber.HeaderIfMatch), IfNoneMatch: c.Get(fiber.HeaderIfNoneMatch),
		Required: !merge && (k != kindState || requestVersion(c) == statement.V200),
		Always:   !merge && k != kindState && requestVersion(c) == statement.V103}
	if err := h.Store.PutDocument(c.UserContext(), p.scope, p.id, ct, body, merge, cond); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) deleteDocument(c *fiber.Ctx, k docKind) error {
	p, err := h.docRequest(c, k)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if !p.hasID {
		if k != kindState {
			return bad("%s is required", p.idParam)
		}
		if err := h.Store.DeleteDocuments(ctx, p.scope); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
	cond := Condition{IfMatch: c.Get(fiber.HeaderIfMatch), IfNoneMatch: c.Get(fiber.HeaderIfNoneMatch)}
	if err := h.Store.DeleteDocument(ctx, p.scope, p.id, cond); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// isJSONType reports whether a Content-Type is JSON.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
