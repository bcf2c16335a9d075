package transcode

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanThumbnails(t *testing.T) {
	tests := []struct {
		duration             float64
		opt                  ThumbOptions
		interval             float64
		count, columns, rows int
	}{
		{3, ThumbOptions{}, 2, 2, 2, 1},
		{4, ThumbOptions{}, 2, 2, 2, 1},
		{4.07, ThumbOptions{}, 2, 3, 3, 1},
		{0.5, ThumbOptions{}, 2, 1, 1, 1},
		{200, ThumbOptions{}, 2, 100, 10, 10},
		{250, ThumbOptions{}, 3, 84, 10, 9},
		{3600, ThumbOptions{}, 36, 100, 10, 10},
		{5400, ThumbOptions{}, 54, 100, 10, 10},
		{600, ThumbOptions{MaxThumbs: 300, Columns: 5, Rows: 5}, 2, 300, 5, 5},
		{60, ThumbOptions{MinInterval: 10}, 10, 6, 6, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.duration), func(t *testing.T) {
			r := PlanThumbnails(tt.duration, tt.opt)
			if r.Interval != tt.interval || r.Count != tt.count || r.Columns != tt.columns || r.Rows != tt.rows {
				t.Errorf("got interval %v count %d grid %dx%d, want %v %d %dx%d",
					r.Interval, r.Count, r.Columns, r.Rows, tt.interval, tt.count, tt.columns, tt.rows)
			}
			if r.Count > max(tt.opt.MaxThumbs, DefaultMaxThumbs) {
				t.Errorf("%d thumbnails", r.Count)
			}
		})
	}
}

func TestThumbnailsVTTGolden(t *testing.T) {
	tests := []struct {
		name string
		res  ThumbResult
		url  func(int) string
	}{
		{
			name: "vtt_short.golden",
			res:  ThumbResult{Duration: 7.5, Interval: 2, Count: 4, Columns: 4, Rows: 1, TileWidth: 160, TileHeight: 90},
		},
		{
			// Two sprites of 2x2, a custom URL, an hour-long video.
			name: "vtt_two_sprites.golden",
			res:  ThumbResult{Duration: 3601.25, Interval: 600, Count: 7, Columns: 2, Rows: 2, TileWidth: 160, TileHeight: 120},
			url:  func(i int) string { return fmt.Sprintf("thumbs/sprite-%d.jpg?v=3", i) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, ThumbnailsVTT(tt.res, tt.url))
		})
	}
}

func TestStillArgsGolden(t *testing.T) {
	poster := PosterArgs("/media/uploads/lecture 01.mov", "/scratch/job-42/poster.jpg", 12.5, 1280)
	thumbs := ThumbnailArgs("/media/uploads/lecture 01.mov", "/scratch/job-42/thumbs", PlanThumbnails(1800, ThumbOptions{}), 160)
	golden(t, "poster.golden", []byte(strings.Join(poster, "\n")+"\n"))
	golden(t, "thumbnails.golden", []byte(strings.Join(thumbs, "\n")+"\n"))
	for _, args := range [][]string{poster, thumbs} {
		joined := strings.Join(args, " ")
		if !strings.Contains(joined, "-i file:/media/uploads/lecture 01.mov") ||
			!strings.Contains(joined, "-protocol_whitelist file") ||
			!strings.Contains(joined, "-format_whitelist "+InputFormats) {
			t.Errorf("unsafe input options: %s", joined)
		}
	}
}

func TestPosterAndThumbnails(t *testing.T) {
	ffmpeg, _ := requireFFmpeg(t)
	dir := t.TempDir()
	src := testClip(t, ffmpeg, dir, "clip.mp4", "320x240", "5")
	ctx := context.Background()

	t.Run("poster", func(t *testing.T) {
		tests := []struct {
			name        string
			width       int
			wantW, wanH int
		}{
			{"never upscaled", 1280, 320, 240},
			{"scaled down", 160, 160, 120},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "poster.jpg")
				if err := Poster(ctx, ffmpeg, src, out, 1.5, tt.width); err != nil {
					t.Fatal(err)
				}
				w, h := jpegSize(t, out)
				if w != tt.wantW || h != tt.wanH {
					t.Errorf("poster %dx%d, want %dx%d", w, h, tt.wantW, tt.wanH)
				}
			})
		}
		if err := Poster(ctx, ffmpeg, src, filepath.Join(dir, "late.jpg"), 60, 320); err == nil {
			t.Error("poster past the end: no error")
		}
	})

	t.Run("thumbnails", func(t *testing.T) {
		out := filepath.Join(dir, "thumbs")
		res, err := Thumbnails(ctx, ffmpeg, src, out, 5, ThumbOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := ThumbResult{Duration: 5, Interval: 2, Count: 3, Columns: 3, Rows: 1, TileWidth: 160, TileHeight: 120,
			Sprites: []string{filepath.Join(out, "sprite-0.jpg")}}
		if fmt.Sprint(*res) != fmt.Sprint(want) {
			t.Errorf("result %+v, want %+v", *res, want)
		}
		w, h := jpegSize(t, res.Sprites[0])
		if w != 480 || h != 120 {
			t.Errorf("sprite %dx%d, want 480x120", w, h)
		}
		vtt := string(ThumbnailsVTT(*res, nil))
		if !strings.Contains(vtt, "00:00:04.000 --> 00:00:05.000\nsprite-0.jpg#xywh=320,0,160,120\n") {
			t.Errorf("vtt:\n%s", vtt)
		}
	})
}

func jpegSize(t *testing.T, path string) (int, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Width, cfg.Height
}
