package statement

import (
	"strconv"
	"strings"
	"testing"
)

// edit sets the JSON value at a path of a document, or removes the property
// there when JSON is "". Paths are dotted keys with [i] for array elements:
// "context.contextActivities.parent[0].id".
type edit struct{ path, json string }

// set is an edit that sets a value.
func set(path, json string) edit { return edit{path, json} }

// remove is an edit that removes a property.
func remove(path string) edit { return edit{path, ""} }

// mustObject decodes a JSON object, failing the test otherwise.
func mustObject(t testing.TB, doc string) map[string]any {
	t.Helper()
	v, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", doc)
	}
	return m
}

// edited decodes base and applies edits in order.
func edited(t testing.TB, base string, edits ...edit) map[string]any {
	t.Helper()
	doc := mustObject(t, base)
	for _, e := range edits {
		steps := pathSteps(e.path)
		parent := walk(t, doc, steps[:len(steps)-1], e.path)
		last := steps[len(steps)-1]
		if e.json == "" {
			delete(parent.(map[string]any), last)
			continue
		}
		v, err := Decode([]byte(e.json))
		if err != nil {
			t.Fatalf("edit %s: %v", e.path, err)
		}
		switch p := parent.(type) {
		case map[string]any:
			p[last] = v
		case []any:
			i, _ := strconv.Atoi(last)
			p[i] = v
		}
	}
	return doc
}

// pathSteps splits a path into keys and indexes.
func pathSteps(path string) []string {
	var steps []string
	for _, key := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(key, "[")
		steps = append(steps, name)
		for rest != "" {
			var i string
			i, rest, _ = strings.Cut(rest, "]")
			steps = append(steps, i)
			rest = strings.TrimPrefix(rest, "[")
		}
	}
	return steps
}

// walk follows steps from doc, creating missing objects on the way.
func walk(t testing.TB, doc any, steps []string, path string) any {
	t.Helper()
	for _, step := range steps {
		switch d := doc.(type) {
		case map[string]any:
			if _, ok := d[step]; !ok {
				d[step] = map[string]any{}
			}
			doc = d[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i >= len(d) {
				t.Fatalf("edit %s: no element %s", path, step)
			}
			doc = d[i]
		default:
			t.Fatalf("edit %s: %s is inside a scalar", path, step)
		}
	}
	return doc
}
