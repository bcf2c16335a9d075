package transcode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseProbe(t *testing.T) {
	tests := []struct {
		name       string
		file       string // testdata/probe_*.json
		lim        Limits
		wantReject string // Code
		check      func(t *testing.T, s *SourceInfo)
	}{
		{
			name: "iphone portrait HDR HLG", file: "probe_iphone_hdr.json",
			check: func(t *testing.T, s *SourceInfo) {
				if s.Rotation != 90 || s.DisplayWidth != 1080 || s.DisplayHeight != 1920 {
					t.Errorf("rotation %d display %dx%d, want 90 1080x1920", s.Rotation, s.DisplayWidth, s.DisplayHeight)
				}
				if !s.HDR || s.ColorTransfer != "arib-std-b67" || s.PixFmt != "yuv420p10le" || s.VideoCodec != "hevc" {
					t.Errorf("HDR %v %s %s %s", s.HDR, s.ColorTransfer, s.PixFmt, s.VideoCodec)
				}
				if !s.VFR || s.FrameRate < 29 || s.FrameRate > 30 || s.RFrameRate != 30 {
					// r 30/1 vs avg 29.4: a phone that dropped frames.
					t.Errorf("VFR %v avg %v r %v", s.VFR, s.FrameRate, s.RFrameRate)
				}
				if s.VideoBitRate != 7_900_000 || s.BitRate != 8_100_000 || s.Duration != 61.5 {
					t.Errorf("rates %d %d duration %v", s.VideoBitRate, s.BitRate, s.Duration)
				}
				if !s.HasAudio || s.AudioStream != 1 || s.AudioChannels != 2 || s.AudioSampleRate != 44100 || s.AudioCodec != "aac" {
					t.Errorf("audio %+v", s)
				}
			},
		},
		{
			name: "legacy rotate tag, mkv without stream bitrate", file: "probe_mkv_rotate_tag.json",
			check: func(t *testing.T, s *SourceInfo) {
				if s.Rotation != 270 || s.DisplayWidth != 720 || s.DisplayHeight != 1280 {
					t.Errorf("rotation %d display %dx%d", s.Rotation, s.DisplayWidth, s.DisplayHeight)
				}
				if s.VideoBitRate != 2_000_000-128_000 {
					t.Errorf("video bitrate %d, want format's less the audio's", s.VideoBitRate)
				}
				if s.HDR || s.VFR {
					t.Errorf("HDR %v VFR %v", s.HDR, s.VFR)
				}
			},
		},
		{
			name: "anamorphic DV", file: "probe_anamorphic.json",
			check: func(t *testing.T, s *SourceInfo) {
				if s.DisplayWidth != 1024 || s.DisplayHeight != 576 {
					t.Errorf("display %dx%d, want 1024x576", s.DisplayWidth, s.DisplayHeight)
				}
				if s.HasAudio {
					t.Error("HasAudio")
				}
			},
		},
		{name: "mp3 with cover art", file: "probe_mp3_cover.json", wantReject: RejectNoVideoStream},
		{name: "no streams", file: "probe_empty.json", wantReject: RejectNotVideo},
		{name: "too large", file: "probe_8k_square.json", wantReject: RejectTooLarge},
		{name: "too long", file: "probe_iphone_hdr.json", lim: Limits{MaxDuration: time.Minute}, wantReject: RejectTooLong},
		{name: "zero duration", file: "probe_zero_duration.json", wantReject: RejectZeroDuration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			info, err := parseProbe(data, tt.lim)
			if tt.wantReject != "" {
				var rej *RejectError
				if !errors.As(err, &rej) || rej.Code != tt.wantReject {
					t.Fatalf("err = %v (%#v), want rejection %s", err, err, tt.wantReject)
				}
				t.Logf("reason: %s", rej.Reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, info)
		})
	}
}

