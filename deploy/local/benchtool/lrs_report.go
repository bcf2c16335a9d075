package main

// The lrs section's rows of the table and its details.

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// rows judge, at lrsTargetConns connections: single POSTs at least
// lrsSingleRatioTarget times Learning Locker's statements/s with a lower
// p99, batches at least lrsBatchTarget statements/s, filtered GETs p99
// under lrsQueryP99TargetMs at a million statements. A Lectern run with
// errors (answers not 2xx, socket errors) misses its targets. The other
// connection counts are reported only.
func (l *lrsResults) rows() []row {
	var out []row
	for _, p := range l.Posts {
		if len(p.Ours) == 0 || len(p.LL) == 0 {
			continue
		}
		judged := p.Conns == lrsTargetConns
		clean := !slices.ContainsFunc(p.Ours, func(w wrkRun) bool { return w.Non2xx > 0 || w.SocketErrors != "" })
		name := fmt.Sprintf("xAPI POST %d/req, %d conns: ", p.Batch, p.Conns)
		sps := func(w wrkRun) float64 { return statementsPerSec(w, p.Batch) }
		ours, theirs := median(mapf(p.Ours, sps)), median(mapf(p.LL, sps))
		x := row{Name: name + "statements/s", Ours: round(ours, 0), Baseline: ptr(round(theirs, 0)), Unit: "stmt/s",
			Ratio: ptr(round(ratio(ours, theirs), 3)), Target: "-"}
		switch {
		case judged && p.Batch == 1:
			x.Target, x.Pass = fmt.Sprintf(">= %gx LL", lrsSingleRatioTarget), ptr(clean && ratio(ours, theirs) >= lrsSingleRatioTarget)
		case judged:
			x.Target, x.Pass = fmt.Sprintf(">= %s/s", thousands(lrsBatchTarget)), ptr(clean && ours >= lrsBatchTarget)
		}
		out = append(out, x)
		for _, m := range []struct {
			what string
			f    func(wrkRun) float64
		}{{"p50", func(w wrkRun) float64 { return w.P50Ms }}, {"p99", func(w wrkRun) float64 { return w.P99Ms }}} {
			a, t := median(mapf(p.Ours, m.f)), median(mapf(p.LL, m.f))
			x := row{Name: name + m.what, Ours: round(a, 2), Baseline: ptr(round(t, 2)), Unit: "ms", Ratio: ptr(round(ratio(a, t), 3)), Target: "-"}
			if p.Batch > 1 {
				x.Name += " a request"
			}
			if judged && p.Batch == 1 && m.what == "p99" {
				x.Target, x.Pass = "< LL", ptr(clean && a < t)
			}
			out = append(out, x)
		}
	}
	if sd := l.Store.Seed; sd.Statements > 0 {
		out = append(out, row{Name: fmt.Sprintf("xAPI seed %s (%d/req): statements/s", thousands(int(sd.Statements)), sd.Batch),
			Ours: sd.PerSec, Unit: "stmt/s", Target: "-"})
	}
	for _, q := range l.Queries {
		for _, r := range q.Runs {
			if len(r.Runs) == 0 {
				continue
			}
			clean := !slices.ContainsFunc(r.Runs, func(w wrkRun) bool { return w.Non2xx > 0 || w.SocketErrors != "" })
			name := fmt.Sprintf("xAPI GET %s at %s, %d conns: ", strings.TrimSuffix(q.Name, "_activities"), storeSize(l.Store.Statements), r.Conns)
			p99 := median(mapf(r.Runs, func(w wrkRun) float64 { return w.P99Ms }))
			x := row{Name: name + "p99", Ours: round(p99, 2), Unit: "ms", Target: "-"}
			if r.Conns == lrsTargetConns {
				x.Target, x.Pass = fmt.Sprintf("< %g ms", lrsQueryP99TargetMs), ptr(clean && p99 < lrsQueryP99TargetMs)
			}
			out = append(out,
				row{Name: name + "req/s", Ours: round(median(mapf(r.Runs, func(w wrkRun) float64 { return w.RPS })), 0), Unit: "req/s", Target: "-"},
				row{Name: name + "p50", Ours: round(median(mapf(r.Runs, func(w wrkRun) float64 { return w.P50Ms })), 2), Unit: "ms", Target: "-"},
				x)
		}
	}
	return out
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return math.NaN()
	}
	return a / b
}

