package transcode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ProcessError is a failed ffmpeg run. Error() ends with the last
// meaningful line ffmpeg wrote to stderr ("file:/x.mp4: Invalid data found
// when processing input"); Stderr keeps the last few KiB for the job log.
type ProcessError struct {
	Err      error  // from exec, usually an *exec.ExitError
	LastLine string // the line that explains the failure
	Stderr   string // tail of stderr
}

func (e *ProcessError) Error() string {
	if e.LastLine == "" {
		return fmt.Sprintf("ffmpeg: %v", e.Err)
	}
	return fmt.Sprintf("ffmpeg: %v: %s", e.Err, e.LastLine)
}

func (e *ProcessError) Unwrap() error { return e.Err }

// stderrTail is how much of ffmpeg's stderr Run keeps.
const stderrTail = 4 << 10

// Run runs ffmpeg with args (which must include "-progress pipe:1", as
// BuildEncodeArgs does, for onProgress to be called) and waits for it.
//
// onProgress, if not nil, is called from another goroutine, one call at a
// time, once per progress block; Percent is relative to durationSec.
//
// ffmpeg runs in its own process group. When ctx is done the whole group is
// sent SIGKILL and Run returns ctx's error (wrapped) once the process has
// been reaped, within WaitDelay. On Linux ffmpeg also gets SIGKILL if the
// worker itself dies, so a crashed worker leaves no encoder running.
func Run(ctx context.Context, ffmpeg string, args []string, durationSec float64, onProgress func(Progress)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr

	pr, pw := io.Pipe()
	cmd.Stdout = pw
	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		_ = ParseProgress(pr, durationSec, func(p Progress) {
			if onProgress != nil {
				onProgress(p)
			}
		})
		_, _ = io.Copy(io.Discard, pr)
	}()

	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	_ = pw.Close()
	<-parsed
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("ffmpeg: %w", ctxErr)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("run ffmpeg: %w", err)
	}
	tail := stderr.String()
	return &ProcessError{Err: err, LastLine: meaningfulLine(tail), Stderr: tail}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var (
	logAddress = regexp.MustCompile(` @ 0x[0-9a-f]+\]`)
	logLevel   = regexp.MustCompile(`\[(fatal|error|warning|panic|info|verbose|debug|trace)\] `)
)

// generic lines ffmpeg prints after the real cause.
var genericLines = []string{
	"Conversion failed!",
	"Exiting normally",
	"Error while filtering",
	"Error while processing the decoded data",
	"Error marking filters as finished",
	"Nothing was written into output file",
}

// meaningfulLine picks the line of ffmpeg's stderr that best explains a
// failure: the last error-level line that is not a generic trailer ("[libx264
// @ 0x55d0] [error] x" becomes "[libx264] x"), else the last non-blank line.
// When that line is ffmpeg's summary without a component ("file:/a.mp4:
// Invalid argument") and the error just before it names one, that cause is
// put first: "[hls] Format not on whitelist ... (file:/a.mp4: Invalid argument)".
func meaningfulLine(stderr string) string {
	lines := strings.Split(stderr, "\n")
	clean := func(l string) string {
		l = logAddress.ReplaceAllString(l, "]")
		return strings.TrimSpace(logLevel.ReplaceAllString(l, ""))
	}
	generic := func(l string) bool {
		for _, g := range genericLines {
			if strings.Contains(l, g) {
				return true
			}
		}
		return false
	}
	isError := func(l string) bool {
		return strings.Contains(l, "[error] ") || strings.Contains(l, "[fatal] ") || strings.Contains(l, "[panic] ")
	}
	var errs []string // error lines, last first
	fallback := ""
	for i := len(lines) - 1; i >= 0 && len(errs) < 2; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || generic(l) {
			continue
		}
		if isError(l) {
			errs = append(errs, clean(l))
		} else if fallback == "" && !strings.Contains(l, "[warning] ") {
			fallback = clean(l)
		}
	}
	switch {
	case len(errs) == 2 && !strings.HasPrefix(errs[0], "[") && strings.HasPrefix(errs[1], "["):
		return errs[1] + " (" + errs[0] + ")"
	case len(errs) > 0:
		return errs[0]
	case fallback != "":
		return fallback
	}
	return clean(lastLine(stderr))
}