func TestRejectReasons(t *testing.T) {
	data, err := os.ReadFile("testdata/probe_8k_square.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseProbe(data, Limits{MaxWidth: 4096, MaxHeight: 4096})
	if got, want := err.Error(), "video is too large: 8192x8192 exceeds the 4096x4096 limit"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	data, err = os.ReadFile("testdata/probe_iphone_hdr.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseProbe(data, Limits{MaxDuration: time.Minute})
	if got, want := err.Error(), "video is too long: 1m2s exceeds the 1m limit"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		6 * time.Hour: "6h", 7*time.Hour + 12*time.Minute + 5*time.Second: "7h12m",
		45 * time.Minute: "45m", 90 * time.Second: "1m30s", 12 * time.Second: "12s", 0: "0s",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestClassifyProbeFailure(t *testing.T) {
	tests := []struct{ stderr, code, reason string }{
		{"[hls @ 0x5630] Format not on whitelist 'mov,...'\nfile:/x: Invalid argument\n", RejectContainer,
			"unsupported container: hls playlists are not accepted, upload the video file itself"},
		{"[concat @ 0x56] Format not on whitelist 'mov'\n", RejectContainer,
			"unsupported container: concat playlists are not accepted, upload the video file itself"},
		{"[image2 @ 0x56] Format not on whitelist 'mov'\n", RejectStillImage, "not a video file: this is a still image"},
		{"[png_pipe @ 0x56] Format not on whitelist 'mov'\n", RejectStillImage, "not a video file: this is a still image"},
		{"[rtsp @ 0x56] Format not on whitelist 'mov'\n", RejectContainer, "unsupported container: rtsp files are not accepted"},
		{"file:/x.txt: Invalid data found when processing input\n", RejectNotVideo, "not a video file"},
	}
	for _, tt := range tests {
		rej := classifyProbeFailure(tt.stderr)
		if rej.Code != tt.code || rej.Reason != tt.reason {
			t.Errorf("classify(%q) = %s %q, want %s %q", tt.stderr, rej.Code, rej.Reason, tt.code, tt.reason)
		}
	}
}

// Integration tests with the real ffprobe.

func TestProbeRealFiles(t *testing.T) {
	ffmpeg, ffprobe := requireFFmpeg(t)
	dir := t.TempDir()
	clip := testClip(t, ffmpeg, dir, "clip.mp4", "320x240", "2")
	rotated := makeMedia(t, ffmpeg, dir, "rotated.mp4", "-i", clip, "-c", "copy", "-metadata:s:v:0", "rotate=90")
	wav := makeMedia(t, ffmpeg, dir, "speech.wav", "-f", "lavfi", "-i", "sine=duration=1")
	png := makeMedia(t, ffmpeg, dir, "cover.png", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1")
	cover := makeMedia(t, ffmpeg, dir, "podcast.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-i", png,
		"-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v:0", "attached_pic")
	jpg := makeMedia(t, ffmpeg, dir, "photo", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg")
	text := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(text, []byte("These are my lecture notes, not a video.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.mov")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A name that would be a protocol if it were not prefixed with file:.
	weird := filepath.Join(dir, "concat:a|b.mp4")
	if err := os.Link(clip, weird); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	t.Run("valid clip", func(t *testing.T) {
		s, err := Probe(ctx, ffprobe, clip, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Width != 320 || s.Height != 240 || s.DisplayWidth != 320 || s.Rotation != 0 ||
			s.FrameRate != 30 || s.VFR || s.HDR || s.PixFmt != "yuv420p" || s.VideoCodec != "h264" ||
			!s.HasAudio || s.AudioChannels != 2 || s.AudioSampleRate != 48000 || s.AudioStream != 1 ||
			s.Duration < 1.9 || s.Duration > 2.1 || s.BitRate <= 0 || s.VideoBitRate <= 0 ||
			!strings.Contains(s.FormatName, "mp4") {
			t.Errorf("%+v", s)
		}
	})
	t.Run("rotated", func(t *testing.T) {
		s, err := Probe(ctx, ffprobe, rotated, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if (s.Rotation != 90 && s.Rotation != 270) || s.DisplayWidth != 240 || s.DisplayHeight != 320 {
			t.Errorf("rotation %d display %dx%d", s.Rotation, s.DisplayWidth, s.DisplayHeight)
		}
	})
	t.Run("name that looks like a protocol", func(t *testing.T) {
		if _, err := Probe(ctx, ffprobe, weird, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	rejects := []struct {
		name, path, code, reason string
		lim                      Limits
	}{
		{"text file", text, RejectNotVideo, "not a video file", Limits{}},
		{"empty file", empty, RejectNotVideo, "not a video file", Limits{}},
		{"audio only wav", wav, RejectNoVideoStream, "no video stream", Limits{}},
		{"audio with cover art", cover, RejectNoVideoStream, "no video stream", Limits{}},
		{"still image", jpg, RejectStillImage, "not a video file: this is a still image", Limits{}},
		{"too large", clip, RejectTooLarge, "video is too large: 320x240 exceeds the 200x200 limit", Limits{MaxWidth: 200, MaxHeight: 200}},
		{"too long", clip, RejectTooLong, "video is too long: 2s exceeds the 1s limit", Limits{MaxDuration: time.Second}},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Probe(ctx, ffprobe, tt.path, tt.lim)
			var rej *RejectError
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v, want a *RejectError", err)
			}
			if rej.Code != tt.code || rej.Reason != tt.reason {
				t.Errorf("got %s %q, want %s %q (detail %q)", rej.Code, rej.Reason, tt.code, tt.reason, rej.Detail)
			}
		})
	}
	t.Run("missing file is not a rejection", func(t *testing.T) {
		_, err := Probe(ctx, ffprobe, filepath.Join(dir, "nope.mp4"), Limits{})
		var rej *RejectError
		if err == nil || errors.As(err, &rej) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing ffprobe is not a rejection", func(t *testing.T) {
		_, err := Probe(ctx, filepath.Join(dir, "no-ffprobe"), clip, Limits{})
		var rej *RejectError
		if err == nil || errors.As(err, &rej) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := Probe(cctx, ffprobe, clip, Limits{}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}
