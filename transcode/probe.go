package transcode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Default limits applied by Probe when a Limits field is zero.
const (
	DefaultMaxWidth     = 7680
	DefaultMaxHeight    = 4320
	DefaultMaxDuration  = 6 * time.Hour
	DefaultProbeTimeout = time.Minute
)

// InputFormats is the allow list of demuxers ffprobe and ffmpeg may use on an
// uploaded source (passed as -format_whitelist). It holds only containers
// that never open other files: playlists and manifests (hls, concat, dash,
// sdp, ...), image sequences (image2) and network demuxers are absent, so a
// crafted upload cannot make ffmpeg read a second file or open a connection.
// The mov demuxer's external data references stay off (its enable_drefs
// option defaults to 0). Audio-only containers are listed so that an audio
// upload is rejected with "no video stream" rather than "not a video file".
const InputFormats = "mov,matroska,avi,flv,mpegts,mpeg,asf,ogg,nut,mxf,dv,gif,ivf,h264,hevc,m4v,mpegvideo," +
	"wav,w64,mp3,aac,flac,aiff,caf"

// Limits bound what Probe accepts. Zero fields take the Default* values.
// MaxWidth x MaxHeight is checked regardless of orientation: with the
// default 7680x4320 a 4320x7680 portrait video is accepted too.
type Limits struct {
	MaxWidth     int
	MaxHeight    int
	MaxDuration  time.Duration
	ProbeTimeout time.Duration // upper bound on one ffprobe run
}

func (l Limits) withDefaults() Limits {
	if l.MaxWidth <= 0 {
		l.MaxWidth = DefaultMaxWidth
	}
	if l.MaxHeight <= 0 {
		l.MaxHeight = DefaultMaxHeight
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultMaxDuration
	}
	if l.ProbeTimeout <= 0 {
		l.ProbeTimeout = DefaultProbeTimeout
	}
	return l
}

// Rejection codes, stable identifiers for API clients; Reason is the text.
const (
	RejectNotVideo      = "not_video"
	RejectNoVideoStream = "no_video_stream"
	RejectStillImage    = "still_image"
	RejectContainer     = "unsupported_container"
	RejectTooLarge      = "too_large"
	RejectTooLong       = "too_long"
	RejectZeroDuration  = "zero_duration"
	RejectUnknownSize   = "unknown_size"
)

// RejectError says why an upload cannot be encoded, in words an instructor
// can read. Retrying does not help: the worker should fail the job
// permanently (wrap asynq.SkipRetry) and show Reason.
type RejectError struct {
	Code   string // one of the Reject* constants
	Reason string // instructor-readable, e.g. "no video stream"
	Detail string // for operators: ffprobe's own message, if any
}

func (e *RejectError) Error() string { return e.Reason }

func reject(code, reason, detail string) *RejectError {
	return &RejectError{Code: code, Reason: reason, Detail: detail}
}

// SourceInfo is what Probe learned about an uploaded source.
type SourceInfo struct {
	FormatName string  `json:"format_name"` // ffprobe's, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Duration   float64 `json:"duration"`    // seconds
	Size       int64   `json:"size"`        // bytes, 0 if unknown
	BitRate    int64   `json:"bit_rate"`    // whole file, bits/s, 0 if unknown

	VideoStream  int     `json:"video_stream"` // ffprobe stream index
	VideoCodec   string  `json:"video_codec"`
	Width        int     `json:"width"`  // as stored
	Height       int     `json:"height"` // as stored
	SampleAspect float64 `json:"sample_aspect"`
	// Rotation is how far the picture must be turned clockwise for
	// display: 0, 90, 180 or 270. ffmpeg applies it when decoding.
	Rotation      int     `json:"rotation"`
	DisplayWidth  int     `json:"display_width"` // after sample aspect and rotation
	DisplayHeight int     `json:"display_height"`
	FrameRate     float64 `json:"frame_rate"`   // avg_frame_rate
	RFrameRate    float64 `json:"r_frame_rate"` // r_frame_rate
	VFR           bool    `json:"vfr"`
	PixFmt        string  `json:"pix_fmt"`
	ColorTransfer string  `json:"color_transfer"`
	HDR           bool    `json:"hdr"` // PQ (smpte2084) or HLG (arib-std-b67)
	VideoBitRate  int64   `json:"video_bit_rate"`

	HasAudio        bool   `json:"has_audio"`
	AudioStream     int    `json:"audio_stream"` // ffprobe stream index, -1 without audio
	AudioCodec      string `json:"audio_codec"`
	AudioChannels   int    `json:"audio_channels"`
	AudioSampleRate int    `json:"audio_sample_rate"`
}

