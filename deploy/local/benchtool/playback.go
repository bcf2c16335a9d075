package main

// The "playback" section of `make bench`: gated playback (issue 9) on the
// bench API's own database.
//
//  1. Setup: a 120 s clip (-playback-source) uploaded and encoded by the
//     bench worker; a published course with a video lesson of it and one
//     required checkpoint at 90 s; -playback-players learners created with
//     a password (POST /users), signed in (POST /sessions: the players use
//     their session, as the browser does) and bulk-enrolled.
//  2. The playback endpoint under wrk, as one learner, next to the bench
//     nginx serving the same bytes from a file: GET …/playback (the
//     grant: policy, progress, checkpoints, freshly signed URLs), and the
//     learner's own truncated, signed manifests it points to, the HLS
//     media playlist and the DASH MPD (/play/<token>/…).
//  3. Statement intake: every learner is a player that asks for its
//     playback, sends initialized, then plays in real time and reports
//     played every -playback-interval seconds (played-segments, time,
//     progress: as the player's Video Profile emitter does) for
//     -playback-seconds, then terminated; the players start spread over
//     one interval, each on its own keep-alive connection. Measured:
//     statements/s, latency of each POST /xapi/statements, refusals (any
//     answer but 200). Then every learner's playback is read again: the
//     watching the server credited must be what the player honestly
//     reported (the plausibility rules must not reject an honest player).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lectern/lectern/client"
)

const (
	playbackCheckpointAt = 90.0
	// Targets: the per-learner manifests are computed answers of the same
	// class as the catalog (issue 7's read path): at least a quarter of
	// nginx's rate for the static copy, p99 under 50 ms at 200
	// connections. Intake: the offered rate is kept up (>= 99 %), p99
	// under 100 ms, and nothing an honest player sent is refused or left
	// uncredited.
	playbackRatioTarget      = 0.25
	playbackP99TargetMs      = 50.0
	intakeRateTarget         = 0.99
	intakeP99TargetMs        = 100.0
	playbackExplanation      = "playback = wrk (deploy/local/bench/playback.lua) cycling through 200 enrolled learners, each request the next learner's: GET …/playback (bearer session), and the learners' own truncated signed manifests (/play/<token>/…: HLS media playlist, DASH MPD), each next to the bench nginx serving the same bytes (of one answer) from a file; intake = N players (own keep-alive connection each, started spread over one interval) each GET …/playback, POST initialized, then a played statement every interval for the play time, then terminated, to POST /xapi/statements with their session; refused = any answer but 200; not credited = 1 - (seconds the server credits as watched, from GET …/playback after the run) / (seconds the players reported)"
	videoProfileExtensionURL = "https://w3id.org/xapi/video/extensions/"
)

type playbackOptions struct {
	enabled  bool
	source   string
	players  int
	interval int
	seconds  int
	workers  int
	script   string
}

func (p *playbackOptions) flags() {
	flag.BoolVar(&p.enabled, "playback", false, "measure gated playback (the playback endpoint and manifests under wrk vs nginx; statement intake from simulated players)")
	flag.StringVar(&p.source, "playback-source", "", "the clip (>= 100 s) the playback section encodes and plays")
	flag.IntVar(&p.players, "playback-players", 1000, "simulated players (learners) for the statement intake")
	flag.IntVar(&p.interval, "playback-interval", 10, "seconds between a player's played reports")
	flag.IntVar(&p.seconds, "playback-seconds", 60, "seconds each player plays (must stay before the checkpoint at 90 s)")
	flag.IntVar(&p.workers, "playback-setup-workers", 4, "concurrent requests while creating and signing in the learners")
	flag.StringVar(&p.script, "playback-script", "deploy/local/bench/playback.lua", "the wrk script (many learners' requests)")
}

func (p *playbackOptions) check(core coreOptions) error {
	switch {
	case !p.enabled:
		return nil
	case p.source == "":
		return errors.New("-playback needs -playback-source")
	case core.staticDir == "" || core.staticURL == "":
		return errors.New("-playback needs -static-dir and -static-url (the bench nginx)")
	case p.players < 1 || p.players > maxBulkRequest:
		return fmt.Errorf("-playback-players must be 1..%d", maxBulkRequest)
	case p.interval < 1 || p.seconds < p.interval || float64(p.seconds) >= playbackCheckpointAt:
		return fmt.Errorf("-playback-interval must be >= 1 and -playback-seconds in [interval, %g)", playbackCheckpointAt)
	case p.workers < 1:
		return errors.New("-playback-setup-workers must be positive")
	}
	return nil
}

