package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeVideo answers GET /api/v1/videos/v1 with answers in turn, the last
// one for ever after.
type fakeVideo struct {
	mu      sync.Mutex
	answers []answer
	gets    int
}

type answer struct {
	status int
	body   string
}

func (f *fakeVideo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/api/v1/videos/v1" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	a := f.answers[min(f.gets, len(f.answers)-1)]
	f.gets++
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func (f *fakeVideo) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func startFakeVideo(t *testing.T, answers ...answer) (*fakeVideo, *Client) {
	f := &fakeVideo{answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, New(WithBaseURL(srv.URL), WithToken("tok"))
}

const (
	processing = `{"id":"v1","status":"processing","job":{"id":"e1","state":"running","stage":"encoding","progress":42.5,"fps":61,"speed":2.03}}`
	ready      = `{"id":"v1","title":"Week 1","status":"ready","duration":60.5,"created_at":"2026-11-22T10:00:00Z","ready_at":"2026-11-22T10:01:00Z",` +
		`"hls":"http://cdn/v1/master.m3u8","player":"http://api/watch/v1",` +
		`"job":{"id":"e1","state":"succeeded","stage":"done","progress":100,"ladder":{"fps":30},"started_at":"2026-11-22T10:00:01Z","finished_at":"2026-11-22T10:00:59Z"}}`
	notFound = `{"error":{"code":"not_found","message":"video not found"}}`
)

func TestGetVideo(t *testing.T) {
	_, c := startFakeVideo(t, answer{200, ready})
	v, err := c.GetVideo(context.Background(), "v1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "ready" || v.Title != "Week 1" || *v.Duration != 60.5 || *v.HLS != "http://cdn/v1/master.m3u8" || v.DASH != nil ||
		v.ReadyAt.Sub(v.CreatedAt) != time.Minute || v.Job.FinishedAt.Sub(*v.Job.StartedAt) != 58*time.Second || string(v.Job.Ladder) != `{"fps":30}` {
		t.Errorf("GetVideo = %+v, job %+v", v, v.Job)
	}
}

func TestWaitVideo(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer
		wantGets  int
		wantErr   string // "": the wait ends with the ready video
		wantAPI   bool   // the error is an *Error
		wantLast  string // status of the copy returned
		wantSeen  int    // copies until saw
		cancelled bool
	}{
		{name: "passes over server errors", answers: []answer{{503, "Service Unavailable"}, {200, processing}, {502, "<html>"}, {200, ready}},
			wantGets: 4, wantLast: "ready", wantSeen: 2},
		{name: "a client error ends it", answers: []answer{{200, processing}, {404, notFound}},
			wantGets: 2, wantErr: "video v1: video not found (HTTP 404)", wantAPI: true, wantLast: "processing", wantSeen: 1},
		{name: "so does the rate limiter", answers: []answer{{429, `{"error":{"code":"rate_limited","message":"slow down"}}`}},
			wantGets: 1, wantErr: "video v1: slow down (HTTP 429)", wantAPI: true},
		{name: "and ctx", answers: []answer{{200, processing}}, cancelled: true, wantErr: "video v1: context canceled", wantLast: "processing", wantSeen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, c := startFakeVideo(t, tt.answers...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seen := 0
			v, err := c.WaitVideo(ctx, "v1", func(v *Video) bool {
				seen++
				if tt.cancelled {
					cancel()
				}
				return v.Settled()
			}, time.Millisecond)
			var ae *Error
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("WaitVideo: %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("WaitVideo: %v, want %q", err, tt.wantErr)
			case errors.As(err, &ae) != tt.wantAPI:
				t.Errorf("WaitVideo: %v is an *Error: %v, want %v", err, !tt.wantAPI, tt.wantAPI)
			case tt.cancelled && !errors.Is(err, context.Canceled):
				t.Errorf("WaitVideo: %v, want context.Canceled", err)
			}
			switch {
			case v == nil && tt.wantLast != "":
				t.Errorf("returned no video, want a %s one", tt.wantLast)
			case v != nil && v.Status != tt.wantLast:
				t.Errorf("returned a %s video, want %q", v.Status, tt.wantLast)
			}
			if seen != tt.wantSeen || (tt.wantGets > 0 && api.count() != tt.wantGets) {
				t.Errorf("until saw %d copies in %d GETs, want %d in %d", seen, api.count(), tt.wantSeen, tt.wantGets)
			}
		})
	}
}

// WaitVideo's first GET comes after one poll: its caller has just had the
// video.
func TestWaitVideoWaitsBeforeTheFirstGet(t *testing.T) {
	api, c := startFakeVideo(t, answer{200, ready})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.WaitVideo(ctx, "v1", (*Video).Settled, time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) || api.count() != 0 {
		t.Errorf("WaitVideo: %v after %d GETs, want the deadline before any", err, api.count())
	}
}

func TestVideoSettledAndReason(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		v          Video
		settled    bool
		wantReason string
	}{
		{Video{Status: "processing"}, false, ""},
		{Video{Status: "ready"}, true, ""},
		{Video{Status: "canceled"}, true, ""},
		{Video{Status: "failed", Error: s("not a video file")}, true, "not a video file"},
		{Video{Status: "failed", Error: s(""), Job: &Job{Error: s("ffmpeg exited 1")}}, true, "ffmpeg exited 1"},
		{Video{Status: "failed", Job: &Job{}}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.v.Status+"/"+tt.wantReason, func(t *testing.T) {
			if tt.v.Settled() != tt.settled || tt.v.Reason() != tt.wantReason {
				t.Errorf("Settled() = %v, Reason() = %q; want %v, %q", tt.v.Settled(), tt.v.Reason(), tt.settled, tt.wantReason)
			}
		})
	}
}