// Probe runs ffprobe on the local file at path and checks it against lim.
//
// Safety: the file is passed as "file:" + its absolute path, so a name such
// as "http:..." or "concat:a|b" is never taken for a protocol, and ffprobe
// runs with -protocol_whitelist file and -format_whitelist InputFormats. The
// format whitelist is checked right after the container is detected from the
// file's own bytes and before the demuxer reads its header, so an HLS or
// concat playlist disguised as .mp4 is refused without opening anything it
// names. (A deny list checked after probing would be too late: probing an
// HLS playlist already opens its first segment.) BuildEncodeArgs, PosterArgs
// and ThumbnailArgs pass the same options to ffmpeg, so a file swapped
// between probe and encode gets no further.
//
// A source that cannot be accepted yields a *RejectError; other errors
// (ffprobe missing, ctx cancelled, file missing) are ordinary and retryable.
func Probe(ctx context.Context, ffprobe, path string, lim Limits) (*SourceInfo, error) {
	lim = lim.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("probe %s: not a regular file", abs)
	}
	if st.Size() == 0 {
		return nil, reject(RejectNotVideo, "not a video file", "empty file")
	}

	ctx, cancel := context.WithTimeout(ctx, lim.ProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffprobe,
		"-v", "error",
		"-protocol_whitelist", "file",
		"-format_whitelist", InputFormats,
		"-print_format", "json",
		"-show_format", "-show_streams",
		"file:"+abs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	setProcessGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("probe %s: %w", abs, ctx.Err())
		}
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return nil, fmt.Errorf("probe %s: run ffprobe: %w", abs, err)
		}
		return nil, classifyProbeFailure(stderr.String())
	}
	return parseProbe(stdout.Bytes(), lim)
}

var notWhitelisted = regexp.MustCompile(`\[([^\s\]@]+) @ [^\]]*\] Format not on whitelist`)

// classifyProbeFailure turns ffprobe's stderr into a rejection reason.
func classifyProbeFailure(stderr string) *RejectError {
	detail := lastLine(stderr)
	m := notWhitelisted.FindStringSubmatch(stderr)
	if m == nil {
		return reject(RejectNotVideo, "not a video file", detail)
	}
	format := m[1]
	switch {
	case format == "hls" || format == "applehttp":
		return reject(RejectContainer, "unsupported container: hls playlists are not accepted, upload the video file itself", detail)
	case format == "concat":
		return reject(RejectContainer, "unsupported container: concat playlists are not accepted, upload the video file itself", detail)
	case format == "dash" || format == "webm_dash_manifest":
		return reject(RejectContainer, "unsupported container: DASH manifests are not accepted, upload the video file itself", detail)
	case format == "image2" || strings.HasSuffix(format, "_pipe") || format == "apng" || format == "webp":
		return reject(RejectStillImage, "not a video file: this is a still image", detail)
	case format == "tty":
		return reject(RejectNotVideo, "not a video file", detail)
	default:
		return reject(RejectContainer, fmt.Sprintf("unsupported container: %s files are not accepted", format), detail)
	}
}

