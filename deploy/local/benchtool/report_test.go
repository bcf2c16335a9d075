package main

import "testing"

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 20000: "20,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// The read path's rows judge requests/s against nginx and the API's p99 by
// the targets of their path; p50 is reported only.
func TestReadPathTargets(t *testing.T) {
	c := &coreResults{Read: []*readResults{
		{Path: "/api/v1/catalog", API: []wrkRun{{RPS: 2000, P99Ms: 40}}, Nginx: []wrkRun{{RPS: 10000, P99Ms: 5}}},
		{Path: "/api/v1/me/enrollments", API: []wrkRun{{RPS: 2000, P99Ms: 120}}, Nginx: []wrkRun{{RPS: 10000, P99Ms: 5}}},
	}}
	want := map[string]string{
		"GET /catalog: API / nginx, req/s":        "MISS", // 0.20 < 0.25
		"GET /catalog: API / nginx, p50":          "info",
		"GET /catalog: API / nginx, p99":          "PASS",
		"GET /me/enrollments: API / nginx, req/s": "PASS", // 0.20 >= 0.10
		"GET /me/enrollments: API / nginx, p99":   "MISS",
	}
	for _, r := range c.rows() {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		got := "info"
		if r.Pass != nil {
			got = map[bool]string{true: "PASS", false: "MISS"}[*r.Pass]
		}
		if got != w {
			t.Errorf("%s: %s (target %q), want %s", r.Name, got, r.Target, w)
		}
		delete(want, r.Name)
	}
	for name := range want {
		t.Errorf("no row %q", name)
	}
}
