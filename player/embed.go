// Package player holds the browser side of Lectern — the watch page (HLS/DASH
// player) and the upload page — built with npm into dist/ and embedded into
// the lectern binary.
//
// Build the assets before `go build` (cd player && npm ci && npm run build);
// without them the binary still compiles (dist/.keep is tracked) and Built()
// reports false so the server can answer with a clear message instead of 404s.
//
// Routes expected by the pages: GET /watch/:id -> watch.html,
// GET /upload -> upload.html, GET /player/* -> FS() (assets/…, *.css).
package player

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built files rooted at dist/ (watch.html, upload.html,
// watch.css, upload.css, assets/watch.js, assets/upload.js, assets/chunks/…).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid, embedded path: cannot happen
	}
	return sub
}

// Built reports whether `npm run build` produced the pages before this binary
// was compiled.
func Built() bool {
	_, err := fs.Stat(dist, "dist/watch.html")
	return err == nil
}
