package transcode

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// DefaultHeights are the ladder's candidate rungs, by the short side of the
// picture (the height of a landscape video, the width of a portrait one).
var DefaultHeights = []int{1080, 720, 480, 360, 240}

// Defaults for PlanOptions fields left zero.
const (
	DefaultSegmentSeconds = 4.0
	DefaultMaxFPS         = 30.0
	AudioBitrateStereo    = 128000
	AudioBitrateMono      = 96000
)

// PlanOptions steer PlanLadder. The zero value gives the default ladder.
type PlanOptions struct {
	SegmentSeconds float64 // target segment (= GOP) duration; default 4
	MaxFPS         float64 // frame rate cap; default 30
	Heights        []int   // candidate short sides; default DefaultHeights
	MaxRenditions  int     // 0 = no limit; else keep the top ones and the lowest
}

// Ladder is the encode plan for one source: every video rendition shares the
// frame rate and GOP, so keyframes land on the same timestamps everywhere.
type Ladder struct {
	SegmentSeconds float64          `json:"segment_seconds"` // requested segment duration
	FPS            float64          `json:"fps"`             // output frame rate, constant
	GOP            int              `json:"gop"`             // frames per GOP = per segment
	ToneMap        bool             `json:"tone_map"`        // source is HDR: map to SDR BT.709
	VideoStream    int              `json:"video_stream"`    // source stream index
	Video          []VideoRendition `json:"video"`           // v0 is the highest
	Audio          *AudioRendition  `json:"audio,omitempty"` // nil when the source is silent
	// Stills, when set, makes the encode also write the poster and the
	// thumbnail sprites (see BuildEncodeArgs). PlanLadder leaves it nil.
	Stills *Stills `json:"stills,omitempty"`
}

// Stills asks the encode for the poster and seek-bar sprites, from frames it
// decodes anyway: the poster from the top rung, the sprites from the lowest.
type Stills struct {
	PosterAt    float64     `json:"poster_at"`    // seconds
	PosterWidth int         `json:"poster_width"` // at most; never upscaled
	Thumbs      ThumbResult `json:"thumbs"`       // from PlanThumbnails
	ThumbWidth  int         `json:"thumb_width"`
}

// PlanStills plans the stills for a source of durationSec seconds with the
// defaults the standalone Poster and Thumbnails use.
func PlanStills(durationSec float64) *Stills {
	o := ThumbOptions{}.withDefaults()
	return &Stills{
		PosterAt:    DefaultPosterTime(durationSec),
		PosterWidth: DefaultPosterWidth,
		Thumbs:      PlanThumbnails(durationSec, o),
		ThumbWidth:  o.Width,
	}
}

// SegmentDuration is the real segment duration, GOP/FPS: 4.004 s for
// 29.97 fps and 4 s segments (120 frames).
func (l Ladder) SegmentDuration() float64 {
	if l.FPS <= 0 {
		return l.SegmentSeconds
	}
	return float64(l.GOP) / l.FPS
}

// VideoRendition is one H.264 rung. Rates are bits per second.
type VideoRendition struct {
	Name    string `json:"name"` // v0, v1, ...
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Bitrate int    `json:"bitrate"`  // target average (-b:v)
	MaxRate int    `json:"max_rate"` // VBV peak (-maxrate)
	BufSize int    `json:"buf_size"` // VBV buffer (-bufsize)
	Profile string `json:"profile"`  // "high"
	Level   string `json:"level"`    // e.g. "4.0"
}

// AudioRendition is the AAC-LC stereo rendition.
type AudioRendition struct {
	Name       string `json:"name"`   // a0
	Stream     int    `json:"stream"` // source stream index
	Bitrate    int    `json:"bitrate"`
	Channels   int    `json:"channels"`
	SampleRate int    `json:"sample_rate"`
}

