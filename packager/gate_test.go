package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/grafov/m3u8"
)

// gatedBase is what cdn.Signer.Gated returns for one learner and limit 3.
const gatedBase = "https://cdn.test/g/1795368660/SHhtnxrliu68tZLgKhOdOA/7c1e0d3a-2b4f-4c5d-9e6f-0a1b2c3d4e5f/3/media/0b3f6a10-0000-4000-8000-000000000001/5e7d0c2a-0000-4000-8000-000000000002/"

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSegmentLimit(t *testing.T) {
	// v0: EXTINF 2.002, 2.002, 2.002, 1.969, 1.001: segments start at
	// 0, 2.002, 4.004, 6.006 and 7.975 and the playlist ends at 8.976.
	// a0: 2.005, 2.005, 1.984, 2.005, 0.981: starts 0, 2.005, 4.01, 5.994, 7.999.
	v0, a0 := readGolden(t, "v0_index.m3u8"), readGolden(t, "a0_index.m3u8")
	for _, tc := range []struct {
		name     string
		playlist []byte
		until    float64
		want     int
	}{
		{"v0 before the start", v0, -1, 0},
		{"v0 at the start", v0, 0, 0},
		{"v0 just after the start", v0, 0.001, 1},
		{"v0 inside segment 1", v0, 1.5, 1},
		{"v0 at the start of segment 2", v0, 2.002, 1},
		{"v0 just inside segment 2", v0, 2.0021, 2},
		{"v0 at the start of segment 3", v0, 4.004, 2},
		{"v0 at the start of segment 5", v0, 7.975, 4},
		{"v0 inside segment 5", v0, 7.976, 5},
		{"v0 at the end", v0, 8.976, 5},
		{"v0 past the end", v0, 3600, 5},
		{"v0 +Inf", v0, math.Inf(1), 5},
		{"a0 at the start of segment 3", a0, 4.01, 2},
		{"a0 inside segment 3", a0, 4.0101, 3},
		{"a0 at the start of segment 5", a0, 7.999, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SegmentLimit(tc.playlist, tc.until)
			if err != nil || got != tc.want {
				t.Errorf("SegmentLimit(%v) = %d, %v; want %d", tc.until, got, err, tc.want)
			}
		})
	}
	for name, c := range map[string]struct {
		playlist []byte
		until    float64
	}{
		"NaN":    {v0, math.NaN()},
		"master": {readGolden(t, "master.m3u8"), 1},
		"text":   {[]byte("not a playlist"), 1},
	} {
		if _, err := SegmentLimit(c.playlist, c.until); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestGatedMediaPlaylistGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string // "" when no golden file
		in     string
		limit  int
		want   int
	}{
		{"v0_index_gated3.m3u8", "v0_index.m3u8", 3, 3},
		{"a0_index_gated3.m3u8", "a0_index.m3u8", 3, 3},
		{"v0_index_gated0.m3u8", "v0_index.m3u8", 0, 0},
		{"", "v0_index.m3u8", 5, 5},
		{"", "v0_index.m3u8", 99, 5},
		{"", "a0_index.m3u8", 1, 1},
	} {
		name := tc.in + "/" + strconv.Itoa(tc.limit)
		t.Run(name, func(t *testing.T) {
			in := readGolden(t, tc.in)
			rendition, _, _ := strings.Cut(tc.in, "_")
			base := gatedBase + rendition + "/"
			got, err := GatedMediaPlaylist(in, tc.limit, base)
			if err != nil {
				t.Fatal(err)
			}
			if tc.golden != "" {
				checkGolden(t, tc.golden, got)
			}

			// It reads back as a closed VOD playlist of the first segments,
			// same durations, absolute URIs under the base.
			pl, typ, err := m3u8.DecodeWith(*bytes.NewBuffer(got), true, hlsDecoders())
			if err != nil || typ != m3u8.MEDIA {
				t.Fatalf("decode: %v (type %v)\n%s", err, typ, got)
			}
			back := pl.(*m3u8.MediaPlaylist)
			orig, _, _ := m3u8.DecodeWith(*bytes.NewBuffer(in), true, hlsDecoders())
			origSegs := orig.(*m3u8.MediaPlaylist).GetAllSegments()
			segs := back.GetAllSegments()
			if len(segs) != tc.want {
				t.Fatalf("%d segments, want %d", len(segs), tc.want)
			}
			for i, s := range segs {
				if s.URI != base+SegmentFileName(i+1) || s.Duration != origSegs[i].Duration {
					t.Errorf("segment %d: %s %v, want %s %v", i+1, s.URI, s.Duration, base+SegmentFileName(i+1), origSegs[i].Duration)
				}
			}
			// (m3u8 attaches EXT-X-MAP to the first segment when reading; with
			// none, look at the text.)
			if !bytes.Contains(got, []byte("\n#EXT-X-MAP:URI=\""+base+InitFileName+"\"\n")) ||
				(len(segs) > 0 && (back.Map == nil || back.Map.URI != base+InitFileName)) {
				t.Errorf("EXT-X-MAP not at %s: %v", base+InitFileName, back.Map)
			}
			if !back.Closed || back.MediaType != m3u8.VOD || back.Version() != 7 || back.TargetDuration != 3 {
				t.Errorf("header lost: closed %v type %v version %d target %v", back.Closed, back.MediaType, back.Version(), back.TargetDuration)
			}
			if _, ok := back.Custom[independentSegmentsTag]; !ok {
				t.Error("EXT-X-INDEPENDENT-SEGMENTS lost")
			}
			// The whole playlist, rebased, is the input but for the URIs.
			if tc.limit >= len(origSegs) {
				rebased := strings.NewReplacer(`URI="init.mp4"`, `URI="`+base+`init.mp4"`, "\nseg-", "\n"+base+"seg-").Replace(string(in))
				if string(got) != rebased {
					t.Errorf("limit past the end changed more than the URIs:\n%s\nwant\n%s", got, rebased)
				}
			}
		})
	}

	v0 := string(readGolden(t, "v0_index.m3u8"))
	for name, c := range map[string]struct {
		playlist string
		limit    int
		base     string
	}{
		"base without slash":   {v0, 3, strings.TrimSuffix(gatedBase, "/")},
		"negative limit":       {v0, -1, gatedBase},
		"master":               {string(readGolden(t, "master.m3u8")), 3, gatedBase},
		"live (no ENDLIST)":    {strings.Replace(v0, "#EXT-X-ENDLIST\n", "", 1), 3, gatedBase},
		"absolute segment":     {strings.Replace(v0, "\nseg-00002.m4s", "\nhttps://elsewhere.test/seg-00002.m4s", 1), 3, gatedBase},
		"rooted segment":       {strings.Replace(v0, "\nseg-00002.m4s", "\n/media/x/seg-00002.m4s", 1), 3, gatedBase},
		"escaping segment":     {strings.Replace(v0, "\nseg-00002.m4s", "\n../a0/seg-00002.m4s", 1), 3, gatedBase},
		"segment with query":   {strings.Replace(v0, "\nseg-00002.m4s", "\nseg-00002.m4s?x=1", 1), 3, gatedBase},
		"absolute init":        {strings.Replace(v0, `URI="init.mp4"`, `URI="https://elsewhere.test/init.mp4"`, 1), 3, gatedBase},
		"no EXT-X-MAP":         {strings.Replace(v0, "#EXT-X-MAP:URI=\"init.mp4\"\n", "", 1), 3, gatedBase},
		"encrypted":            {strings.Replace(v0, "#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n", 1), 3, gatedBase},
		"with a discontinuity": {strings.Replace(v0, "#EXTINF:2.002,\nseg-00002", "#EXT-X-DISCONTINUITY\n#EXTINF:2.002,\nseg-00002", 1), 3, gatedBase},
	} {
		if got, err := GatedMediaPlaylist([]byte(c.playlist), c.limit, c.base); err == nil {
			t.Errorf("%s: no error\n%s", name, got)
		}
	}
}

