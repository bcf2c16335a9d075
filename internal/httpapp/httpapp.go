// Package httpapp builds the Fiber application: request IDs, structured
// access logs, one error handler that turns every error into the JSON shape
// {"error": {"code", "message", "field"?}}, body limits, strict JSON
// decoding and cursor pagination. Authentication lives in internal/auth.
package httpapp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Error is an error with an HTTP status and a machine-readable code. Handlers
// return it for bad input; the error handler renders it.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Invalid reports a bad value of one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "invalid", Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Errorf builds an Error with any status.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Mapping maps a domain error (matched with errors.Is) to a status and
// code, and to the request field it is about when there is one (an address
// another user has: 409 on "email").
type Mapping struct {
	Err    error
	Status int
	Code   string
	Field  string
}

// Options configures New.
type Options struct {
	Logger *slog.Logger
	// JSONBodyLimit caps request bodies (streamed routes aside).
	JSONBodyLimit int
	// Streamed lists path prefixes whose PUT bodies are streamed without a
	// size cap from this package (their handlers enforce their own).
	Streamed []string
	// BulkBodyLimit caps bodies of routes whose path ends in /bulk (10,000
	// provisioning or enrollment rows); 0 means JSONBodyLimit.
	BulkBodyLimit int
	Errors        []Mapping

	// BodyTimeout bounds how long a request's headers, and a body beyond
	// them at BodyMinRate bytes a second, may take to arrive; a request
	// whose body is late is answered 408 and its connection closed. Zero
	// means 10 s and 64 KiB/s.
	BodyTimeout time.Duration
	BodyMinRate int
	// RequestTimeout is the deadline of every request's context (30 s by
	// default); a streamed PUT has PartTimeout (10 min), for its body to
	// arrive and its work to be done.
	RequestTimeout time.Duration
	PartTimeout    time.Duration
}

func (o *Options) defaults() {
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = 10 * time.Second
	}
	if o.BodyMinRate <= 0 {
		o.BodyMinRate = 64 << 10
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.PartTimeout <= 0 {
		o.PartTimeout = 10 * time.Minute
	}
}

// streamed reports whether a request's body streams to its handler (an
// upload part) rather than being read whole first.
func (o *Options) streamed(method, path []byte) bool {
	if string(method) != fiber.MethodPut {
		return false
	}
	for _, p := range o.Streamed {
		if bytes.HasPrefix(path, []byte(p)) {
			return true
		}
	}
	return false
}

// New returns a Fiber app with request IDs, access logs, the JSON error
// handler, and a request path that one slow or greedy client cannot use to
// starve the others: bodies are capped and must arrive in time (read whole
// before any handler, so before a database connection is taken), every
// request has a deadline (and PerAddressListener caps the connections of
// one address). Upload parts alone stream to their handler.
func New(o Options) *fiber.App {
	o.defaults()
	app := fiber.New(fiber.Config{
		AppName:               "lectern",
		DisableStartupMessage: true,
		StreamRequestBody:     true,
		// With StreamRequestBody fasthttp reads at most this much before the
		// handler runs and streams the rest; JSON routes are capped below.
		BodyLimit: o.JSONBodyLimit,
		// The headers must arrive within BodyTimeout; the body's own deadline
		// is set once they have (HeaderReceived below).
		ReadTimeout:  o.BodyTimeout,
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		// A typical JSON answer (a 12 KB page of the catalog) leaves in one
		// write instead of a 4 KiB buffer's four.
		WriteBufferSize: 16 << 10,
		ErrorHandler:    errorHandler(o.Logger, o.Errors),
	})
	srv := app.Server()
	srv.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if o.streamed(h.Method(), h.RequestURI()) {
			return fasthttp.RequestConfig{ReadTimeout: o.PartTimeout}
		}
		if cl := h.ContentLength(); cl > 0 {
			return fasthttp.RequestConfig{ReadTimeout: o.BodyTimeout + time.Duration(cl)*time.Second/time.Duration(o.BodyMinRate)}
		}
		return fasthttp.RequestConfig{}
	}
	app.Use(requestID, accessLog(o.Logger), deadline(&o), bodyLimit(o.JSONBodyLimit, max(o.BulkBodyLimit, o.JSONBodyLimit), o.Streamed), readBody(&o))
	return app
}

// deadline gives the request's context its deadline.
func deadline(o *Options) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d := o.RequestTimeout
		if o.streamed(c.Request().Header.Method(), c.Request().URI().Path()) {
			d = o.PartTimeout
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// readBody reads a (capped) request body whole before the handlers run, so
// that no handler, and no database transaction, waits on a slow client.
// A body that does not arrive by its deadline is a 408 and the connection
// closes.
func readBody(o *Options) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cl := c.Request().Header.ContentLength()
		stream := c.Context().RequestBodyStream()
		if cl <= 0 || stream == nil || o.streamed(c.Request().Header.Method(), c.Request().URI().Path()) {
			return c.Next()
		}
		body := make([]byte, cl)
		if _, err := io.ReadFull(stream, body); err != nil {
			c.Set(fiber.HeaderConnection, "close")
			c.Context().SetConnectionClose()
			return Errorf(fiber.StatusRequestTimeout, "request_timeout", "the request body did not arrive in time (%d bytes announced)", cl)
		}
		c.Request().SetBody(body)
		return c.Next()
	}
}