// storeSize is a statement count for a row's name: 1M, 1.2M, 850k.
func storeSize(n int64) string {
	switch {
	case n >= 1e6:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + "M"
	case n >= 1e3:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func (l *lrsResults) print(w io.Writer) {
	fmt.Fprintf(w, "xAPI LRS: the machine kept %.2f cores busy in the 3 s before the section; pinning: %s\n", l.BusyBefore, l.Pinning)
	fmt.Fprintf(w, "  POST: %s, statements of ~%d bytes (2,000 account agents, 20 verbs, 5,110 activities, registrations; no id);\n"+
		"    Lectern's bench API (xAPI 2.0.0) on its fresh database; Learning Locker %s (xAPI 1.0.3)\n", l.Wrk, l.StatementBytes, l.LL)
	for _, p := range l.Posts {
		if len(p.Ours) == 0 || len(p.LL) == 0 {
			continue
		}
		fmt.Fprintf(w, "  POST %s, %d connections:\n", p.shape(), p.Conns)
		for _, side := range []struct {
			name string
			runs []wrkRun
			ours bool
		}{{"Lectern        ", p.Ours, true}, {"Learning Locker", p.LL, false}} {
			i := medianIndex(mapf(side.runs, func(w wrkRun) float64 { return statementsPerSec(w, p.Batch) }))
			x := side.runs[i]
			extra := ""
			if side.ours {
				extra = fmt.Sprintf("; ~%s statements stored before", thousands(int(p.StoredBefore[i])))
			}
			fmt.Fprintf(w, "    %s %8.0f statements/s (%7.1f req/s), p50 %8.2f ms, p99 %8.2f ms%s; %s\n",
				side.name, statementsPerSec(x, p.Batch), x.RPS, x.P50Ms, x.P99Ms, extra, x.CPU.String("wrk"))
		}
		for _, e := range p.Errors {
			fmt.Fprintf(w, "    error: %s\n", e)
		}
	}
	st := l.Store
	fmt.Fprintf(w, "  store: organization %q holds %s statements; database %s (statements %s, keys %s)\n",
		st.Org, thousands(int(st.Statements)), human(st.DBBytes), human(st.StmtBytes), human(st.KeysBytes))
	if sd := st.Seed; sd.Statements > 0 {
		fmt.Fprintf(w, "    seeded %s statements (it held %s) in %.1f s: %.0f statements/s, %d POSTs of %d, %d at once; VACUUM ANALYZE %.1f s; %s\n",
			thousands(int(sd.Statements)), thousands(int(st.Before)), sd.Seconds, sd.PerSec, sd.Requests, sd.Batch, sd.Concurrency, sd.VacuumSecs, sd.CPU.String("benchtool"))
	} else {
		fmt.Fprintf(w, "    not seeded in this run (kept from an earlier one)\n")
	}
	for _, q := range l.Queries {
		fmt.Fprintf(w, "  GET /xapi/statements by %s, limit=100: %d distinct queries, values drawn from the store; the first %d one at a time (%d full pages, %d empty):\n",
			q.Name, q.Queries, min(q.Queries, lrsSequential), q.FullPages, q.Empty)
		kinds := make([]string, 0, len(q.Sequential))
		for k := range q.Sequential {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			s := q.Sequential[k]
			fmt.Fprintf(w, "    one at a time, %-18s %5d queries, %6.1f statements each: p50 %7.2f ms, p99 %7.2f ms, max %7.2f ms\n",
				k+":", s.Queries, s.MeanItems, s.P50Ms, s.P99Ms, s.MaxMs)
		}
		for _, r := range q.Runs {
			if len(r.Runs) == 0 {
				continue
			}
			x := r.Runs[medianIndex(mapf(r.Runs, func(w wrkRun) float64 { return w.RPS }))]
			fmt.Fprintf(w, "    %3d connections: %8.0f req/s, p50 %7.2f ms, p99 %7.2f ms; %s\n", r.Conns, x.RPS, x.P50Ms, x.P99Ms, x.CPU.String("wrk"))
			for _, e := range r.Errors {
				fmt.Fprintf(w, "      error: %s\n", e)
			}
		}
	}
	fmt.Fprintf(w, "  Learning Locker is not queried at a million statements: its in-memory store would have to be seeded through\n"+
		"    its API before each run, and its POSTs already slow down as statements pile up (it scans them all)\n")
}
