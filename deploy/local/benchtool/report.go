package main

// The report: the table of ratios against their targets, the details
// under it, results.json, and the formatting of figures.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type results struct {
	Started     time.Time                 `json:"started"`
	Finished    time.Time                 `json:"finished"`
	CPUs        int                       `json:"cpus"`
	Reps        int                       `json:"reps"`
	LoadBefore  string                    `json:"loadavg_before"`
	LoadAfter   string                    `json:"loadavg_after"`
	HWMReset    bool                      `json:"hwm_reset"` // clear_refs worked: peaks are per measurement
	Rows        []row                     `json:"rows"`
	Sources     map[string]*sourceResults `json:"sources"`
	Upload      *uploadResults            `json:"upload,omitempty"`
	Core        *coreResults              `json:"core,omitempty"`
	LRS         *lrsResults               `json:"lrs,omitempty"`
	Playback    *playbackResults          `json:"playback,omitempty"`
	Warnings    []string                  `json:"warnings,omitempty"`
	Explanation string                    `json:"explanation"`
}

type row struct {
	Name     string   `json:"name"`
	Ours     float64  `json:"ours"`
	Baseline *float64 `json:"baseline,omitempty"`
	Unit     string   `json:"unit"`
	Ratio    *float64 `json:"ratio,omitempty"`
	Target   string   `json:"target"`
	Pass     *bool    `json:"pass,omitempty"` // nil: informational
}

const (
	rssTargetMiB      = 150
	singleTarget      = 1.10
	perRendTarget     = 0.80
	throughputTarget  = 0.80
	explanationString = "ratios use the median of BENCH_REPS runs; pipeline = created_at -> ready_at of the video " +
		"(upload completed -> ready); one ffmpeg = `ffmpeg $(lectern transcode args SRC DIR)`, the worker's own " +
		"arguments; per rendition = one ffmpeg per rendition (incl. audio), sequential, summed; RSS = VmHWM of the " +
		"process (children such as ffmpeg excluded); throughput = file bytes / wall time of the CLI upload vs of one " +
		"curl PUT to MinIO"
)

// write saves the results as indented JSON (results.json).
func (r *results) write(path string) error {
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	return os.WriteFile(path, j.Bytes(), 0o644)
}

