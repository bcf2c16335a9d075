// Package transcode turns an uploaded source into the files the packager
// cuts into CMAF segments: it probes the source with ffprobe (Probe), plans
// the rendition ladder (PlanLadder), builds one ffmpeg command that decodes
// the source once and encodes every rendition (BuildEncodeArgs), runs it with
// progress and cancellation (Run), and makes the poster and seek-bar
// thumbnails (Poster, Thumbnails, ThumbnailsVTT). Scratch hands out per-job
// working directories within a disk budget.
//
// The pipeline for one job:
//
//	info, err := transcode.Probe(ctx, "ffprobe", src, transcode.Limits{})
//	ladder, err := transcode.PlanLadder(info, transcode.PlanOptions{})
//	args := transcode.BuildEncodeArgs(src, ladder, outDir)
//	err = transcode.Run(ctx, "ffmpeg", args, info.Duration, report)
//
// which leaves outDir/v0.mp4 ... vN.mp4 (one video track each, one fragment
// per segment, keyframes on the same timestamps in every file) and
// outDir/a0.mp4 (AAC-LC stereo).
//
// # Untrusted input
//
// Sources come from users. ffprobe and ffmpeg only ever get "file:" plus an
// absolute path, -protocol_whitelist file and -format_whitelist InputFormats,
// so a playlist (HLS, concat, DASH), an image sequence or a network URL
// disguised as a video is refused before it can open anything else. See
// Probe.
//
// # Why the encode command is built by hand, and ffmpeg-go only for stills
//
// github.com/u2takey/ffmpeg-go builds a command line from a graph of
// filter nodes with per-output options in a map. It can express the encode
// (a split node feeding several outputs merged with MergeOutputs; each
// output gets its own map, so "-map" does not collide), but what it emits is
// not what we would review: split labels are numbered by graph traversal
// ([s3], [s4]) instead of named after renditions, every output's options come
// out sorted by name, an option can appear only once per output, and
// malformed graphs panic rather than return errors. Its runner (Run,
// Compile) logs each command through a package-global switch and has no
// process-group kill or progress parsing, so it would be GetArgs only. The
// encode command is the heart of the pipeline, so BuildEncodeArgs writes the
// argument list in the order ffmpeg reads it, pinned by a golden file, and
// Run executes every command.
//
// The poster and the thumbnail sprite are one input, one filter chain, one
// output, which ffmpeg-go expresses cleanly, so PosterArgs and ThumbnailArgs
// use its graph builder (GetArgs only; ffmpeg accepts the sorted options and
// the trailing global ones). The price is its dependency on aws-sdk-go v1
// (linked because ffmpeg-go can write to s3:// outputs), about 13 MB of
// binary; those two functions are its only users and are a few lines each
// to write by hand if that price is not worth it.
package transcode