type playbackResults struct {
	VideoID      string         `json:"video_id"`
	Duration     float64        `json:"duration"`
	CheckpointAt float64        `json:"checkpoint_at"`
	Unlocked     float64        `json:"unlocked_until"`
	Segments     int            `json:"media_playlist_segments"`
	AllSegments  int            `json:"source_playlist_segments"`
	Setup        playbackSetup  `json:"setup"`
	Reads        []*readResults `json:"reads"`
	Intake       intakeResults  `json:"intake"`
	Wrk          string         `json:"wrk"`
}

type playbackSetup struct {
	EncodeSeconds float64 `json:"encode_seconds"` // upload + encode of the clip
	Learners      int     `json:"learners"`
	Seconds       float64 `json:"seconds"` // create, sign in, enroll
}

type intakeResults struct {
	Players        int      `json:"players"`
	IntervalSec    int      `json:"interval_seconds"`
	PlaySeconds    int      `json:"play_seconds"`
	Offered        float64  `json:"offered_statements_per_second"`
	Sent           int64    `json:"statements_sent"`
	Accepted       int64    `json:"statements_accepted"`
	Refused        int64    `json:"statements_refused"`
	Errors         int64    `json:"transport_errors"`
	FirstRefusal   string   `json:"first_refusal,omitempty"`
	Seconds        float64  `json:"seconds"`
	PerSec         float64  `json:"statements_per_second"` // accepted, over the steady part
	P50Ms          float64  `json:"p50_ms"`
	P99Ms          float64  `json:"p99_ms"`
	MaxMs          float64  `json:"max_ms"`
	PlaybackP99Ms  float64  `json:"playback_get_p99_ms"`
	Reported       float64  `json:"seconds_reported"`
	Credited       float64  `json:"seconds_credited"`
	NotCredited    float64  `json:"share_not_credited"`
	PlayersShort   int      `json:"players_credited_less"`
	CPU            cpuCores `json:"cpu_cores"`
	WrongRejection float64  `json:"share_rejected_wrongly"`
}

// player is one simulated learner.
type player struct {
	email, token string
	hc           *http.Client
}

// pbGrant is the part of GET …/playback the bench uses.
type pbGrant struct {
	HLS           string       `json:"hls"`
	DASH          string       `json:"dash"`
	Duration      float64      `json:"duration"`
	UnlockedUntil float64      `json:"unlocked_until"`
	Watched       [][2]float64 `json:"watched"`
	Policy        struct {
		CompletionThreshold float64 `json:"completion_threshold"`
	} `json:"policy"`
	XAPI struct {
		Endpoint     string         `json:"endpoint"`
		ActivityID   string         `json:"activity_id"`
		Registration string         `json:"registration"`
		Actor        map[string]any `json:"actor"`
	} `json:"xapi"`
}

func (g *pbGrant) watched() float64 {
	var s float64
	for _, iv := range g.Watched {
		s += iv[1] - iv[0]
	}
	return s
}

