package packager

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/grafov/m3u8"
)

// Gated manifests: what one learner's player is given when playback is gated
// at a checkpoint. The learner may fetch segments 1..limit of every
// rendition and nothing after (the edge enforces it, internal/cdn Gated);
// these functions rewrite the published manifests to end there, with
// absolute segment URLs under the learner's gated base. They are pure
// functions of the manifests Package wrote, so they work from the published
// copies without the TrackInfo.
//
// Segment numbers mean the same time span in every rendition: video
// renditions are cut on the same keyframes, and each audio segment starts at
// the sample nearest the same boundary (CheckAlignment). One limit, computed
// once on a video playlist with SegmentLimit, applies to all of them.
//
// A limit of 0 leaves manifests without media segments (init only). They are
// well-formed, but players refuse to play them; a caller gating at time 0
// shows the checkpoint before loading the player.

// ErrNotOurs is returned (wrapped) for a manifest that is not one Package
// writes: not VOD, not CMAF segments with EXT-X-MAP, URIs that are not
// relative to the rendition, encrypted, byte ranges, and so on.
var ErrNotOurs = errors.New("not a manifest the packager writes")

// renditionName is what a rendition directory may be called, the same
// pattern the edge accepts (deploy/local/edge.js).
var renditionName = regexp.MustCompile(`^[a-z0-9]{1,16}$`)

// SegmentLimit returns how many segments of an HLS media playlist (ours)
// start before until, in seconds from the start of the presentation: the
// segment containing until is included, a segment starting exactly at until
// is not. until at or past the end gives every segment; until <= 0 gives 0.
//
// Start times are the sums of the playlist's EXTINF durations, which is how
// HLS players place segments on the timeline; each duration is rounded to
// the microsecond first, so a boundary compares exactly rather than by the
// accident of float addition. Compute it on a video rendition's playlist
// and use it for every rendition.
func SegmentLimit(mediaPlaylist []byte, until float64) (int, error) {
	if math.IsNaN(until) {
		return 0, fmt.Errorf("segment limit: until is NaN")
	}
	p, err := decodeMediaPlaylist(mediaPlaylist)
	if err != nil {
		return 0, fmt.Errorf("segment limit: %w", err)
	}
	segs := p.GetAllSegments()
	if math.IsInf(until, 1) {
		return len(segs), nil
	}
	untilMicros := math.Round(until * 1e6)
	var start int64 // microseconds
	for i, s := range segs {
		if float64(start) >= untilMicros {
			return i, nil
		}
		start += int64(math.Round(s.Duration * 1e6))
	}
	return len(segs), nil
}

// GatedMediaPlaylist returns the media playlist cut after its first limit
// segments, with absolute URIs: base is the URL of the rendition's gated
// directory, ending in "/" (for rendition v0, cdn.Signer.Gated's base +
// "v0/"), and every URI in the playlist (EXT-X-MAP init.mp4, seg-00001.m4s,
// ...) is relative to the rendition's directory, so it becomes base + URI.
//
// The result keeps the input's version, target duration, media sequence,
// EXT-X-INDEPENDENT-SEGMENTS and segment durations, is VOD and ends with
// EXT-X-ENDLIST: a shorter, complete presentation. A limit at or past the
// segment count keeps every segment.
func GatedMediaPlaylist(mediaPlaylist []byte, limit int, base string) ([]byte, error) {
	if err := checkGateArgs(limit, base); err != nil {
		return nil, fmt.Errorf("gated media playlist: %w", err)
	}
	in, err := decodeMediaPlaylist(mediaPlaylist)
	if err != nil {
		return nil, fmt.Errorf("gated media playlist: %w", err)
	}
	segs := in.GetAllSegments()
	segs = segs[:min(limit, len(segs))]
	out, err := m3u8.NewMediaPlaylist(0, uint(max(len(segs), 1)))
	if err != nil {
		return nil, fmt.Errorf("gated media playlist: %w", err)
	}
	for i, s := range segs {
		c := *s
		c.URI = base + s.URI
		c.Map = nil // the playlist's EXT-X-MAP, below
		if err := out.AppendSegment(&c); err != nil {
			return nil, fmt.Errorf("gated media playlist: segment %d: %w", i+1, err)
		}
	}
	out.SetDefaultMap(base+in.Map.URI, in.Map.Limit, in.Map.Offset)
	out.MediaType = m3u8.VOD
	out.TargetDuration = in.TargetDuration
	out.SeqNo = in.SeqNo
	out.SetVersion(in.Version())
	if _, ok := in.Custom[independentSegmentsTag]; ok {
		out.SetCustomTag(independentSegments{})
	}
	out.Close()
	return bytes.Clone(out.Encode().Bytes()), nil
}

