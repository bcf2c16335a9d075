package main

// Enrollment in the core section: ONE bulk request of 10,000 rows against
// 10,000 single enrollments sent one after another on one keep-alive
// connection, and the bulk request sent again (it must enroll no one).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"time"

	"github.com/lectern/lectern/client"
)

type bulkResults struct {
	Rows         int        `json:"rows"`
	RequestBytes int        `json:"request_bytes"`
	Seconds      []float64  `json:"seconds"` // wall time of the one request, each repetition
	CPU          []cpuCores `json:"cpu_cores"`
	Again        bulkAgain  `json:"again"`
}

// bulkAgain is the same bulk request sent a second time to the same course.
type bulkAgain struct {
	Seconds         float64 `json:"seconds"`
	Enrolled        int     `json:"enrolled"`
	AlreadyEnrolled int     `json:"already_enrolled"`
	Reactivated     int     `json:"reactivated"`
	Failed          int     `json:"failed"`
}

type oneByOneResults struct {
	Requests     int      `json:"requests"`
	RequestBytes int      `json:"request_bytes"` // all bodies together
	Seconds      float64  `json:"seconds"`
	Connections  int      `json:"connections"`
	P50Ms        float64  `json:"p50_ms"`
	P99Ms        float64  `json:"p99_ms"`
	CPU          cpuCores `json:"cpu_cores"`
}

// enrollmentReport is the answer of POST /courses/{id}/enrollments/bulk.
type enrollmentReport struct {
	Rows            int               `json:"rows"`
	Enrolled        int               `json:"enrolled"`
	AlreadyEnrolled int               `json:"already_enrolled"`
	Reactivated     int               `json:"reactivated"`
	Failed          []json.RawMessage `json:"failed"`
}

// timedBulk sends the pre-built bulk body on the warm keep-alive client and
// returns the wall time from sending to having read the whole answer.
func (b *bench) timedBulk(ctx context.Context, api *client.Client, courseID string, body []byte) (float64, *enrollmentReport, error) {
	// Warm the connection first, so the timed request pays no connect.
	if err := call(ctx, api, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil); err != nil {
		return 0, nil, err
	}
	path := "/api/v1/courses/" + courseID + "/enrollments/bulk"
	req, err := api.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var resp client.Response
	t0 := time.Now()
	err = api.Do(ctx, req, &resp) // returns once the whole answer is read
	secs := time.Since(t0).Seconds()
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.Status != http.StatusOK {
		return 0, nil, fmt.Errorf("POST %s: HTTP %d: %s", path, resp.Status, clip(resp.Body, 400))
	}
	var rep enrollmentReport
	if err := json.Unmarshal(resp.Body, &rep); err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	return secs, &rep, nil
}

// measureBulk enrolls the learners in a fresh course with one request, once
// per repetition, then sends the last request again.
func (b *bench) measureBulk(ctx context.Context, setup *client.Client, c *coreResults, emails []string) error {
	type row struct {
		Email string `json:"email"`
	}
	rows := make([]row, len(emails))
	for i, e := range emails {
		rows[i] = row{e}
	}
	body, err := json.Marshal(map[string]any{"rows": rows})
	if err != nil {
		return err
	}
	c.Bulk.Rows, c.Bulk.RequestBytes = len(rows), len(body)
	oneConn := b.apiClient(keepAliveClient())
	var courseIDs []string
	for rep := 1; rep <= b.o.reps; rep++ {
		id, _, err := b.createCourse(ctx, setup, courseSpec{Title: fmt.Sprintf("Compliance training %d (bulk enrollment)", rep),
			Summary: "Every employee takes it once a year.", Tags: []string{"compliance"}, Lessons: 1})
		if err != nil {
			return err
		}
		courseIDs = append(courseIDs, id)
		logf("core rep %d/%d: bulk enrollment of %d learners in one request (%s)", rep, b.o.reps, len(rows), human(int64(len(body))))
		s0 := b.coreSnap()
		secs, r, err := b.timedBulk(ctx, oneConn, id, body)
		if err != nil {
			return err
		}
		cpu := cores(s0, b.coreSnap(), 0)
		if r.Rows != len(rows) || r.Enrolled != len(rows) || len(r.Failed) > 0 {
			return fmt.Errorf("bulk enrollment of %d rows: rows %d, enrolled %d, already %d, failed %d (first %s)",
				len(rows), r.Rows, r.Enrolled, r.AlreadyEnrolled, len(r.Failed), firstRaw(r.Failed))
		}
		c.Bulk.Seconds = append(c.Bulk.Seconds, round(secs, 4))
		c.Bulk.CPU = append(c.Bulk.CPU, cpu)
		logf("core: bulk enrollment %.3f s (%s)", secs, cpu.String("benchtool"))
	}
	last := courseIDs[len(courseIDs)-1]
	logf("core: the same bulk request again on the same course (idempotency)")
	secs, r, err := b.timedBulk(ctx, oneConn, last, body)
	if err != nil {
		return err
	}
	c.Bulk.Again = bulkAgain{Seconds: round(secs, 4), Enrolled: r.Enrolled, AlreadyEnrolled: r.AlreadyEnrolled,
		Reactivated: r.Reactivated, Failed: len(r.Failed)}
	logf("core: again %.3f s: enrolled %d, already enrolled %d, reactivated %d, failed %d", secs, r.Enrolled, r.AlreadyEnrolled, r.Reactivated, len(r.Failed))
	if r.Enrolled != 0 || r.AlreadyEnrolled != len(rows) {
		b.warn("the bulk enrollment sent again enrolled %d and found %d already enrolled (want 0 and %d)", r.Enrolled, r.AlreadyEnrolled, len(rows))
	}
	// Out of the catalog, so the read path sees the same catalog whatever BENCH_REPS is.
	for _, id := range courseIDs {
		b.archive(ctx, setup, id)
	}
	return nil
}