func (b *bench) measurePlayback(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk)")
	}
	o := b.o.playback
	co := b.o.core
	r := &playbackResults{CheckpointAt: playbackCheckpointAt,
		Wrk: fmt.Sprintf("wrk -t %d -c %d -d %ds --latency", co.wrkThreads, co.wrkConns, co.wrkSeconds)}
	if b.o.serverCPUs != "" {
		r.Wrk += fmt.Sprintf(" on CPU %s, the server (API or nginx) on CPU %s", b.o.loadCPUs, b.o.serverCPUs)
	}
	b.res.Playback = r
	setup := b.apiClient(&http.Client{Timeout: 5 * time.Minute})

	videoID, err := b.playbackVideo(ctx, r)
	if err != nil {
		return fmt.Errorf("the clip: %w", err)
	}
	courseID, lessonID, err := b.playbackCourse(ctx, setup, videoID)
	if err != nil {
		return err
	}
	t0 := time.Now()
	players, err := b.playbackLearners(ctx, setup, courseID, o.players)
	if err != nil {
		return fmt.Errorf("learners: %w", err)
	}
	r.Setup.Learners, r.Setup.Seconds = len(players), round(time.Since(t0).Seconds(), 1)
	logf("playback: %d learners created, signed in and enrolled in %.1f s", len(players), r.Setup.Seconds)
	lessonPath := "/api/v1/courses/" + courseID + "/lessons/" + lessonID + "/playback"

	// 2. The playback endpoint and the manifests, many learners at once.
	if err := b.preparePlaybackReads(ctx, r, players, lessonPath); err != nil {
		return err
	}
	for rep := 1; rep <= b.o.reps; rep++ {
		for _, rr := range r.Reads {
			if err := b.sideBySide(ctx, rr, rep, func() (wrkRun, error) { return b.wrkLearners(ctx, rr) }); err != nil {
				return fmt.Errorf("playback %s: %w", rr.Label, err)
			}
		}
	}

	// 3. Intake (the learners of the reads had their budget clocks
	// started earlier, which only gives them more budget; they play like
	// the rest).
	if err := b.measureIntake(ctx, r, players, lessonPath); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	b.archive(ctx, setup, courseID)
	return nil
}

