package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/lectern/lectern/app"
	"github.com/lectern/lectern/internal/apidoc"
	"github.com/lectern/lectern/internal/config"
)

// Every route the app serves is described in the OpenAPI document, and the
// document describes nothing the app does not serve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(apidoc.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &app.Deps{})
	param := regexp.MustCompile(`:(\w+)`)
	served := map[string]bool{}
	for _, r := range srv.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" || strings.HasPrefix(r.Path, "/player") || r.Path == "/" {
			continue
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		served[key] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is missing from openapi.json", r.Method, path)
		}
	}
	if len(served) < 12 {
		t.Fatalf("only %d routes found; the route walk is broken", len(served))
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !served[method+" "+path] {
				t.Errorf("openapi.json describes %s %s, which the app does not serve", method, path)
			}
		}
	}
}

// The document is valid OpenAPI 3: every $ref resolves, every schema is
// well formed, every path parameter is declared.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(apidoc.OpenAPI)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
}

// The document also passes @apidevtools/swagger-parser, which checks it
// against the JSON Schema of OpenAPI 3.0 more strictly than kin-openapi
// (it refuses "required": [], which 3.0 forbids). It runs from e2e/, whose
// npm dependencies make test installs; outside make test, without them,
// the check is skipped and says so.
func TestOpenAPIDocumentPassesSwaggerParser(t *testing.T) {
	validator := filepath.Join("..", "e2e", "openapi-validate.mjs")
	if _, err := os.Stat(filepath.Join("..", "e2e", "node_modules", "@apidevtools", "swagger-parser")); err != nil {
		if os.Getenv("LECTERN_INTEGRATION") == "1" {
			t.Fatalf("swagger-parser is not installed in e2e/ (make deps-test installs it): %v", err)
		}
		t.Skip("swagger-parser is not installed in e2e/: run make deps-test (make test does)")
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, apidoc.OpenAPI, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", validator, file).CombinedOutput()
	if err != nil {
		t.Fatalf("swagger-parser refuses the document: %v\n%s", err, out)
	}
}