func (b *bench) buildRows() {
	r := &b.res
	r.Explanation = explanationString
	if r.Core != nil {
		r.Explanation += "; " + coreExplanation
	}
	if r.LRS != nil {
		r.Explanation += "; " + lrsExplanation
	}
	if r.Playback != nil {
		r.Explanation += "; " + playbackExplanation
	}
	le := func(v, target float64) *bool { p := v <= target; return &p }
	ge := func(v, target float64) *bool { p := v >= target; return &p }
	names := make([]string, 0, len(r.Sources))
	for _, s := range b.o.sources {
		if _, ok := r.Sources[s.Name]; ok && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		s := r.Sources[n]
		pipe := median(mapf(s.Pipeline, func(p pipelineRun) float64 { return p.Seconds }))
		single := median(mapf(s.Single, func(f ffmpegRun) float64 { return f.Seconds }))
		per := median(mapf(s.PerRend, func(f perRendRun) float64 { return f.Seconds }))
		r.Rows = append(r.Rows,
			row{Name: "pipeline / one ffmpeg, " + n, Ours: round(pipe, 1), Baseline: ptr(round(single, 1)), Unit: "s",
				Ratio: ptr(round(pipe/single, 3)), Target: fmt.Sprintf("<= %.2f", singleTarget), Pass: le(pipe/single, singleTarget)},
			row{Name: "pipeline / ffmpeg per rendition, " + n, Ours: round(pipe, 1), Baseline: ptr(round(per, 1)), Unit: "s",
				Ratio: ptr(round(pipe/per, 3)), Target: fmt.Sprintf("<= %.2f", perRendTarget), Pass: le(pipe/per, perRendTarget)},
		)
	}
	if u := r.Upload; u != nil {
		api := median(u.APIHWMMiB)
		r.Rows = append(r.Rows, row{Name: "API peak RSS, " + human(u.Bytes) + " upload", Ours: round(api, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(api, rssTargetMiB)})
	}
	for _, n := range names {
		w := median(mapf(r.Sources[n].Pipeline, func(p pipelineRun) float64 { return p.WorkerHWMMiB }))
		r.Rows = append(r.Rows, row{Name: "worker peak RSS, " + n + " encode", Ours: round(w, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(w, rssTargetMiB)})
	}
	if u := r.Upload; u != nil {
		w := median(u.WorkerHWMMiB)
		r.Rows = append(r.Rows, row{Name: "worker peak RSS, " + human(u.Bytes) + " download + reject", Ours: round(w, 1), Unit: "MiB",
			Target: fmt.Sprintf("<= %d MiB", rssTargetMiB), Pass: le(w, rssTargetMiB)})
		cli := float64(u.Bytes) / median(u.CLISeconds) / 1e6
		raw := float64(u.Bytes) / median(u.RawSeconds) / 1e6
		r.Rows = append(r.Rows, row{Name: "upload throughput: CLI via API / raw PUT", Ours: round(cli, 1), Baseline: ptr(round(raw, 1)),
			Unit: "MB/s", Ratio: ptr(round(cli/raw, 3)), Target: fmt.Sprintf(">= %.2f", throughputTarget), Pass: ge(cli/raw, throughputTarget)})
	}
	if r.Core != nil {
		r.Rows = append(r.Rows, r.Core.rows()...)
	}
	if r.LRS != nil {
		r.Rows = append(r.Rows, r.LRS.rows()...)
	}
	if r.Playback != nil {
		r.Rows = append(r.Rows, r.Playback.rows()...)
	}
}

func (b *bench) print(w io.Writer) {
	r := &b.res
	// How busy the rest of the machine was while we timed: on a shared
	// machine this is what makes a run noisy.
	other := 0.0
	for _, sr := range r.Sources {
		for _, p := range sr.Pipeline {
			other = max(other, p.OtherCores)
		}
		for _, f := range sr.Single {
			other = max(other, f.OtherCores)
		}
		for _, f := range sr.PerRend {
			other = max(other, f.OtherCores)
		}
	}
	busy := ""
	if len(r.Sources) > 0 {
		busy = fmt.Sprintf("  other processes kept <= %.2f cores busy while encodes were timed", other)
	}
	fmt.Fprintf(w, "\nLectern bench  %s  %d CPUs  BENCH_REPS=%d (times are medians)%s\n\n",
		r.Started.Format("2006-01-02 15:04 UTC"), r.CPUs, r.Reps, busy)
	const f = "%-46s %14s %14s %7s %11s  %s\n"
	fmt.Fprintf(w, f, "measurement", "ours", "baseline", "ratio", "target", "result")
	fmt.Fprintln(w, strings.Repeat("-", 104))
	for _, x := range r.Rows {
		base, ratio, res := "-", "-", "info"
		if x.Baseline != nil {
			base = value(*x.Baseline, x.Unit)
		}
		if x.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *x.Ratio)
			if *x.Ratio < 0.1 {
				ratio = fmt.Sprintf("%.3f", *x.Ratio)
			}
		}
		if x.Pass != nil {
			res = "MISS"
			if *x.Pass {
				res = "PASS"
			}
		}
		fmt.Fprintf(w, f, x.Name, value(x.Ours, x.Unit), base, ratio, x.Target, res)
	}
	fmt.Fprintln(w)
	for _, s := range b.o.sources {
		sr := r.Sources[s.Name]
		if sr == nil {
			continue
		}
		fmt.Fprintf(w, "%s: %s, %s, ladder %s\n", s.Name, filepath.Base(sr.Path), human(sr.Size), ladderLine(sr.Ladder))
		mid := medianIndex(mapf(sr.Pipeline, func(p pipelineRun) float64 { return p.Seconds }))
		p := sr.Pipeline[mid]
		fmt.Fprintf(w, "  pipeline %.1f s: %s\n", p.Seconds, stageLine(p.Stages))
		fmt.Fprintf(w, "    CPU s: worker %.1f, its ffmpeg/ffprobe %.1f, API %.1f, MinIO %.1f; rest of the machine %.2f cores busy\n",
			p.WorkerCPU, p.ChildCPU, p.APICPU, p.MinIOCPU, p.OtherCores)
		sg := sr.Single[medianIndex(mapf(sr.Single, func(f ffmpegRun) float64 { return f.Seconds }))]
		fmt.Fprintf(w, "  one ffmpeg %.1f s (%.1f CPU s; rest of the machine %.2f cores busy)\n", sg.Seconds, sg.CPUSeconds, sg.OtherCores)
		if enc := p.Tools["encode"]; enc != nil {
			var parts []string
			for _, k := range []string{"probe", "encode", "poster", "thumbnails", "other"} {
				if t := p.Tools[k]; t != nil {
					parts = append(parts, fmt.Sprintf("%s %.1f s (%.1f CPU s)", k, t.Seconds, t.CPUSeconds))
				}
			}
			fmt.Fprintf(w, "  the worker's ffmpeg/ffprobe runs: %s; its encode = %.2f x one ffmpeg in wall time, %.2f x in CPU\n",
				strings.Join(parts, ", "), enc.Seconds/sg.Seconds, enc.CPUSeconds/sg.CPUSeconds)
		}
		for _, st := range p.Stages {
			if st.Stage != "encoding" {
				continue
			}
			other := "?"
			if st.OtherCores != nil {
				other = fmt.Sprintf("%.2f", *st.OtherCores)
			}
			fmt.Fprintf(w, "  the pipeline's encoding stage: %.1f s (%.1f CPU s; rest of the machine %s cores busy) = %.2f x one ffmpeg; the other stages add %.1f s\n",
				st.Seconds, st.CPU, other, st.Seconds/sg.Seconds, p.Seconds-st.Seconds)
		}
		pr := sr.PerRend[medianIndex(mapf(sr.PerRend, func(f perRendRun) float64 { return f.Seconds }))]
		var each []string
		for name, secs := range pr.Each {
			each = append(each, fmt.Sprintf("%s %.1f", name, secs))
		}
		slices.Sort(each)
		fmt.Fprintf(w, "  per rendition %.1f s (%.1f CPU s; rest of the machine %.2f cores busy): %s\n", pr.Seconds, pr.CPUSeconds, pr.OtherCores, strings.Join(each, ", "))
	}
	if u := r.Upload; u != nil {
		fmt.Fprintf(w, "upload: %s; CLI %.1f s (%s), raw PUT %.1f s (%s)\n",
			human(u.Bytes), median(u.CLISeconds), u.CLICPU, median(u.RawSeconds), u.RawCPU)
		fmt.Fprintf(w, "  API RSS before the upload %.1f MiB; the worker rejected it as %q %.1f s after it completed\n",
			median(u.APIIdleMiB), u.RejectReason, median(u.RejectSecs))
	}
	if r.Core != nil {
		r.Core.print(w)
	}
	if r.LRS != nil {
		r.LRS.print(w)
	}
	if r.Playback != nil {
		r.Playback.print(w)
	}
	for _, x := range r.Warnings {
		fmt.Fprintln(w, "warning:", x)
	}
	fmt.Fprintln(w)
}

