package main

// The store of a million statements in the lrs section: seeded through
// POST /xapi/statements in batches while the bench organization holds
// fewer than -lrs-seed-to (the database is kept between runs), then GET
// /xapi/statements filtered by agent and verb, and by activity with
// related_activities, under wrk.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

type lrsStoreResults struct {
	Org        string  `json:"org"`
	Statements int64   `json:"statements"` // the organization's, after seeding
	Before     int64   `json:"statements_before"`
	DBBytes    int64   `json:"database_bytes"`
	StmtBytes  int64   `json:"statements_table_bytes"` // with its indexes
	KeysBytes  int64   `json:"keys_table_bytes"`       // xapi_statement_keys with its index
	Seed       lrsSeed `json:"seed"`
}

type lrsSeed struct {
	Statements  int64    `json:"statements"` // seeded in this run (0: the store was full)
	Requests    int      `json:"requests"`
	Batch       int      `json:"statements_per_request"`
	Concurrency int      `json:"concurrency"`
	Seconds     float64  `json:"seconds"`
	PerSec      float64  `json:"statements_per_second"`
	VacuumSecs  float64  `json:"vacuum_analyze_seconds"`
	CPU         cpuCores `json:"cpu_cores"`
}

// lrsQuerySet is one filter's queries and its wrk runs.
type lrsQuerySet struct {
	Name    string `json:"name"`
	Queries int    `json:"queries"`
	// Of the queries sent one at a time before wrk (lrsSequential): how
	// many answered nothing (none should), how many a full page (more
	// follow), and each kind's latency.
	Empty      int                   `json:"sequential_empty"`
	FullPages  int                   `json:"sequential_full_pages"`
	Sequential map[string]seqLatency `json:"sequential"`
	Runs       []lrsQueryRuns        `json:"runs"`
}