func errorHandler(log *slog.Logger, maps []Mapping) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		body := &Error{Status: fiber.StatusInternalServerError, Code: "internal", Message: "internal error"}
		var he *Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &he):
			body = he
		case errors.As(err, &fe):
			body = &Error{Status: fe.Code, Code: codeFor(fe.Code), Message: fe.Message}
		default:
			matched := false
			for _, m := range maps {
				if errors.Is(err, m.Err) {
					body = &Error{Status: m.Status, Code: m.Code, Field: m.Field, Message: err.Error()}
					matched = true
					break
				}
			}
			if !matched {
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					body = &Error{Status: fiber.StatusServiceUnavailable, Code: "timeout", Message: "the request ran out of time (the service is busy or a dependency is slow); try again"}
					c.Set(fiber.HeaderRetryAfter, "1")
				case errors.Is(err, context.Canceled):
					body = &Error{Status: 499, Code: "canceled", Message: "request canceled"}
				}
				log.ErrorContext(c.UserContext(), "request failed", "rid", RequestID(c), "method", c.Method(), "path", c.Path(), "err", err)
			}
		}
		if body.Status == fiber.StatusTooManyRequests && c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
			c.Set(fiber.HeaderRetryAfter, "1")
		}
		return c.Status(body.Status).JSON(fiber.Map{"error": body})
	}
}

func codeFor(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "too_large"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	case fiber.StatusBadRequest, fiber.StatusUnprocessableEntity:
		return "invalid"
	case fiber.StatusConflict:
		return "conflict"
	case fiber.StatusRequestTimeout:
		return "request_timeout"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

const ridKey = "rid"

func requestID(c *fiber.Ctx) error {
	rid := c.Get("X-Request-Id")
	if rid == "" || len(rid) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		rid = hex.EncodeToString(b[:])
	} else {
		rid = strings.Clone(rid)
	}
	c.Locals(ridKey, rid)
	c.Set("X-Request-Id", rid)
	return c.Next()
}

// RequestID returns the request's ID.
func RequestID(c *fiber.Ctx) string {
	s, _ := c.Locals(ridKey).(string)
	return s
}

func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		lvl := slog.LevelInfo
		if c.Path() == "/healthz" && status == fiber.StatusOK {
			lvl = slog.LevelDebug
		}
		log.Log(c.UserContext(), lvl, "http", "rid", RequestID(c), "method", c.Method(), "path", c.Path(),
			"status", status, "ms", time.Since(start).Milliseconds(), "bytes_in", max(0, c.Request().Header.ContentLength()))
		return nil
	}
}

const maxDrain = 16 << 20

// bodyLimit caps non-streamed bodies. fasthttp's own limit is bypassed for
// streamed bodies, so this is where the cap is enforced.
func bodyLimit(jsonLimit, bulkLimit int, streamed []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() == fiber.MethodPut {
			for _, p := range streamed {
				if strings.HasPrefix(c.Path(), p) {
					return c.Next()
				}
			}
		}
		limit := jsonLimit
		if strings.HasSuffix(c.Path(), "/bulk") {
			limit = bulkLimit
		}
		cl := c.Request().Header.ContentLength()
		if cl > limit || (cl == -1 && c.Method() != fiber.MethodGet) {
			if cl == -1 {
				return Errorf(fiber.StatusLengthRequired, "length_required", "request body needs a Content-Length")
			}
			// Read (and drop) a moderately oversized body so the client
			// gets the answer instead of a reset connection.
			if cl <= maxDrain {
				if s := c.Context().RequestBodyStream(); s != nil {
					_, _ = io.CopyN(io.Discard, s, int64(cl))
				}
			} else {
				c.Set(fiber.HeaderConnection, "close")
			}
			return Errorf(fiber.StatusRequestEntityTooLarge, "too_large", "request body of %d bytes exceeds the %d byte limit", cl, limit)
		}
		return c.Next()
	}
}

// ParseJSON decodes the body into v, answering 400 with the reason: a value
// of the wrong type names its field, an unknown field is refused by name.
func ParseJSON(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return Errorf(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "request body must be application/json")
	}
	return DecodeJSON(c.Body(), v)
}

// DecodeJSON is ParseJSON's decoding of a body already read.
func DecodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &Error{Status: fiber.StatusBadRequest, Code: "invalid", Field: te.Field,
			Message: fmt.Sprintf("%s: must be %s, not %s", te.Field, jsonType(te.Type), te.Value)}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return &Error{Status: fiber.StatusBadRequest, Code: "invalid", Field: f, Message: fmt.Sprintf("%s: is not a field of this request", f)}
	}
	if errors.Is(err, io.EOF) {
		return Errorf(fiber.StatusBadRequest, "invalid_json", "request body is empty; send a JSON object")
	}
	return Errorf(fiber.StatusBadRequest, "invalid_json", "request body is not valid JSON: %v", err)
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return t.String()
}