// PlanLadder chooses renditions, frame rate, GOP and bitrates for src.
//
// Sizes: one rung per candidate height no larger than the source's short
// side, keeping the display aspect ratio (sample aspect and rotation
// applied, so a portrait phone video gives 720x1280, not 1280x720), both
// sides even, never larger than the source. A source smaller than every
// candidate gets one rung at its own size.
//
// Frame rate: the source's average rate, snapped to the standard rate it is
// close to (VFR sources are converted to constant rate), then divided by the
// smallest whole number that brings it under MaxFPS, so frames are dropped
// evenly: 60 -> 30, 50 -> 25, 59.94 -> 29.97, 25 stays 25.
//
// Bitrate: PeerTube's model, per rung of W x H at fps:
//
//	T = max(0.02·W·H·fps, min(bpp(H)·W·H·fps, 1.3 × source video bitrate))
//
// with bits per pixel 0.17 at 240p, 0.15 at 360p, 0.12 at 480p, 0.11 at
// 720p, 0.10 at 1080p, linear in between (a 16:9 30 fps 1080p rung gets
// 6.22 Mb/s, 720p 3.04 Mb/s). The 1.3 × input term is what makes it
// content-aware: a screen-recorded slide deck arrives at a few hundred kb/s
// because it barely moves, and its rungs are capped near that, while a
// whiteboard camera at 20 Mb/s gets the full table. When the source bitrate
// is unknown the cap is skipped. Because that cap is the same for every rung,
// a low-bitrate source can give several rungs the same rate; a rung that
// saves less than 20% over the one above it buys no bandwidth, so it is
// dropped (the higher rung at the same cost looks better).
//
// Rate control: MaxRate = 1.5·T. BufSize = min(MaxRate, (2·T − MaxRate) ×
// segment duration): the most bits VBV lets through one segment of S seconds
// is MaxRate·S + BufSize, so this bound keeps every segment's peak bitrate
// within Apple's "peak ≤ 200% of average" for VOD (1.875·T with 4 s
// segments), where PeerTube's bufsize = 2·T can overshoot it.
func PlanLadder(src *SourceInfo, opt PlanOptions) (Ladder, error) {
	if src == nil {
		return Ladder{}, errors.New("plan ladder: no source info")
	}
	dw, dh := src.DisplayWidth, src.DisplayHeight
	if dw <= 0 || dh <= 0 {
		dw, dh = src.Width, src.Height
		if src.Rotation == 90 || src.Rotation == 270 {
			dw, dh = dh, dw
		}
	}
	if dw < 2 || dh < 2 {
		return Ladder{}, fmt.Errorf("plan ladder: picture size %dx%d is too small", dw, dh)
	}
	if opt.SegmentSeconds <= 0 {
		opt.SegmentSeconds = DefaultSegmentSeconds
	}
	if opt.MaxFPS <= 0 {
		opt.MaxFPS = DefaultMaxFPS
	}
	heights := opt.Heights
	if len(heights) == 0 {
		heights = DefaultHeights
	}

	fps := outputFPS(src, opt.MaxFPS)
	l := Ladder{
		SegmentSeconds: opt.SegmentSeconds,
		FPS:            fps,
		GOP:            max(1, int(math.Round(fps*opt.SegmentSeconds))),
		ToneMap:        src.HDR,
		VideoStream:    max(src.VideoStream, 0),
	}
	seg := l.SegmentDuration()

	portrait := dh > dw
	short, long := min(dw, dh), max(dw, dh)
	hs := slices.Clone(heights)
	slices.Sort(hs)
	slices.Reverse(hs)
	hs = slices.Compact(hs)
	var sizes [][2]int // short, long
	for _, h := range hs {
		if h <= 0 || h > short {
			continue
		}
		s := evenFloor(h)
		lg := min(evenRound(float64(s)*float64(long)/float64(short)), evenFloor(long))
		sizes = append(sizes, [2]int{s, max(lg, 2)})
	}
	if len(sizes) == 0 {
		sizes = append(sizes, [2]int{max(evenFloor(short), 2), max(evenFloor(long), 2)})
	}

	var prev int
	for _, sz := range sizes {
		w, h := sz[1], sz[0]
		if portrait {
			w, h = sz[0], sz[1]
		}
		t := targetBitrate(w, h, sz[0], fps, src.VideoBitRate)
		if prev > 0 && float64(t) > 0.8*float64(prev) {
			continue
		}
		prev = t
		maxRate := roundK(1.5 * float64(t))
		buf := roundK(math.Min(float64(maxRate), (2*float64(t)-float64(maxRate))*seg))
		l.Video = append(l.Video, VideoRendition{
			Width: w, Height: h,
			Bitrate: t, MaxRate: maxRate, BufSize: buf,
			Profile: "high",
			Level:   h264Level(w, h, fps, maxRate, buf),
		})
	}
	if n := opt.MaxRenditions; n > 0 && len(l.Video) > n {
		// The top rungs carry the quality, the lowest one keeps slow
		// networks playing: drop from the middle.
		last := l.Video[len(l.Video)-1]
		l.Video = l.Video[:n]
		if n > 1 {
			l.Video[n-1] = last
		}
	}
	for i := range l.Video {
		l.Video[i].Name = "v" + strconv.Itoa(i)
	}

	if src.HasAudio {
		br := AudioBitrateStereo
		if src.AudioChannels == 1 {
			br = AudioBitrateMono // upmixed to two identical channels, which code cheaply
		}
		l.Audio = &AudioRendition{
			Name:       "a0",
			Stream:     max(src.AudioStream, 0),
			Bitrate:    br,
			Channels:   2,
			SampleRate: 48000,
		}
	}
	return l, nil
}

// standardRates are snapped to when a measured rate is close.
var standardRates = []float64{
	24000.0 / 1001, 24, 25, 30000.0 / 1001, 30, 48, 50, 60000.0 / 1001, 60,
	90, 100, 120000.0 / 1001, 120, 240,
}

