package packager

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/grafov/m3u8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureTracks is a fixed ladder: 29.97 fps video with keyframes forced at
// every 2 s (so segments of 60 frames, one of 59, and a short last one), the
// second rendition in a 90 kHz timescale, and AAC audio cut at the AAC frame
// nearest each boundary.
func fixtureTracks() []TrackInfo {
	withSizes := func(s []Segment, sizes ...int64) []Segment {
		for i := range s {
			s[i].Size = sizes[i]
		}
		return s
	}
	return []TrackInfo{
		{
			Name: "v0", Kind: KindVideo, Codec: "avc1.64001F", Timescale: 30000,
			Width: 1280, Height: 720, FrameRate: FrameRate{Num: 30000, Den: 1001},
			Segments: withSizes(segs(0, 60060, 60060, 60060, 59059, 30030),
				750_000, 812_345, 701_000, 690_500, 240_000),
		},
		{
			Name: "v1", Kind: KindVideo, Codec: "avc1.64001E", Timescale: 90000,
			Width: 640, Height: 360, FrameRate: FrameRate{Num: 30000, Den: 1001},
			Segments: withSizes(segs(0, 180180, 180180, 180180, 177177, 90090),
				250_000, 260_100, 240_000, 231_000, 90_000),
		},
		{
			Name: "a0", Kind: KindAudio, Codec: "mp4a.40.2", Timescale: 48000,
			SampleRate: 48000, Channels: 2,
			Segments: withSizes(segs(0, 96256, 96256, 95232, 96256, 47104),
				24_300, 24_310, 24_050, 24_290, 11_900),
		},
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test ./packager -update if the change is intended)\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestHLSMasterGolden(t *testing.T) {
	all := fixtureTracks()
	for _, tc := range []struct {
		name   string
		tracks []TrackInfo
	}{
		{"master.m3u8", all},
		{"master_noaudio.m3u8", all[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := HLSMaster(tc.tracks).Encode().Bytes()
			checkGolden(t, tc.name, got)

			// It reads back as a master playlist with the same variants.
			p := m3u8.NewMasterPlaylist()
			if err := p.Decode(*bytes.NewBuffer(got), true); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(p.Variants) != 2 || p.Variants[0].URI != "v1/index.m3u8" {
				t.Errorf("variants %v, want v1 (lowest) first", p.Variants)
			}
			if !p.IndependentSegments() {
				t.Error("EXT-X-INDEPENDENT-SEGMENTS lost")
			}
		})
	}
}

func TestHLSMediaGolden(t *testing.T) {
	for _, tr := range fixtureTracks() {
		if tr.Name == "v1" {
			continue // same shape as v0
		}
		t.Run(tr.Name, func(t *testing.T) {
			p, err := HLSMedia(tr)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Encode().Bytes()
			checkGolden(t, tr.Name+"_index.m3u8", got)

			pl, typ, err := m3u8.DecodeWith(*bytes.NewBuffer(got), true, hlsDecoders())
			if err != nil || typ != m3u8.MEDIA {
				t.Fatalf("decode: %v (type %v)", err, typ)
			}
			back := pl.(*m3u8.MediaPlaylist)
			if back.Count() != uint(len(tr.Segments)) || back.TargetDuration != float64(tr.TargetDuration()) {
				t.Errorf("read back %d segments, target %v", back.Count(), back.TargetDuration)
			}
		})
	}
	if _, err := HLSMedia(TrackInfo{Name: "empty", Timescale: 1}); err == nil {
		t.Error("HLSMedia of a track without segments succeeded")
	}
}

func TestDASHManifestGolden(t *testing.T) {
	tracks := fixtureTracks()
	m, err := DASHManifest(tracks)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeMPD(m)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "manifest.mpd", got)

	back, err := mpd.MPDFromBytes(got)
	if err != nil {
		t.Fatalf("parse back: %v", err)
	}
	if back.GetType() != mpd.STATIC_TYPE || len(back.Periods) != 1 || len(back.Periods[0].AdaptationSets) != 2 {
		t.Fatalf("unexpected structure: %s", got)
	}
	// Every timeline adds up to its track, in the track's own ticks.
	byID := make(map[string]TrackInfo)
	for _, tr := range tracks {
		byID[tr.Name] = tr
	}
	for _, as := range back.Periods[0].AdaptationSets {
		for _, r := range as.Representations {
			var ticks uint64
			for _, s := range r.SegmentTemplate.SegmentTimeline.S {
				ticks += s.D * uint64(s.R+1)
			}
			if want := byID[r.Id].DurationTicks(); ticks != want {
				t.Errorf("%s: timeline sums to %d ticks, want %d", r.Id, ticks, want)
			}
		}
	}

	if _, err := DASHManifest(tracks[2:]); err == nil {
		t.Error("DASHManifest without video succeeded")
	}
}

func TestSegmentTimeline(t *testing.T) {
	s := []Segment{
		{Start: 100, Duration: 10}, {Start: 110, Duration: 10}, {Start: 120, Duration: 9},
		{Start: 129, Duration: 9}, {Start: 140, Duration: 9}, // gap: 138 -> 140
	}
	tl := segmentTimeline(s)
	type se struct {
		t int64 // -1: absent
		d uint64
		r int
	}
	var got []se
	for _, e := range tl.S {
		x := se{t: -1, d: e.D, r: e.R}
		if e.T != nil {
			x.t = int64(*e.T)
		}
		got = append(got, x)
	}
	want := []se{{100, 10, 1}, {-1, 9, 1}, {140, 9, 0}}
	if len(got) != len(want) {
		t.Fatalf("timeline %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("S[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
