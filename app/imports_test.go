package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/lectern/lectern/"

// packageImports maps every package folder of the module (relative to its
// root, slash-separated) to the module packages its files import; tests
// says whether to read the _test.go files or the others.
func packageImports(t *testing.T, tests bool) map[string]map[string]bool {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".data", "node_modules", "bin", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") != tests {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if out[pkg] == nil {
			out[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok {
				out[pkg][dep] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found %d packages; the walk is broken", len(out))
	}
	return out
}

// The layers point one way: internal/ is plumbing and knows no domain, its
// tests included; a domain never knows the composition root (its tests may
// start the whole app through app/apptest); enrollments builds on courses,
// never the reverse; the media packages know nothing of the domains.
func TestImportsPointDownwards(t *testing.T) {
	code, tests := packageImports(t, false), packageImports(t, true)
	if _, err := os.Stat(filepath.Join("..", "internal")); err != nil {
		t.Fatal(err)
	}
	for pkg, deps := range tests {
		if strings.HasPrefix(pkg, "internal") {
			for dep := range deps {
				if !strings.HasPrefix(dep, "internal") {
					t.Errorf("a test of %s imports %s: internal/ is plumbing, its tests included: test it without the domains, or test it from app/", pkg, dep)
				}
			}
		}
	}
	under := func(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }
	rules := []struct {
		from string
		may  func(dep string) bool
		why  string
	}{
		{"internal", func(dep string) bool { return under(dep, "internal") },
			"internal/ is plumbing: it imports no domain package (move the code that needs one above it)"},
		{"transcode", func(dep string) bool { return under(dep, "internal") || dep == "transcode" },
			"the media packages know no domain"},
		{"packager", func(dep string) bool { return under(dep, "internal") || dep == "packager" },
			"the media packages know no domain"},
		{"courses", func(dep string) bool { return dep != "enrollments" && !under(dep, "app") },
			"enrollments depends on courses, never the reverse"},
	}
	// The assessments build on courses, enrollments and the LRS; none of
	// them knows the assessments.
	for _, below := range []string{"courses", "enrollments", "xapi", "videos"} {
		rules = append(rules, struct {
			from string
			may  func(dep string) bool
			why  string
		}{below, func(dep string) bool { return !under(dep, "assessments") },
			"assessments builds on " + below + ", never the reverse (hand it a func or an interface instead)"})
	}
	for _, domain := range []string{"identity", "courses", "enrollments", "assessments", "xapi", "videos", "webhooks", "worker", "transcode", "packager", "client", "player"} {
		rules = append(rules, struct {
			from string
			may  func(dep string) bool
			why  string
		}{domain, func(dep string) bool { return !under(dep, "app") && !under(dep, "cmd") },
			"only cmd/ may import the composition root (app/)"})
	}
	checked := 0
	for pkg, deps := range code {
		for _, r := range rules {
			if !under(pkg, r.from) {
				continue
			}
			checked++
			for dep := range deps {
				if !r.may(dep) {
					t.Errorf("%s imports %s: %s", pkg, dep, r.why)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked; the rules match nothing", checked)
	}
}
