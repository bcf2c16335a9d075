package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// apiClient talks to the public API, as any integrator would.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

type credentials struct {
	API   string `json:"api"`
	Token string `json:"token"`
}

func credentialsPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "lectern", "credentials.json")
}

// newAPIClient finds the API at LECTERN_API and the token at LECTERN_TOKEN,
// falling back to the credentials file the local stack writes.
func newAPIClient() *apiClient {
	var cred credentials
	if b, err := os.ReadFile(credentialsPath()); err == nil {
		_ = json.Unmarshal(b, &cred)
	}
	c := &apiClient{base: "http://127.0.0.1:8080", token: cred.Token, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	if cred.API != "" {
		c.base = cred.API
	}
	if v := os.Getenv("LECTERN_API"); v != "" {
		c.base = v
	}
	if v := os.Getenv("LECTERN_TOKEN"); v != "" {
		c.token = v
	}
	c.base = strings.TrimRight(c.base, "/")
	return c
}

type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status) }

func (c *apiClient) do(ctx context.Context, method, path string, body io.Reader, size int64, hdr map[string]string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if size >= 0 && body != nil {
		req.ContentLength = size
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error apiError `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			e.Error.Message = strings.TrimSpace(string(b))
		}
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *apiClient) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, bytes.NewReader(b), int64(len(b)), map[string]string{"Content-Type": "application/json"}, out)
}

type uploadJSON struct {
	ID         string `json:"id"`
	Size       int64  `json:"size"`
	ChunkSize  int64  `json:"chunk_size"`
	PartsTotal int    `json:"parts_total"`
	Status     string `json:"status"`
	Received   []struct {
		Part int   `json:"part"`
		Size int64 `json:"size"`
	} `json:"received"`
}

type videoJSON struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Status     string   `json:"status"`
	Duration   *float64 `json:"duration"`
	HLS        *string  `json:"hls"`
	DASH       *string  `json:"dash"`
	Poster     *string  `json:"poster"`
	Thumbnails *string  `json:"thumbnails"`
	Player     string   `json:"player"`
	Error      *string  `json:"error"`
	Job        *struct {
		ID       string  `json:"id"`
		State    string  `json:"state"`
		Stage    string  `json:"stage"`
		Progress float64 `json:"progress"`
		FPS      float64 `json:"fps"`
		Speed    float64 `json:"speed"`
		Attempts int     `json:"attempts"`
		Error    *string `json:"error"`
	} `json:"job"`
}

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
	c := newAPIClient()
	var v videoJSON
	if err := c.do(ctx, http.MethodGet, "/api/v1/videos/"+pos[0], nil, -1, nil, &v); err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	printVideo(stdout, &v, *asJSON)
	return 0
}

func printVideo(w io.Writer, v *videoJSON, asJSON bool) {
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

// resumeState remembers an unfinished upload of a file so a second run of
// the same command continues it.
type resumeState struct {
	UploadID string `json:"upload_id"`
}

func resumePath(abs string, st os.FileInfo) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d", abs, st.Size(), st.ModTime().UnixNano())))
	dir, _ := os.UserCacheDir()
	return filepath.Join(dir, "lectern", "uploads", hex.EncodeToString(h[:8])+".json")
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
	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return fail("%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return fail("%s is not a regular file", path)
	}
	abs, _ := filepath.Abs(path)
	c := newAPIClient()
	if c.token == "" {
		return fail("no API token: set LECTERN_TOKEN, or start the local stack (make up) which writes %s", credentialsPath())
	}
	rp := resumePath(abs, st)
	var up uploadJSON
	if b, err := os.ReadFile(rp); err == nil {
		var rs resumeState
		if json.Unmarshal(b, &rs) == nil && rs.UploadID != "" {
			if err := c.do(ctx, http.MethodGet, "/api/v1/uploads/"+rs.UploadID, nil, -1, nil, &up); err != nil || up.Status != "open" || up.Size != st.Size() {
				up = uploadJSON{}
			} else {
				fmt.Fprintf(stderr, "resuming upload %s (%d of %d parts already there)\n", up.ID, len(up.Received), up.PartsTotal)
			}
		}
	}
	if up.ID == "" {
		req := map[string]any{"filename": filepath.Base(path), "size": st.Size(), "title": *title, "content_type": "application/octet-stream"}
		if err := c.postJSON(ctx, "/api/v1/uploads", req, &up); err != nil {
			return fail("start upload: %v", err)
		}
		if err := os.MkdirAll(filepath.Dir(rp), 0o700); err == nil {
			b, _ := json.Marshal(resumeState{UploadID: up.ID})
			_ = os.WriteFile(rp, b, 0o600)
		}
	}
	done := map[int]bool{}
	var sent atomic.Int64
	for _, p := range up.Received {
		done[p.Part] = true
		sent.Add(p.Size)
	}
	bar := newProgressBar(stderr, "upload", st.Size())
	bar.set(sent.Load())
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, *parallel))
	for n := 1; n <= up.PartsTotal; n++ {
		if done[n] {
			continue
		}
		off := int64(n-1) * up.ChunkSize
		size := min(up.ChunkSize, up.Size-off)
		g.Go(func() error {
			if err := putPart(gctx, c, f, up.ID, n, off, size, &sent, bar); err != nil {
				return fmt.Errorf("part %d: %w", n, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		bar.finish()
		return fail("upload interrupted: %v (run the same command again to resume)", err)
	}
	bar.finish()
	var completed struct {
		Video videoJSON `json:"video"`
	}
	if err := c.postJSON(ctx, "/api/v1/uploads/"+up.ID+"/complete", map[string]any{}, &completed); err != nil {
		return fail("complete upload: %v", err)
	}
	_ = os.Remove(rp)
	v := completed.Video
	fmt.Fprintf(stderr, "uploaded: video %s\n", v.ID)
	if !*wait {
		printVideo(stdout, &v, *asJSON)
		return 0
	}
	ebar := newProgressBar(stderr, "encode", 1000)
	for v.Status != "ready" && v.Status != "failed" && v.Status != "canceled" {
		select {
		case <-ctx.Done():
			ebar.finish()
			return fail("interrupted while waiting; the encode goes on: lectern video get %s", v.ID)
		case <-time.After(time.Second):
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/videos/"+v.ID, nil, -1, nil, &v); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status < 500 {
				ebar.finish()
				return fail("video %s: %v", v.ID, err)
			}
			continue // the API restarting is not the video failing
		}
		if v.Job != nil {
			ebar.label = v.Job.Stage
			ebar.extra = ""
			if v.Job.Speed > 0 {
				ebar.extra = fmt.Sprintf(" %.0f fps %.2fx", v.Job.FPS, v.Job.Speed)
			}
			ebar.set(int64(v.Job.Progress * 10))
		}
	}
	ebar.finish()
	printVideo(stdout, &v, *asJSON)
	if v.Status != "ready" {
		reason := deref(v.Error)
		if reason == "" && v.Job != nil {
			reason = deref(v.Job.Error)
		}
		fmt.Fprintf(stderr, "lectern: video %s %s: %s\n", v.ID, v.Status, reason)
		return 1
	}
	return 0
}

func putPart(ctx context.Context, c *apiClient, f *os.File, uploadID string, n int, off, size int64, sent *atomic.Int64, bar *progressBar) error {
	// Read the part once, checksum it, send it from memory (and again from
	// memory on a retry). CRC32C, not SHA-256: it guards the transfer just as
	// well, and the API checks it at line rate where a SHA-256 costs the
	// object store a full hash pass (see videos.putPart).
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, off); err != nil {
		return err
	}
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], crc32.Checksum(buf, crc32.MakeTable(crc32.Castagnoli)))
	sum := hex.EncodeToString(crc[:])
	var last error
	for attempt := 0; attempt < 6; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(1<<attempt) * 250 * time.Millisecond):
			}
		}
		var partSent int64
		body := &countingReader{r: bytes.NewReader(buf), onRead: func(k int) {
			partSent += int64(k)
			bar.set(sent.Add(int64(k)))
		}}
		err := c.do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/uploads/%s/parts/%d", uploadID, n), body, size,
			map[string]string{"Content-Type": "application/octet-stream", "X-Chunk-CRC32C": sum}, nil)
		if err == nil {
			return nil
		}
		bar.set(sent.Add(-partSent))
		last = err
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 && ae.Code != "checksum_mismatch" && ae.Code != "incomplete_part" && ae.Status != http.StatusTooManyRequests {
			return err // the request itself is wrong: retrying will not help
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return last
}

type countingReader struct {
	r      io.Reader
	onRead func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.onRead(n)
	}
	return n, err
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