// decodeMediaPlaylist reads a media playlist Package wrote, refusing what
// the gated rewrite could not keep right: a live or event playlist, no
// EXT-X-MAP or a segment with its own, keys, discontinuities, URIs that are
// not plain paths inside the rendition's directory.
func decodeMediaPlaylist(b []byte) (*m3u8.MediaPlaylist, error) {
	pl, typ, err := m3u8.DecodeWith(*bytes.NewBuffer(b), true, hlsDecoders())
	if err != nil {
		return nil, fmt.Errorf("decode media playlist: %w", err)
	}
	if typ != m3u8.MEDIA {
		return nil, fmt.Errorf("decode media playlist: a master playlist: %w", ErrNotOurs)
	}
	p := pl.(*m3u8.MediaPlaylist)
	if p.MediaType != m3u8.VOD || !p.Closed {
		return nil, fmt.Errorf("decode media playlist: not a closed VOD playlist: %w", ErrNotOurs)
	}
	if p.Map == nil || !renditionRelative(p.Map.URI) {
		return nil, fmt.Errorf("decode media playlist: EXT-X-MAP missing or not relative: %w", ErrNotOurs)
	}
	if p.Key != nil {
		return nil, fmt.Errorf("decode media playlist: encrypted: %w", ErrNotOurs)
	}
	for i, s := range p.GetAllSegments() {
		switch {
		case !renditionRelative(s.URI):
			return nil, fmt.Errorf("decode media playlist: segment %d URI %q is not relative to the rendition: %w", i+1, s.URI, ErrNotOurs)
		case s.Key != nil || s.Discontinuity || s.Limit > 0 || s.SCTE != nil:
			return nil, fmt.Errorf("decode media playlist: segment %d has keys, a discontinuity, a byte range or a cue: %w", i+1, ErrNotOurs)
		case s.Map != nil && *s.Map != *p.Map:
			return nil, fmt.Errorf("decode media playlist: segment %d has its own EXT-X-MAP: %w", i+1, ErrNotOurs)
		case s.Duration <= 0 || math.IsInf(s.Duration, 0) || math.IsNaN(s.Duration):
			return nil, fmt.Errorf("decode media playlist: segment %d duration %v: %w", i+1, s.Duration, ErrNotOurs)
		}
	}
	return p, nil
}

// renditionRelative tells whether u is a plain relative path that stays
// inside the directory it is relative to: "init.mp4", "seg-00001.m4s".
func renditionRelative(u string) bool {
	if u == "" || strings.ContainsAny(u, "?#%\\:") || strings.HasPrefix(u, "/") {
		return false
	}
	return path.Clean(u) == u && u != ".." && !strings.HasPrefix(u, "../")
}

// GatedMaster returns the master playlist as the API serves it to a gated
// learner, at /play/<token>/master.m3u8: unchanged, because its variant and
// audio URIs ("v0/index.m3u8", "a0/index.m3u8") are relative and resolve to
// /play/<token>/<rendition>/index.m3u8, which the API answers with that
// rendition's GatedMediaPlaylist. It checks the playlist is ours: every URI
// is <rendition>/index.m3u8, nothing pointing elsewhere (another host, an
// absolute path, I-frame playlists).
func GatedMaster(master []byte) ([]byte, error) {
	pl, typ, err := m3u8.DecodeFrom(bytes.NewReader(master), true)
	if err != nil {
		return nil, fmt.Errorf("gated master: decode: %w", err)
	}
	if typ != m3u8.MASTER {
		return nil, fmt.Errorf("gated master: a media playlist: %w", ErrNotOurs)
	}
	p := pl.(*m3u8.MasterPlaylist)
	if len(p.Variants) == 0 {
		return nil, fmt.Errorf("gated master: no variants: %w", ErrNotOurs)
	}
	for _, v := range p.Variants {
		if v.Iframe || !isRenditionPlaylist(v.URI) {
			return nil, fmt.Errorf("gated master: variant %q: %w", v.URI, ErrNotOurs)
		}
		for _, a := range v.Alternatives {
			if a.URI != "" && !isRenditionPlaylist(a.URI) {
				return nil, fmt.Errorf("gated master: %s rendition %q: %w", a.Type, a.URI, ErrNotOurs)
			}
		}
	}
	return bytes.Clone(p.Encode().Bytes()), nil
}

// RenditionOfPlaylist returns the rendition of a media playlist URI as the
// master playlist names it ("v0/index.m3u8" -> "v0"), and whether uri is
// one: what the API serving /play/<token>/<rendition>/index.m3u8 checks.
func RenditionOfPlaylist(uri string) (string, bool) {
	name, file, ok := strings.Cut(uri, "/")
	if !ok || file != MediaPlaylistURI || !renditionName.MatchString(name) {
		return "", false
	}
	return name, true
}

func isRenditionPlaylist(uri string) bool {
	_, ok := RenditionOfPlaylist(uri)
	return ok
}