func TestGatedMaster(t *testing.T) {
	for _, name := range []string{"master.m3u8", "master_noaudio.m3u8"} {
		in := readGolden(t, name)
		got, err := GatedMaster(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, in) {
			t.Errorf("%s: gated master differs from the published one:\n%s\nwant\n%s", name, got, in)
		}
	}
	master := string(readGolden(t, "master.m3u8"))
	for name, in := range map[string]string{
		"absolute variant":       strings.Replace(master, "\nv0/index.m3u8", "\nhttps://elsewhere.test/v0/index.m3u8", 1),
		"escaping variant":       strings.Replace(master, "\nv0/index.m3u8", "\n../v0/index.m3u8", 1),
		"variant not a playlist": strings.Replace(master, "\nv0/index.m3u8", "\nv0/seg-00001.m4s", 1),
		"absolute audio":         strings.Replace(master, `URI="a0/index.m3u8"`, `URI="/media/x/a0/index.m3u8"`, 1),
		"media playlist":         string(readGolden(t, "v0_index.m3u8")),
	} {
		if got, err := GatedMaster([]byte(in)); err == nil {
			t.Errorf("%s: no error\n%s", name, got)
		}
	}
	for uri, want := range map[string]string{"v0/index.m3u8": "v0", "a12/index.m3u8": "a12", "V0/index.m3u8": "", "v0/init.mp4": "", "../index.m3u8": "", "v0/x/index.m3u8": "", "index.m3u8": ""} {
		if got, ok := RenditionOfPlaylist(uri); got != want || ok != (want != "") {
			t.Errorf("RenditionOfPlaylist(%q) = %q, %v", uri, got, ok)
		}
	}
}

