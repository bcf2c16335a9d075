package transcode

import (
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Eyevinn/mp4ff/mp4"
)

// ffprobeJSON runs ffprobe with args on path and decodes its JSON.
func ffprobeJSON(t *testing.T, ffprobe, path string, args ...string) map[string]any {
	t.Helper()
	full := append([]string{"-v", "error", "-of", "json"}, args...)
	out, err := exec.Command(ffprobe, append(full, path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

type packet struct {
	pts float64
	key bool
}

func packets(t *testing.T, ffprobe, path string) []packet {
	t.Helper()
	m := ffprobeJSON(t, ffprobe, path, "-show_entries", "packet=pts_time,flags")
	var ps []packet
	for _, p := range m["packets"].([]any) {
		pm := p.(map[string]any)
		pts, _ := strconv.ParseFloat(pm["pts_time"].(string), 64)
		ps = append(ps, packet{pts: pts, key: strings.HasPrefix(pm["flags"].(string), "K")})
	}
	return ps
}

func firstStream(t *testing.T, ffprobe, path string) map[string]any {
	t.Helper()
	m := ffprobeJSON(t, ffprobe, path, "-show_streams")
	streams := m["streams"].([]any)
	if len(streams) != 1 {
		t.Fatalf("%s has %d streams, want 1", path, len(streams))
	}
	return streams[0].(map[string]any)
}

type fragment struct {
	start   float64 // tfdt in seconds
	samples int
}

// fragments reads a fragmented MP4 with mp4ff: one entry per moof, and
// whether the moov has an edit list.
func fragments(t *testing.T, path string) ([]fragment, bool) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := mp4.DecodeFile(fh)
	if err != nil {
		t.Fatalf("mp4ff %s: %v", path, err)
	}
	if f.Init == nil || f.Init.Moov == nil || len(f.Init.Moov.Traks) != 1 {
		t.Fatalf("%s: want an init segment with exactly one track", path)
	}
	trak := f.Init.Moov.Trak
	ts := float64(trak.Mdia.Mdhd.Timescale)
	hasElst := trak.Edts != nil && len(trak.Edts.Elst) > 0
	var frags []fragment
	for _, seg := range f.Segments {
		for _, fr := range seg.Fragments {
			frags = append(frags, fragment{
				start:   float64(fr.Moof.Traf.Tfdt.BaseMediaDecodeTime()) / ts,
				samples: int(fr.Moof.Traf.Trun.SampleCount()),
			})
		}
	}
	return frags, hasElst
}

// TestEncodeLadder encodes a 3 s clip into a two-rung ladder with 1 s
// segments and checks what the packager relies on.
func TestEncodeLadder(t *testing.T) {
	ffmpeg, ffprobe, dir, src, info, l := twoRungClip(t, "3")
	ctx := context.Background()
	if len(l.Video) != 2 || l.Audio == nil || l.GOP != 30 {
		t.Fatalf("ladder %+v", l)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var reports []Progress
	err := Run(ctx, ffmpeg, BuildEncodeArgs(src, l, out), info.Duration, func(p Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("progress", func(t *testing.T) {
		if len(reports) == 0 {
			t.Fatal("no progress reports")
		}
		last := reports[len(reports)-1]
		if !last.Done || last.Percent != 100 {
			t.Errorf("last report %+v, want Done at 100%%", last)
		}
		for i := 1; i < len(reports); i++ {
			if reports[i].Percent < reports[i-1].Percent {
				t.Errorf("progress went back: %v then %v", reports[i-1].Percent, reports[i].Percent)
			}
		}
	})

	wantKeys := []float64{0, 1, 2}
	var tfdts [][]fragment
	for _, v := range l.Video {
		t.Run(v.Name, func(t *testing.T) {
			path := OutputPath(out, v.Name)
			s := firstStream(t, ffprobe, path)
			if s["codec_name"] != "h264" || s["profile"] != "High" || s["pix_fmt"] != "yuv420p" ||
				int(s["width"].(float64)) != v.Width || int(s["height"].(float64)) != v.Height {
				t.Errorf("stream %v %v %v %vx%v, want h264 High yuv420p %dx%d",
					s["codec_name"], s["profile"], s["pix_fmt"], s["width"], s["height"], v.Width, v.Height)
			}
			ps := packets(t, ffprobe, path)
			if len(ps) != 90 {
				t.Errorf("%d frames, want 90", len(ps))
			}
			var keys []float64
			minPTS := math.Inf(1)
			for _, p := range ps {
				if p.key {
					keys = append(keys, p.pts)
				}
				minPTS = math.Min(minPTS, p.pts)
			}
			if !near(keys, wantKeys, 0.001) {
				t.Errorf("keyframes at %v, want %v", keys, wantKeys)
			}
			if math.Abs(minPTS) > 0.001 {
				t.Errorf("first frame shown at %v s, want 0", minPTS)
			}
			frags, elst := fragments(t, path)
			if len(frags) != 3 {
				t.Errorf("%d fragments, want one per segment (3): %+v", len(frags), frags)
			}
			for _, f := range frags {
				if f.samples != l.GOP {
					t.Errorf("fragment at %v s has %d samples, want %d", f.start, f.samples, l.GOP)
				}
			}
			if !elst {
				t.Error("no edit list: the B-frame delay would shift video against audio")
			}
			tfdts = append(tfdts, frags)
		})
	}
	if len(tfdts) == 2 && fmt.Sprint(tfdts[0]) != fmt.Sprint(tfdts[1]) {
		t.Errorf("fragments differ between renditions: %v vs %v", tfdts[0], tfdts[1])
	}

	t.Run("a0", func(t *testing.T) {
		path := OutputPath(out, "a0")
		s := firstStream(t, ffprobe, path)
		if s["codec_name"] != "aac" || s["profile"] != "LC" || s["channels"].(float64) != 2 || s["sample_rate"] != "48000" {
			t.Errorf("audio %v %v %v %v, want aac LC 2 ch 48000", s["codec_name"], s["profile"], s["channels"], s["sample_rate"])
		}
		ps := packets(t, ffprobe, path)
		// The first AAC frame is encoder priming (1024 samples), which the
		// edit list hides: source time 0 plays at 0, with the video.
		if len(ps) == 0 || ps[0].pts > 0.001 || ps[0].pts < -1024.0/48000-0.001 {
			t.Errorf("first audio packet at %v", ps)
		}
		frags, elst := fragments(t, path)
		if !elst {
			t.Error("no edit list for AAC priming")
		}
		if len(frags) < 3 || len(frags) > 4 {
			t.Errorf("%d audio fragments, want about one per segment", len(frags))
		}
	})
}

func near(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

// twoRungClip makes a 320x240 clip of seconds and plans a 240p + 120p ladder
// with 1 s segments for it.
func twoRungClip(t *testing.T, seconds string) (ffmpeg, ffprobe, dir, src string, info *SourceInfo, l Ladder) {
	t.Helper()
	ffmpeg, ffprobe = requireFFmpeg(t)
	dir = t.TempDir()
	src = testClip(t, ffmpeg, dir, "lecture.mp4", "320x240", seconds)
	info, err := Probe(context.Background(), ffprobe, src, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	l, err = PlanLadder(info, PlanOptions{SegmentSeconds: 1, Heights: []int{240, 120}})
	if err != nil {
		t.Fatal(err)
	}
	return ffmpeg, ffprobe, dir, src, info, l
}

// An encode with Stills writes the poster and the sprites from the frames
// it decodes anyway, next to the renditions.
func TestEncodeWritesStills(t *testing.T) {
	ffmpeg, _, dir, src, info, l := twoRungClip(t, "5")
	ctx := context.Background()
	l.Stills = PlanStills(info.Duration)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, ffmpeg, BuildEncodeArgs(src, l, out), info.Duration, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range l.Video {
		if _, err := os.Stat(OutputPath(out, r.Name)); err != nil {
			t.Fatalf("rendition %s: %v", r.Name, err)
		}
	}
	f, err := os.Open(filepath.Join(out, PosterName))
	if err != nil {
		t.Fatalf("no poster: %v", err)
	}
	cfg, err := jpeg.DecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width != 320 || cfg.Height != 240 {
		t.Fatalf("poster %dx%d (%v), want the top rung's 320x240", cfg.Width, cfg.Height, err)
	}
	res, err := CollectThumbnails(out, l.Stills.Thumbs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 3 || len(res.Sprites) != 1 || res.TileWidth != 160 || res.TileHeight != 120 {
		t.Fatalf("thumbnails %+v, want 3 tiles of 160x120 in one sprite (5 s, one every 2 s)", res)
	}
}

// TestEncodeVariants: a portrait phone video and an HDR one.
func TestEncodeVariants(t *testing.T) {
	ffmpeg, ffprobe := requireFFmpeg(t)
	dir := t.TempDir()
	ctx := context.Background()
	landscape := testClip(t, ffmpeg, dir, "landscape.mp4", "320x240", "2")
	rotated := makeMedia(t, ffmpeg, dir, "portrait.mp4", "-i", landscape, "-c", "copy", "-metadata:s:v:0", "rotate=90")
	hdr := makeMedia(t, ffmpeg, dir, "hdr.mp4",
		"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
		"-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
		"-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc")

	tests := []struct {
		name      string
		src       string
		wantW     int
		wantH     int
		wantTrc   string
		wantAudio bool
	}{
		{"portrait", rotated, 240, 320, "", true},
		{"hdr", hdr, 320, 180, "bt709", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Probe(ctx, ffprobe, tt.src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			l, err := PlanLadder(info, PlanOptions{Heights: []int{1080}})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			if err := Run(ctx, ffmpeg, BuildEncodeArgs(tt.src, l, out), info.Duration, nil); err != nil {
				t.Fatal(err)
			}
			s := firstStream(t, ffprobe, OutputPath(out, "v0"))
			if int(s["width"].(float64)) != tt.wantW || int(s["height"].(float64)) != tt.wantH || s["pix_fmt"] != "yuv420p" {
				t.Errorf("v0 %vx%v %v, want %dx%d yuv420p", s["width"], s["height"], s["pix_fmt"], tt.wantW, tt.wantH)
			}
			if tt.wantTrc != "" && s["color_transfer"] != tt.wantTrc {
				t.Errorf("color_transfer %v, want %s", s["color_transfer"], tt.wantTrc)
			}
			if _, ok := s["side_data_list"]; ok {
				t.Errorf("v0 carries side data (a rotation would turn it twice): %v", s["side_data_list"])
			}
			_, err = os.Stat(OutputPath(out, "a0"))
			if tt.wantAudio != (err == nil) {
				t.Errorf("audio output: %v, want %v", err, tt.wantAudio)
			}
		})
	}
}
