package statement

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects Decode accepts: far
// beyond any statement, well within the stack.
const maxDepth = 512

// Decode parses JSON into generic values: map[string]any, []any, string,
// bool, nil and json.Number (numbers keep their exact text). It refuses
// input that is not valid UTF-8 or not exactly one JSON value, objects
// that repeat a key (which JSON parsers resolve differently, so a
// statement with one is ambiguous) and nesting deeper than 512. Every
// error is an *Error.
func Decode(raw []byte) (any, error) {
	if !utf8.Valid(raw) {
		return nil, &Error{Reason: "the JSON is not valid UTF-8"}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Reason: fmt.Sprintf("there is more after the JSON value (at byte %d)", d.InputOffset())}
	}
	if err := checkKeys(raw); err != nil {
		return nil, err
	}
	return v, nil
}

// syntaxError reports JSON that encoding/json cannot parse.
func syntaxError(err error) *Error {
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return &Error{Reason: "there is no JSON: the body is empty"}
	case errors.As(err, &syntax):
		return &Error{Reason: fmt.Sprintf("malformed JSON: %v (at byte %d)", err, syntax.Offset)}
	}
	return &Error{Reason: fmt.Sprintf("malformed JSON: %v", err)}
}

// container is an array or object open at some point of a JSON text.
type container struct {
	at     jsonPath        // where it is
	keys   map[string]bool // the keys met so far, for an object
	key    string          // the last key met, for an object
	index  int             // the element being read, for an array
	wanted bool            // whether a key comes next, for an object
}

// checkKeys scans raw, valid JSON for an object that repeats a key, or for
// nesting deeper than maxDepth. encoding/json ignores both: it keeps the
// last of repeated keys.
func checkKeys(raw []byte) *Error {
	var open []*container
	for i := 0; i < len(raw); i++ {
		var top *container
		if len(open) > 0 {
			top = open[len(open)-1]
		}
		switch raw[i] {
		case '{', '[':
			if len(open) == maxDepth {
				return &Error{Reason: fmt.Sprintf("the JSON nests arrays and objects deeper than %d levels", maxDepth)}
			}
			c := &container{at: top.child()}
			if raw[i] == '{' {
				c.keys, c.wanted = map[string]bool{}, true
			}
			open = append(open, c)
		case '}', ']':
			open = open[:len(open)-1]
		case ',':
			top.index++
			top.wanted = top.keys != nil
		case '"':
			end := stringEnd(raw, i)
			if top != nil && top.wanted {
				key := unquote(raw[i : end+1])
				if top.keys[key] {
					return &Error{Path: string(top.at.key(key)), Reason: "the property appears twice in its object"}
				}
				top.keys[key], top.key, top.wanted = true, key, false
			}
			i = end
		}
	}
	return nil
}

// child is the path of the value being read in c, the whole document when
// c is nil.
func (c *container) child() jsonPath {
	switch {
	case c == nil:
		return ""
	case c.keys != nil:
		return c.at.key(c.key)
	}
	return c.at.index(c.index)
}

// stringEnd returns the index of the quote closing the JSON string whose
// opening quote is at raw[start].
func stringEnd(raw []byte, start int) int {
	for i := start + 1; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(raw) - 1 // not reached: raw is valid JSON
}

// unquote decodes a JSON string literal.
func unquote(literal []byte) string {
	if bytes.IndexByte(literal, '\\') < 0 {
		return string(literal[1 : len(literal)-1])
	}
	var s string
	_ = json.Unmarshal(literal, &s) // valid: encoding/json parsed it already
	return s
}
