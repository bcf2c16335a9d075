package main

// wrk: running it and reading its report.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
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
	Non2xx       int64    `json:"non_2xx,omitempty"` // answers neither 2xx nor 3xx
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

// wrk runs wrk on url with the learner's token (none when empty) and
// parses its report. A
// response that is not 2xx/3xx fails the step.
func (b *bench) wrk(ctx context.Context, target, token string) (wrkRun, error) {
	o := b.o.core
	args := []string{target}
	if token != "" {
		args = []string{"-H", "Authorization: Bearer " + token, target}
	}
	w, _, err := b.runWrk(ctx, wrkSpec{threads: o.wrkThreads, conns: o.wrkConns, seconds: o.wrkSeconds, args: args, snap: b.coreSnap})
	if err != nil {
		return wrkRun{}, err
	}
	if w.SocketErrors != "" {
		b.warn("wrk %s: socket errors: %s", target, w.SocketErrors)
	}
	return w, nil
}

// wrkSpec is one wrk run: -t, -c, -d and --latency, then args (the URL
// last), with env added to wrk's environment (a Lua script's settings);
// snap reads the CPU of the parties before and after.
type wrkSpec struct {
	threads, conns, seconds int
	args                    []string
	env                     []string
	snap                    func() coreSnap
}

// runWrk runs wrk (on the load CPUs when pinned) and parses its report; it
// also returns wrk's output. Responses that are not 2xx/3xx are an error
// wrapping errNon2xx, with the run's figures.
func (b *bench) runWrk(ctx context.Context, s wrkSpec) (wrkRun, string, error) {
	args := append([]string{"-t", strconv.Itoa(s.threads), "-c", strconv.Itoa(s.conns), "-d", strconv.Itoa(s.seconds) + "s", "--latency"}, s.args...)
	target := args[len(args)-1]
	cctx, cancel := context.WithTimeout(ctx, time.Duration(s.seconds+120)*time.Second)
	defer cancel()
	name := "wrk"
	if b.o.loadCPUs != "" {
		name, args = "taskset", append([]string{"-c", b.o.loadCPUs, "wrk"}, args...)
	}
	cmd := exec.CommandContext(cctx, name, args...)
	cmd.Env = append(os.Environ(), s.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	s0 := s.snap()
	err := cmd.Run()
	s1 := s.snap()
	if err != nil {
		return wrkRun{}, stdout.String(), fmt.Errorf("wrk %s: %v: %s", target, err, clip(stderr.Bytes(), 400))
	}
	ps := cmd.ProcessState
	w, err := parseWrk(stdout.String())
	w.CPU = cores(s0, s1, (ps.UserTime() + ps.SystemTime()).Seconds())
	if err != nil {
		return w, stdout.String(), fmt.Errorf("wrk %s: %w\n%s", target, err, stdout.String())
	}
	return w, stdout.String(), nil
}

// errNon2xx is a wrk run some of whose responses were not 2xx or 3xx.
var errNon2xx = errors.New("responses were not 2xx or 3xx")

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
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		w.SocketErrors = strings.TrimSpace(m[1])
	}
	var non2xx error
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		w.Non2xx, _ = strconv.ParseInt(m[1], 10, 64)
		non2xx = fmt.Errorf("%d of %d %w", w.Non2xx, w.Requests, errNon2xx)
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
	return w, non2xx
}
