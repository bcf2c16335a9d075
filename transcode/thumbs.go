package transcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	ffmpeg "github.com/u2takey/ffmpeg-go"
)

// Poster and thumbnail defaults.
const (
	DefaultPosterWidth      = 1280
	DefaultThumbWidth       = 160
	DefaultMaxThumbs        = 100
	DefaultThumbMinInterval = 2.0 // seconds
	DefaultSpriteColumns    = 10
	DefaultSpriteRows       = 10
)

// squarePixels turns anamorphic frames into square pixels so that the
// "-2" (keep aspect) sizes that follow match what a player shows.
func squarePixels(s *ffmpeg.Stream) *ffmpeg.Stream {
	return s.Filter("scale", ffmpeg.Args{"trunc(iw*sar/2)*2", "ih"}).Filter("setsar", ffmpeg.Args{"1"})
}

func safeInput(src string, extra ffmpeg.KwArgs) *ffmpeg.Stream {
	if abs, err := filepath.Abs(src); err == nil {
		src = abs
	}
	kw := ffmpeg.KwArgs{"protocol_whitelist": "file", "format_whitelist": InputFormats}
	for k, v := range extra {
		kw[k] = v
	}
	// "V": the first video stream that is not cover art.
	return ffmpeg.Input("file:"+src, kw).Get("V")
}

var globalArgs = []string{"-hide_banner", "-nostdin", "-loglevel", ffmpegLogLevel, "-nostats"}

// DefaultPosterTime picks the poster frame: 10% into the video, at most 30 s
// in (lectures open on a title slide, which makes a good poster).
func DefaultPosterTime(durationSec float64) float64 {
	return math.Min(durationSec*0.1, 30)
}

