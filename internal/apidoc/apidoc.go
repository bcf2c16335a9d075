// Package apidoc holds the OpenAPI 3 description of the public API, served at
// /api/openapi.json. A test in cmd/lectern fails when a route is missing.
package apidoc

import _ "embed"

// OpenAPI is the document.
//
//go:embed openapi.json
var OpenAPI []byte
