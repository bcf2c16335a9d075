package courses

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Course descriptions and text lessons are written in Markdown (GitHub
// flavour) and served as HTML: goldmark renders it with raw HTML dropped,
// then bluemonday's user-generated-content policy removes whatever could
// still run script or escape the page (javascript: links, event handlers).
var (
	markdown  = goldmark.New(goldmark.WithExtensions(extension.GFM))
	sanitiser = bluemonday.UGCPolicy()
)

// Limits on Markdown sources, in characters (the schema checks them too).
const (
	maxDescription = 100_000
	maxBody        = 200_000
)

// renderMarkdown returns the sanitised HTML of a Markdown source.
func renderMarkdown(src string) (string, error) {
	if src == "" {
		return "", nil
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return string(sanitiser.SanitizeBytes(buf.Bytes())), nil
}
