package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultParallel is how many parts Upload sends at once unless told.
const DefaultParallel = 4

// partAttempts is how many times a part is sent before Upload gives up.
const partAttempts = 6

var (
	// ErrNoToken: Upload needs a token and the client has none.
	ErrNoToken = errors.New("no API token")
	// ErrInterrupted: a part could not be sent. The upload stays open on
	// the server and in the state file: Upload of the same file again sends
	// only the parts still missing.
	ErrInterrupted = errors.New("upload interrupted")
)

// UploadOptions tune Upload; the zero value is fine.
type UploadOptions struct {
	// Title of the video ("": the server uses the file's name).
	Title string
	// Parallel is how many parts are in flight (0: DefaultParallel).
	Parallel int
	// StateDir keeps a small file per unfinished upload, so a later Upload
	// of the same file (same path, size and modification time) continues
	// it ("": lectern/uploads under os.UserCacheDir).
	StateDir string
	// Progress, if set, is told how the upload goes: once when the upload
	// exists on the server and before any part is sent (Sent is then what
	// an earlier run sent), then as each part's bytes go out (Sent goes
	// back down when a part fails and is sent again), then once with Done
	// when no more parts will be sent, before the upload is completed.
	// The calls in between come from several goroutines at once.
	Progress func(Progress)
}

// Progress is one report of Upload's.
type Progress struct {
	Upload  *UploadStatus // the server's record when the parts started (read only)
	Resumed bool          // Upload continues an earlier run's upload
	Size    int64         // the file's size
	Sent    int64         // bytes already on the server or on their way
	Done    bool          // the parts are over: all arrived, or one failed for good
}

// UploadStatus is an upload as the API shows it.
type UploadStatus struct {
	ID         string `json:"id"`
	Size       int64  `json:"size"`
	ChunkSize  int64  `json:"chunk_size"`
	PartsTotal int    `json:"parts_total"`
	Status     string `json:"status"` // open, completed, aborted
	Received   []Part `json:"received"`
}

// Part is a part the server has.
type Part struct {
	Part int   `json:"part"`
	Size int64 `json:"size"`
}

// createUploadReq is the body of POST /api/v1/uploads.
type createUploadReq struct {
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	Title       string `json:"title"`
}

// uploadState is what the state file remembers of an unfinished upload.
type uploadState struct {
	UploadID string `json:"upload_id"`
}

