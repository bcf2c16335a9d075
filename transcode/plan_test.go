package transcode

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func source(w, h int, fps float64, bitrate int64, audioChannels int) *SourceInfo {
	return &SourceInfo{
		Width: w, Height: h, DisplayWidth: w, DisplayHeight: h,
		FrameRate: fps, RFrameRate: fps,
		VideoStream: 0, VideoBitRate: bitrate,
		HasAudio: audioChannels > 0, AudioStream: 1, AudioChannels: audioChannels,
		Duration: 600,
	}
}

func sizes(l Ladder) string {
	var s []string
	for _, v := range l.Video {
		s = append(s, fmt.Sprintf("%dx%d", v.Width, v.Height))
	}
	return strings.Join(s, " ")
}

func TestPlanLadder(t *testing.T) {
	phone := &SourceInfo{ // stored landscape, shown portrait
		Width: 1920, Height: 1080, Rotation: 90, DisplayWidth: 1080, DisplayHeight: 1920,
		FrameRate: 30000.0 / 1001, RFrameRate: 30000.0 / 1001,
		VideoBitRate: 17_000_000, HasAudio: true, AudioStream: 1, AudioChannels: 2,
	}
	vfr := source(1280, 720, 29.61, 4_000_000, 2)
	vfr.RFrameRate, vfr.VFR = 120, true
	anamorphic := source(720, 576, 25, 8_000_000, 2) // PAL 16:9 DV
	anamorphic.SampleAspect, anamorphic.DisplayWidth = 64.0/45, 1024
	hdr := source(3840, 2160, 60, 40_000_000, 2)
	hdr.HDR = true

	tests := []struct {
		name       string
		src        *SourceInfo
		opt        PlanOptions
		wantSizes  string
		wantFPS    float64
		wantGOP    int
		wantAudio  int // audio bitrate, 0 = no audio rendition
		wantTone   bool
		wantLevel0 string
	}{
		{
			name:      "1080p30 camera",
			src:       source(1920, 1080, 30, 20_000_000, 2),
			wantSizes: "1920x1080 1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000, wantLevel0: "4.0",
		},
		{
			name:      "720p",
			src:       source(1280, 720, 30, 5_000_000, 2),
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000, wantLevel0: "3.1",
		},
		{
			name:      "4K60 is capped to 1080p30",
			src:       source(3840, 2160, 60, 45_000_000, 2),
			wantSizes: "1920x1080 1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000, wantLevel0: "4.0",
		},
		{
			name:      "portrait phone rotated 90",
			src:       phone,
			wantSizes: "1080x1920 720x1280 480x854 360x640 240x426",
			wantFPS:   30000.0 / 1001, wantGOP: 120, wantAudio: 128000, wantLevel0: "4.0",
		},
		{
			name:      "tiny 160x120 keeps its size",
			src:       source(160, 120, 15, 200_000, 2),
			wantSizes: "160x120",
			wantFPS:   15, wantGOP: 60, wantAudio: 128000, wantLevel0: "1.3",
		},
		{
			name:      "odd tiny size rounds down to even",
			src:       source(159, 119, 30, 0, 0),
			wantSizes: "158x118",
			wantFPS:   30, wantGOP: 120,
		},
		{
			name:      "odd sizes give even rungs, never wider than the source",
			src:       source(641, 361, 30, 0, 2),
			wantSizes: "640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "853x480 is not widened to 854",
			src:       source(853, 480, 30, 0, 2),
			wantSizes: "852x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "no audio",
			src:       source(1280, 720, 30, 3_000_000, 0),
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120,
		},
		{
			name:      "mono audio gets 96k",
			src:       source(640, 360, 30, 1_000_000, 1),
			wantSizes: "640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 96000,
		},
		{
			name:      "25 fps stays 25",
			src:       source(1280, 720, 25, 3_000_000, 2),
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   25, wantGOP: 100, wantAudio: 128000,
		},
		{
			name:      "50 fps halves to 25",
			src:       source(1280, 720, 50, 6_000_000, 2),
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   25, wantGOP: 100, wantAudio: 128000,
		},
		{
			name:      "59.94 halves to 29.97",
			src:       source(1280, 720, 60000.0/1001, 6_000_000, 2),
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   30000.0 / 1001, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "VFR phone average snaps to 30",
			src:       vfr,
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "anamorphic PAL gets square pixels",
			src:       anamorphic,
			wantSizes: "854x480 640x360 426x240",
			wantFPS:   25, wantGOP: 100, wantAudio: 128000,
		},
		{
			name:      "HDR is tone mapped",
			src:       hdr,
			wantSizes: "1920x1080 1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000, wantTone: true,
		},
		{
			name:      "2 s segments",
			src:       source(1280, 720, 30, 3_000_000, 2),
			opt:       PlanOptions{SegmentSeconds: 2},
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   30, wantGOP: 60, wantAudio: 128000,
		},
		{
			name:      "heights override",
			src:       source(1920, 1080, 30, 20_000_000, 2),
			opt:       PlanOptions{Heights: []int{360, 1080, 2160, 720}},
			wantSizes: "1920x1080 1280x720 640x360",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "max renditions keeps the top and the lowest",
			src:       source(1920, 1080, 30, 20_000_000, 2),
			opt:       PlanOptions{MaxRenditions: 3},
			wantSizes: "1920x1080 1280x720 426x240",
			wantFPS:   30, wantGOP: 120, wantAudio: 128000,
		},
		{
			name:      "max fps 60 keeps 60",
			src:       source(1280, 720, 60, 6_000_000, 2),
			opt:       PlanOptions{MaxFPS: 60},
			wantSizes: "1280x720 854x480 640x360 426x240",
			wantFPS:   60, wantGOP: 240, wantAudio: 128000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := PlanLadder(tt.src, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := sizes(l); got != tt.wantSizes {
				t.Errorf("sizes = %s, want %s", got, tt.wantSizes)
			}
			if math.Abs(l.FPS-tt.wantFPS) > 1e-9 {
				t.Errorf("FPS = %v, want %v", l.FPS, tt.wantFPS)
			}
			if l.GOP != tt.wantGOP {
				t.Errorf("GOP = %d, want %d", l.GOP, tt.wantGOP)
			}
			if l.ToneMap != tt.wantTone {
				t.Errorf("ToneMap = %v, want %v", l.ToneMap, tt.wantTone)
			}
			switch {
			case tt.wantAudio == 0 && l.Audio != nil:
				t.Errorf("Audio = %+v, want none", l.Audio)
			case tt.wantAudio != 0 && l.Audio == nil:
				t.Errorf("Audio = nil, want %d b/s", tt.wantAudio)
			case tt.wantAudio != 0:
				want := AudioRendition{Name: "a0", Stream: 1, Bitrate: tt.wantAudio, Channels: 2, SampleRate: 48000}
				if *l.Audio != want {
					t.Errorf("Audio = %+v, want %+v", *l.Audio, want)
				}
			}
			if tt.wantLevel0 != "" && l.Video[0].Level != tt.wantLevel0 {
				t.Errorf("v0 level = %s, want %s", l.Video[0].Level, tt.wantLevel0)
			}
			checkLadderInvariants(t, tt.src, l)
		})
	}
}