// timelines returns, per Representation id, the segment count and the
// end tick of its timeline.
func timelines(t *testing.T, m *mpd.MPD) map[string][2]uint64 {
	t.Helper()
	out := make(map[string][2]uint64)
	for _, as := range m.Periods[0].AdaptationSets {
		for _, r := range as.Representations {
			var n, end uint64
			for _, s := range r.SegmentTemplate.SegmentTimeline.S {
				if s.T != nil {
					end = *s.T
				}
				n += uint64(s.R + 1)
				end += s.D * uint64(s.R+1)
			}
			out[r.Id] = [2]uint64{n, end}
		}
	}
	return out
}

func TestGatedMPDGolden(t *testing.T) {
	in := readGolden(t, "manifest.mpd")
	for _, tc := range []struct {
		golden string
		limit  int
		// count and end tick per Representation; the MPD duration
		want     map[string][2]uint64
		duration time.Duration
	}{
		// v0 30000/s, v1 90000/s: 2.002 s x3, 1.969, 1.001; a0 48000/s: 2.005 x2, 1.984, 2.005, 0.981.
		{"manifest_gated3.mpd", 3, map[string][2]uint64{"v0": {3, 180180}, "v1": {3, 540540}, "a0": {3, 287744}}, 6006 * time.Millisecond},
		// video ends at 7.9746 s (rounded up to 7.975), audio at 8.0: the duration is video's.
		{"", 4, map[string][2]uint64{"v0": {4, 239239}, "v1": {4, 717717}, "a0": {4, 384000}}, 7975 * time.Millisecond},
		{"", 1, map[string][2]uint64{"v0": {1, 60060}, "v1": {1, 180180}, "a0": {1, 96256}}, 2002 * time.Millisecond},
		{"", 2, map[string][2]uint64{"v0": {2, 120120}, "v1": {2, 360360}, "a0": {2, 192512}}, 4004 * time.Millisecond},
		{"", 0, map[string][2]uint64{"v0": {0, 0}, "v1": {0, 0}, "a0": {0, 0}}, 0},
		{"manifest_gated5.mpd", 5, map[string][2]uint64{"v0": {5, 269269}, "v1": {5, 807807}, "a0": {5, 431104}}, 8982 * time.Millisecond},
		{"", 1000, map[string][2]uint64{"v0": {5, 269269}, "v1": {5, 807807}, "a0": {5, 431104}}, 8982 * time.Millisecond},
	} {
		t.Run(strconv.Itoa(tc.limit), func(t *testing.T) {
			got, err := GatedMPD(in, tc.limit, gatedBase)
			if err != nil {
				t.Fatal(err)
			}
			if tc.golden != "" {
				checkGolden(t, tc.golden, got)
			}
			m, err := mpd.MPDFromBytes(got)
			if err != nil {
				t.Fatalf("parse back: %v", err)
			}
			// (dash-mpd reads PT2.002S back as 2.001999999 s.)
			if d := time.Duration(*m.MediaPresentationDuration).Round(time.Millisecond); d != tc.duration {
				t.Errorf("mediaPresentationDuration %v, want %v", d, tc.duration)
			}
			if len(m.BaseURL) != 1 || string(m.BaseURL[0].Value) != gatedBase {
				t.Errorf("BaseURL %v", m.BaseURL)
			}
			tl := timelines(t, m)
			for id, want := range tc.want {
				if tl[id] != want {
					t.Errorf("%s: %d segments ending at tick %d, want %d ending at %d", id, tl[id][0], tl[id][1], want[0], want[1])
				}
			}
			// The templates resolve under the gated base.
			for _, as := range m.Periods[0].AdaptationSets {
				for _, r := range as.Representations {
					media, _ := r.GetMedia()
					init, _ := r.GetInit()
					if media != r.Id+"/seg-$Number%05d$.m4s" || init != r.Id+"/init.mp4" {
						t.Errorf("%s: templates %q %q", r.Id, media, init)
					}
				}
			}
		})
	}

	// Past the end only the BaseURL is added.
	got, _ := GatedMPD(in, 5, gatedBase)
	want := strings.Replace(string(in), "\n  <Period", "\n  <BaseURL>"+gatedBase+"</BaseURL>\n  <Period", 1)
	if string(got) != want {
		t.Errorf("limit at the end changed more than the BaseURL:\n%s", got)
	}

	for name, c := range map[string]struct {
		mpd   string
		limit int
		base  string
	}{
		"base without slash": {string(in), 3, strings.TrimSuffix(gatedBase, "/")},
		"negative limit":     {string(in), -1, gatedBase},
		"dynamic":            {strings.Replace(string(in), `type="static"`, `type="dynamic"`, 1), 3, gatedBase},
		"own BaseURL":        {strings.Replace(string(in), "\n  <Period", "\n  <BaseURL>https://elsewhere.test/</BaseURL>\n  <Period", 1), 3, gatedBase},
		"open-ended repeat":  {strings.Replace(string(in), `r="2"`, `r="-1"`, 1), 3, gatedBase},
		"not XML":            {"not an MPD", 3, gatedBase},
	} {
		if got, err := GatedMPD([]byte(c.mpd), c.limit, c.base); err == nil {
			t.Errorf("%s: no error\n%s", name, got)
		}
	}
}

