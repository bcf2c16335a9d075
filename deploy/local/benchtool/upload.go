package main

// The upload section: `lectern video upload` of a large file through the
// API against one raw PUT of it to MinIO, and the peak RSS of the API
// meanwhile and of the worker rejecting it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lectern/lectern/client"
)

type uploadResults struct {
	Bytes        int64     `json:"bytes"`
	CLISeconds   []float64 `json:"cli_seconds"`
	RawSeconds   []float64 `json:"raw_put_seconds"`
	APIIdleMiB   []float64 `json:"api_rss_before_mib"`
	APIHWMMiB    []float64 `json:"api_peak_rss_mib"`
	WorkerHWMMiB []float64 `json:"worker_peak_rss_reject_mib"`
	RejectReason string    `json:"reject_reason"`
	RejectSecs   []float64 `json:"reject_seconds"` // created_at -> failed
	// CPU seconds spent during the last repetition, by process
	CLICPU cpuSplit `json:"cli_upload_cpu_seconds"`
	RawCPU cpuSplit `json:"raw_put_cpu_seconds"`
}

// cpuSplit is CPU time by process during one upload.
type cpuSplit struct {
	Client float64 `json:"client"` // lectern CLI or curl
	API    float64 `json:"api"`
	MinIO  float64 `json:"minio"`
}

func (c cpuSplit) String() string {
	s := fmt.Sprintf("client %.1f", c.Client)
	if c.API > 0 {
		s += fmt.Sprintf(", API %.1f", c.API)
	}
	return s + fmt.Sprintf(", MinIO %.1f CPU s", c.MinIO)
}

func (b *bench) measureUpload(ctx context.Context) error {
	st, err := os.Stat(b.o.upload)
	if err != nil {
		return err
	}
	u := &uploadResults{Bytes: st.Size()}
	b.res.Upload = u
	// Both uploads read the file from the page cache.
	logf("reading %s once so both uploads read it from memory", b.o.upload)
	if err := readAll(b.o.upload); err != nil {
		return err
	}
	for rep := 1; rep <= b.o.reps; rep++ {
		logf("upload rep %d/%d: raw PUT of %s to MinIO (curl --aws-sigv4)", rep, b.o.reps, human(st.Size()))
		// Each upload writes 2 GiB into MinIO; flush the previous one's dirty
		// pages first, so neither upload pays for the other's writeback.
		syncDisks()
		m0 := b.minioCPU()
		secs, curlCPU, err := b.rawPut(ctx)
		if err != nil {
			return fmt.Errorf("raw PUT: %w", err)
		}
		u.RawCPU = cpuSplit{Client: round(curlCPU, 2), MinIO: round(b.minioCPU()-m0, 2)}
		u.RawSeconds = append(u.RawSeconds, secs)
		logf("raw PUT %.1f s = %.0f MB/s", secs, float64(st.Size())/secs/1e6)

		logf("upload rep %d/%d: lectern video upload %s through the API", rep, b.o.reps, filepath.Base(b.o.upload))
		syncDisks()
		_ = resetHWM(b.o.apiPID)
		_ = resetHWM(b.o.workerPID)
		idle, err := readStatusKB(b.o.apiPID, "VmRSS")
		if err != nil {
			return err
		}
		u.APIIdleMiB = append(u.APIIdleMiB, round(idle, 1))
		cmd := exec.CommandContext(ctx, b.o.lectern, "video", "upload", b.o.upload, "--json", "--title", "bench random bytes")
		cmd.Env = append(os.Environ(), "LECTERN_API="+b.o.api, "LECTERN_TOKEN="+b.o.token)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		a0, _ := procCPU(b.o.apiPID)
		m0 = b.minioCPU()
		t0 := time.Now()
		err = cmd.Run()
		secs = time.Since(t0).Seconds()
		if err != nil {
			return fmt.Errorf("lectern video upload: %v\n%s%s", err, lastLines(stderr.String(), 10), stdout.String())
		}
		a1, _ := procCPU(b.o.apiPID)
		ps := cmd.ProcessState
		u.CLICPU = cpuSplit{Client: round((ps.UserTime() + ps.SystemTime()).Seconds(), 2), API: round(a1.self-a0.self, 2), MinIO: round(b.minioCPU()-m0, 2)}
		hwm, err := readHWM(b.o.apiPID)
		if err != nil {
			return err
		}
		u.CLISeconds = append(u.CLISeconds, secs)
		u.APIHWMMiB = append(u.APIHWMMiB, round(hwm, 1))
		logf("CLI upload %.1f s = %.0f MB/s, API peak RSS %.1f MiB", secs, float64(st.Size())/secs/1e6, hwm)

		var out struct {
			ID string `json:"id"`
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.ID == "" {
			return fmt.Errorf("lectern video upload --json printed %q", stdout.String())
		}
		// The worker downloads the 2 GiB and rejects them; wait, so that no
		// other measurement overlaps that download.
		logf("waiting for the worker to reject video %s (random bytes)", out.ID)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		v, err := b.api.WaitVideo(wctx, out.ID, func(v *client.Video) bool {
			return v.Status == "ready" || v.Status == "failed"
		}, 500*time.Millisecond)
		cancel()
		switch {
		case err != nil && v != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("video %s of random bytes still %s after 10 minutes", out.ID, v.Status)
		case err != nil:
			return err
		case v.Status == "ready":
			return fmt.Errorf("video %s of random bytes became ready", out.ID)
		}
		if v.Error != nil {
			u.RejectReason = *v.Error
		}
		u.RejectSecs = append(u.RejectSecs, round(v.UpdatedAt.Sub(v.CreatedAt).Seconds(), 2))
		whwm, err := readHWM(b.o.workerPID)
		if err != nil {
			return err
		}
		u.WorkerHWMMiB = append(u.WorkerHWMMiB, round(whwm, 1))
		logf("rejected (%q) after %.1f s; worker peak RSS %.1f MiB", u.RejectReason, u.RejectSecs[len(u.RejectSecs)-1], whwm)
		if !strings.Contains(u.RejectReason, "not a video") {
			b.warn("the random upload failed with %q, expected \"not a video file\"", u.RejectReason)
		}
	}
	return nil
}

// rawPut PUTs the file to MinIO with curl (credentials on stdin), then
// deletes the object.
func (b *bench) rawPut(ctx context.Context) (secs, cpu float64, err error) {
	cfg := fmt.Sprintf("user = \"%s:%s\"\naws-sigv4 = \"aws:amz:us-east-1:s3\"\n",
		os.Getenv("LECTERN_S3_ACCESS_KEY"), os.Getenv("LECTERN_S3_SECRET_KEY"))
	curl := func(args ...string) (float64, error) {
		cmd := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--fail", "-K", "-", "-o", "/dev/null"}, args...)...)
		cmd.Stdin = strings.NewReader(cfg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("curl %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
		}
		return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), nil
	}
	t0 := time.Now()
	if cpu, err = curl("-T", b.o.upload, b.o.rawPutURL); err != nil {
		return 0, 0, err
	}
	secs = time.Since(t0).Seconds()
	_, err = curl("-X", "DELETE", b.o.rawPutURL)
	return secs, cpu, err
}

func syncDisks() {
	if err := exec.Command("sync").Run(); err != nil {
		logf("sync: %v", err)
	}
}

func readAll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}