// GatedMPD returns the MPD cut after the first limit segments of every
// Representation, with base as its MPD-level BaseURL: the templates
// "$RepresentationID$/init.mp4" and "$RepresentationID$/seg-$Number%05d$.m4s"
// then resolve to base + "v0/init.mp4" and so on. base is the encode's gated
// base (cdn.Signer.Gated), ending in "/".
//
// Every SegmentTimeline keeps its first limit segments (an S with a repeat
// count is split where the limit falls), and mediaPresentationDuration
// becomes the end of the longest kept video timeline, rounded up to the
// millisecond as DASHManifest does (audio may end a few milliseconds either
// side; players stop at the presentation's end). A limit at or past every
// timeline's count changes no timing, only the BaseURL.
func GatedMPD(manifest []byte, limit int, base string) ([]byte, error) {
	if err := checkGateArgs(limit, base); err != nil {
		return nil, fmt.Errorf("gated mpd: %w", err)
	}
	m, err := mpd.MPDFromBytes(manifest)
	if err != nil {
		return nil, fmt.Errorf("gated mpd: decode: %w", err)
	}
	if m.GetType() != mpd.STATIC_TYPE || len(m.Periods) != 1 {
		return nil, fmt.Errorf("gated mpd: not a static single-period MPD: %w", ErrNotOurs)
	}
	p := m.Periods[0]
	// Segment URLs must resolve against the one BaseURL set below only.
	if len(m.BaseURL) > 0 || len(p.BaseURLs) > 0 {
		return nil, fmt.Errorf("gated mpd: has BaseURLs of its own: %w", ErrNotOurs)
	}
	for _, as := range p.AdaptationSets {
		if len(as.BaseURLs) > 0 {
			return nil, fmt.Errorf("gated mpd: adaptation set has BaseURLs of its own: %w", ErrNotOurs)
		}
		for _, r := range as.Representations {
			if len(r.BaseURLs) > 0 {
				return nil, fmt.Errorf("gated mpd: representation %s has BaseURLs of its own: %w", r.Id, ErrNotOurs)
			}
		}
	}
	var videoEnd, anyEnd time.Duration
	truncated := false
	trimmed := make(map[*mpd.SegmentTemplateType]time.Duration)
	for _, as := range p.AdaptationSets {
		for _, r := range as.Representations {
			st := r.GetSegmentTemplate()
			if st == nil || st.SegmentTimeline == nil {
				return nil, fmt.Errorf("gated mpd: representation %s has no SegmentTimeline: %w", r.Id, ErrNotOurs)
			}
			end, done := trimmed[st]
			if !done {
				var cut bool
				if end, cut, err = trimTimeline(st, limit); err != nil {
					return nil, fmt.Errorf("gated mpd: representation %s: %w", r.Id, err)
				}
				trimmed[st] = end
				truncated = truncated || cut
			}
			anyEnd = max(anyEnd, end)
			if as.ContentType == "video" || strings.HasPrefix(r.GetMimeType(), "video/") {
				videoEnd = max(videoEnd, end)
			}
		}
	}
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("gated mpd: no representations: %w", ErrNotOurs)
	}
	if truncated {
		end := videoEnd
		if end == 0 {
			end = anyEnd
		}
		m.MediaPresentationDuration = durPtr(ceilMillis(end))
		if p.Duration != nil {
			p.Duration = durPtr(ceilMillis(end))
		}
	}
	m.BaseURL = []*mpd.BaseURLType{mpd.NewBaseURL(base)}
	return encodeMPD(m)
}

// trimTimeline keeps the first limit segments of st's timeline and returns
// where the last kept one ends (relative to the presentation time offset)
// and whether any were dropped.
func trimTimeline(st *mpd.SegmentTemplateType, limit int) (end time.Duration, cut bool, err error) {
	if st.Timescale == nil || *st.Timescale == 0 {
		return 0, false, fmt.Errorf("no timescale: %w", ErrNotOurs)
	}
	if st.EndNumber != nil {
		return 0, false, fmt.Errorf("endNumber set: %w", ErrNotOurs)
	}
	var pto uint64
	if st.PresentationTimeOffset != nil {
		pto = *st.PresentationTimeOffset
	}
	var kept []*mpd.S
	n := 0
	var t uint64
	for _, s := range st.SegmentTimeline.S {
		if s.R < 0 || s.D == 0 || s.N != nil || s.K != nil {
			return 0, false, fmt.Errorf("timeline entry without a fixed duration and count: %w", ErrNotOurs)
		}
		if s.T != nil {
			t = *s.T
		}
		count := s.R + 1
		if n+count > limit {
			if keep := limit - n; keep > 0 {
				c := *s
				c.R = keep - 1
				kept = append(kept, &c)
				t += s.D * uint64(keep)
			}
			cut = true
			break
		}
		kept = append(kept, s)
		n += count
		t += s.D * uint64(count)
	}
	st.SegmentTimeline.S = kept
	if t < pto {
		return 0, cut, nil
	}
	return ticksToDuration(t-pto, *st.Timescale), cut, nil
}

func checkGateArgs(limit int, base string) error {
	if limit < 0 {
		return fmt.Errorf("negative segment limit %d", limit)
	}
	if !strings.HasSuffix(base, "/") {
		return fmt.Errorf("base %q does not end in /", base)
	}
	if _, err := url.Parse(base); err != nil {
		return fmt.Errorf("base: %w", err)
	}
	return nil
}