// The gated manifests of a real packaged ladder play in ffmpeg, through HLS
// and DASH, and end where the limit says: the same segments, hence the same
// time span, in every rendition.
func TestGatedFFmpeg(t *testing.T) {
	_, ffprobe := requireFFmpeg(t)
	src, out, gated := t.TempDir(), t.TempDir(), t.TempDir()
	inputs := alignedLadder(1, 25).run(t, src) // 4 s: 4 segments of 1 s
	res, err := Package(context.Background(), inputs, out, Options{SegmentSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(rel string, b []byte) {
		p := filepath.Join(gated, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v0 := read("v0/" + MediaPlaylistURI)
	for until, want := range map[float64]int{0: 0, 0.5: 1, 1: 1, 2: 2, 2.5: 3, 3.96: 4, 4: 4, 10: 4} {
		if got, err := SegmentLimit(v0, until); err != nil || got != want {
			t.Errorf("SegmentLimit(%v) = %d, %v; want %d", until, got, err, want)
		}
	}
	limit, err := SegmentLimit(v0, 2.5) // a checkpoint 2.5 s in: segments 1-3
	if err != nil || limit != 3 {
		t.Fatalf("limit %d, %v", limit, err)
	}

	// The gated copies point at the published segments by absolute path,
	// as the API's point at the CDN.
	master, err := GatedMaster(read(MasterPlaylistName))
	if err != nil {
		t.Fatal(err)
	}
	write(MasterPlaylistName, master)
	for _, tr := range res.Tracks {
		pl, err := GatedMediaPlaylist(read(tr.Name+"/"+MediaPlaylistURI), limit, filepath.Join(out, tr.Name)+"/")
		if err != nil {
			t.Fatal(err)
		}
		write(tr.Name+"/"+MediaPlaylistURI, pl)
		back, _, err := m3u8.DecodeWith(*bytes.NewBuffer(pl), true, hlsDecoders())
		if err != nil {
			t.Fatal(err)
		}
		segs := back.(*m3u8.MediaPlaylist).GetAllSegments()
		var kept float64
		for _, s := range segs {
			kept += s.Duration
		}
		// Every rendition keeps 3 segments and about 3 s (audio: within an
		// AAC frame of the video boundary).
		if len(segs) != limit || math.Abs(kept-3) > 0.03 {
			t.Errorf("%s: %d segments, %.3f s; want %d, 3 s", tr.Name, len(segs), kept, limit)
		}
	}
	m, err := GatedMPD(read(DASHManifestName), limit, out+"/")
	if err != nil {
		t.Fatal(err)
	}
	write(DASHManifestName, m)
	parsed, err := mpd.MPDFromBytes(m)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(*parsed.MediaPresentationDuration).Round(time.Millisecond); d != 3*time.Second {
		t.Errorf("MPD duration %v, want 3s", d)
	}
	for id, tl := range timelines(t, parsed) {
		if tl[0] != uint64(limit) {
			t.Errorf("MPD %s: %d segments, want %d", id, tl[0], limit)
		}
	}

	// ffprobe reads every stream through both, and nothing past 3 s. HLS
	// gives exactly 3 s of video packets; ffmpeg's DASH demuxer loses a
	// packet or so at some segment joins (96-97 of 100 on the whole
	// ungated MPD too), so there the count is a lower bound.
	for _, tc := range []struct {
		args     []string
		minVideo int
	}{
		{[]string{"-allowed_extensions", "ALL", filepath.Join(gated, MasterPlaylistName)}, 75},
		{[]string{filepath.Join(gated, DASHManifestName)}, 70},
	} {
		name := tc.args[len(tc.args)-1]
		for kind, p := range probePackets(t, ffprobe, tc.args) {
			switch kind.codecType {
			case "video":
				if p.n < tc.minVideo || p.n > 75 || p.span() >= 3 {
					t.Errorf("%s: video stream %d: %d packets over %.3f s, want %d-75 (3 s at 25 fps) within 3 s", name, kind.index, p.n, p.span(), tc.minVideo)
				}
			case "audio":
				// 3 s of 1024-sample AAC frames at 48 kHz is 140.6.
				if p.n < 136 || p.n > 142 || p.span() >= 3.03 {
					t.Errorf("%s: audio: %d packets over %.3f s, want about 141 within 3 s", name, p.n, p.span())
				}
			}
		}
	}
}

type probeKind struct {
	index     int
	codecType string
}

type probeCount struct {
	n              int
	minPTS, maxPTS float64
}

// span is the time from the first packet's start to the last's (players
// and ffmpeg start the timeline at the first sample, not at 0).
func (c probeCount) span() float64 { return c.maxPTS - c.minPTS }

// probePackets has ffprobe read every packet of every stream and returns,
// per stream, how many there were and their first and last presentation
// times. It fails
// the test unless there are two video streams and one audio stream.
func probePackets(t *testing.T, ffprobe string, args []string) map[probeKind]probeCount {
	t.Helper()
	full := append([]string{"-v", "error", "-show_entries", "stream=index,codec_type:packet=stream_index,pts_time", "-of", "json"}, args...)
	cmd := exec.Command(ffprobe, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
	}
	var probe struct {
		Streams []struct {
			Index     int    `json:"index"`
			CodecType string `json:"codec_type"`
		} `json:"streams"`
		Packets []struct {
			Stream int    `json:"stream_index"`
			PTS    string `json:"pts_time"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &probe); err != nil {
		t.Fatal(err)
	}
	kinds := make(map[int]probeKind)
	video, audio := 0, 0
	for _, s := range probe.Streams {
		kinds[s.Index] = probeKind{s.Index, s.CodecType}
		switch s.CodecType {
		case "video":
			video++
		case "audio":
			audio++
		}
	}
	if video != 2 || audio != 1 {
		t.Fatalf("%s: %d video and %d audio streams, want 2 and 1", args[len(args)-1], video, audio)
	}
	out := make(map[probeKind]probeCount)
	for _, p := range probe.Packets {
		k := kinds[p.Stream]
		c := out[k]
		c.n++
		if pts, err := strconv.ParseFloat(p.PTS, 64); err == nil {
			if c.n == 1 {
				c.minPTS, c.maxPTS = pts, pts
			}
			c.minPTS, c.maxPTS = min(c.minPTS, pts), max(c.maxPTS, pts)
		}
		out[k] = c
	}
	return out
}

func TestGatedErrorsAreNotOurs(t *testing.T) {
	_, err := GatedMediaPlaylist(readGolden(t, "master.m3u8"), 1, gatedBase)
	if !errors.Is(err, ErrNotOurs) {
		t.Errorf("master as a media playlist: %v, want ErrNotOurs", err)
	}
}