// PosterArgs returns the ffmpeg arguments (without "ffmpeg") that write one
// JPEG of the frame at atSec, width pixels wide (never upscaled; the height
// keeps the display aspect ratio).
func PosterArgs(src, out string, atSec float64, width int) []string {
	if width <= 0 {
		width = DefaultPosterWidth
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	in := safeInput(src, ffmpeg.KwArgs{"ss": strconv.FormatFloat(math.Max(atSec, 0), 'f', 3, 64)})
	return squarePixels(in).
		Filter("scale", ffmpeg.Args{fmt.Sprintf("min(%d,iw)", width), "-2"}).
		Output("file:"+out, ffmpeg.KwArgs{
			"format": "image2", "c:v": "mjpeg", "q:v": 3,
			"frames:v": 1, "update": 1, "an": "", "map_metadata": "-1",
		}).
		GlobalArgs(globalArgs...).
		OverWriteOutput().
		GetArgs()
}

// Poster writes a JPEG poster frame of src taken at atSec to out.
func Poster(ctx context.Context, ffmpegPath, src, out string, atSec float64, width int) error {
	// ffmpeg writes nothing when atSec is past the end; make sure an old
	// file is not taken for the new poster.
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("poster: %w", err)
	}
	if err := Run(ctx, ffmpegPath, PosterArgs(src, out, atSec, width), 0, nil); err != nil {
		return fmt.Errorf("poster at %.1fs: %w", atSec, err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return fmt.Errorf("poster at %.1fs: no frame there (is it past the end?)", atSec)
	}
	return nil
}

// ThumbOptions shape the seek-bar thumbnails. Zero fields take defaults.
type ThumbOptions struct {
	Width       int     // tile width in pixels; default 160
	MaxThumbs   int     // default 100
	MinInterval float64 // seconds between thumbnails, at least; default 2
	Columns     int     // tiles per sprite row; default 10
	Rows        int     // tile rows per sprite; default 10
}

func (o ThumbOptions) withDefaults() ThumbOptions {
	if o.Width <= 0 {
		o.Width = DefaultThumbWidth
	}
	if o.MaxThumbs <= 0 {
		o.MaxThumbs = DefaultMaxThumbs
	}
	if o.MinInterval <= 0 {
		o.MinInterval = DefaultThumbMinInterval
	}
	if o.Columns <= 0 {
		o.Columns = DefaultSpriteColumns
	}
	if o.Rows <= 0 {
		o.Rows = DefaultSpriteRows
	}
	return o
}

// ThumbResult describes the sprites Thumbnails wrote: thumbnail i shows
// [i·Interval, (i+1)·Interval) and sits in sprite i/(Columns·Rows), at
// column i%Columns, row i/Columns (within that sprite).
type ThumbResult struct {
	Duration   float64  `json:"duration"` // seconds
	Interval   float64  `json:"interval"` // seconds
	Count      int      `json:"count"`
	Columns    int      `json:"columns"`
	Rows       int      `json:"rows"`
	TileWidth  int      `json:"tile_width"`
	TileHeight int      `json:"tile_height"`
	Sprites    []string `json:"sprites"` // file paths, sprite-0.jpg, sprite-1.jpg, ...
}

// SpriteName is the file name of sprite i.
func SpriteName(i int) string { return "sprite-" + strconv.Itoa(i) + ".jpg" }

// PlanThumbnails computes interval, count and grid for a duration; Thumbnails
// uses it, and it is exported for callers of ThumbnailArgs.
func PlanThumbnails(durationSec float64, o ThumbOptions) ThumbResult {
	o = o.withDefaults()
	interval := math.Max(o.MinInterval, math.Ceil(durationSec/float64(o.MaxThumbs)))
	count := max(1, int(math.Ceil(durationSec/interval-1e-9)))
	cols, rows := o.Columns, o.Rows
	if count < cols*rows {
		cols = min(cols, count)
		rows = (count + cols - 1) / cols
	}
	return ThumbResult{Duration: durationSec, Interval: interval, Count: count, Columns: cols, Rows: rows}
}

// ThumbnailArgs returns the ffmpeg arguments (without "ffmpeg") that write
// the sprites planned for res into outDir: one frame every res.Interval
// seconds (fps=1/N:round=up gives ceil(duration/N) frames), scaled to width,
// tiled Columns x Rows per JPEG.
func ThumbnailArgs(src, outDir string, res ThumbResult, width int) []string {
	if abs, err := filepath.Abs(outDir); err == nil {
		outDir = abs
	}
	in := safeInput(src, nil)
	return squarePixels(in.Filter("fps", nil, ffmpeg.KwArgs{"fps": "1/" + strconv.FormatFloat(res.Interval, 'f', -1, 64), "round": "up"})).
		Filter("scale", ffmpeg.Args{strconv.Itoa(width), "-2"}).
		Filter("tile", ffmpeg.Args{fmt.Sprintf("%dx%d", res.Columns, res.Rows)}).
		Output("file:"+filepath.Join(outDir, "sprite-%d.jpg"), ffmpeg.KwArgs{
			"format": "image2", "c:v": "mjpeg", "q:v": 4, "start_number": 0,
			"fps_mode": "passthrough", "an": "", "map_metadata": "-1",
		}).
		GlobalArgs(globalArgs...).
		OverWriteOutput().
		GetArgs()
}

// Thumbnails writes seek-bar sprites of src (durationSec long) into outDir:
// at most opt.MaxThumbs thumbnails, at least opt.MinInterval seconds apart,
// opt.Width wide, tiled opt.Columns x opt.Rows per JPEG (a short video gets
// a smaller grid, not a mostly black sprite). The tile size is read back
// from the JPEG. Pair it with ThumbnailsVTT.
func Thumbnails(ctx context.Context, ffmpegPath, src, outDir string, durationSec float64, opt ThumbOptions) (*ThumbResult, error) {
	if durationSec <= 0 {
		return nil, fmt.Errorf("thumbnails: duration %v", durationSec)
	}
	opt = opt.withDefaults()
	res := PlanThumbnails(durationSec, opt)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	if err := Run(ctx, ffmpegPath, ThumbnailArgs(src, outDir, res, opt.Width), 0, nil); err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	return CollectThumbnails(outDir, res)
}

// CollectThumbnails finds the sprites planned by res in outDir (written by
// Thumbnails or by an encode with Ladder.Stills), trims Count to what was
// written and reads the tile size back from the first JPEG.
func CollectThumbnails(outDir string, res ThumbResult) (*ThumbResult, error) {
	per := max(res.Columns*res.Rows, 1)
	want := (res.Count + per - 1) / per
	res.Sprites = nil
	for i := 0; ; i++ {
		p := filepath.Join(outDir, SpriteName(i))
		if _, err := os.Stat(p); err != nil {
			break
		}
		res.Sprites = append(res.Sprites, p)
	}
	if len(res.Sprites) == 0 {
		return nil, fmt.Errorf("thumbnails: ffmpeg wrote no sprite")
	}
	if len(res.Sprites) < want {
		res.Count = min(res.Count, len(res.Sprites)*per)
	}
	data, err := os.ReadFile(res.Sprites[0])
	if err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("thumbnails: read %s: %w", res.Sprites[0], err)
	}
	res.TileWidth, res.TileHeight = cfg.Width/res.Columns, cfg.Height/res.Rows
	return &res, nil
}