// learnerIDs maps the bench learners' addresses to their ids (GET /users).
func (b *bench) learnerIDs(ctx context.Context, api *client.Client) (map[string]string, error) {
	ids := map[string]string{}
	cursor := ""
	for {
		q := url.Values{"role": {"learner"}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := call(ctx, api, http.MethodGet, "/api/v1/users?"+q.Encode(), nil, http.StatusOK, &page); err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			ids[u.Email] = u.ID
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return ids, nil
		}
		cursor = *page.NextCursor
	}
}

// measureOneByOne enrolls the learners one POST at a time, sequentially, on
// one keep-alive connection.
func (b *bench) measureOneByOne(ctx context.Context, setup *client.Client, c *coreResults, emails []string) error {
	ids, err := b.learnerIDs(ctx, setup)
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(emails))
	total := 0
	for i, e := range emails {
		id, ok := ids[e]
		if !ok {
			return fmt.Errorf("GET /api/v1/users does not list %s", e)
		}
		bodies[i] = []byte(`{"user_id":"` + id + `"}`)
		total += len(bodies[i])
	}
	courseID, _, err := b.createCourse(ctx, setup, courseSpec{Title: "Security awareness (one-by-one enrollment)",
		Summary: "Phishing, passwords and what to report.", Tags: []string{"security"}, Lessons: 1})
	if err != nil {
		return err
	}
	path := "/api/v1/courses/" + courseID + "/enrollments"
	oneConn := b.apiClient(keepAliveClient())
	if err := call(ctx, oneConn, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil); err != nil {
		return err
	}
	conns := map[string]bool{}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { conns[i.Conn.LocalAddr().String()] = true }}
	tctx := httptrace.WithClientTrace(ctx, trace)
	lat := make([]float64, len(bodies))
	logf("core: enrolling %d learners one request at a time (POST %s {user_id}, one keep-alive connection)", len(bodies), "/api/v1/courses/{id}/enrollments")
	s0 := b.coreSnap()
	t0 := time.Now()
	for i, body := range bodies {
		req, err := oneConn.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		var resp client.Response
		r0 := time.Now()
		err = oneConn.Do(tctx, req, &resp) // returns once the whole answer is read
		lat[i] = time.Since(r0).Seconds() * 1000
		if err != nil {
			return fmt.Errorf("request %d: POST %s: %w", i+1, path, err)
		}
		if resp.Status != http.StatusCreated {
			return fmt.Errorf("request %d: POST %s: HTTP %d (want 201): %s", i+1, path, resp.Status, clip(resp.Body, 300))
		}
	}
	secs := time.Since(t0).Seconds()
	cpu := cores(s0, b.coreSnap(), 0)
	c.OneByOne = oneByOneResults{Requests: len(bodies), RequestBytes: total, Seconds: round(secs, 2), Connections: len(conns),
		P50Ms: round(percentile(lat, 50), 2), P99Ms: round(percentile(lat, 99), 2), CPU: cpu}
	logf("core: one by one %.1f s (%.2f ms a request; p50 %.2f ms, p99 %.2f ms; %d connection(s)) (%s)",
		secs, secs*1000/float64(len(bodies)), c.OneByOne.P50Ms, c.OneByOne.P99Ms, len(conns), cpu.String("benchtool"))
	b.archive(ctx, setup, courseID)
	return nil
}
