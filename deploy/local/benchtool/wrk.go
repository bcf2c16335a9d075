package main

// wrk: running it and reading its report.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type wrkRun struct {
	RPS          float64  `json:"requests_per_second"`
	P50Ms        float64  `json:"p50_ms"`
	P99Ms        float64  `json:"p99_ms"`
	Requests     int64    `json:"requests"`
	SocketErrors string   `json:"socket_errors,omitempty"`
	CPU          cpuCores `json:"cpu_cores"`
}

var (
	wrkRPS     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	wrkTotal   = regexp.MustCompile(`(?m)^\s+(\d+) requests in `)
	wrkNon2xx  = regexp.MustCompile(`(?m)^\s+Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`(?m)^\s+Socket errors: (.*)$`)
)

// wrk runs wrk on url with the learner's token and parses its report. A
// response that is not 2xx/3xx fails the step.
func (b *bench) wrk(ctx context.Context, target, token string) (wrkRun, error) {
	o := b.o.core
	args := []string{"-t", strconv.Itoa(o.wrkThreads), "-c", strconv.Itoa(o.wrkConns), "-d", strconv.Itoa(o.wrkSeconds) + "s",
		"--latency", "-H", "Authorization: Bearer " + token, target}
	cctx, cancel := context.WithTimeout(ctx, time.Duration(o.wrkSeconds+120)*time.Second)
	defer cancel()
	name := "wrk"
	if o.loadCPUs != "" {
		name, args = "taskset", append([]string{"-c", o.loadCPUs, "wrk"}, args...)
	}
	cmd := exec.CommandContext(cctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	s0 := b.coreSnap()
	err := cmd.Run()
	s1 := b.coreSnap()
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk %s: %v: %s", target, err, clip(stderr.Bytes(), 400))
	}
	ps := cmd.ProcessState
	w, err := parseWrk(stdout.String())
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk %s: %w\n%s", target, err, stdout.String())
	}
	w.CPU = cores(s0, s1, (ps.UserTime() + ps.SystemTime()).Seconds())
	if w.SocketErrors != "" {
		b.warn("wrk %s: socket errors: %s", target, w.SocketErrors)
	}
	return w, nil
}

func parseWrk(out string) (wrkRun, error) {
	var w wrkRun
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return w, errors.New("no Requests/sec line")
	}
	w.RPS, _ = strconv.ParseFloat(m[1], 64)
	w.RPS = round(w.RPS, 1)
	if m := wrkTotal.FindStringSubmatch(out); m != nil {
		w.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if w.Requests == 0 {
		return w, errors.New("no request completed")
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		return w, fmt.Errorf("%s of %d responses were not 2xx or 3xx", m[1], w.Requests)
	}
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		w.SocketErrors = strings.TrimSpace(m[1])
	}
	seen := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := wrkPct.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		case "m":
			v *= 60000
		}
		if m[1] == "50" {
			w.P50Ms = round(v, 3)
		} else {
			w.P99Ms = round(v, 3)
		}
		seen++
	}
	if seen != 2 {
		return w, errors.New("no latency distribution (50% and 99%)")
	}
	return w, nil
}
