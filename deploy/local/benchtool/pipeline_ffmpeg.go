package main

// The baselines of the pipeline section: one ffmpeg for the whole ladder
// and one per rendition, with the arguments `lectern transcode args`
// plans, and the log of the worker's own ffmpeg runs that
// deploy/local/bench/ffmpeg-timed.sh writes.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

type ffmpegRun struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	OtherCores float64 `json:"other_load_cores"` // CPU busy outside ffmpeg / wall time
}

type perRendRun struct {
	Seconds    float64            `json:"seconds"` // sum
	CPUSeconds float64            `json:"cpu_seconds"`
	OtherCores float64            `json:"other_load_cores"`
	Each       map[string]float64 `json:"each"`
}

func (b *bench) lecternJSON(ctx context.Context, out any, args ...string) error {
	cmd := exec.CommandContext(ctx, b.o.lectern, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	o, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("lectern %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return json.Unmarshal(o, out)
}

// runFFmpeg runs one ffmpeg into a fresh dir, then removes the dir. The
// progress lines the worker reads (-progress pipe:1) go to /dev/null here.
func runFFmpeg(ctx context.Context, ffmpeg string, args []string, dir string) (ffmpegRun, error) {
	if err := os.RemoveAll(dir); err != nil {
		return ffmpegRun{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ffmpegRun{}, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	sys0 := readSysBusy()
	t0 := time.Now()
	err := cmd.Run()
	secs := time.Since(t0).Seconds()
	sysBusy := readSysBusy() - sys0
	if err != nil {
		return ffmpegRun{}, fmt.Errorf("ffmpeg: %v: %s", err, lastLines(stderr.String(), 5))
	}
	ps := cmd.ProcessState
	cpu := (ps.UserTime() + ps.SystemTime()).Seconds()
	return ffmpegRun{Seconds: secs, CPUSeconds: round(cpu, 2), OtherCores: round(max(0, sysBusy-cpu)/secs, 2)}, nil
}

type toolRuns struct {
	Runs       int     `json:"runs"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

// toolLogSize is where the wrapper's log ends now.
func (b *bench) toolLogSize() int64 {
	if st, err := os.Stat(b.o.ffmpegLog); err == nil && b.o.ffmpegLog != "" {
		return st.Size()
	}
	return 0
}

// toolRunsSince reads the wrapper's lines appended after offset:
// "KIND START END CPU_TICKS".
func (b *bench) toolRunsSince(off int64) map[string]*toolRuns {
	if b.o.ffmpegLog == "" {
		return nil
	}
	f, err := os.Open(b.o.ffmpegLog)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil
	}
	out := map[string]*toolRuns{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		x := strings.Fields(sc.Text())
		if len(x) != 4 {
			continue
		}
		start, err1 := strconv.ParseFloat(x[1], 64)
		end, err2 := strconv.ParseFloat(x[2], 64)
		ticks, err3 := strconv.ParseFloat(x[3], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		t := out[x[0]]
		if t == nil {
			t = &toolRuns{}
			out[x[0]] = t
		}
		t.Runs++
		t.Seconds = round(t.Seconds+end-start, 2)
		t.CPUSeconds = round(t.CPUSeconds+ticks/100, 2)
	}
	return out
}
