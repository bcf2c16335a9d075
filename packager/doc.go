// Package packager turns the fragmented MP4 renditions written by the
// transcode stage into one set of CMAF segments and the manifests that point
// at them: an HLS master playlist with one media playlist per rendition, and a
// static DASH MPD.
//
// The work is split in two halves:
//
//   - Package reads each input (v0.mp4 … vN.mp4, a0.mp4) fragment by
//     fragment, writes <name>/init.mp4 and <name>/seg-NNNNN.m4s, and returns a
//     TrackInfo per rendition describing what it wrote (codec strings read
//     from the init segment, exact segment start times and durations in the
//     track timescale, segment sizes). Sample payloads are never decoded or
//     held in memory: they are copied byte range by byte range from the input
//     file to the segment file.
//   - HLSMaster, HLSMedia and DASHManifest are pure functions of []TrackInfo
//     that return typed manifests (grafov/m3u8, Eyevinn/dash-mpd), serialised
//     only at the edge. Golden tests exercise them without ffmpeg.
//   - SegmentLimit, GatedMaster, GatedMediaPlaylist and GatedMPD (gate.go)
//     rewrite the published manifests for one gated learner: cut after a
//     segment limit, with absolute segment URLs under the learner's gated
//     CDN base. Pure functions of the published bytes.
//
// Segmenting: a video segment starts at every sync sample whose presentation
// time (relative to the first sample) reaches the next multiple of
// Options.SegmentSeconds; the encoder places keyframes exactly there in every
// rendition, so the cuts line up across the ladder, which CheckAlignment
// verifies before any manifest is written. An audio segment starts at the
// sample whose start is nearest to the same boundary times.
//
// Timing: tfdt decode times and sample durations are copied unchanged, so the
// HLS EXTINF values, the DASH SegmentTimeline and the segments agree to the
// tick. Video composition offsets are shifted by the first sample's offset
// (the encoder's B-frame delay), so that every segment is presented from its
// tfdt on, as the manifests say, and video is not 2 frames late against audio.
//
// Layout written under outDir:
//
//	master.m3u8             HLS master playlist
//	manifest.mpd            DASH MPD (static, SegmentTemplate + SegmentTimeline)
//	<name>/index.m3u8       HLS media playlist (VOD, EXT-X-MAP init.mp4)
//	<name>/init.mp4         CMAF header (ftyp cmfc + moov with mvex/trex)
//	<name>/seg-00001.m4s    CMAF segments (styp + moof + mdat)
package packager
