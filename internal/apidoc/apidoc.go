// Package apidoc holds the OpenAPI 3 description of the public API, served at
// /api/openapi.json. A test in cmd/lectern fails when a route is missing.
//
// The document is openapi.json (info, shared components, the pipeline's
// routes) merged with one fragment per domain in fragments/*.json, each a
// partial document with "paths" and "components". A path+method or a
// component defined twice is an error found when the package loads.
package apidoc

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed openapi.json fragments
var files embed.FS

// OpenAPI is the merged document.
var OpenAPI = mustMerge()

func mustMerge() []byte {
	b, err := Merge(files)
	if err != nil {
		panic(err) // the embedded files are fixed at build time; a test loads them
	}
	return b
}

// Merge merges openapi.json with fragments/*.json from fsys.
func Merge(fsys fs.FS) ([]byte, error) {
	base, err := read(fsys, "openapi.json")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "fragments/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	paths := object(base, "paths")
	comps := object(base, "components")
	for _, name := range names {
		frag, err := read(fsys, name)
		if err != nil {
			return nil, err
		}
		for p, ops := range object(frag, "paths") {
			have := object(paths, p)
			for method, op := range ops.(map[string]any) {
				if _, dup := have[method]; dup && method != "parameters" {
					return nil, fmt.Errorf("apidoc: %s defines %s %s again", name, method, p)
				}
				have[method] = op
			}
			paths[p] = have
		}
		for kind, defs := range object(frag, "components") {
			have := object(comps, kind)
			for k, v := range defs.(map[string]any) {
				if _, dup := have[k]; dup {
					return nil, fmt.Errorf("apidoc: %s defines components.%s.%s again", name, kind, k)
				}
				have[k] = v
			}
			comps[kind] = have
		}
	}
	return json.MarshalIndent(base, "", "  ")
}

func read(fsys fs.FS, name string) (map[string]any, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("apidoc: %s: %w", name, err)
	}
	return m, nil
}

// object returns m[key] as an object, creating it when absent.
func object(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}
