package httpapp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// The request-field vocabulary every domain validates with, so that one kind
// of field means one thing everywhere: the same trimming, the same limits
// counted the same way, the same words in the 400 that names the field.

// Text checks a one-line text field: trimmed, valid UTF-8, free of control
// characters, and from min to max characters long (min 1: required).
func Text(field, v string, min, max int) (string, error) {
	v = strings.TrimSpace(v)
	if err := checkText(field, v, min, max, false); err != nil {
		return "", err
	}
	return v, nil
}

// Multiline checks free text that may span lines (Markdown): kept as sent,
// valid UTF-8, no control characters but newlines and tabs, at most max
// characters.
func Multiline(field, v string, max int) (string, error) {
	if err := checkText(field, v, 0, max, true); err != nil {
		return "", err
	}
	return v, nil
}

func checkText(field, v string, min, max int, multiline bool) error {
	if !utf8.ValidString(v) {
		return Invalid(field, "is not valid UTF-8")
	}
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && min > 0:
		return Invalid(field, "is required")
	case (n < min || n > max) && min > 0:
		return Invalid(field, "must be from %d to %d characters", min, max)
	case n > max:
		return Invalid(field, "must be at most %d characters", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

var emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*$`)

// NormalizeEmail is how an address is stored and looked up: trimmed and
// lower-cased.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailProblem says what is wrong with an address as Email would
// ("is required", "is not an email address"), or "" when nothing is. Bulk
// routes report it per row.
func EmailProblem(normalized string) string {
	switch {
	case normalized == "":
		return "is required"
	case len(normalized) < 3 || len(normalized) > 254 || !emailShape.MatchString(normalized) ||
		strings.ContainsAny(normalized, "<>,;\"()[]\\") || strings.ContainsFunc(normalized, unicode.IsControl):
		return "is not an email address"
	}
	return ""
}

// Email checks an email address field and returns it normalised. It checks
// the shape only (one @, something on each side, no spaces or
// punctuation mail addresses never need); whether it exists is the users
// table's business.
func Email(field, v string) (string, error) {
	e := NormalizeEmail(v)
	if p := EmailProblem(e); p != "" {
		return "", Invalid(field, "%s", p)
	}
	return e, nil
}

// ID checks an id in a request body and returns it in canonical form.
func ID(field, v string) (string, error) {
	u, err := uuid.Parse(strings.TrimSpace(v))
	if err != nil {
		return "", Invalid(field, "must be an id (a UUID)")
	}
	return u.String(), nil
}

// IDs checks a list of ids in a body: each a UUID, none twice. It returns
// them in canonical form, in order.
func IDs(field string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, v := range ids {
		u, err := uuid.Parse(strings.TrimSpace(v))
		if err != nil {
			return nil, Invalid(field, "item %d (%q) is not an id", i, v)
		}
		s := u.String()
		if seen[s] {
			return nil, Invalid(field, "lists %s twice", s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// DistinctIDs is IDs for a set: an id listed twice counts once.
func DistinctIDs(field string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, v := range ids {
		u, err := uuid.Parse(strings.TrimSpace(v))
		if err != nil {
			return nil, Invalid(field, "item %d (%q) is not an id", i, v)
		}
		if s := u.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// PathID reads the path parameter name, which must be a UUID. Anything else
// names nothing: the error wraps notFound (the domain's ErrNotFound, a 404)
// and says what was looked for.
func PathID(c *fiber.Ctx, name, what string, notFound error) (string, error) {
	v := c.Params(name)
	u, err := uuid.Parse(v)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", what, v, notFound)
	}
	return u.String(), nil
}

// Unprocessable is a 422 naming the body field whose well-formed value
// cannot be used: an id that names nothing here, a change that would make
// the data inconsistent.
func Unprocessable(field, format string, args ...any) *Error {
	return &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Field: field,
		Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Optional is a JSON field of a PATCH that tells absent (Set false) from
// null (Set, Value nil) and from a value.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// URL checks the address of a service Lectern will call (a webhook
// receiver, an LRS): required, an absolute http:// or https:// URL of at
// most 2000 characters, without credentials (they have fields of their
// own) or a #fragment.
func URL(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", Invalid(field, "is required")
	}
	if len(v) > 2000 {
		return "", Invalid(field, "must be at most 2000 characters")
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", Invalid(field, "must be an absolute http:// or https:// URL")
	}
	if u.User != nil {
		return "", Invalid(field, "must not carry credentials")
	}
	if u.Fragment != "" {
		return "", Invalid(field, "must not have a #fragment")
	}
	return v, nil
}
