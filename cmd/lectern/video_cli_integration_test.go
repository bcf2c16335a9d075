package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/testenv"
)

func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line of stdout is not JSON: %q", out)
	}
	return m
}

// The CLI uploads through the public API, waits, and prints the contract
// JSON; a file that is not a video makes it exit non-zero with the reason.
func TestVideoUploadWaitJSON(t *testing.T) {
	p := apptest.NewPipeline(t, nil)
	p.StartWorker()
	t.Setenv("LECTERN_API", p.API.Base)
	t.Setenv("LECTERN_TOKEN", apptest.Token)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())

	var stdout, stderr bytes.Buffer
	clip := testenv.Clip(t, 3, "320x240", true)
	if code := run([]string{"video", "upload", clip, "--wait", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	m := lastJSON(t, stdout.String())
	id, _ := m["id"].(string)
	if m["status"] != "ready" || id == "" {
		t.Fatalf("json: %v", m)
	}
	for key, suffix := range map[string]string{"hls": "/master.m3u8", "dash": "/manifest.mpd", "player": "/watch/" + id} {
		if s, _ := m[key].(string); !strings.HasPrefix(s, "http://") || !strings.HasSuffix(s, suffix) {
			t.Errorf("%s = %q, want an absolute URL ending in %s", key, s, suffix)
		}
	}
	if !strings.Contains(stderr.String(), "upload") || !strings.Contains(stderr.String(), "%") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}

	bad := filepath.Join(t.TempDir(), "slides.mp4")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not a video at all\n"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"video", "upload", bad, "--wait", "--json"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d for a file that is not a video, want 1", code)
	}
	m = lastJSON(t, stdout.String())
	if m["status"] != "failed" || !strings.Contains(m["error"].(string), "not a video") {
		t.Fatalf("json for a bad file: %v", m)
	}
	if !strings.Contains(stderr.String(), "not a video") {
		t.Fatalf("stderr does not give the reason: %q", stderr.String())
	}
}

func TestVideoUploadUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"video", "upload"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d without a file, want 2", code)
	}
	t.Setenv("LECTERN_TOKEN", "x")
	if code := run([]string{"video", "upload", "/nonexistent/file.mp4", "--json"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no such file") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