// playbackVideo uploads and encodes the clip through the CLI.
func (b *bench) playbackVideo(ctx context.Context, r *playbackResults) (string, error) {
	logf("playback: uploading and encoding %s (lectern video upload --wait --json)", filepath.Base(b.o.playback.source))
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, b.o.lectern, "video", "upload", b.o.playback.source, "--wait", "--json", "--title", "bench playback")
	cmd.Env = append(os.Environ(), "LECTERN_API="+b.o.api, "LECTERN_TOKEN="+b.o.token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("lectern video upload: %v: %s", err, lastLines(stderr.String(), 10))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var v struct {
		ID       string  `json:"id"`
		Status   string  `json:"status"`
		Duration float64 `json:"duration"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil || v.Status != "ready" {
		return "", fmt.Errorf("lectern video upload --json printed %q", stdout.String())
	}
	r.VideoID, r.Setup.EncodeSeconds = v.ID, round(time.Since(t0).Seconds(), 1)
	logf("playback: video %s ready in %.1f s", v.ID, r.Setup.EncodeSeconds)
	return v.ID, nil
}

// playbackCourse creates the published course: one video lesson with a
// required checkpoint at 90 s.
func (b *bench) playbackCourse(ctx context.Context, api *client.Client, videoID string) (string, string, error) {
	var course, module, lesson struct {
		ID string `json:"id"`
	}
	if err := call(ctx, api, http.MethodPost, "/api/v1/courses", map[string]any{"title": "Bench: a lecture with a checkpoint",
		"summary": "One video lesson; a required checkpoint at 90 s."}, http.StatusCreated, &course); err != nil {
		return "", "", err
	}
	base := "/api/v1/courses/" + course.ID
	if err := call(ctx, api, http.MethodPost, base+"/modules", map[string]any{"title": "Week 1"}, http.StatusCreated, &module); err != nil {
		return "", "", err
	}
	if err := call(ctx, api, http.MethodPost, base+"/lessons", map[string]any{"module_id": module.ID, "title": "The lecture",
		"kind": "video", "video_id": videoID}, http.StatusCreated, &lesson); err != nil {
		return "", "", err
	}
	cp := map[string]any{"at": playbackCheckpointAt, "required": true, "must_pass": true, "questions": []map[string]any{{
		"type": "single_choice", "prompt": "Which of these did the lecture show?",
		"options": []map[string]any{{"text": "A test pattern", "correct": true}, {"text": "A cat", "correct": false}},
	}}}
	if err := call(ctx, api, http.MethodPost, base+"/lessons/"+lesson.ID+"/checkpoints", cp, http.StatusCreated, nil); err != nil {
		return "", "", err
	}
	if err := call(ctx, api, http.MethodPatch, base, map[string]any{"status": "published", "enrollment": "open"}, http.StatusOK, nil); err != nil {
		return "", "", err
	}
	return course.ID, lesson.ID, nil
}

// playbackLearners creates n learners with passwords, signs each in and
// bulk-enrolls them in the course.
func (b *bench) playbackLearners(ctx context.Context, api *client.Client, courseID string, n int) ([]*player, error) {
	logf("playback: creating and signing in %d learners (%d at a time; each a password hash and a sign-in)", n, b.o.playback.workers)
	players := make([]*player, n)
	for i := range players {
		players[i] = &player{email: fmt.Sprintf("player%05d@%s", i+1, benchEmailDomain)}
	}
	const password = "bench-player-password"
	anon := api.As("")
	jobs := make(chan *player)
	errs := make(chan error, b.o.playback.workers)
	var wg sync.WaitGroup
	for range b.o.playback.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				if err := call(ctx, api, http.MethodPost, "/api/v1/users", map[string]any{"email": p.email, "name": "Player " + p.email[6:11],
					"roles": []string{"learner"}, "password": password}, http.StatusCreated, nil); err != nil {
					errs <- err
					return
				}
				var s struct {
					Token string `json:"token"`
				}
				if err := call(ctx, anon, http.MethodPost, "/api/v1/sessions", map[string]any{"email": p.email, "password": password}, http.StatusCreated, &s); err != nil {
					errs <- err
					return
				}
				p.token = s.Token
			}
		}()
	}
	var err error
feed:
	for _, p := range players {
		select {
		case jobs <- p:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	if err != nil {
		return nil, err
	}
	rows := make([]map[string]string, n)
	for i, p := range players {
		rows[i] = map[string]string{"email": p.email}
	}
	var rep enrollmentReport
	if err := call(ctx, api, http.MethodPost, "/api/v1/courses/"+courseID+"/enrollments/bulk", map[string]any{"rows": rows}, http.StatusOK, &rep); err != nil {
		return nil, err
	}
	if rep.Enrolled != n {
		return nil, fmt.Errorf("bulk enrollment enrolled %d of %d (failed %d, first %s)", rep.Enrolled, n, len(rep.Failed), firstRaw(rep.Failed))
	}
	return players, nil
}

var (
	pbVariant = regexp.MustCompile(`(?m)^[^#\s][^\s]*\.m3u8$`)
	pbSegment = regexp.MustCompile(`(?m)^[^#\s][^\s]*\.m4s$`)
)

// preparePlaybackReads asks for the playback of up to -wrk-connections
// learners, checks it is cut at the checkpoint, writes the lines of the
// wrk script (each learner's grant request, media playlist, MPD) and saves
// the first learner's answers for nginx.
func (b *bench) preparePlaybackReads(ctx context.Context, r *playbackResults, players []*player, lessonPath string) error {
	n := min(len(players), b.o.core.wrkConns)
	logf("playback: asking for the playback of %d learners (the wrk runs cycle through them)", n)
	get := func(u string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, clip(b, 200))
		}
		return b, err
	}
	apiURL, _ := url.Parse(b.o.api)
	local := func(target string) (string, error) {
		u, err := url.Parse(target)
		if err != nil || u.Host != apiURL.Host {
			return "", fmt.Errorf("%s is not served by the bench API %s", target, apiURL.Host)
		}
		return u.RequestURI(), nil
	}
	reads := []*readResults{
		{Label: "GET …/lessons/{id}/playback (the grant)", StaticURL: "playback.json"},
		{Label: "GET /play/{token}/…/index.m3u8 (HLS media playlist)", StaticURL: "media.m3u8"},
		{Label: "GET /play/{token}/manifest.mpd (DASH)", StaticURL: "manifest.mpd"},
	}
	lines := make([][]string, len(reads))
	for i, p := range players[:n] {
		learner := b.api.As(p.token)
		var body []byte
		if err := call(ctx, learner, http.MethodGet, lessonPath, nil, http.StatusOK, &body); err != nil {
			return err
		}
		var g pbGrant
		if err := json.Unmarshal(body, &g); err != nil {
			return fmt.Errorf("GET %s: %w", lessonPath, err)
		}
		if g.UnlockedUntil != playbackCheckpointAt || g.HLS == "" || g.DASH == "" {
			return fmt.Errorf("the learner's playback: unlocked_until %g (want %g), hls %q, dash %q", g.UnlockedUntil, playbackCheckpointAt, g.HLS, g.DASH)
		}
		master, err := get(g.HLS)
		if err != nil {
			return err
		}
		variant := pbVariant.Find(master)
		if variant == nil {
			return fmt.Errorf("no media playlist in the learner's master playlist:\n%s", clip(master, 600))
		}
		base, _ := url.Parse(g.HLS)
		ref, _ := url.Parse(string(variant))
		mediaURL := base.ResolveReference(ref).String()
		mediaPath, err := local(mediaURL)
		if err != nil {
			return err
		}
		mpdPath, err := local(g.DASH)
		if err != nil {
			return err
		}
		lines[0] = append(lines[0], p.token+" "+lessonPath)
		lines[1] = append(lines[1], "- "+mediaPath)
		lines[2] = append(lines[2], "- "+mpdPath)
		if i > 0 {
			continue
		}
		media, err := get(mediaURL)
		if err != nil {
			return err
		}
		mpd, err := get(g.DASH)
		if err != nil {
			return err
		}
		r.Duration, r.Unlocked = g.Duration, g.UnlockedUntil
		r.Segments = len(pbSegment.FindAll(media, -1))
		if r.Segments == 0 {
			return fmt.Errorf("the learner's media playlist lists no segment:\n%s", clip(media, 600))
		}
		for k, x := range [][]byte{body, media, mpd} {
			rr := reads[k]
			file := rr.StaticURL
			if err := os.WriteFile(filepath.Join(b.o.core.staticDir, file), x, 0o644); err != nil {
				return err
			}
			rr.Bytes = len(x)
			rr.StaticURL = strings.TrimRight(b.o.core.staticURL, "/") + "/" + file
			got, err := get(rr.StaticURL)
			if err != nil || !bytes.Equal(got, x) {
				return fmt.Errorf("the bench nginx does not answer %s with the API's %d bytes (%v)", rr.StaticURL, len(x), err)
			}
		}
		reads[0].Path, reads[1].Path, reads[2].Path = lessonPath, mediaPath, mpdPath
	}
	for k, rr := range reads {
		rr.Lines = filepath.Join(b.o.work, fmt.Sprintf("playback-wrk-%d.txt", k))
		rr.Items = n
		if err := os.WriteFile(rr.Lines, []byte(strings.Join(lines[k], "\n")+"\n"), 0o644); err != nil {
			return err
		}
		logf("playback: %s answers %s (the first learner's; copy at %s)", rr.Label, human(int64(rr.Bytes)), rr.StaticURL)
	}
	r.Reads = reads
	logf("playback: a learner's media playlist lists %d segments (unlocked until %g s of %.1f s)", r.Segments, r.Unlocked, r.Duration)
	return nil
}

