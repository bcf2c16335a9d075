package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lectern/lectern/client"
)

// videoCmd runs the `lectern video` verbs: flags, progress bars and what
// they print. The API calls and the upload protocol are package client's.
func videoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: lectern video upload FILE [--wait] [--json] [--title T] | lectern video get ID [--json]")
		return 2
	}
	switch args[0] {
	case "upload":
		return videoUpload(ctx, args[1:], stdout, stderr)
	case "get":
		return videoGet(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "lectern video: unknown verb %q\n", args[0])
	return 2
}

// splitArgs lets flags come after positional arguments.
func splitArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

func videoGet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("video get", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := splitArgs(fs, args)
	if err != nil || len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: lectern video get ID [--json]")
		return 2
	}
	v, err := client.New().GetVideo(ctx, pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	printVideo(stdout, v, *asJSON)
	return 0
}

func printVideo(w io.Writer, v *client.Video, asJSON bool) {
	out := map[string]any{"id": v.ID, "title": v.Title, "status": v.Status, "hls": v.HLS, "dash": v.DASH,
		"player": v.Player, "poster": v.Poster, "thumbnails": v.Thumbnails, "duration": v.Duration, "error": v.Error}
	if asJSON {
		b, _ := json.Marshal(out)
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "id:      %s\ntitle:   %s\nstatus:  %s\n", v.ID, v.Title, v.Status)
	if v.Status == "ready" {
		fmt.Fprintf(w, "player:  %s\nhls:     %s\ndash:    %s\n", v.Player, deref(v.HLS), deref(v.DASH))
	}
	if v.Error != nil {
		fmt.Fprintf(w, "error:   %s\n", *v.Error)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func videoUpload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("video upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wait := fs.Bool("wait", false, "wait until the video is ready (exit 1 if it fails)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	title := fs.String("title", "", "title (default: the file name)")
	parallel := fs.Int("parallel", 4, "parts in flight")
	pos, err := splitArgs(fs, args)
	if err != nil || len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: lectern video upload FILE [--wait] [--json] [--title T]")
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lectern: "+format+"\n", a...)
		if *asJSON {
			b, _ := json.Marshal(map[string]any{"status": "error", "error": fmt.Sprintf(format, a...)})
			fmt.Fprintln(stdout, string(b))
		}
		return 1
	}
	c := client.New()
	var bar *progressBar
	progress := func(p client.Progress) {
		switch {
		case bar == nil: // the upload exists; no part is on its way yet
			if p.Resumed {
				fmt.Fprintf(stderr, "resuming upload %s (%d of %d parts already there)\n", p.Upload.ID, len(p.Upload.Received), p.Upload.PartsTotal)
			}
			bar = newProgressBar(stderr, "upload", p.Size)
			bar.set(p.Sent)
		case p.Done:
			bar.finish()
		default:
			bar.set(p.Sent)
		}
	}
	v, err := c.Upload(ctx, pos[0], client.UploadOptions{Title: *title, Parallel: max(1, *parallel), Progress: progress})
	switch {
	case errors.Is(err, client.ErrNoToken):
		return fail("no API token: set LECTERN_TOKEN, or start the local stack (make up) which writes %s", client.CredentialsPath())
	case errors.Is(err, client.ErrInterrupted):
		return fail("%v (run the same command again to resume)", err)
	case err != nil:
		return fail("%v", err)
	}
	fmt.Fprintf(stderr, "uploaded: video %s\n", v.ID)
	if !*wait {
		printVideo(stdout, v, *asJSON)
		return 0
	}
	id := v.ID
	ebar := newProgressBar(stderr, "encode", 1000)
	if !v.Settled() {
		v, err = c.WaitVideo(ctx, id, func(cur *client.Video) bool {
			if j := cur.Job; j != nil {
				ebar.label = j.Stage
				ebar.extra = ""
				if j.Speed > 0 {
					ebar.extra = fmt.Sprintf(" %.0f fps %.2fx", j.FPS, j.Speed)
				}
				ebar.set(int64(j.Progress * 10))
			}
			return cur.Settled()
		}, time.Second)
	}
	ebar.finish()
	if err != nil {
		var ae *client.Error
		if errors.As(err, &ae) {
			return fail("%v", err) // "video ID: ...": the API refuses to show it
		}
		return fail("interrupted while waiting; the encode goes on: lectern video get %s", id)
	}
	printVideo(stdout, v, *asJSON)
	if v.Status != "ready" {
		fmt.Fprintf(stderr, "lectern: video %s %s: %s\n", v.ID, v.Status, v.Reason())
		return 1
	}
	return 0
}

// progressBar draws on a terminal with \r, and prints a line every few
// seconds when stderr is a file or a pipe.
type progressBar struct {
	w     io.Writer
	label string
	extra string
	total int64
	tty   bool
	start time.Time
	mu    sync.Mutex
	last  time.Time
	cur   int64
	bytes bool
}

func newProgressBar(w io.Writer, label string, total int64) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, label: label, total: total, tty: tty, start: time.Now(), bytes: label == "upload"}
}

func (p *progressBar) set(v int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur = v
	every := 5 * time.Second
	if p.tty {
		every = 100 * time.Millisecond
	}
	if time.Since(p.last) < every {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progressBar) draw() {
	frac := 0.0
	if p.total > 0 {
		frac = min(1, float64(p.cur)/float64(p.total))
	}
	const width = 30
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	line := fmt.Sprintf("%-10s %s %5.1f%%", p.label, bar, frac*100)
	if p.bytes {
		el := time.Since(p.start).Seconds()
		rate := float64(p.cur) / max(el, 0.001)
		eta := "--"
		if rate > 0 && p.cur < p.total {
			eta = (time.Duration(float64(p.total-p.cur)/rate) * time.Second).Round(time.Second).String()
		}
		line += fmt.Sprintf(" %s / %s  %s/s  ETA %s", human(p.cur), human(p.total), human(int64(rate)), eta)
	}
	line += p.extra
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
