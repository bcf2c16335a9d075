package transcode

import (
	"strings"
	"testing"
)

func TestBuildEncodeArgsGolden(t *testing.T) {
	camera := source(1920, 1080, 30, 20_000_000, 2)
	camera.AudioStream = 1
	phoneHDR := &SourceInfo{
		Width: 3840, Height: 2160, Rotation: 90, DisplayWidth: 2160, DisplayHeight: 3840,
		FrameRate: 60, RFrameRate: 60, VideoStream: 1, VideoBitRate: 40_000_000, HDR: true,
	}
	tests := []struct {
		name   string
		src    *SourceInfo
		opt    PlanOptions
		stills bool
	}{
		{"encode_1080p30_audio", camera, PlanOptions{}, false},
		{"encode_portrait_hdr_no_audio", phoneHDR, PlanOptions{MaxRenditions: 2}, false},
		{"encode_single_rung", source(160, 120, 15, 200_000, 1), PlanOptions{}, false},
		{"encode_1080p30_stills", camera, PlanOptions{}, true},
		{"encode_single_rung_stills", source(160, 120, 15, 200_000, 1), PlanOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := PlanLadder(tt.src, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stills {
				l.Stills = PlanStills(600)
			}
			args := BuildEncodeArgs("/media/uploads/lecture 01.mov", l, "/scratch/job-42/out")
			golden(t, tt.name+".golden", []byte(strings.Join(args, "\n")+"\n"))

			// Whatever the golden file says, these must hold.
			joined := strings.Join(args, " ")
			for _, must := range []string{
				"-protocol_whitelist file -format_whitelist " + InputFormats + " -i file:/media/uploads/lecture 01.mov",
				"-progress pipe:1", "-sc_threshold 0", "-nostdin",
			} {
				if !strings.Contains(joined, must) {
					t.Errorf("args lack %q", must)
				}
			}
			maps := 0
			for i, a := range args {
				if a == "-map" {
					maps++
					if i+1 >= len(args) {
						t.Fatal("-map without a value")
					}
				}
			}
			want := len(l.Video)
			if l.Audio != nil {
				want++
			}
			if l.Stills != nil {
				want += 2 // poster and sprites
			}
			if maps != want {
				t.Errorf("%d -map, want one per rendition (%d)", maps, want)
			}
			if strings.Count(joined, "-i ") != 1 {
				t.Error("want exactly one input: the source is decoded once")
			}
		})
	}
}