// wrkLearners runs wrk on the API with the playback script: each request
// the next learner's line of rr.Lines.
func (b *bench) wrkLearners(ctx context.Context, rr *readResults) (wrkRun, error) {
	o := b.o.core
	w, out, err := b.runWrk(ctx, wrkSpec{threads: o.wrkThreads, conns: o.wrkConns, seconds: o.wrkSeconds,
		args: []string{"-s", b.o.playback.script, b.o.api + "/"}, env: []string{"PB_LINES=" + rr.Lines}, snap: b.coreSnap})
	if err != nil {
		return w, fmt.Errorf("%w\n%s", err, lastLines(out, 8))
	}
	if w.SocketErrors != "" {
		b.warn("wrk %s: socket errors: %s", rr.Label, w.SocketErrors)
	}
	return w, nil
}

// measureIntake runs the players and checks what the server credited.
func (b *bench) measureIntake(ctx context.Context, r *playbackResults, players []*player, lessonPath string) error {
	o := b.o.playback
	in := &r.Intake
	in.Players, in.IntervalSec, in.PlaySeconds = len(players), o.interval, o.seconds
	reports := o.seconds / o.interval
	in.Offered = round(float64(len(players))*float64(reports+2)/float64(o.seconds+o.interval), 1)
	logf("playback: intake: %d players, each initialized + %d played (one every %d s) + terminated, ~%.0f statements/s offered",
		len(players), reports, o.interval, float64(len(players))/float64(o.interval))
	var (
		mu        sync.Mutex
		lat       []float64 // ms, statements
		pbLat     []float64 // ms, playback GETs
		sent      atomic.Int64
		accepted  atomic.Int64
		refused   atomic.Int64
		errsN     atomic.Int64
		firstBad  atomic.Value
		first     time.Time
		last      time.Time
		steadyN   atomic.Int64 // accepted in the steady window
		wg        sync.WaitGroup
		interval  = time.Duration(o.interval) * time.Second
		playTotal = time.Duration(o.seconds) * time.Second
	)
	start := time.Now().Add(time.Second)
	steadyFrom, steadyTo := start.Add(interval), start.Add(playTotal)
	s0 := b.coreSnap()
	for i, p := range players {
		p.hc = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, IdleConnTimeout: 2 * interval, DisableCompression: true}}
		offset := time.Duration(int64(interval) * int64(i) / int64(len(players)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := start.Add(offset)
			sleepUntil(ctx, t0)
			ts := time.Now()
			g, err := getGrant(ctx, p, b.o.api+lessonPath)
			mu.Lock()
			pbLat = append(pbLat, float64(time.Since(ts).Microseconds())/1000)
			mu.Unlock()
			if err != nil {
				errsN.Add(1)
				firstBad.CompareAndSwap(nil, "playback: "+err.Error())
				return
			}
			session := newUUID()
			post := func(verb string, result map[string]any) {
				st := videoStatement(g, session, verb, result)
				body, _ := json.Marshal(st)
				sent.Add(1)
				ts := time.Now()
				status, resp, err := postStatement(ctx, p, g.XAPI.Endpoint+"statements", body)
				ms := float64(time.Since(ts).Microseconds()) / 1000
				mu.Lock()
				lat = append(lat, ms)
				if first.IsZero() || ts.Before(first) {
					first = ts
				}
				if now := time.Now(); now.After(last) {
					last = now
				}
				mu.Unlock()
				switch {
				case err != nil:
					errsN.Add(1)
					firstBad.CompareAndSwap(nil, verb+": "+err.Error())
				case status != http.StatusOK:
					refused.Add(1)
					firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: HTTP %d: %s", verb, status, clip(resp, 300)))
				default:
					accepted.Add(1)
					if !ts.Before(steadyFrom) && ts.Before(steadyTo) {
						steadyN.Add(1)
					}
				}
			}
			post("initialized", nil)
			for k := 1; k <= reports; k++ {
				sleepUntil(ctx, t0.Add(time.Duration(k)*interval))
				at := float64(k * o.interval)
				post("played", map[string]any{"extensions": map[string]any{
					videoProfileExtensionURL + "time":            at,
					videoProfileExtensionURL + "played-segments": fmt.Sprintf("0.000[.]%.3f", at),
					videoProfileExtensionURL + "progress":        round(at/g.Duration, 3),
				}})
			}
			at := float64(reports * o.interval)
			post("terminated", map[string]any{"extensions": map[string]any{
				videoProfileExtensionURL + "time":            at,
				videoProfileExtensionURL + "played-segments": fmt.Sprintf("0.000[.]%.3f", at),
				videoProfileExtensionURL + "progress":        round(at/g.Duration, 3),
			}})
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	in.CPU = cores(s0, b.coreSnap(), 0)
	in.Sent, in.Accepted, in.Refused, in.Errors = sent.Load(), accepted.Load(), refused.Load(), errsN.Load()
	if v, ok := firstBad.Load().(string); ok {
		in.FirstRefusal = v
	}
	in.Seconds = round(last.Sub(first).Seconds(), 1)
	in.PerSec = round(float64(steadyN.Load())/steadyTo.Sub(steadyFrom).Seconds(), 1)
	in.P50Ms, in.P99Ms, in.MaxMs = round(percentile(lat, 50), 2), round(percentile(lat, 99), 2), round(percentile(lat, 100), 2)
	in.PlaybackP99Ms = round(percentile(pbLat, 99), 2)
	logf("playback: intake: %d statements sent, %d accepted, %d refused, %d transport errors; %.1f statements/s steady; p50 %.2f ms, p99 %.2f ms, max %.1f ms; %s",
		in.Sent, in.Accepted, in.Refused, in.Errors, in.PerSec, in.P50Ms, in.P99Ms, in.MaxMs, in.CPU.String("benchtool"))
	if in.FirstRefusal != "" {
		b.warn("intake: first refusal or error: %s", in.FirstRefusal)
	}

	// What the server credited, player by player.
	logf("playback: reading every learner's playback to compare the credited watching with the reports")
	reported := float64(reports * o.interval)
	var credited float64
	var short int
	var firstShort string
	for _, p := range players {
		g, err := getGrant(ctx, p, b.o.api+lessonPath)
		if err != nil {
			return err
		}
		w := math.Min(g.watched(), reported)
		credited += w
		if w < reported-0.01 {
			short++
			if firstShort == "" {
				firstShort = fmt.Sprintf("%s: credited %v of 0-%g s", p.email, g.Watched, reported)
			}
		}
		p.hc.CloseIdleConnections()
	}
	in.Reported = reported * float64(len(players))
	in.Credited = round(credited, 1)
	in.PlayersShort = short
	in.NotCredited = round(1-credited/in.Reported, 6)
	in.WrongRejection = round((float64(in.Refused+in.Errors))/float64(max(1, in.Sent))+in.NotCredited, 6)
	if firstShort != "" {
		b.warn("intake: %d players credited less than they honestly reported; first %s", short, firstShort)
	}
	logf("playback: credited %.0f of %.0f reported seconds (%d players short)", in.Credited, in.Reported, short)
	return nil
}

func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func getGrant(ctx context.Context, p *player, target string) (*pbGrant, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", target, resp.StatusCode, clip(body, 300))
	}
	var g pbGrant
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, err
	}
	if g.XAPI.Endpoint == "" || g.XAPI.ActivityID == "" || g.Duration <= 0 {
		return nil, fmt.Errorf("GET %s: no xapi endpoint, activity or duration: %s", target, clip(body, 300))
	}
	return &g, nil
}