type seqLatency struct {
	Queries   int     `json:"queries"`
	MeanItems float64 `json:"mean_statements"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
}

type lrsQueryRuns struct {
	Conns  int      `json:"connections"`
	Runs   []wrkRun `json:"runs"`
	Errors []string `json:"errors,omitempty"`
}

func (b *bench) measureStore(ctx context.Context, l *lrsResults, auth string, conns []int) error {
	o := b.o.lrs
	db, err := pgx.Connect(ctx, o.storeDB)
	if err != nil {
		return fmt.Errorf("the store's database: %w", err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	st := &l.Store
	st.Org = o.org
	count := func() (int64, error) {
		var n int64
		err := db.QueryRow(ctx, `select count(*) from xapi_statements where org_id = (select id from organizations where slug = $1)`, o.org).Scan(&n)
		return n, err
	}
	if st.Before, err = count(); err != nil {
		return fmt.Errorf("count the store's statements: %w", err)
	}
	hc := &http.Client{Timeout: 5 * time.Minute}
	if missing := int64(o.seedTo) - st.Before; missing > 0 {
		if err := b.seed(ctx, hc, auth, st, missing); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		logf("lrs: VACUUM ANALYZE of the store's xAPI tables")
		t0 := time.Now()
		if _, err := db.Exec(ctx, `vacuum (analyze) xapi_statements, xapi_statement_keys, xapi_activities`); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		st.Seed.VacuumSecs = round(time.Since(t0).Seconds(), 1)
	} else {
		logf("lrs: the store holds %s statements (>= %s): no seeding", thousands(int(st.Before)), thousands(o.seedTo))
	}
	if st.Statements, err = count(); err != nil {
		return err
	}
	err = db.QueryRow(ctx, `select pg_database_size(current_database()), pg_total_relation_size('xapi_statements'),
		pg_total_relation_size('xapi_statement_keys')`).Scan(&st.DBBytes, &st.StmtBytes, &st.KeysBytes)
	if err != nil {
		return fmt.Errorf("the store's size: %w", err)
	}
	logf("lrs: the store: %s statements, database %s (statements %s, keys %s)", thousands(int(st.Statements)),
		human(st.DBBytes), human(st.StmtBytes), human(st.KeysBytes))

	sets, err := storeQueries(ctx, db, o.org, o.queries)
	if err != nil {
		return err
	}
	for _, set := range sets {
		if err := b.settle(ctx, o.storePID, b.o.pgPID); err != nil {
			return err
		}
		qs := &lrsQuerySet{Name: set.name}
		l.Queries = append(l.Queries, qs)
		paths, err := b.checkQueries(ctx, hc, auth, qs, set.queries)
		if err != nil {
			return fmt.Errorf("GET by %s: %w", set.name, err)
		}
		file := filepath.Join(b.o.work, "lrs-queries-"+strings.NewReplacer("+", "-").Replace(set.name)+".txt")
		if err := os.WriteFile(file, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		for _, c := range conns {
			qr := lrsQueryRuns{Conns: c}
			for rep := 1; rep <= b.o.reps; rep++ {
				logf("lrs rep %d/%d: wrk on Lectern, GET by %s, %d queries, %d connections", rep, b.o.reps, set.name, len(paths), c)
				var w wrkRun
				err := b.pinned(ctx, b.lecternParties(o.storePID), func() error {
					var err error
					w, err = b.lrsWrk(ctx, c, o.storeAPI+"/", []string{"LRS_MODE=get", "LRS_LINES=" + file, "LRS_AUTH=" + auth, "LRS_VERSION=2.0.0"},
						func() coreSnap { return b.snapOf(o.storePID, 0) }, &qr.Errors)
					return err
				})
				if err != nil {
					return fmt.Errorf("GET by %s: %w", set.name, err)
				}
				qr.Runs = append(qr.Runs, w)
				logf("lrs: GET by %s, %d connections: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%s)", set.name, c, w.RPS, w.P50Ms, w.P99Ms, w.CPU.String("wrk"))
				if err := b.settle(ctx, o.storePID, b.o.pgPID); err != nil {
					return err
				}
			}
			qs.Runs = append(qs.Runs, qr)
		}
	}
	return nil
}

// seed POSTs missing statements to the store in batches, several at once.
func (b *bench) seed(ctx context.Context, hc *http.Client, auth string, st *lrsStoreResults, missing int64) error {
	o := b.o.lrs
	sd := &st.Seed
	sd.Batch, sd.Concurrency = o.seedSize, o.seedConc
	requests := int((missing + int64(o.seedSize) - 1) / int64(o.seedSize))
	logf("lrs: seeding the store with %s statements (it holds %s): %d POSTs of %d, %d at once",
		thousands(int(missing)), thousands(int(st.Before)), requests, o.seedSize, o.seedConc)
	now := time.Now()
	var next, done atomic.Int64
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	s0, t0 := b.snapOf(o.storePID, 0), time.Now()
	for range o.seedConc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(requests) || ctx.Err() != nil {
					return
				}
				n := int(min(int64(o.seedSize), missing-i*int64(o.seedSize)))
				// Each batch its own draws: a seeding resumed later adds
				// other statements than the ones before.
				body, err := newStatementGen(uint64(st.Before)+uint64(i)+2, now).batch(n)
				if err == nil {
					err = postBatch(ctx, hc, o.storeAPI+xapiStatementsPath, auth, body, n)
				}
				if err != nil {
					cancel(err)
					return
				}
				if d := done.Add(int64(n)); d/100000 != (d-int64(n))/100000 {
					logf("lrs: seeded %s of %s (%.0f statements/s)", thousands(int(d)), thousands(int(missing)), float64(d)/time.Since(t0).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	sd.CPU = cores(s0, b.snapOf(o.storePID, 0), 0)
	sd.Seconds = round(time.Since(t0).Seconds(), 1)
	sd.Statements, sd.Requests = done.Load(), requests
	sd.PerSec = round(float64(sd.Statements)/sd.Seconds, 0)
	logf("lrs: seeded %s statements in %.1f s: %.0f statements/s (%s)", thousands(int(sd.Statements)), sd.Seconds, sd.PerSec, sd.CPU.String("benchtool"))
	return nil
}

// postBatch POSTs a batch of n statements and wants their n ids back.
func postBatch(ctx context.Context, hc *http.Client, target, auth string, body []byte, n int) error {
	status, answer, err := lrsRequest(ctx, hc, http.MethodPost, target, auth, body)
	if err != nil {
		return err
	}
	var ids []string
	if status != http.StatusOK || json.Unmarshal(answer, &ids) != nil || len(ids) != n {
		return fmt.Errorf("POST %s of %d statements: HTTP %d: %s", target, n, status, clip(answer, 400))
	}
	return nil
}

// lrsRequest sends an xAPI 2.0.0 request and reads the whole answer.
func lrsRequest(ctx context.Context, hc *http.Client, method, target, auth string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

type querySet struct {
	name    string
	queries []lrsQuery
}

// storeQueries picks the values the GETs filter on from what the store
// holds: n distinct agent+verb pairs of statements drawn at random (so
// common verbs come up as often as they are stored), and n activities
// drawn from those the statements name (objects, parents, groupings).
func storeQueries(ctx context.Context, db *pgx.Conn, org string, n int) ([]querySet, error) {
	var sets []querySet
	var pairs []lrsQuery
	rows, err := db.Query(ctx, `select actor, verb from (
			select distinct on (actor, verb) actor, verb, random() r from (
				select s.body->'actor' #>> '{}' actor, s.verb from xapi_statements s tablesample bernoulli (1) repeatable (7)
				where s.org_id = (select id from organizations where slug = $1)) x
			order by actor, verb) y
		order by r limit $2`, org, n)
	if err != nil {
		return nil, fmt.Errorf("draw agents and verbs: %w", err)
	}
	for rows.Next() {
		var actor, verb string
		if err := rows.Scan(&actor, &verb); err != nil {
			return nil, err
		}
		pairs = append(pairs, agentVerbQuery(json.RawMessage(actor), verb, 100))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("draw agents and verbs: %w", err)
	}
	sets = append(sets, querySet{"agent+verb", pairs})
	var acts []lrsQuery
	rows, err = db.Query(ctx, `select id from xapi_activities where org_id = (select id from organizations where slug = $1)
		order by random() limit $2`, org, n)
	if err != nil {
		return nil, fmt.Errorf("draw activities: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		acts = append(acts, activityQuery(id, 100))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("draw activities: %w", err)
	}
	sets = append(sets, querySet{"activity+related_activities", acts})
	for _, s := range sets {
		if len(s.queries) == 0 {
			return nil, fmt.Errorf("the store gives no value to query by %s", s.name)
		}
	}
	return sets, nil
}

// lrsSequential is how many queries of a set checkQueries sends one at a
// time, before wrk sends them all.
const lrsSequential = 200

// checkQueries sends the first lrsSequential queries once each, one at a
// time, and notes each kind's latency and answer: every query must match
// a statement (its values come from the store), an agent+verb answer must
// hold that agent's statements of that verb only. It returns every
// query's path.
func (b *bench) checkQueries(ctx context.Context, hc *http.Client, auth string, qs *lrsQuerySet, queries []lrsQuery) ([]string, error) {
	qs.Queries = len(queries)
	seq := queries[:min(len(queries), lrsSequential)]
	logf("lrs: GET by %s: %d queries, the first %d one at a time", qs.Name, len(queries), len(seq))
	type kindRuns struct {
		ms    []float64
		items int
	}
	kinds := map[string]*kindRuns{}
	for _, q := range seq {
		t0 := time.Now()
		status, body, err := lrsRequest(ctx, hc, http.MethodGet, b.o.lrs.storeAPI+q.Path, auth, nil)
		ms := float64(time.Since(t0).Microseconds()) / 1000
		if err != nil {
			return nil, err
		}
		var page struct {
			Statements []pageStatement `json:"statements"`
			More       string          `json:"more"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &page) != nil {
			return nil, fmt.Errorf("GET %s: HTTP %d: %s", q.Path, status, clip(body, 400))
		}
		if err := checkPage(q.Path, page.Statements); err != nil {
			return nil, err
		}
		k := kinds[q.Kind]
		if k == nil {
			k = &kindRuns{}
			kinds[q.Kind] = k
		}
		k.ms, k.items = append(k.ms, ms), k.items+len(page.Statements)
		if len(page.Statements) == 0 {
			qs.Empty++
		}
		if page.More != "" {
			qs.FullPages++
		}
	}
	qs.Sequential = map[string]seqLatency{}
	for name, k := range kinds {
		qs.Sequential[name] = seqLatency{Queries: len(k.ms), MeanItems: round(float64(k.items)/float64(len(k.ms)), 1),
			P50Ms: round(percentile(k.ms, 50), 2), P99Ms: round(percentile(k.ms, 99), 2), MaxMs: round(slices.Max(k.ms), 2)}
	}
	logf("lrs: GET by %s: of %d queries one at a time, %d answered a full page, %d nothing", qs.Name, len(seq), qs.FullPages, qs.Empty)
	if qs.Empty > 0 {
		b.warn("GET by %s: %d of %d queries whose values the store holds answered no statement", qs.Name, qs.Empty, len(seq))
	}
	paths := make([]string, len(queries))
	for i, q := range queries {
		paths[i] = q.Path
	}
	return paths, nil
}

// pageStatement is what checkPage reads of a statement.
type pageStatement struct {
	Actor struct {
		Account struct{ Name string } `json:"account"`
	} `json:"actor"`
	Verb struct{ ID string } `json:"verb"`
}

// checkPage checks that the page of an agent+verb query holds that
// agent's statements of that verb only (the agent is an account).
func checkPage(path string, page []pageStatement) error {
	_, rawQuery, _ := strings.Cut(path, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil || q.Get("verb") == "" {
		return err
	}
	var agent xAgent
	if err := json.Unmarshal([]byte(q.Get("agent")), &agent); err != nil {
		return fmt.Errorf("GET %s: the agent: %w", path, err)
	}
	for _, s := range page {
		if s.Verb.ID != q.Get("verb") || s.Actor.Account.Name != agent.Account.Name {
			return fmt.Errorf("GET %s answered a statement of %q with verb %s", path, s.Actor.Account.Name, s.Verb.ID)
		}
	}
	return nil
}
