//go:build unix

package transcode

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestProbePlaylistsNeverOpenTheirTargets disguises playlists as .mp4 files
// that reference a FIFO. Opening a FIFO for reading is visible to a writer
// trying to open it without blocking, so a watcher notices if ffprobe (or
// ffmpeg) ever opens the target.
func TestProbePlaylistsNeverOpenTheirTargets(t *testing.T) {
	ffmpeg, ffprobe := requireFFmpeg(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.ts")
	if err := syscall.Mkfifo(secret, 0o600); err != nil {
		t.Fatal(err)
	}
	playlists := []struct {
		name, body, reason string
	}{
		{"hls.mp4", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n" + secret + "\n#EXTINF:10.0,\nfile:" + secret + "\n#EXT-X-ENDLIST\n",
			"unsupported container: hls playlists are not accepted, upload the video file itself"},
		// Relative: the concat demuxer's safe mode refuses absolute paths
		// by itself, but not this.
		{"concat.mp4", "ffconcat version 1.0\nfile 'secret.ts'\n",
			"unsupported container: concat playlists are not accepted, upload the video file itself"},
	}

	var opened atomic.Bool
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			default:
			}
			// Succeeds only while some process has the FIFO open for reading.
			if f, err := os.OpenFile(secret, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				opened.Store(true)
				f.Close()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	defer func() { close(stop); <-watched }()

	for _, p := range playlists {
		t.Run(p.name, func(t *testing.T) {
			path := filepath.Join(dir, p.name)
			if err := os.WriteFile(path, []byte(p.body), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			_, err := Probe(ctx, ffprobe, path, Limits{})
			var rej *RejectError
			if !errors.As(err, &rej) || rej.Reason != p.reason {
				t.Fatalf("err = %v, want rejection %q", err, p.reason)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("probe took %v: did it block on the FIFO?", d)
			}
			// ffmpeg with the same input options refuses it as well.
			l, _ := PlanLadder(source(320, 240, 30, 0, 0), PlanOptions{})
			err = Run(ctx, ffmpeg, BuildEncodeArgs(path, l, t.TempDir()), 1, nil)
			var pe *ProcessError
			if !errors.As(err, &pe) || !strings.Contains(pe.LastLine, "Format not on whitelist") {
				t.Errorf("encode err = %v, want a whitelist refusal", err)
			}
		})
	}
	if opened.Load() {
		t.Error("the playlist's target was opened")
	}

	// Control: without the whitelist ffprobe does open the target, and the
	// watcher sees it (its open also unblocks ffprobe).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = exec.CommandContext(ctx, ffprobe, "-v", "quiet", "-protocol_whitelist", "file",
		"file:"+filepath.Join(dir, "hls.mp4")).Run()
	if !opened.Load() {
		t.Error("control: the watcher did not see ffprobe open the target; the test proves nothing")
	}
}
