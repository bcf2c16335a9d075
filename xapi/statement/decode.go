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
	v, err := decodeValue(d, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Reason: fmt.Sprintf("there is more after the JSON value (at byte %d)", d.InputOffset())}
	}
	return v, nil
}

// decodeValue reads the value starting at the decoder's next token, found
// at p, depth levels deep.
func decodeValue(d *json.Decoder, p jsonPath, depth int) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, syntaxError(d, p, err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxDepth {
		return nil, &Error{Reason: fmt.Sprintf("the JSON nests arrays and objects deeper than %d levels", maxDepth)}
	}
	if delim == '[' {
		return decodeArray(d, p, depth)
	}
	return decodeObject(d, p, depth)
}

// decodeArray reads the elements of an array whose '[' was read.
func decodeArray(d *json.Decoder, p jsonPath, depth int) ([]any, error) {
	list := []any{}
	for d.More() {
		v, err := decodeValue(d, p.index(len(list)), depth+1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	if _, err := d.Token(); err != nil { // ']'
		return nil, syntaxError(d, p, err)
	}
	return list, nil
}

// decodeObject reads the properties of an object whose '{' was read.
func decodeObject(d *json.Decoder, p jsonPath, depth int) (map[string]any, error) {
	obj := map[string]any{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, syntaxError(d, p, err)
		}
		key, ok := tok.(string)
		if !ok { // the decoder fails before, but a panic would be worse
			return nil, &Error{Path: string(p), Reason: "malformed JSON: an object key is not a string"}
		}
		if _, dup := obj[key]; dup {
			return nil, &Error{Path: string(p.key(key)), Reason: "the property appears twice in its object"}
		}
		v, err := decodeValue(d, p.key(key), depth+1)
		if err != nil {
			return nil, err
		}
		obj[key] = v
	}
	if _, err := d.Token(); err != nil { // '}'
		return nil, syntaxError(d, p, err)
	}
	return obj, nil
}

// syntaxError reports malformed JSON met at p.
func syntaxError(d *json.Decoder, p jsonPath, err error) *Error {
	if errors.Is(err, io.EOF) {
		if p == "" && d.InputOffset() == 0 {
			return &Error{Reason: "there is no JSON: the body is empty"}
		}
		err = io.ErrUnexpectedEOF
	}
	return &Error{Path: string(p), Reason: fmt.Sprintf("malformed JSON: %v (at byte %d)", err, d.InputOffset())}
}
