package transcode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMeaningfulLine(t *testing.T) {
	tests := []struct{ name, stderr, want string }{
		{
			name:   "missing input",
			stderr: "[error] file:/x.mp4: No such file or directory\n",
			want:   "file:/x.mp4: No such file or directory",
		},
		{
			name: "cause before the summary",
			stderr: "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5581] [error] moov atom not found\n" +
				"[error] file:/x.mp4: Invalid data found when processing input\n",
			want: "[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found (file:/x.mp4: Invalid data found when processing input)",
		},
		{
			name: "encoder failure, generic trailers skipped",
			stderr: "[warning] something harmless\n" +
				"[libx264 @ 0x55d0] [error] width not divisible by 2 (321x240)\n" +
				"[error] Error initializing output stream 0:0 -- Error while opening encoder\n" +
				"[error] Conversion failed!\n",
			want: "[libx264] width not divisible by 2 (321x240) (Error initializing output stream 0:0 -- Error while opening encoder)",
		},
		{
			name:   "no level tags",
			stderr: "some banner\nUnrecognized option 'bogus'.\nError splitting the argument list: Option not found\n",
			want:   "Error splitting the argument list: Option not found",
		},
		{
			name:   "only warnings",
			stderr: "[swscaler @ 0x1] [warning] deprecated pixel format used\n",
			want:   "[swscaler] deprecated pixel format used",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := meaningfulLine(tt.stderr); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	fmt.Fprint(b, "0123456789")
	fmt.Fprint(b, "ab")
	if got := b.String(); got != "456789ab" {
		t.Errorf("tail = %q", got)
	}
}

func TestRunFailure(t *testing.T) {
	ffmpeg, _ := requireFFmpeg(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.mp4")
	l, _ := PlanLadder(source(320, 240, 30, 0, 0), PlanOptions{})
	err := Run(context.Background(), ffmpeg, BuildEncodeArgs(missing, l, dir), 1, nil)
	var pe *ProcessError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ProcessError", err)
	}
	if !strings.Contains(err.Error(), "file:"+missing+": No such file or directory") {
		t.Errorf("error %q does not say what went wrong", err)
	}
	if pe.Stderr == "" {
		t.Error("no stderr kept")
	}

	err = Run(context.Background(), filepath.Join(dir, "no-ffmpeg"), nil, 1, nil)
	if err == nil || errors.As(err, &pe) {
		t.Errorf("missing binary: err = %v", err)
	}
}

// TestRunCancel starts an encode that would run forever (a real-time test
// source), cancels it after the first progress report and checks that Run
// returns promptly and no ffmpeg process is left.
func TestRunCancel(t *testing.T) {
	ffmpeg, _ := requireFFmpeg(t)
	marker := fmt.Sprintf("lectern-cancel-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	args := []string{
		"-hide_banner", "-nostdin", "-loglevel", ffmpegLogLevel, "-nostats", "-stats_period", "0.2", "-progress", "pipe:1",
		"-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15",
		"-c:v", "libx264", "-preset", "ultrafast", "-metadata", "title=" + marker, "-f", "null", "-",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports atomic.Int32
	var cancelledAt atomic.Int64
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, ffmpeg, args, 0, func(p Progress) {
			if reports.Add(1) == 1 {
				if !processRunning(marker) {
					t.Error("ffmpeg not found in /proc while running: the check below proves nothing")
				}
				cancelledAt.Store(time.Now().UnixNano())
				cancel()
			}
		})
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of starting")
	}
	if reports.Load() == 0 {
		t.Fatalf("Run returned %v before any progress", err)
	}
	took := time.Since(time.Unix(0, cancelledAt.Load()))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if took > 3*time.Second {
		t.Errorf("Run took %v to return after cancel", took)
	}
	if processRunning(marker) {
		t.Error("ffmpeg is still running after Run returned")
	}
}

// processRunning reports whether a process has marker on its command line.
func processRunning(marker string) bool {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), marker) {
			return true
		}
	}
	return false
}