// checkLadderInvariants holds for every ladder.
func checkLadderInvariants(t *testing.T, src *SourceInfo, l Ladder) {
	t.Helper()
	if len(l.Video) == 0 {
		t.Fatal("no video rendition")
	}
	srcAspect := float64(src.DisplayWidth) / float64(src.DisplayHeight)
	for i, v := range l.Video {
		if v.Name != fmt.Sprintf("v%d", i) {
			t.Errorf("rendition %d named %q", i, v.Name)
		}
		if v.Width%2 != 0 || v.Height%2 != 0 {
			t.Errorf("%s: %dx%d is not even", v.Name, v.Width, v.Height)
		}
		if v.Width > src.DisplayWidth || v.Height > src.DisplayHeight {
			t.Errorf("%s: %dx%d upscales %dx%d", v.Name, v.Width, v.Height, src.DisplayWidth, src.DisplayHeight)
		}
		if a := float64(v.Width) / float64(v.Height); math.Abs(a-srcAspect)/srcAspect > 0.02 {
			t.Errorf("%s: aspect %.3f, source %.3f", v.Name, a, srcAspect)
		}
		if i > 0 && v.Bitrate > l.Video[i-1].Bitrate*8/10 {
			t.Errorf("%s: %d b/s saves less than 20%% over %d", v.Name, v.Bitrate, l.Video[i-1].Bitrate)
		}
		// Apple: peak ≤ 200% of average. The most one segment can carry is
		// MaxRate·S + BufSize.
		seg := l.SegmentDuration()
		if peak := (float64(v.MaxRate)*seg + float64(v.BufSize)) / seg; peak > 2*float64(v.Bitrate)*1.001 {
			t.Errorf("%s: segment peak %.0f > 2 × %d", v.Name, peak, v.Bitrate)
		}
		if v.Profile != "high" || v.Level == "" {
			t.Errorf("%s: profile %q level %q", v.Name, v.Profile, v.Level)
		}
	}
	if l.FPS <= 0 || l.GOP != int(math.Round(l.FPS*l.SegmentSeconds)) {
		t.Errorf("FPS %v GOP %d segment %v", l.FPS, l.GOP, l.SegmentSeconds)
	}
}

