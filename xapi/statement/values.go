package statement

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
)

// This file holds the checks of generic JSON values: objects and their
// properties, arrays, strings of a given syntax, numbers, language maps and
// extensions.

// properties returns v as an object whose properties are all among allowed
// and none of which is null. what names the object in errors ("an Agent").
func (c *checker) properties(v any, p jsonPath, what string, allowed []string) map[string]any {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be %s (a JSON object), not %s", what, kind(v))
		return nil
	}
	k, bad := firstBad(obj, func(k string, v any) bool { return v == nil || !slices.Contains(allowed, k) })
	switch {
	case !bad:
	case !slices.Contains(allowed, k):
		c.fail(p.key(k), "is not a property of %s%s", what, caseHint(k, allowed))
		return nil
	default:
		c.fail(p.key(k), "must not be null")
		return nil
	}
	return obj
}

// require reports whether obj has every key, failing at the first missing.
func (c *checker) require(obj map[string]any, p jsonPath, keys ...string) bool {
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			c.fail(p.key(k), "is required")
			return false
		}
	}
	return true
}

// optional runs check on property k of obj when it is there.
func (c *checker) optional(obj map[string]any, p jsonPath, k string, check func(any, jsonPath)) {
	if v, ok := obj[k]; ok {
		check(v, p.key(k))
	}
}

// array returns v as an array.
func (c *checker) array(v any, p jsonPath) ([]any, bool) {
	a, ok := v.([]any)
	if !ok {
		c.fail(p, "must be an array, not %s", kind(v))
	}
	return a, ok
}

// str returns v as a string.
func (c *checker) str(v any, p jsonPath) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.fail(p, "must be a string, not %s", kind(v))
	}
	return s, ok
}

// isString checks that v is a string.
func (c *checker) isString(v any, p jsonPath) { c.str(v, p) }

// boolean checks that v is true or false.
func (c *checker) boolean(v any, p jsonPath) {
	if _, ok := v.(bool); !ok {
		c.fail(p, "must be true or false, not %s", describe(v))
	}
}

// iri checks that v is an IRI (IRLs, the resolvable ones, are checked the
// same way: their resolvability is not the LRS's concern).
func (c *checker) iri(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !IsIRI(s) {
		c.fail(p, "must be an absolute IRI such as http://example.com/path, not %q", s)
	}
}

// uuid checks that v is a UUID in its standard string form.
func (c *checker) uuid(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !IsUUID(s) {
		c.fail(p, "must be a UUID such as 0f4b3f39-7c6c-4d1b-9c0e-2a9a6c1b5e7d, not %q", s)
	}
}

// languageTag checks that v is an RFC 5646 language tag.
func (c *checker) languageTag(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !IsLangTag(s) {
		c.fail(p, "must be an RFC 5646 language tag such as en-US, not %q", s)
	}
}

// languageMap checks a language map: RFC 5646 tags to strings.
func (c *checker) languageMap(v any, p jsonPath) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, `must be a language map such as {"en-US": "text"}, not %s`, kind(v))
		return
	}
	tag, bad := firstBad(m, func(k string, v any) bool {
		_, text := v.(string)
		return !text || !IsLangTag(k)
	})
	switch {
	case !bad:
	case !IsLangTag(tag):
		c.fail(p.key(tag), "is not an RFC 5646 language tag")
	default:
		c.str(m[tag], p.key(tag))
	}
}

// extensions checks an extensions object: its keys are IRIs, its values
// anything at all, null included.
func (c *checker) extensions(v any, p jsonPath) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an object of extensions, not %s", kind(v))
		return
	}
	if k, bad := firstBad(m, func(k string, _ any) bool { return !IsIRI(k) }); bad {
		c.fail(p.key(k), "is not an extension key: those are absolute IRIs")
	}
}

// timestamp checks a timestamp against the rules of the client's version.
func (c *checker) timestamp(v any, p jsonPath) {
	s, ok := c.str(v, p)
	if !ok {
		return
	}
	if _, reason := parseTimestamp(s, c.v); reason != "" {
		c.fail(p, "%q %s", s, reason)
	}
}

// duration checks an ISO 8601 duration.
func (c *checker) duration(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !IsDuration(s) {
		c.fail(p, "must be an ISO 8601 duration such as PT1H30M or P4W, not %q", s)
	}
}

// decimal returns v as a finite number.
func (c *checker) decimal(v any, p jsonPath) (float64, bool) {
	f, ok := number(v)
	switch {
	case ok:
	case isNumber(v):
		c.fail(p, "%v is out of the range of numbers this LRS holds", v)
	default:
		c.fail(p, "must be a number, not %s", describe(v))
	}
	return f, ok
}

// maxExactInteger is the largest integer every JSON reader holds exactly.
const maxExactInteger = 1<<53 - 1

// count checks that v is a whole number, zero or more.
func (c *checker) count(v any, p jsonPath) {
	f, ok := c.decimal(v, p)
	if ok && (f < 0 || f != math.Trunc(f) || f > maxExactInteger) {
		c.fail(p, "must be a whole number, zero or more, not %v", v)
	}
}

// isNumber reports whether v is a decoded JSON number: a json.Number (see
// Decode) or a float64 (encoding/json's default).
func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64:
		return true
	}
	return false
}

// number returns the value of a JSON number if it is a finite float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, !math.IsInf(n, 0) && !math.IsNaN(n)
	}
	return 0, false
}

// firstBad returns the first key of m (in key order, so that the first
// error found is the same on every run) whose property bad reports, and
// whether there is one. It sorts the keys only when there is.
func firstBad(m map[string]any, bad func(k string, v any) bool) (string, bool) {
	found := false
	for k, v := range m {
		if bad(k, v) {
			found = true
			break
		}
	}
	if !found {
		return "", false
	}
	for _, k := range sortedKeys(m) {
		if bad(k, m[k]) {
			return k, true
		}
	}
	return "", false
}

// sortedKeys returns the keys of m in order, so that the first error found
// is the same on every run.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
