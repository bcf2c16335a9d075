package packager

import (
	"fmt"
	"math"
	"math/big"
	"time"
)

// Kind says whether a rendition carries video or audio. It is detected from
// the handler of the input's only track (vide / soun).
type Kind string

// The kinds of rendition the packager handles.
const (
	KindVideo Kind = "video"
	KindAudio Kind = "audio"
)

// File names inside a rendition directory, shared by the writer and the
// manifests so that they cannot drift apart.
const (
	InitFileName       = "init.mp4"
	MediaPlaylistURI   = "index.m3u8"
	MasterPlaylistName = "master.m3u8"
	DASHManifestName   = "manifest.mpd"
	segmentFormat      = "seg-%05d.m4s"
	// dashMediaTemplate must produce exactly SegmentFileName(n).
	dashMediaTemplate = "$RepresentationID$/seg-$Number%05d$.m4s"
	dashInitTemplate  = "$RepresentationID$/" + InitFileName
)

// SegmentFileName is the file name of media segment number n (1-based).
func SegmentFileName(n int) string { return fmt.Sprintf(segmentFormat, n) }

// FrameRate is an exact frame rate, Num/Den frames per second
// (25/1, 30000/1001, ...).
type FrameRate struct {
	Num uint64
	Den uint64
}

// Float returns the frame rate in frames per second, 0 if unknown.
func (f FrameRate) Float() float64 {
	if f.Den == 0 {
		return 0
	}
	return float64(f.Num) / float64(f.Den)
}

// String formats the frame rate as DASH wants it: "25" or "30000/1001".
func (f FrameRate) String() string {
	switch {
	case f.Den == 0 || f.Num == 0:
		return ""
	case f.Den == 1:
		return fmt.Sprintf("%d", f.Num)
	default:
		return fmt.Sprintf("%d/%d", f.Num, f.Den)
	}
}

func newFrameRate(timescale, sampleDur uint64) FrameRate {
	if timescale == 0 || sampleDur == 0 {
		return FrameRate{}
	}
	g := gcd(timescale, sampleDur)
	return FrameRate{Num: timescale / g, Den: sampleDur / g}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Segment is one media segment as written: seg-<Number>.m4s.
type Segment struct {
	Number   int    // 1-based, equals the mfhd sequence number
	Start    uint64 // tfdt baseMediaDecodeTime of the first sample, track timescale
	Duration uint64 // sum of the sample durations, track timescale
	Size     int64  // bytes of the .m4s file (styp + moof + mdat)
}

// TrackInfo describes one packaged rendition. Everything the manifests need
// is here, so HLSMaster, HLSMedia and DASHManifest need no I/O.
type TrackInfo struct {
	Name      string // directory name and DASH Representation id: v0, v1, a0
	Kind      Kind
	Codec     string // RFC 6381 codec string read from the init segment
	Timescale uint32 // mdhd timescale; segment times are in these units

	// Video only.
	Width     int
	Height    int
	FrameRate FrameRate // from the most common sample duration

	// Audio only.
	SampleRate int
	Channels   int

	Segments []Segment
}

// DurationTicks is the sum of all segment durations in the track timescale.
func (t TrackInfo) DurationTicks() uint64 {
	var d uint64
	for _, s := range t.Segments {
		d += s.Duration
	}
	return d
}

// Seconds converts ticks of this track's timescale to seconds.
func (t TrackInfo) Seconds(ticks uint64) float64 {
	if t.Timescale == 0 {
		return 0
	}
	return float64(ticks) / float64(t.Timescale)
}

// Duration is the exact track duration, rounded up to the nanosecond.
func (t TrackInfo) Duration() time.Duration {
	return ticksToDuration(t.DurationTicks(), t.Timescale)
}

// ticksToDuration converts ticks/timescale to a time.Duration, rounding up so
// that a duration derived from it never cuts off the last sample.
func ticksToDuration(ticks uint64, timescale uint32) time.Duration {
	if timescale == 0 {
		return 0
	}
	n := new(big.Int).Mul(new(big.Int).SetUint64(ticks), big.NewInt(int64(time.Second)))
	d := big.NewInt(int64(timescale))
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return time.Duration(q.Int64())
}

// MaxSegmentTicks is the longest segment duration in the track timescale.
func (t TrackInfo) MaxSegmentTicks() uint64 {
	var m uint64
	for _, s := range t.Segments {
		m = max(m, s.Duration)
	}
	return m
}

// TargetDuration is the HLS EXT-X-TARGETDURATION: the longest segment
// rounded up to whole seconds (exact integer arithmetic, never below 1).
func (t TrackInfo) TargetDuration() int {
	if t.Timescale == 0 {
		return 1
	}
	ts := uint64(t.Timescale)
	return int(max(1, (t.MaxSegmentTicks()+ts-1)/ts))
}

// AverageBandwidth is the total size of all segments in bits divided by the
// total duration, in bits per second (rounded up).
func (t TrackInfo) AverageBandwidth() int {
	var size int64
	for _, s := range t.Segments {
		size += s.Size
	}
	return bitrate(size, t.Seconds(t.DurationTicks()))
}

// PeakBandwidth is the peak segment bit rate as HLS (RFC 8216bis, 4.4.6.2)
// defines it: the largest bit rate of any contiguous run of segments whose
// total duration is between 0.5 and 1.5 times the target duration. Measuring
// windows rather than single segments keeps a short last segment (one GOP
// remainder) from inflating the figure. If no run qualifies (a track shorter
// than half a target duration) the average is the peak.
func (t TrackInfo) PeakBandwidth() int {
	target := float64(t.TargetDuration())
	lo, hi := 0.5*target, 1.5*target
	peak := 0
	for i := range t.Segments {
		var size int64
		var dur uint64
		for j := i; j < len(t.Segments); j++ {
			size += t.Segments[j].Size
			dur += t.Segments[j].Duration
			sec := t.Seconds(dur)
			if sec > hi {
				break
			}
			if sec >= lo {
				peak = max(peak, bitrate(size, sec))
			}
		}
	}
	if peak == 0 {
		return t.AverageBandwidth()
	}
	return peak
}

func bitrate(bytes int64, seconds float64) int {
	if seconds <= 0 {
		return 0
	}
	return int(math.Ceil(float64(bytes) * 8 / seconds))
}

// splitKinds returns the video and audio tracks, in their original order.
func splitKinds(tracks []TrackInfo) (video, audio []TrackInfo) {
	for _, t := range tracks {
		switch t.Kind {
		case KindVideo:
			video = append(video, t)
		case KindAudio:
			audio = append(audio, t)
		}
	}
	return video, audio
}

// presentationDuration is the longest track duration: the whole presentation.
func presentationDuration(tracks []TrackInfo) time.Duration {
	var d time.Duration
	for _, t := range tracks {
		d = max(d, t.Duration())
	}
	return d
}
