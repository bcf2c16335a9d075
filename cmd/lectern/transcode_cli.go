package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/transcode"
)

// transcodeCmd is a hidden verb for the benchmark (deploy/local/bench.sh):
//
//	lectern transcode args SOURCE OUTDIR [--json] [--rendition NAME | --per-rendition]
//
// It probes SOURCE and plans its ladder exactly as the worker does (same
// LECTERN_* configuration: segment duration, frame rate cap, size and
// duration limits), then prints the ffmpeg arguments (without "ffmpeg") the
// worker would run, writing into OUTDIR:
//
//   - default: the one-process ladder encode, one argument per line;
//   - --rendition NAME: the same encode restricted to one rendition (v0, v1,
//     ..., a0), i.e. one ffmpeg process that decodes the source and encodes
//     only that rendition with the same settings;
//   - --json: one JSON object {"ffmpeg", "ladder", "args"};
//   - --per-rendition: JSON {"ffmpeg", "ladder", "renditions": [{"name",
//     "args"}, ...]}, one argument list per rendition (always JSON).
func transcodeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "usage: lectern transcode args SOURCE OUTDIR [--json] [--rendition NAME | --per-rendition]"
	if len(args) == 0 || args[0] != "args" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fs := flag.NewFlagSet("transcode args", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object with the ladder and the arguments")
	only := fs.String("rendition", "", "only this rendition (v0, v1, ..., a0)")
	per := fs.Bool("per-rendition", false, "one argument list per rendition (JSON)")
	pos, err := splitArgs(fs, args[1:])
	if err != nil || len(pos) != 2 || (*only != "" && *per) {
		fmt.Fprintln(stderr, use)
		return 2
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 2
	}
	src, outDir := pos[0], pos[1]
	info, err := transcode.Probe(ctx, cfg.FFprobe, src, transcode.Limits{MaxWidth: cfg.MaxWidth, MaxHeight: cfg.MaxHeight, MaxDuration: cfg.MaxDuration})
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	ladder, err := transcode.PlanLadder(info, transcode.PlanOptions{SegmentSeconds: cfg.SegmentSeconds, MaxFPS: cfg.MaxFPS})
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}

	type rendition struct {
		Name string   `json:"name"`
		Args []string `json:"args"`
	}
	if *per {
		var rs []rendition
		for _, name := range renditionNames(ladder) {
			a, _ := renditionArgs(src, ladder, outDir, name)
			rs = append(rs, rendition{Name: name, Args: a})
		}
		return printJSON(stdout, stderr, map[string]any{"ffmpeg": cfg.FFmpeg, "ladder": ladder, "renditions": rs})
	}
	out := transcode.BuildEncodeArgs(src, ladder, outDir)
	if *only != "" {
		var ok bool
		if out, ok = renditionArgs(src, ladder, outDir, *only); !ok {
			fmt.Fprintf(stderr, "lectern: no rendition %q in this ladder (have %s)\n", *only, strings.Join(renditionNames(ladder), ", "))
			return 1
		}
	}
	if *asJSON {
		return printJSON(stdout, stderr, map[string]any{"ffmpeg": cfg.FFmpeg, "ladder": ladder, "args": out})
	}
	for _, a := range out {
		fmt.Fprintln(stdout, a)
	}
	return 0
}

func renditionNames(l transcode.Ladder) []string {
	var names []string
	for _, v := range l.Video {
		names = append(names, v.Name)
	}
	if l.Audio != nil {
		names = append(names, l.Audio.Name)
	}
	return names
}

// renditionArgs is BuildEncodeArgs for a ladder cut down to one rendition.
// For the audio rendition the (then empty) video filter graph is left out.
func renditionArgs(src string, l transcode.Ladder, outDir, name string) ([]string, bool) {
	one := l
	one.Video, one.Audio = nil, nil
	if l.Audio != nil && l.Audio.Name == name {
		one.Audio = l.Audio
	}
	for _, v := range l.Video {
		if v.Name == name {
			one.Video = []transcode.VideoRendition{v}
		}
	}
	if one.Audio == nil && len(one.Video) == 0 {
		return nil, false
	}
	args := transcode.BuildEncodeArgs(src, one, outDir)
	if len(one.Video) == 0 {
		if i := slices.Index(args, "-filter_complex"); i >= 0 {
			args = slices.Delete(args, i, i+2)
		}
	}
	return args, true
}

func printJSON(stdout, stderr io.Writer, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	fmt.Fprintln(stdout, string(b))
	return 0
}
