package transcode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newTestScratch(t *testing.T, budget, free int64) *Scratch {
	t.Helper()
	s, err := NewScratch(filepath.Join(t.TempDir(), "scratch"), budget)
	if err != nil {
		t.Fatal(err)
	}
	s.MinFree = 100
	s.FreeSpace = func(string) (int64, error) { return free, nil }
	return s
}

func TestScratchDir(t *testing.T) {
	ctx := context.Background()
	s := newTestScratch(t, 1000, 1<<40)

	dir, release, err := s.Dir(ctx, "video-1", 200) // reserves 600
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != s.Root() {
		t.Errorf("dir %s not under %s", dir, s.Root())
	}
	if err := os.WriteFile(filepath.Join(dir, "v0.mp4"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := s.Reserved(); got != 600 {
		t.Errorf("reserved %d, want 600", got)
	}
	if _, _, err := s.Dir(ctx, "video-1", 1); !errors.Is(err, ErrScratchBusy) {
		t.Errorf("same job twice: err = %v, want ErrScratchBusy", err)
	}
	if _, _, err := s.Dir(ctx, "video-2", 200); !errors.Is(err, ErrNoScratchSpace) {
		t.Errorf("over budget: err = %v, want ErrNoScratchSpace", err)
	}
	dir2, release2, err := s.Dir(ctx, "video-2", 100) // 600 + 300 fits 1000
	if err != nil {
		t.Fatal(err)
	}
	release()
	release() // twice is fine
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("released dir still there: %v", err)
	}
	if got := s.Reserved(); got != 300 {
		t.Errorf("reserved %d after release, want 300", got)
	}
	release2()
	if _, err := os.Stat(dir2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("released dir still there: %v", err)
	}
}

func TestScratchDiskFull(t *testing.T) {
	ctx := context.Background()
	s := newTestScratch(t, 0, 1000) // no budget, 1000 bytes free, keep 100
	_, release, err := s.Dir(ctx, "a", 300)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	// 900 reserved + 100 to keep leaves nothing for another job.
	if _, _, err := s.Dir(ctx, "b", 1); !errors.Is(err, ErrNoScratchSpace) {
		t.Errorf("err = %v, want ErrNoScratchSpace", err)
	}
	s.FreeSpace = func(string) (int64, error) { return 0, errors.New("statfs: boom") }
	if _, _, err := s.Dir(ctx, "c", 1); err == nil || errors.Is(err, ErrNoScratchSpace) {
		t.Errorf("statfs failure: err = %v", err)
	}
}

func TestScratchRealFreeSpace(t *testing.T) {
	s, err := NewScratch(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	free, err := s.FreeSpace(s.Root())
	if err != nil || free <= 0 {
		t.Fatalf("free %d, %v", free, err)
	}
	if _, _, err := s.Dir(context.Background(), "huge", free); !errors.Is(err, ErrNoScratchSpace) {
		t.Errorf("source as big as the free space: err = %v", err)
	}
}

func TestScratchJobIDs(t *testing.T) {
	s := newTestScratch(t, 0, 1<<40)
	for _, id := range []string{"", "..", "../etc", "a/b", ".hidden", "a..b", "x y", string(make([]byte, 200))} {
		if _, _, err := s.Dir(context.Background(), id, 1); err == nil {
			t.Errorf("job id %q accepted", id)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Dir(ctx, "ok", 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

func TestScratchRetryTakesOverStaleDir(t *testing.T) {
	s := newTestScratch(t, 0, 1<<40)
	stale := filepath.Join(s.Root(), "job-video-9")
	if err := os.MkdirAll(filepath.Join(stale, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "out", "v0.mp4"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, release, err := s.Dir(context.Background(), "video-9", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale output survived: %v", err)
	}
}

func TestScratchSweep(t *testing.T) {
	s := newTestScratch(t, 0, 1<<40)
	now := time.Now()
	s.Now = func() time.Time { return now }
	old := now.Add(-48 * time.Hour)

	mk := func(name string, mtime time.Time) string {
		p := filepath.Join(s.Root(), name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	crashed := mk("job-crashed", old)
	recent := mk("job-recent", now.Add(-time.Hour))
	foreign := mk("keep-me", old)
	held, release, err := s.Dir(context.Background(), "running", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := os.Chtimes(held, old, old); err != nil {
		t.Fatal(err)
	}
	// Another process holding a directory: simulate with a second Scratch
	// on the same root (flock is per open file, so it conflicts here too).
	other, err := NewScratch(s.Root(), 0)
	if err != nil {
		t.Fatal(err)
	}
	other.FreeSpace = s.FreeSpace
	otherDir, otherRelease, err := other.Dir(context.Background(), "elsewhere", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer otherRelease()
	if err := os.Chtimes(otherDir, old, old); err != nil {
		t.Fatal(err)
	}

	n, err := s.Sweep(24 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("removed %d, want 1", n)
	}
	for p, want := range map[string]bool{crashed: false, recent: true, foreign: true, held: true, otherDir: true} {
		_, err := os.Stat(p)
		if exists := err == nil; exists != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), exists, want)
		}
	}
}