// readTargets are issue 7's: requests/s as a fraction of nginx serving the
// same bytes, and the API's p99, at 200 connections.
var readTargets = map[string]struct{ ratio, p99Ms float64 }{
	"/api/v1/catalog":        {0.25, 50},
	"/api/v1/me/enrollments": {0.10, 100},
}

func (c *coreResults) rows() []row {
	lt := func(v, target float64) *bool { p := v < target; return &p }
	var out []row
	out = append(out, row{Name: fmt.Sprintf("provision %s learners (%d bulk requests)", thousands(c.Provision.Users), c.Provision.Requests),
		Ours: c.Provision.Seconds, Unit: "s", Target: "-"})
	bulk := median(c.Bulk.Seconds)
	if len(c.Bulk.Seconds) > 0 {
		out = append(out, row{Name: fmt.Sprintf("bulk enroll %s (one request)", thousands(c.Bulk.Rows)), Ours: round(bulk, 3), Unit: "s",
			Target: fmt.Sprintf("< %g s", bulkSecondsTarget), Pass: lt(bulk, bulkSecondsTarget)})
	}
	if one := c.OneByOne.Seconds; one > 0 && bulk > 0 {
		pass := one/bulk >= bulkRatioTarget
		out = append(out, row{Name: fmt.Sprintf("enroll %s: one by one / bulk", thousands(c.OneByOne.Requests)), Ours: one, Baseline: ptr(round(bulk, 3)),
			Unit: "s", Ratio: ptr(round(one/bulk, 1)), Target: fmt.Sprintf(">= %d", bulkRatioTarget), Pass: &pass})
	}
	if len(c.Bulk.Seconds) > 0 {
		pass := c.Bulk.Again.Enrolled == 0 && c.Bulk.Again.AlreadyEnrolled == c.Bulk.Rows
		out = append(out, row{Name: "bulk enroll again, same course: newly enrolled", Ours: float64(c.Bulk.Again.Enrolled), Unit: "rows",
			Target: "= 0", Pass: &pass})
	}
	for _, rr := range c.Read {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		for _, m := range []struct {
			what, unit string
			f          func(wrkRun) float64
		}{
			{"req/s", "req/s", func(w wrkRun) float64 { return w.RPS }},
			{"p50", "ms", func(w wrkRun) float64 { return w.P50Ms }},
			{"p99", "ms", func(w wrkRun) float64 { return w.P99Ms }},
		} {
			a, n := median(mapf(rr.API, m.f)), median(mapf(rr.Nginx, m.f))
			r := math.NaN()
			if n > 0 {
				r = a / n
			}
			x := row{Name: fmt.Sprintf("GET %s: API / nginx, %s", strings.TrimPrefix(rr.Path, "/api/v1"), m.what),
				Ours: round(a, 2), Baseline: ptr(round(n, 2)), Unit: m.unit, Ratio: ptr(round(r, 4)), Target: "-"}
			if t, ok := readTargets[rr.Path]; ok {
				switch m.what {
				case "req/s":
					x.Target, x.Pass = fmt.Sprintf(">= %g", t.ratio), ptr(r >= t.ratio)
				case "p99":
					x.Target, x.Pass = fmt.Sprintf("< %g ms", t.p99Ms), lt(a, t.p99Ms)
				}
			}
			out = append(out, x)
		}
	}
	return out
}