func postStatement(ctx context.Context, p *player, target string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// videoStatement is what the player's Video Profile emitter sends
// (player/src/lib/videoprofile.js).
func videoStatement(g *pbGrant, session, verb string, result map[string]any) map[string]any {
	verbs := map[string]string{
		"initialized": "http://adlnet.gov/expapi/verbs/initialized",
		"played":      "https://w3id.org/xapi/video/verbs/played",
		"terminated":  "http://adlnet.gov/expapi/verbs/terminated",
	}
	ctx := map[string]any{
		"contextActivities": map[string]any{"category": []map[string]any{{"id": "https://w3id.org/xapi/video"}}},
		"extensions": map[string]any{
			videoProfileExtensionURL + "length":               g.Duration,
			videoProfileExtensionURL + "completion-threshold": g.Policy.CompletionThreshold,
			videoProfileExtensionURL + "session-id":           session,
		},
	}
	if g.XAPI.Registration != "" {
		ctx["registration"] = g.XAPI.Registration
	}
	s := map[string]any{
		"id":    newUUID(),
		"actor": g.XAPI.Actor,
		"verb":  map[string]any{"id": verbs[verb], "display": map[string]string{"en-US": verb}},
		"object": map[string]any{"id": g.XAPI.ActivityID, "objectType": "Activity",
			"definition": map[string]any{"type": "https://w3id.org/xapi/video/activity-type/video"}},
		"context":   ctx,
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
	}
	if result != nil {
		s["result"] = result
	}
	return s
}

func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

func (p *playbackResults) rows() []row {
	lt := func(v, target float64) *bool { x := v < target; return &x }
	var out []row
	for _, rr := range p.Reads {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		name := map[string]string{"playback.json": "GET …/playback", "media.m3u8": "GET learner's HLS playlist", "manifest.mpd": "GET learner's MPD"}[filepath.Base(rr.StaticURL)]
		for _, m := range []struct {
			what, unit string
			f          func(wrkRun) float64
		}{
			{"req/s", "req/s", func(w wrkRun) float64 { return w.RPS }},
			{"p99", "ms", func(w wrkRun) float64 { return w.P99Ms }},
		} {
			a, n := median(mapf(rr.API, m.f)), median(mapf(rr.Nginx, m.f))
			x := row{Name: fmt.Sprintf("%s: API / nginx, %s", name, m.what), Ours: round(a, 2), Baseline: ptr(round(n, 2)),
				Unit: m.unit, Ratio: ptr(round(ratio(a, n), 4)), Target: "-"}
			switch {
			case rr.Path == p.Reads[0].Path:
				// The grant is informational: it reads and may write the
				// learner's state in PostgreSQL (a database-bound request
				// a player makes once per lesson view and every few
				// minutes), not a manifest.
			case m.what == "req/s":
				x.Target, x.Pass = fmt.Sprintf(">= %g", playbackRatioTarget), ptr(ratio(a, n) >= playbackRatioTarget)
			default:
				x.Target, x.Pass = fmt.Sprintf("< %g ms", playbackP99TargetMs), lt(a, playbackP99TargetMs)
			}
			out = append(out, x)
		}
	}
	in := p.Intake
	if in.Sent == 0 {
		return out
	}
	name := fmt.Sprintf("xAPI intake, %s players every %d s: ", thousands(in.Players), in.IntervalSec)
	steadyOffered := float64(in.Players) / float64(in.IntervalSec)
	out = append(out,
		row{Name: name + "statements/s", Ours: in.PerSec, Baseline: ptr(steadyOffered), Unit: "stmt/s", Ratio: ptr(round(ratio(in.PerSec, steadyOffered), 3)),
			Target: fmt.Sprintf(">= %g", intakeRateTarget), Pass: ptr(ratio(in.PerSec, steadyOffered) >= intakeRateTarget)},
		row{Name: name + "p99", Ours: in.P99Ms, Unit: "ms", Target: fmt.Sprintf("< %g ms", intakeP99TargetMs), Pass: lt(in.P99Ms, intakeP99TargetMs)},
		row{Name: name + "rejected wrongly", Ours: round(in.WrongRejection*100, 4), Unit: "%", Target: "= 0", Pass: ptr(in.WrongRejection == 0)},
	)
	return out
}

func (p *playbackResults) print(w io.Writer) {
	fmt.Fprintf(w, "playback: video %s (%.1f s, encoded in %.1f s), a required checkpoint at %g s: a learner's media playlist lists %d segments, unlocked until %g s;\n"+
		"  %s learners created with a password, signed in and bulk-enrolled in %.1f s\n",
		p.VideoID, p.Duration, p.Setup.EncodeSeconds, p.CheckpointAt, p.Segments, p.Unlocked, thousands(p.Setup.Learners), p.Setup.Seconds)
	for _, rr := range p.Reads {
		if len(rr.API) == 0 || len(rr.Nginx) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s, %s: %s\n", rr.Label, human(int64(rr.Bytes)), p.Wrk)
		for _, side := range []struct {
			name string
			runs []wrkRun
		}{{"API  ", rr.API}, {"nginx", rr.Nginx}} {
			x := side.runs[medianIndex(mapf(side.runs, func(w wrkRun) float64 { return w.RPS }))]
			fmt.Fprintf(w, "    %s %8.0f req/s, p50 %7.2f ms, p99 %7.2f ms; %s\n", side.name, x.RPS, x.P50Ms, x.P99Ms, x.CPU.String("wrk"))
		}
	}
	in := p.Intake
	if in.Sent == 0 {
		return
	}
	fmt.Fprintf(w, "  intake: %s players (own connection each, started over %d s), each GET …/playback, initialized, a played every %d s for %d s, terminated\n"+
		"    (%.0f statements/s offered over the run): %s sent in %.1f s, %s accepted, %d refused, %d transport errors;\n"+
		"    steady %.1f statements/s; POST /xapi/statements p50 %.2f ms, p99 %.2f ms, max %.1f ms; GET …/playback p99 %.2f ms; %s\n"+
		"    credited as watched %.0f of %.0f s honestly reported (%d players short): not credited %.4f %%\n",
		thousands(in.Players), in.IntervalSec, in.IntervalSec, in.PlaySeconds, in.Offered, thousands(int(in.Sent)), in.Seconds,
		thousands(int(in.Accepted)), in.Refused, in.Errors, in.PerSec, in.P50Ms, in.P99Ms, in.MaxMs, in.PlaybackP99Ms,
		in.CPU.String("benchtool"), in.Credited, in.Reported, in.PlayersShort, in.NotCredited*100)
}
