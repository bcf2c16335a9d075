package transcode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ErrNoScratchSpace means a job cannot get its scratch directory now: the
// disk or the configured budget is full. It is temporary; retry later.
var ErrNoScratchSpace = errors.New("not enough scratch space")

// ErrScratchBusy means another holder has the job's scratch directory.
var ErrScratchBusy = errors.New("scratch directory in use")

// DefaultMinFree is what Scratch leaves free on the file system.
const DefaultMinFree = 1 << 30

// ScratchEstimate is the space a job needs for a source of sourceSize bytes:
// the source itself plus the renditions (together about the size of a
// typical phone or camera upload) plus the packaged segments.
func ScratchEstimate(sourceSize int64) int64 { return 3 * max(sourceSize, 0) }

// Scratch hands out per-job working directories under one root and keeps
// their total within a byte budget and the disk's free space.
//
// Each directory holds a lock file (flock) for as long as the job has it, so
// Sweep, in this process or another sharing the root, never removes a
// directory that is in use.
type Scratch struct {
	root     string
	maxBytes int64

	// MinFree is the free space (bytes) that must remain on the file
	// system after a reservation; default DefaultMinFree.
	MinFree int64
	// FreeSpace reports the bytes available under a path; tests replace it.
	FreeSpace func(path string) (int64, error)
	// Now is the clock Sweep uses; tests replace it.
	Now func() time.Time

	mu       sync.Mutex
	reserved int64
	active   map[string]int64
}

const scratchPrefix = "job-"

// NewScratch creates root if needed. maxBytes <= 0 means no budget beyond
// the disk's free space.
func NewScratch(root string, maxBytes int64) (*Scratch, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("scratch root %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("scratch root: %w", err)
	}
	return &Scratch{
		root:      abs,
		maxBytes:  maxBytes,
		MinFree:   DefaultMinFree,
		FreeSpace: freeSpace,
		Now:       time.Now,
		active:    map[string]int64{},
	}, nil
}

// Root is the directory Scratch manages.
func (s *Scratch) Root() string { return s.root }

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Dir creates an empty working directory for jobID after reserving
// ScratchEstimate(sourceSize) bytes. It fails with ErrNoScratchSpace when
// the reservation would exceed the budget or leave less than MinFree on the
// disk, and with ErrScratchBusy when the job's directory is held. A
// directory left by an earlier attempt of the same job is emptied first.
// release removes the directory and frees the reservation; it is safe to
// call more than once and must always be called.
func (s *Scratch) Dir(ctx context.Context, jobID string, sourceSize int64) (dir string, release func(), err error) {
	if err := ctx.Err(); err != nil {
		return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, err)
	}
	if !jobIDPattern.MatchString(jobID) || strings.Contains(jobID, "..") {
		return "", nil, fmt.Errorf("scratch: invalid job id %q", jobID)
	}
	need := ScratchEstimate(sourceSize)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.active[jobID]; ok {
		return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, ErrScratchBusy)
	}
	if s.maxBytes > 0 && s.reserved+need > s.maxBytes {
		return "", nil, fmt.Errorf("scratch for job %s: need %d bytes, %d of %d reserved: %w",
			jobID, need, s.reserved, s.maxBytes, ErrNoScratchSpace)
	}
	free, err := s.FreeSpace(s.root)
	if err != nil {
		return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, err)
	}
	// Other jobs' reservations count as used even before they are written:
	// two jobs that both fit the free space but not together would
	// otherwise both start and both fail mid-encode.
	if free-s.reserved-need < s.MinFree {
		return "", nil, fmt.Errorf("scratch for job %s: need %d bytes, %d free, %d reserved, keeping %d: %w",
			jobID, need, free, s.reserved, s.MinFree, ErrNoScratchSpace)
	}

	dir = filepath.Join(s.root, scratchPrefix+jobID)
	if err := os.Mkdir(dir, 0o750); errors.Is(err, os.ErrExist) {
		// A crashed earlier attempt; take it over unless someone holds it.
		unlock, lerr := tryLock(dir)
		if lerr != nil {
			return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, lerr)
		}
		err = os.RemoveAll(dir)
		unlock()
		if err == nil {
			err = os.Mkdir(dir, 0o750)
		}
		if err != nil {
			return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, err)
		}
	} else if err != nil {
		return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, err)
	}
	unlock, err := tryLock(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("scratch for job %s: %w", jobID, err)
	}
	s.reserved += need
	s.active[jobID] = need

	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = os.RemoveAll(dir)
			unlock()
			s.mu.Lock()
			s.reserved -= need
			delete(s.active, jobID)
			s.mu.Unlock()
		})
	}
	return dir, release, nil
}

// Reserved is the total of the current reservations, in bytes.
func (s *Scratch) Reserved() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reserved
}

// Sweep removes job directories last modified more than olderThan ago that
// no one holds: what a crashed worker left behind. Call it when the worker
// starts. It returns how many it removed.
func (s *Scratch) Sweep(olderThan time.Duration) (int, error) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return 0, fmt.Errorf("sweep scratch: %w", err)
	}
	cutoff := s.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), scratchPrefix) {
			continue
		}
		s.mu.Lock()
		_, held := s.active[strings.TrimPrefix(e.Name(), scratchPrefix)]
		s.mu.Unlock()
		if held {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		dir := filepath.Join(s.root, e.Name())
		unlock, err := tryLock(dir)
		if errors.Is(err, ErrScratchBusy) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = os.RemoveAll(dir)
		unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("sweep scratch: %w", errors.Join(errs...))
	}
	return removed, nil
}
