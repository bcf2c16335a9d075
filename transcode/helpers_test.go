package transcode

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// requireFFmpeg returns the paths of ffmpeg and ffprobe. Tests that need
// them fail when they are missing, unless LECTERN_SKIP_FFMPEG=1.
func requireFFmpeg(t *testing.T) (ffmpeg, ffprobe string) {
	t.Helper()
	if os.Getenv("LECTERN_SKIP_FFMPEG") == "1" {
		t.Skip("LECTERN_SKIP_FFMPEG=1")
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("ffmpeg is not on PATH: install it (apt-get install ffmpeg) or set LECTERN_SKIP_FFMPEG=1 to skip the tests that need it")
	}
	ffprobe, err = exec.LookPath("ffprobe")
	if err != nil {
		t.Fatal("ffprobe is not on PATH: install ffmpeg (apt-get install ffmpeg) or set LECTERN_SKIP_FFMPEG=1 to skip the tests that need it")
	}
	return ffmpeg, ffprobe
}

// makeMedia runs ffmpeg to generate a fixture dir/name and returns its path.
func makeMedia(t *testing.T, ffmpeg, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
	full = append(full, out)
	if b, err := exec.Command(ffmpeg, full...).CombinedOutput(); err != nil {
		t.Fatalf("generate %s: %v\nffmpeg %s\n%s", name, err, strings.Join(full, " "), b)
	}
	return out
}

// testClip is a seconds-long 30 fps size (WxH) test pattern with a stereo
// sine, H.264 + AAC in MP4.
func testClip(t *testing.T, ffmpeg, dir, name, size, seconds string, extra ...string) string {
	t.Helper()
	args := []string{
		"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30:duration=" + seconds,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
		"-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "64k",
	}
	args = append(args, extra...)
	return makeMedia(t, ffmpeg, dir, name, args...)
}