// ffprobe -print_format json, the parts we read.
type probeOutput struct {
	Streams []probeStream `json:"streams"`
	Format  struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		Size       string `json:"size"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

type probeStream struct {
	Index             int               `json:"index"`
	CodecName         string            `json:"codec_name"`
	CodecType         string            `json:"codec_type"`
	Width             int               `json:"width"`
	Height            int               `json:"height"`
	SampleAspectRatio string            `json:"sample_aspect_ratio"`
	PixFmt            string            `json:"pix_fmt"`
	ColorTransfer     string            `json:"color_transfer"`
	RFrameRate        string            `json:"r_frame_rate"`
	AvgFrameRate      string            `json:"avg_frame_rate"`
	Duration          string            `json:"duration"`
	BitRate           string            `json:"bit_rate"`
	Channels          int               `json:"channels"`
	SampleRate        string            `json:"sample_rate"`
	Disposition       map[string]int    `json:"disposition"`
	Tags              map[string]string `json:"tags"`
	SideDataList      []struct {
		SideDataType string   `json:"side_data_type"`
		Rotation     *float64 `json:"rotation"`
	} `json:"side_data_list"`
}

// parseProbe reads ffprobe's JSON and applies the limits.
func parseProbe(data []byte, lim Limits) (*SourceInfo, error) {
	lim = lim.withDefaults()
	var out probeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, reject(RejectNotVideo, "not a video file", "ffprobe output: "+err.Error())
	}
	if len(out.Streams) == 0 {
		return nil, reject(RejectNotVideo, "not a video file", "no streams")
	}
	info := &SourceInfo{
		FormatName:  out.Format.FormatName,
		Size:        parseInt(out.Format.Size),
		BitRate:     parseInt(out.Format.BitRate),
		VideoStream: -1,
		AudioStream: -1,
	}
	var video, audio *probeStream
	for i := range out.Streams {
		s := &out.Streams[i]
		switch s.CodecType {
		case "video":
			// Cover art and thumbnails are pictures, not the video.
			if s.Disposition["attached_pic"] == 1 || s.Disposition["timed_thumbnails"] == 1 {
				continue
			}
			if video == nil || (s.Disposition["default"] == 1 && video.Disposition["default"] != 1) {
				video = s
			}
		case "audio":
			if audio == nil || (s.Disposition["default"] == 1 && audio.Disposition["default"] != 1) {
				audio = s
			}
		}
	}
	if video == nil {
		return nil, reject(RejectNoVideoStream, "no video stream", "")
	}
	if strings.HasPrefix(info.FormatName, "image2") || strings.HasSuffix(info.FormatName, "_pipe") {
		return nil, reject(RejectStillImage, "not a video file: this is a still image", info.FormatName)
	}
	if video.Width <= 0 || video.Height <= 0 {
		return nil, reject(RejectUnknownSize, "not a video file: the picture size is unknown", "")
	}

	info.VideoStream = video.Index
	info.VideoCodec = video.CodecName
	info.Width, info.Height = video.Width, video.Height
	info.PixFmt = video.PixFmt
	info.ColorTransfer = video.ColorTransfer
	info.HDR = video.ColorTransfer == "smpte2084" || video.ColorTransfer == "arib-std-b67"
	info.FrameRate = parseRational(video.AvgFrameRate)
	info.RFrameRate = parseRational(video.RFrameRate)
	info.VFR = isVFR(info.RFrameRate, info.FrameRate)
	info.VideoBitRate = parseInt(video.BitRate)
	info.Rotation = rotationOf(video)
	info.SampleAspect = parseRatio(video.SampleAspectRatio)

	dw, dh := info.Width, info.Height
	if info.SampleAspect > 0 && math.Abs(info.SampleAspect-1) > 1e-3 {
		dw = int(math.Round(float64(info.Width) * info.SampleAspect))
	}
	if info.Rotation == 90 || info.Rotation == 270 {
		dw, dh = dh, dw
	}
	info.DisplayWidth, info.DisplayHeight = dw, dh

	if audio != nil {
		info.HasAudio = true
		info.AudioStream = audio.Index
		info.AudioCodec = audio.CodecName
		info.AudioChannels = audio.Channels
		info.AudioSampleRate = int(parseInt(audio.SampleRate))
	}
	if info.VideoBitRate == 0 && info.BitRate > 0 {
		// Matroska and others carry no per-stream rate: take the file's
		// less the audio's (or a typical 128 kb/s for audio).
		info.VideoBitRate = info.BitRate
		if audio != nil {
			ab := parseInt(audio.BitRate)
			if ab == 0 {
				ab = 128000
			}
			if info.VideoBitRate > 2*ab {
				info.VideoBitRate -= ab
			}
		}
	}

	info.Duration = parseFloat(out.Format.Duration)
	if info.Duration <= 0 {
		info.Duration = parseFloat(video.Duration)
	}
	if info.BitRate == 0 && info.Size > 0 && info.Duration > 0 {
		info.BitRate = int64(float64(info.Size) * 8 / info.Duration)
		if info.VideoBitRate == 0 {
			info.VideoBitRate = info.BitRate
		}
	}

	long, short := max(dw, dh), min(dw, dh)
	limLong, limShort := max(lim.MaxWidth, lim.MaxHeight), min(lim.MaxWidth, lim.MaxHeight)
	if long > limLong || short > limShort {
		return nil, reject(RejectTooLarge, fmt.Sprintf("video is too large: %dx%d exceeds the %dx%d limit",
			dw, dh, lim.MaxWidth, lim.MaxHeight), "")
	}
	if info.Duration <= 0 || math.IsNaN(info.Duration) {
		return nil, reject(RejectZeroDuration, "video has zero duration", "")
	}
	if d := time.Duration(info.Duration * float64(time.Second)); d > lim.MaxDuration {
		return nil, reject(RejectTooLong, fmt.Sprintf("video is too long: %s exceeds the %s limit",
			humanDuration(d), humanDuration(lim.MaxDuration)), "")
	}
	return info, nil
}

// rotationOf returns the clockwise display rotation of a stream, normalised
// to 0, 90, 180 or 270. ffprobe reports the display matrix angle
// counter-clockwise (an upright phone video shows -90); the legacy "rotate"
// tag is clockwise.
func rotationOf(s *probeStream) int {
	deg, ok := 0.0, false
	for _, sd := range s.SideDataList {
		if sd.Rotation != nil && (sd.SideDataType == "Display Matrix" || sd.SideDataType == "") {
			deg, ok = -*sd.Rotation, true
			break
		}
	}
	if !ok {
		if v, err := strconv.ParseFloat(s.Tags["rotate"], 64); err == nil {
			deg = v
		}
	}
	r := int(math.Round(deg/90)) * 90 % 360
	if r < 0 {
		r += 360
	}
	return r
}

// isVFR reports whether r_frame_rate (the lowest rate that represents every
// timestamp) and avg_frame_rate differ by more than 2%: phones and screen
// recorders drop or stretch frames when the picture is still.
func isVFR(r, avg float64) bool {
	if r <= 0 || avg <= 0 {
		return false
	}
	return math.Abs(r-avg)/math.Max(r, avg) > 0.02
}

func parseRational(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return parseFloat(s)
	}
	n, d := parseFloat(num), parseFloat(den)
	if d == 0 {
		return 0
	}
	return n / d
}

func parseRatio(s string) float64 {
	num, den, ok := strings.Cut(s, ":")
	if !ok {
		return 0
	}
	n, d := parseFloat(num), parseFloat(den)
	if n <= 0 || d <= 0 {
		return 0
	}
	return n / d
}

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func parseInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return int64(parseFloat(s))
	}
	return n
}

// humanDuration prints 6h, 7h12m, 45m, 1m30s, 12s.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 && h == 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// lastLine returns the last non-blank line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}
