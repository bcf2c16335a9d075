// Package xapi is each organization's Learning Record Store: the xAPI
// 2.0.0 resources (statements, state, activity and agent profiles,
// activities, agents, about) at /xapi/, answering 1.0.3 clients by their
// X-Experience-API-Version too, and the credentials xAPI clients sign in
// with.
//
// The statement rules themselves (what a valid statement is, the ids and
// canonical formats) live in xapi/statement; attachments (multipart/mixed)
// and signed statements in xapi/attach. This package is the HTTP side and
// the storage: a statement is kept whole as stored (its body served as is)
// with one row per filterable key (agent, activity, verb, registration)
// beside it, so that every filter of GET /statements is an index look-up.
//
// Like every domain it has one Store (the *_store.go files hold its SQL)
// and handlers per resource (*_handlers.go).
package xapi

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/clock"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/xapi/statement"
)

// Domain errors, mapped to HTTP statuses by Errors.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict is a statement id already stored with other content, or a
	// document written without saying which version it replaces.
	ErrConflict = errors.New("conflict")
	// ErrPrecondition is a document whose ETag is not the one the request
	// names (If-Match, If-None-Match).
	ErrPrecondition = errors.New("precondition failed")
	// ErrInvalid is a request the spec forbids that only the store can see
	// (voiding a voiding statement).
	ErrInvalid = errors.New("invalid")
)

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
	{Err: ErrPrecondition, Status: fiber.StatusPreconditionFailed, Code: "precondition_failed"},
	{Err: ErrInvalid, Status: fiber.StatusBadRequest, Code: "invalid"},
}

// Prefix is where the LRS is served.
const Prefix = "/xapi"

// Versions the LRS speaks, newest first (the about resource lists them).
var Versions = []string{"2.0.0", "1.0.3"}

var versionHeader = regexp.MustCompile(`^(1\.0|2\.0)(\.\d+)?$`)

// version reads the request's X-Experience-API-Version: every request but
// one for the about resource must carry 1.0.x or 2.0.x. The answer says
// which version the LRS speaks for it.
func version(c *fiber.Ctx) (statement.Version, error) {
	h := strings.TrimSpace(c.Get("X-Experience-API-Version"))
	m := versionHeader.FindStringSubmatch(h)
	if m == nil {
		c.Set("X-Experience-API-Version", Versions[0])
		if h == "" {
			return 0, httpapp.Errorf(fiber.StatusBadRequest, "version_required", "send X-Experience-API-Version: 2.0.0 (or 1.0.3)")
		}
		return 0, httpapp.Errorf(fiber.StatusBadRequest, "unsupported_version",
			"X-Experience-API-Version %q is not one this LRS speaks (%s)", h, strings.Join(Versions, ", "))
	}
	v := statement.V200
	if m[1] == "1.0" {
		v = statement.V103
	}
	c.Set("X-Experience-API-Version", v.String())
	return v, nil
}

// Settings are what the LRS needs to know of the deployment.
type Settings struct {
	// PublicURL is the API's public base URL: credential authorities and
	// learners' accounts are named under it.
	PublicURL string
	// PageSize is the most statements one page of GET /statements holds.
	PageSize int
}

// Handlers serves the LRS (/xapi/) and the credential routes of /api/v1.
type Handlers struct {
	Store       *Store
	Credentials *Credentials
	Log         *slog.Logger
	Clock       clock.Clock
	Settings    Settings
	// Observer, when set, hears of the activities a signed-in learner's
	// statements are about, once they are stored (the assessments derive
	// watching from them).
	Observer func(ctx context.Context, orgID, userID string, activities []string)

	routes map[string]resource
	// spoken is the version each credential key spoke last: the version
	// an unversioned request from it is told to use.
	spoken sync.Map
}

// Register mounts the LRS on r (the /xapi group). mw run after the
// caller is known and before the resource: the app's rate limit and its
// tenant transaction (auth.Tenant, which commits when the answer is below
// 400; statement writes commit on their own, see OwnTransaction). Every
// resource also takes POST, the alternate request syntax of 1.0.3 (a POST
// standing for another method), which is answered by the handler of the
// method it names at the end of the same chain.
func (h *Handlers) Register(r fiber.Router, mw ...fiber.Handler) {
	h.routes = h.resources()
	r.Get("/about", h.about)
	chain := []fiber.Handler{h.negotiate, h.authenticate}
	chain = append(chain, mw...)
	chain = append(chain, h.dispatch)
	for name, res := range h.routes {
		methods := []string{fiber.MethodPost}
		for m := range res {
			if m != fiber.MethodPost {
				methods = append(methods, m)
			}
		}
		for _, m := range methods {
			if m == fiber.MethodGet {
				r.Get("/"+name, chain...) // and HEAD
				continue
			}
			r.Add(m, "/"+name, chain...)
		}
	}
}

// OwnTransaction reports whether a request to the LRS (its method as
// negotiate left it) commits in a transaction of its own rather than the
// request's tenant transaction: statement writes, which commit in groups
// (Store.Commit). The app's tenant middleware skips them.
func OwnTransaction(c *fiber.Ctx) bool {
	m := c.Method()
	return (m == fiber.MethodPost || m == fiber.MethodPut) && resourceName(c) == "statements"
}

// resourceName is the LRS resource a request names ("statements",
// "activities/state", ...).
func resourceName(c *fiber.Ctx) string {
	return strings.Trim(strings.TrimPrefix(c.Path(), Prefix), "/")
}

// resource is one xAPI resource's handlers by method (HEAD is GET
// without the body).
type resource map[string]fiber.Handler

func (h *Handlers) resources() map[string]resource {
	return map[string]resource{
		"statements":         {fiber.MethodGet: h.getStatements, fiber.MethodPut: h.putStatement, fiber.MethodPost: h.postStatements},
		"activities/state":   h.documentResource(kindState),
		"activities/profile": h.documentResource(kindActivityProfile),
		"agents/profile":     h.documentResource(kindAgentProfile),
		"activities":         {fiber.MethodGet: h.getActivity},
		"agents":             {fiber.MethodGet: h.getAgent},
	}
}

func (h *Handlers) documentResource(k docKind) resource {
	return resource{
		fiber.MethodGet:    func(c *fiber.Ctx) error { return h.getDocument(c, k) },
		fiber.MethodPut:    func(c *fiber.Ctx) error { return h.putDocument(c, k, false) },
		fiber.MethodPost:   func(c *fiber.Ctx) error { return h.putDocument(c, k, true) },
		fiber.MethodDelete: func(c *fiber.Ctx) error { return h.deleteDocument(c, k) },
	}
}

func (h *Handlers) dispatch(c *fiber.Ctx) error {
	name := resourceName(c)
	res, ok := h.routes[name]
	if !ok {
		return httpapp.Errorf(fiber.StatusNotFound, "not_found", "the LRS has no resource %q", name)
	}
	m := c.Method()
	if m == fiber.MethodHead {
		m = fiber.MethodGet
	}
	fn, ok := res[m]
	if !ok {
		return httpapp.Errorf(fiber.StatusMethodNotAllowed, "method_not_allowed", "%s does not take %s", name, c.Method())
	}
	return fn(c)
}
