package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// requireFFmpeg returns the paths of ffmpeg and ffprobe. A missing binary
// fails the test: the packager is only tested for real with real media.
// LECTERN_SKIP_FFMPEG=1 skips instead, for machines that only run unit tests.
func requireFFmpeg(t testing.TB) (ffmpeg, ffprobe string) {
	t.Helper()
	if os.Getenv("LECTERN_SKIP_FFMPEG") == "1" {
		t.Skip("LECTERN_SKIP_FFMPEG=1: skipping test that needs ffmpeg")
	}
	var err error
	if ffmpeg, err = exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg not found in PATH (install it, e.g. apt-get install ffmpeg, or set LECTERN_SKIP_FFMPEG=1): %v", err)
	}
	if ffprobe, err = exec.LookPath("ffprobe"); err != nil {
		t.Fatalf("ffprobe not found in PATH (install ffmpeg, or set LECTERN_SKIP_FFMPEG=1): %v", err)
	}
	return ffmpeg, ffprobe
}

// rendition describes one output of the test encode.
type testRendition struct {
	name   string
	width  int
	height int
	// keyframes: GOP length in frames, and whether keyframes are also forced
	// at every multiple of forceEvery seconds (0: not forced).
	gop        int
	forceEvery float64
}

type testEncode struct {
	seconds    float64
	fps        int
	video      []testRendition
	audio      bool
	audioFragS float64 // -frag_duration for the audio output, seconds
}

// encode runs ONE ffmpeg like the transcode stage does: split the decoded
// source, one fragmented MP4 per rendition, audio as its own file.
func (e testEncode) run(t testing.TB, dir string) []Input {
	t.Helper()
	ffmpeg, _ := requireFFmpeg(t)
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d:duration=%g", e.video[0].width, e.video[0].height, e.fps, e.seconds),
	}
	if e.audio {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%g", e.seconds))
	}
	var filter bytes.Buffer
	fmt.Fprintf(&filter, "[0:v]split=%d", len(e.video))
	for i := range e.video {
		fmt.Fprintf(&filter, "[s%d]", i)
	}
	for i, r := range e.video {
		fmt.Fprintf(&filter, ";[s%d]scale=%d:%d[o%d]", i, r.width, r.height, i)
	}
	args = append(args, "-filter_complex", filter.String())
	frag := []string{"-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"}
	var inputs []Input
	for i, r := range e.video {
		args = append(args, "-map", fmt.Sprintf("[o%d]", i),
			"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
			"-g", strconv.Itoa(r.gop), "-keyint_min", strconv.Itoa(r.gop), "-sc_threshold", "0", "-flags", "+cgop")
		if r.forceEvery > 0 {
			args = append(args, "-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%g)", r.forceEvery))
		}
		p := filepath.Join(dir, r.name+".mp4")
		args = append(append(args, frag...), p)
		inputs = append(inputs, Input{Name: r.name, Path: p})
	}
	if e.audio {
		p := filepath.Join(dir, "a0.mp4")
		args = append(args, "-map", "1:a", "-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a", "96k",
			"-frag_duration", strconv.Itoa(int(e.audioFragS*1e6)))
		args = append(append(args, frag...), p)
		inputs = append(inputs, Input{Name: "a0", Path: p})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	return inputs
}

// probeStream is the part of ffprobe's -show_streams JSON the tests use.
type probeStream struct {
	CodecName    string `json:"codec_name"`
	CodecTag     string `json:"codec_tag_string"`
	Profile      string `json:"profile"`
	Level        int    `json:"level"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	SampleRate   string `json:"sample_rate"`
	Channels     int    `json:"channels"`
	NbReadFrames string `json:"nb_read_frames"`
	RFrameRate   string `json:"r_frame_rate"`
}

func ffprobeStream(t testing.TB, path string, countFrames bool) probeStream {
	t.Helper()
	_, ffprobe := requireFFmpeg(t)
	args := []string{"-v", "error", "-print_format", "json", "-show_streams"}
	if countFrames {
		args = append(args, "-count_frames")
	}
	args = append(args, path)
	out, err := exec.Command(ffprobe, args...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct {
		Streams []probeStream `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ffprobe %s: parse json: %v\n%s", path, err, out)
	}
	if len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d streams, want 1", path, len(res.Streams))
	}
	return res.Streams[0]
}