// snapRate returns the standard rate closest to f if it is within
// tolerance (relative). integerOnly leaves out the NTSC rates: phones record
// VFR at nominal whole rates.
func snapRate(f, tolerance float64, integerOnly bool) (float64, bool) {
	best, bestDiff := f, math.Inf(1)
	for _, r := range standardRates {
		if integerOnly && r != math.Trunc(r) {
			continue
		}
		if d := math.Abs(f-r) / r; d <= tolerance && d < bestDiff {
			best, bestDiff = r, d
		}
	}
	return best, !math.IsInf(bestDiff, 1)
}

// outputFPS picks the constant output frame rate for src under maxFPS.
func outputFPS(src *SourceInfo, maxFPS float64) float64 {
	f := src.FrameRate
	if f <= 0 || f > 1000 {
		f = src.RFrameRate
	}
	if f <= 0 || f > 1000 {
		return maxFPS
	}
	tol := 0.002
	if src.VFR {
		tol = 0.015 // a phone's 29.6 average is a 30 fps stream with drops
	}
	if r, ok := snapRate(f, tol, src.VFR); ok {
		f = r
	} else if src.VFR {
		f = math.Round(f)
	} else {
		f = math.Round(f*1000) / 1000
	}
	if f > maxFPS {
		d := math.Ceil(f/maxFPS - 1e-9)
		g := f / d
		if g < 0.8*maxFPS { // 35 fps would halve to 17.5: judder beats that
			g = maxFPS
		}
		f, _ = snapRate(g, 0.002, false)
	}
	return math.Max(f, 1)
}

// fpsExpr writes a frame rate for ffmpeg, exact for the NTSC rates.
func fpsExpr(f float64) string {
	for _, k := range []int{24, 30, 48, 60, 120} {
		if math.Abs(f-float64(k)*1000/1001) < 1e-6 {
			return strconv.Itoa(k*1000) + "/1001"
		}
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// bppAnchors are PeerTube's bits per pixel by rung height.
var bppAnchors = []struct{ h, bpp float64 }{
	{240, 0.17}, {360, 0.15}, {480, 0.12}, {720, 0.11}, {1080, 0.10},
}

func bitsPerPixel(h int) float64 {
	x := float64(h)
	if x <= bppAnchors[0].h {
		return bppAnchors[0].bpp
	}
	for i := 1; i < len(bppAnchors); i++ {
		a, b := bppAnchors[i-1], bppAnchors[i]
		if x <= b.h {
			return a.bpp + (b.bpp-a.bpp)*(x-a.h)/(b.h-a.h)
		}
	}
	return bppAnchors[len(bppAnchors)-1].bpp
}

// targetBitrate is PeerTube's T for a w x h rung whose short side is h.
func targetBitrate(w, h, short int, fps float64, inputBitrate int64) int {
	px := float64(w) * float64(h) * fps
	t := bitsPerPixel(short) * px
	if inputBitrate > 0 {
		t = math.Min(t, 1.3*float64(inputBitrate))
	}
	t = math.Max(t, 0.02*px)
	return roundK(t)
}

func roundK(x float64) int { return int(math.Round(x/1000)) * 1000 }

func evenFloor(x int) int { return x &^ 1 }

func evenRound(x float64) int { return int(math.Round(x/2)) * 2 }

// h264Levels: MaxMBPS, MaxFS (macroblocks), MaxBR and MaxCPB (kbit/s and
// kbit, baseline/main values; High allows 1.25x) from H.264 table A-1.
var h264Levels = []struct {
	name              string
	mbps, fs, br, cpb float64
}{
	{"1.3", 11880, 396, 768, 2000},
	{"2.0", 11880, 396, 2000, 2000},
	{"2.1", 19800, 792, 4000, 4000},
	{"2.2", 20250, 1620, 4000, 4000},
	{"3.0", 40500, 1620, 10000, 10000},
	{"3.1", 108000, 3600, 14000, 14000},
	{"3.2", 216000, 5120, 20000, 20000},
	{"4.0", 245760, 8192, 20000, 25000},
	{"4.1", 245760, 8192, 50000, 62500},
	{"4.2", 522240, 8704, 50000, 62500},
	{"5.0", 589824, 22080, 135000, 135000},
	{"5.1", 983040, 36864, 240000, 240000},
	{"5.2", 2073600, 36864, 240000, 240000},
}

// h264Level is the lowest High-profile level that fits the picture size,
// macroblock rate and VBV settings.
func h264Level(w, h int, fps float64, maxRate, bufSize int) string {
	mbw, mbh := float64((w+15)/16), float64((h+15)/16)
	fs := mbw * mbh
	for _, lv := range h264Levels {
		side := math.Sqrt(lv.fs * 8)
		if fs <= lv.fs && mbw <= side && mbh <= side && fs*fps <= lv.mbps &&
			float64(maxRate) <= lv.br*1250 && float64(bufSize) <= lv.cpb*1250 {
			return lv.name
		}
	}
	return "5.2"
}