// ThumbnailsVTT writes the WebVTT thumbnails track for res: one cue per
// thumbnail whose text is spriteURL(sprite) + "#xywh=x,y,w,h" (the Media
// Fragments syntax players such as Video.js, Plyr and JW Player read).
// spriteURL may return a relative URL; nil means SpriteName.
func ThumbnailsVTT(res ThumbResult, spriteURL func(i int) string) []byte {
	if spriteURL == nil {
		spriteURL = SpriteName
	}
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	per := max(res.Columns*res.Rows, 1)
	for i := range res.Count {
		start := float64(i) * res.Interval
		end := math.Min(start+res.Interval, res.Duration)
		if res.Duration <= 0 {
			end = start + res.Interval
		}
		j := i % per
		x, y := (j%res.Columns)*res.TileWidth, (j/res.Columns)*res.TileHeight
		fmt.Fprintf(&b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n",
			vttTime(start), vttTime(end), spriteURL(i/per), x, y, res.TileWidth, res.TileHeight)
	}
	return b.Bytes()
}

func vttTime(sec float64) string {
	d := time.Duration(math.Round(sec*1000)) * time.Millisecond
	return fmt.Sprintf("%02d:%02d:%02d.%03d",
		int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second), int(d%time.Second/time.Millisecond))
}

// The stills' places in a published encode, relative to its prefix: the
// poster at the top, the thumbnails track and its sprites (which the track
// names relative to itself) in one folder.
const (
	PosterPath     = PosterName
	ThumbsDir      = "thumbs"
	ThumbsTrackRel = ThumbsDir + "/thumbs.vtt"
)

// StillFile is one still to publish: RelPath under the encode's prefix,
// Path on disk.
type StillFile struct {
	RelPath     string
	Path        string
	ContentType string
}

// StillsOut are the poster and the seek-bar thumbnails of an encode, ready
// to publish: Poster and Track are the RelPaths clients are pointed at.
type StillsOut struct {
	Poster, Track string
	Files         []StillFile
}

// CollectStills gathers the poster and sprites an encode with l.Stills wrote
// into encDir, writes the WebVTT thumbnails track next to them, and names
// every file's place in the published encode. A poster ffmpeg did not
// write (a stream shorter than its header said) is taken from the start of
// the top rung instead.
func CollectStills(ctx context.Context, ffmpegPath, encDir string, l Ladder) (*StillsOut, error) {
	poster := filepath.Join(encDir, PosterName)
	if _, err := os.Stat(poster); err != nil {
		if err := Poster(ctx, ffmpegPath, OutputPath(encDir, l.Video[0].Name), poster, 0, l.Stills.PosterWidth); err != nil {
			return nil, err
		}
	}
	th, err := CollectThumbnails(encDir, l.Stills.Thumbs)
	if err != nil {
		return nil, err
	}
	vtt := filepath.Join(encDir, path.Base(ThumbsTrackRel))
	if err := os.WriteFile(vtt, ThumbnailsVTT(*th, SpriteName), 0o644); err != nil {
		return nil, fmt.Errorf("thumbnails track: %w", err)
	}
	s := &StillsOut{Poster: PosterPath, Track: ThumbsTrackRel, Files: []StillFile{
		{RelPath: PosterPath, Path: poster, ContentType: "image/jpeg"},
		{RelPath: ThumbsTrackRel, Path: vtt, ContentType: "text/vtt; charset=utf-8"},
	}}
	for _, sp := range th.Sprites {
		s.Files = append(s.Files, StillFile{RelPath: path.Join(ThumbsDir, filepath.Base(sp)), Path: sp, ContentType: "image/jpeg"})
	}
	return s, nil
}
