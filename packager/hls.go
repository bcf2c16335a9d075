package packager

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/grafov/m3u8"
)

// hlsAudioGroup is the GROUP-ID shared by the audio EXT-X-MEDIA renditions
// and the AUDIO attribute of every variant.
const hlsAudioGroup = "aud"

// hlsMediaPlaylistVersion: EXT-X-MAP without EXT-X-I-FRAMES-ONLY needs 6;
// 7 is what current packagers (and Apple's tools) write for fMP4.
const hlsMediaPlaylistVersion = 7

// HLSMaster builds the master playlist for the packaged tracks:
// EXT-X-INDEPENDENT-SEGMENTS, one EXT-X-MEDIA TYPE=AUDIO per audio track in
// group "aud" (the first is DEFAULT=YES), and one EXT-X-STREAM-INF per video
// track with CODECS (video + audio), RESOLUTION, FRAME-RATE, AUDIO="aud",
// BANDWIDTH = video peak + largest audio peak, AVERAGE-BANDWIDTH = video
// average + largest audio average.
//
// Variants are listed lowest bandwidth first. Safari (native HLS) starts with
// the first variant listed and hls.js, unless told otherwise, starts from the
// first one too; our learners are often on hotel or mobile networks, so we
// start low and let ABR climb after the first segment or two instead of
// stalling on a 1080p first segment. A player that wants a different start
// sets it (hls.js startLevel / capLevelToPlayerSize).
//
// The version is left to m3u8 (4 once EXT-X-MEDIA is present); PROGRAM-ID,
// which m3u8 always writes, is legal below version 6.
func HLSMaster(tracks []TrackInfo) *m3u8.MasterPlaylist {
	video, audio := splitKinds(tracks)
	p := m3u8.NewMasterPlaylist()
	p.SetIndependentSegments(true)

	var alts []*m3u8.Alternative
	var audioCodecs []string
	audioPeak, audioAvg := 0, 0
	for i, a := range audio {
		alts = append(alts, &m3u8.Alternative{
			Type:       "AUDIO",
			GroupId:    hlsAudioGroup,
			Name:       audioName(a, i),
			Default:    i == 0,
			Autoselect: "YES",
			URI:        path.Join(a.Name, MediaPlaylistURI),
		})
		if !contains(audioCodecs, a.Codec) {
			audioCodecs = append(audioCodecs, a.Codec)
		}
		audioPeak = max(audioPeak, a.PeakBandwidth())
		audioAvg = max(audioAvg, a.AverageBandwidth())
	}

	sort.SliceStable(video, func(i, j int) bool { return lessBandwidth(video[i], video[j]) })
	for _, v := range video {
		params := m3u8.VariantParams{
			ProgramId:        1,
			Bandwidth:        uint32(v.PeakBandwidth() + audioPeak),
			AverageBandwidth: uint32(v.AverageBandwidth() + audioAvg),
			Codecs:           strings.Join(append([]string{v.Codec}, audioCodecs...), ","),
			Resolution:       fmt.Sprintf("%dx%d", v.Width, v.Height),
			FrameRate:        v.FrameRate.Float(),
			Alternatives:     alts,
		}
		if len(alts) > 0 {
			params.Audio = hlsAudioGroup
		}
		p.Append(path.Join(v.Name, MediaPlaylistURI), nil, params)
	}
	return p
}

func audioName(t TrackInfo, i int) string {
	if i == 0 {
		return "Audio"
	}
	return fmt.Sprintf("Audio %d (%s)", i+1, t.Name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lessBandwidth orders renditions from cheapest to most expensive.
func lessBandwidth(a, b TrackInfo) bool {
	if pa, pb := a.PeakBandwidth(), b.PeakBandwidth(); pa != pb {
		return pa < pb
	}
	return a.Width*a.Height < b.Width*b.Height
}

// HLSMedia builds the VOD media playlist of one track, relative to its own
// directory: version 7, EXT-X-PLAYLIST-TYPE:VOD, EXT-X-MAP:URI="init.mp4",
// EXT-X-INDEPENDENT-SEGMENTS, EXT-X-TARGETDURATION = ceil(longest segment),
// one EXTINF per segment with its exact duration (printed with 3 decimals by
// m3u8), EXT-X-ENDLIST.
func HLSMedia(t TrackInfo) (*m3u8.MediaPlaylist, error) {
	if len(t.Segments) == 0 {
		return nil, fmt.Errorf("hls media playlist %s: no segments", t.Name)
	}
	p, err := m3u8.NewMediaPlaylist(0, uint(len(t.Segments)))
	if err != nil {
		return nil, fmt.Errorf("hls media playlist %s: %w", t.Name, err)
	}
	for _, s := range t.Segments {
		if err := p.Append(SegmentFileName(s.Number), t.Seconds(s.Duration), ""); err != nil {
			return nil, fmt.Errorf("hls media playlist %s: segment %d: %w", t.Name, s.Number, err)
		}
	}
	p.SetDefaultMap(InitFileName, 0, 0)
	p.MediaType = m3u8.VOD
	p.TargetDuration = float64(t.TargetDuration())
	p.SetVersion(hlsMediaPlaylistVersion)
	// m3u8 writes EXT-X-INDEPENDENT-SEGMENTS only for master playlists; its
	// CustomTag hook emits it in the media playlist header without touching
	// the serialised text.
	p.SetCustomTag(independentSegments{})
	p.Close()
	return p, nil
}

// independentSegments is the EXT-X-INDEPENDENT-SEGMENTS tag as an m3u8
// CustomTag (and CustomDecoder, so playlists read back keep it).
type independentSegments struct{}

const independentSegmentsTag = "#EXT-X-INDEPENDENT-SEGMENTS"

func (independentSegments) TagName() string { return independentSegmentsTag }
func (independentSegments) Encode() *bytes.Buffer {
	return bytes.NewBufferString(independentSegmentsTag)
}
func (independentSegments) String() string { return independentSegmentsTag }
func (independentSegments) Decode(string) (m3u8.CustomTag, error) {
	return independentSegments{}, nil
}
func (independentSegments) SegmentTag() bool { return false }

// hlsDecoders are the custom tag decoders to pass to m3u8.DecodeWith to read
// back the media playlists HLSMedia writes without losing tags.
func hlsDecoders() []m3u8.CustomDecoder {
	return []m3u8.CustomDecoder{independentSegments{}}
}