func (c *coreResults) print(w io.Writer) {
	fmt.Fprintf(w, "learning core: %s learners provisioned in %d POST /api/v1/users/bulk (%.1f s); the machine kept %.2f cores busy in the 3 s before the section\n",
		thousands(c.Provision.Users), c.Provision.Requests, c.Provision.Seconds, c.BusyBefore)
	if c.RateLimit != "" {
		fmt.Fprintf(w, "  the bench API's rate limiter is on (%s): budgets leased from Redis, never a refusal\n", c.RateLimit)
	}
	if n := len(c.Bulk.Seconds); n > 0 {
		mid := medianIndex(c.Bulk.Seconds)
		fmt.Fprintf(w, "  bulk: %s rows {email} in one POST /api/v1/courses/{id}/enrollments/bulk of %s (%d bytes), body built in memory, warm keep-alive connection;\n"+
			"    client wall time over loopback %.3f s (an upper bound on the server time; each repetition: %s); %s\n",
			thousands(c.Bulk.Rows), human(int64(c.Bulk.RequestBytes)), c.Bulk.RequestBytes, c.Bulk.Seconds[mid], joinF(c.Bulk.Seconds, "%.3f"), c.Bulk.CPU[mid].String("benchtool"))
		a := c.Bulk.Again
		fmt.Fprintf(w, "  the same request again on the same course: %.3f s, enrolled %d, already enrolled %s, reactivated %d, failed %d\n",
			a.Seconds, a.Enrolled, thousands(a.AlreadyEnrolled), a.Reactivated, a.Failed)
	}
	if o := c.OneByOne; o.Requests > 0 {
		fmt.Fprintf(w, "  one by one: %s sequential POST /api/v1/courses/{id}/enrollments {user_id} (%s of bodies) on %d keep-alive connection(s): %.1f s,\n"+
			"    %.2f ms a request (p50 %.2f ms, p99 %.2f ms); %s\n",
			thousands(o.Requests), human(int64(o.RequestBytes)), o.Connections, o.Seconds, o.Seconds*1000/float64(o.Requests), o.P50Ms, o.P99Ms, o.CPU.String("benchtool"))
	}
	for _, rr := range c.Read {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		fmt.Fprintf(w, "  GET %s as a learner (%d items, %s): %s\n", rr.Path, rr.Items, human(int64(rr.Bytes)), c.Wrk)
		for _, side := range []struct {
			name, client string
			runs         []wrkRun
		}{{"API  ", "wrk", rr.API}, {"nginx", "wrk", rr.Nginx}} {
			x := side.runs[medianIndex(mapf(side.runs, func(w wrkRun) float64 { return w.RPS }))]
			fmt.Fprintf(w, "    %s %8.0f req/s, p50 %7.2f ms, p99 %7.2f ms; %s\n", side.name, x.RPS, x.P50Ms, x.P99Ms, x.CPU.String(side.client))
		}
	}
}

// value prints a figure with its unit: whole numbers and large values
// without decimals, small ones with two.
func value(v float64, unit string) string {
	switch {
	case v == math.Trunc(v) || math.Abs(v) >= 1000:
		return fmt.Sprintf("%.0f %s", v, unit)
	case math.Abs(v) < 10:
		return fmt.Sprintf("%.2f %s", v, unit)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

func ladderLine(raw json.RawMessage) string {
	var l struct {
		FPS   float64 `json:"fps"`
		Video []struct {
			Width, Height, Bitrate int
		} `json:"video"`
		Audio *struct{ Bitrate int } `json:"audio"`
	}
	if json.Unmarshal(raw, &l) != nil {
		return "?"
	}
	var parts []string
	for _, v := range l.Video {
		parts = append(parts, fmt.Sprintf("%dx%d %.2fM", v.Width, v.Height, float64(v.Bitrate)/1e6))
	}
	if l.Audio != nil {
		parts = append(parts, fmt.Sprintf("aac %dk", l.Audio.Bitrate/1000))
	}
	return fmt.Sprintf("@%g fps: %s", l.FPS, strings.Join(parts, ", "))
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
	v := float64(n) / float64(div)
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func joinF(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, ", ")
}

func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
