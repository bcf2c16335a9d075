package packager

import (
	"testing"
	"time"
)

func TestTargetDuration(t *testing.T) {
	for _, tc := range []struct {
		ts   uint32
		durs []uint64
		want int
	}{
		{12800, []uint64{25600, 25600, 512}, 2}, // exactly 2 s
		{12800, []uint64{25601}, 3},             // a tick over 2 s
		{30000, []uint64{60060, 59059}, 3},      // 2.002 s
		{48000, []uint64{100}, 1},               // never below 1
	} {
		tr := TrackInfo{Timescale: tc.ts, Segments: segs(0, tc.durs...)}
		if got := tr.TargetDuration(); got != tc.want {
			t.Errorf("TargetDuration(%d, %v) = %d, want %d", tc.ts, tc.durs, got, tc.want)
		}
	}
}

func TestBandwidth(t *testing.T) {
	// 2 s segments of 250 kB (1 Mbit/s), one of 375 kB (1.5 Mbit/s), and a
	// 0.04 s tail of 25 kB (5 Mbit/s on its own, but too short to count).
	tr := TrackInfo{Timescale: 1000, Segments: []Segment{
		{Start: 0, Duration: 2000, Size: 250_000},
		{Start: 2000, Duration: 2000, Size: 375_000},
		{Start: 4000, Duration: 2000, Size: 250_000},
		{Start: 6000, Duration: 40, Size: 25_000},
	}}
	if got, want := tr.PeakBandwidth(), 1_500_000; got != want {
		t.Errorf("PeakBandwidth = %d, want %d", got, want)
	}
	// The tail does count when combined with a neighbour within 1.5x target.
	tr.Segments[3].Size = 200_000 // 250k+200k over 2.04 s = 1.76 Mbit/s
	if got, want := tr.PeakBandwidth(), 1_764_706; got != want {
		t.Errorf("PeakBandwidth with heavy tail = %d, want %d", got, want)
	}
	if got, want := tr.AverageBandwidth(), 8*1_075_000*1000/6040+1; got != want {
		t.Errorf("AverageBandwidth = %d, want %d", got, want)
	}
	short := TrackInfo{Timescale: 1000, Segments: []Segment{{Duration: 400, Size: 1000}}}
	if got := short.PeakBandwidth(); got != short.AverageBandwidth() || got != 20_000 {
		t.Errorf("PeakBandwidth of a lone short segment = %d, want the average 20000", got)
	}
}

func TestFrameRate(t *testing.T) {
	for _, tc := range []struct {
		ts, dur uint64
		str     string
		f       float64
	}{
		{12800, 512, "25", 25},
		{30000, 1001, "30000/1001", 29.97002997002997},
		{90000, 3003, "30000/1001", 29.97002997002997},
		{0, 0, "", 0},
	} {
		fr := newFrameRate(tc.ts, tc.dur)
		if fr.String() != tc.str || fr.Float() != tc.f {
			t.Errorf("newFrameRate(%d, %d) = %q %v, want %q %v", tc.ts, tc.dur, fr.String(), fr.Float(), tc.str, tc.f)
		}
	}
}

func TestDuration(t *testing.T) {
	tr := TrackInfo{Timescale: 48000, Segments: segs(0, 48128, 48128, 1)}
	// 96257/48000 s = 2.005354166666... s, rounded up to the nanosecond.
	if got, want := tr.Duration(), 2005354167*time.Nanosecond; got != want {
		t.Errorf("Duration = %v, want %v", got, want)
	}
	if got := ceilMillis(tr.Duration()); got != 2006*time.Millisecond {
		t.Errorf("ceilMillis = %v", got)
	}
	if got := ceilMillis(2 * time.Second); got != 2*time.Second {
		t.Errorf("ceilMillis(2s) = %v", got)
	}
}