// Upload sends the file at path through the resumable upload protocol and
// completes it: POST /uploads, then each part not yet on the server
// (opts.Parallel at once) as PUT /uploads/{id}/parts/{n} with its
// X-Chunk-CRC32C, then POST /uploads/{id}/complete. It returns the video
// the upload became, with its encode queued.
//
// A part is read from the file once and sent from memory, again after a
// failure that sending again can cure (a server error, the rate limiter, a
// checksum mismatch, a connection cut mid-part), up to 6 times with a
// growing pause. Errors name the step: "start upload: ...", ErrInterrupted
// followed by "part N: ..." (call Upload again to resume), "complete
// upload: ...".
func (c *Client) Upload(ctx context.Context, path string, opts UploadOptions) (*Video, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if c.token == "" {
		return nil, ErrNoToken
	}
	abs, _ := filepath.Abs(path)
	state := stateFile(opts.StateDir, abs, st)
	up, resumed := c.resumable(ctx, state, st.Size()), true
	if up == nil {
		resumed = false
		up = &UploadStatus{}
		req := createUploadReq{Filename: filepath.Base(path), Size: st.Size(), Title: opts.Title, ContentType: "application/octet-stream"}
		if err := c.PostJSON(ctx, "/api/v1/uploads", req, up); err != nil {
			return nil, fmt.Errorf("start upload: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(state), 0o700); err == nil {
			b, _ := json.Marshal(uploadState{UploadID: up.ID})
			_ = os.WriteFile(state, b, 0o600)
		}
	}
	report := opts.Progress
	if report == nil {
		report = func(Progress) {}
	}
	parallel := opts.Parallel
	if parallel == 0 {
		parallel = DefaultParallel
	}
	if err := c.sendParts(ctx, f, up, resumed, st.Size(), max(1, parallel), report); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	var completed struct {
		Video Video `json:"video"`
	}
	if err := c.PostJSON(ctx, "/api/v1/uploads/"+up.ID+"/complete", struct{}{}, &completed); err != nil {
		return nil, fmt.Errorf("complete upload: %w", err)
	}
	_ = os.Remove(state)
	return &completed.Video, nil
}

// stateFile is where the state of an upload of the file at abs is kept:
// named for its path, size and modification time, so a changed file starts
// afresh.
func stateFile(dir, abs string, st os.FileInfo) string {
	if dir == "" {
		cache, _ := os.UserCacheDir()
		dir = filepath.Join(cache, "lectern", "uploads")
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d", abs, st.Size(), st.ModTime().UnixNano()))
	return filepath.Join(dir, hex.EncodeToString(h[:8])+".json")
}

// resumable is the upload the state file names if the server still has it
// open for a file of this size, else nil.
func (c *Client) resumable(ctx context.Context, state string, size int64) *UploadStatus {
	b, err := os.ReadFile(state)
	if err != nil {
		return nil
	}
	var s uploadState
	if json.Unmarshal(b, &s) != nil || s.UploadID == "" {
		return nil
	}
	var up UploadStatus
	if err := c.GetJSON(ctx, "/api/v1/uploads/"+s.UploadID, &up); err != nil || up.Status != "open" || up.Size != size {
		return nil
	}
	return &up
}

// sendParts sends the parts of up the server lacks, parallel at once.
func (c *Client) sendParts(ctx context.Context, f io.ReaderAt, up *UploadStatus, resumed bool, size int64, parallel int, report func(Progress)) error {
	done := map[int]bool{}
	var sent atomic.Int64
	for _, p := range up.Received {
		done[p.Part] = true
		sent.Add(p.Size)
	}
	at := func(n int64) Progress { return Progress{Upload: up, Resumed: resumed, Size: size, Sent: n} }
	report(at(sent.Load()))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for n := 1; n <= up.PartsTotal; n++ {
		if done[n] {
			continue
		}
		off := int64(n-1) * up.ChunkSize
		partSize := min(up.ChunkSize, up.Size-off)
		g.Go(func() error {
			onSent := func(k int64) { report(at(sent.Add(k))) }
			if err := c.putPart(gctx, f, up.ID, n, off, partSize, onSent); err != nil {
				return fmt.Errorf("part %d: %w", n, err)
			}
			return nil
		})
	}
	err := g.Wait()
	p := at(sent.Load())
	p.Done = true
	report(p)
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// partCRC is the X-Chunk-CRC32C of a part: its CRC32C (Castagnoli) as 8
// hex digits.
func partCRC(b []byte) string {
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], crc32.Checksum(b, castagnoli))
	return hex.EncodeToString(crc[:])
}

// putPart sends part n (size bytes at off). onSent is told of every byte
// that goes out, and of those of a failed attempt as a negative count.
func (c *Client) putPart(ctx context.Context, f io.ReaderAt, uploadID string, n int, off, size int64, onSent func(int64)) error {
	// Read the part once, checksum it, send it from memory (and again from
	// memory on a retry). CRC32C, not SHA-256: it guards the transfer just as
	// well, and the API checks it at line rate where a SHA-256 costs the
	// object store a full hash pass (see videos.putPart).
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, off); err != nil {
		return err
	}
	sum := partCRC(buf)
	path := fmt.Sprintf("/api/v1/uploads/%s/parts/%d", uploadID, n)
	var last error
	for attempt := 0; attempt < partAttempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(1<<attempt) * 250 * time.Millisecond):
			}
		}
		// The transport may still read the body after an early answer, so
		// what this attempt sent is counted atomically.
		var partSent atomic.Int64
		body := &countingReader{r: bytes.NewReader(buf), onRead: func(k int) {
			partSent.Add(int64(k))
			onSent(int64(k))
		}}
		req, err := c.NewRequest(http.MethodPut, path, body)
		if err != nil {
			return err
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("X-Chunk-CRC32C", sum)
		err = c.Do(ctx, req, nil)
		if err == nil {
			return nil
		}
		onSent(-partSent.Load())
		last = err
		if !worthRetrying(err) {
			return err // the request itself is wrong: retrying will not help
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return last
}

// worthRetrying reports whether sending a part again may cure err: any
// transport error, a server error, the rate limiter's refusal, or the
// server seeing the part's bytes damaged or cut short.
func worthRetrying(err error) bool {
	var ae *Error
	if !errors.As(err, &ae) {
		return true
	}
	return ae.Status >= 500 || ae.Status == http.StatusTooManyRequests ||
		ae.Code == "checksum_mismatch" || ae.Code == "incomplete_part"
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