func TestPlanLadderBitrates(t *testing.T) {
	// The anchor figures: PeerTube's 16:9 30 fps targets.
	l, err := PlanLadder(source(1920, 1080, 30, 50_000_000, 2), PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{6_221_000, 3_041_000, 1_476_000, 1_037_000, 521_000}
	var got []int
	for _, v := range l.Video {
		got = append(got, v.Bitrate)
	}
	if !slices.Equal(got, want) {
		t.Errorf("bitrates = %v, want %v", got, want)
	}
	v0 := l.Video[0]
	if v0.MaxRate != 9_332_000 || v0.BufSize != 9_332_000 {
		t.Errorf("v0 maxrate %d bufsize %d, want 1.5×T and min(1.5T, 0.5T×4 s)", v0.MaxRate, v0.BufSize)
	}
	// 2 s segments: the buffer shrinks to T to keep the peak bound.
	l2, _ := PlanLadder(source(1920, 1080, 30, 50_000_000, 2), PlanOptions{SegmentSeconds: 2})
	if b := l2.Video[0].BufSize; b != 6_220_000 {
		t.Errorf("2 s segments: bufsize %d, want (2T - 1.5T) × 2 s = 6220000", b)
	}
}

func TestPlanLadderContentAware(t *testing.T) {
	deck := source(1920, 1080, 30, 350_000, 2)      // screen-recorded slides
	camera := source(1920, 1080, 30, 18_000_000, 2) // whiteboard camera
	ld, err := PlanLadder(deck, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := PlanLadder(camera, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deck:   %s %v", sizes(ld), bitrates(ld))
	t.Logf("camera: %s %v", sizes(lc), bitrates(lc))
	var total [2]int
	for _, d := range ld.Video {
		for _, c := range lc.Video {
			if c.Width == d.Width && c.Height == d.Height && d.Bitrate > c.Bitrate {
				t.Errorf("%dx%d: deck %d b/s > camera %d b/s", d.Width, d.Height, d.Bitrate, c.Bitrate)
			}
		}
		total[0] += d.Bitrate
	}
	for _, c := range lc.Video {
		total[1] += c.Bitrate
	}
	if ld.Video[0].Bitrate >= lc.Video[0].Bitrate/2 {
		t.Errorf("deck top rung %d b/s, camera %d: want far fewer bits for slides", ld.Video[0].Bitrate, lc.Video[0].Bitrate)
	}
	if total[0] >= total[1]/3 {
		t.Errorf("deck ladder %d b/s in all, camera %d", total[0], total[1])
	}
}

func bitrates(l Ladder) []int {
	var b []int
	for _, v := range l.Video {
		b = append(b, v.Bitrate)
	}
	return b
}

func TestPlanLadderErrors(t *testing.T) {
	if _, err := PlanLadder(nil, PlanOptions{}); err == nil {
		t.Error("nil source: no error")
	}
	if _, err := PlanLadder(&SourceInfo{}, PlanOptions{}); err == nil {
		t.Error("zero size: no error")
	}
}

func TestH264Level(t *testing.T) {
	tests := []struct {
		w, h    int
		fps     float64
		maxRate int
		want    string
	}{
		{426, 240, 30, 782_000, "2.1"},
		{640, 360, 30, 1_556_000, "3.0"},
		{1280, 720, 30, 4_562_000, "3.1"},
		{1920, 1080, 30, 9_332_000, "4.0"},
		{1920, 1080, 30, 30_000_000, "4.1"},
		{1920, 1080, 60, 9_000_000, "4.2"},
		{3840, 2160, 30, 30_000_000, "5.1"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d@%v", tt.w, tt.h, tt.fps), func(t *testing.T) {
			if got := h264Level(tt.w, tt.h, tt.fps, tt.maxRate, tt.maxRate); got != tt.want {
				t.Errorf("level = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFPSExpr(t *testing.T) {
	for f, want := range map[float64]string{
		30: "30", 25: "25", 12.5: "12.5", 30000.0 / 1001: "30000/1001", 24000.0 / 1001: "24000/1001",
	} {
		if got := fpsExpr(f); got != want {
			t.Errorf("fpsExpr(%v) = %s, want %s", f, got, want)
		}
	}
}
