package packager

import (
	"errors"
	"strings"
	"testing"
)

// segs builds segments starting at start, with the given durations.
func segs(start uint64, durs ...uint64) []Segment {
	out := make([]Segment, len(durs))
	for i, d := range durs {
		out[i] = Segment{Number: i + 1, Start: start, Duration: d, Size: 1000}
		start += d
	}
	return out
}

func TestCheckAlignment(t *testing.T) {
	video := func(name string, ts uint32, s []Segment) TrackInfo {
		return TrackInfo{Name: name, Kind: KindVideo, Timescale: ts, Segments: s}
	}
	audio := TrackInfo{Name: "a0", Kind: KindAudio, Timescale: 48000, Segments: segs(0, 48128, 48128, 1000)}
	for _, tc := range []struct {
		name    string
		tracks  []TrackInfo
		wantRen string // "" = aligned
		wantSeg int
		wantMsg string
	}{
		{name: "single rendition", tracks: []TrackInfo{video("v0", 12800, segs(0, 12800, 12800)), audio}},
		{
			name: "aligned",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600, 25600, 5120)),
				video("v1", 12800, segs(0, 25600, 25600, 5120)),
				video("v2", 12800, segs(0, 25600, 25600, 5120)),
				audio, // audio boundaries never match video ones and do not matter
			},
		},
		{
			name: "aligned across timescales",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600, 25600, 512)),
				video("v1", 90000, segs(0, 180000, 180000, 3600)),
			},
		},
		{
			name: "boundary moved by one frame",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600, 25600, 25600, 512)),
				video("v1", 12800, segs(0, 25600, 25600, 25600, 512)),
				video("v2", 12800, segs(0, 25600, 26112, 25088, 512)),
			},
			wantRen: "v2", wantSeg: 3,
			wantMsg: "rendition v2 segment 3: starts at 4.040000s (51712/12800), reference starts at 4.000000s (51200/12800) (reference v0)",
		},
		{
			name: "different timescale, different instant",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600, 25600)),
				video("v1", 90000, segs(0, 180001, 179999)),
			},
			wantRen: "v1", wantSeg: 2,
		},
		{
			name: "first segment starts later",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600)),
				video("v1", 12800, segs(512, 25600)),
			},
			wantRen: "v1", wantSeg: 1,
		},
		{
			name: "segment count differs",
			tracks: []TrackInfo{
				video("v0", 12800, segs(0, 25600, 25600, 512)),
				video("v1", 12800, segs(0, 25600, 25600)),
			},
			wantRen: "v1", wantSeg: 0,
			wantMsg: "rendition v1: has 2 segments, reference has 3",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAlignment(tc.tracks)
			if tc.wantRen == "" {
				if err != nil {
					t.Fatalf("CheckAlignment = %v, want nil", err)
				}
				return
			}
			var ae *AlignmentError
			if !errors.As(err, &ae) || !errors.Is(err, ErrMisaligned) {
				t.Fatalf("CheckAlignment = %v, want an *AlignmentError wrapping ErrMisaligned", err)
			}
			if ae.Rendition != tc.wantRen || ae.Segment != tc.wantSeg || ae.Reference != "v0" {
				t.Errorf("got rendition %q segment %d reference %q, want %q %d v0", ae.Rendition, ae.Segment, ae.Reference, tc.wantRen, tc.wantSeg)
			}
			if tc.wantMsg != "" && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("message %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestCheckAlignmentZeroTimescale(t *testing.T) {
	err := CheckAlignment([]TrackInfo{
		{Name: "v0", Kind: KindVideo, Timescale: 12800, Segments: segs(0, 1)},
		{Name: "v1", Kind: KindVideo, Segments: segs(0, 1)},
	})
	if err == nil || !strings.Contains(err.Error(), "v1") {
		t.Fatalf("CheckAlignment = %v, want an error naming v1", err)
	}
}
