package assessments

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Interval is a stretch of a video, in seconds from its start.
type Interval struct{ Start, End float64 }

// Intervals is a set of stretches of a video, normalised: sorted by Start,
// disjoint and not touching (touching stretches are merged), each with
// End > Start >= 0 and both finite. Every function here returns
// normalised Intervals and expects them; build them with Normalize.
//
// In JSON, Intervals is an array of [start, end] pairs.
type Intervals []Interval

// Limits of a played-segments string.
const (
	maxSegmentsLen = 64 << 10
	maxSegments    = 4096
)

// ErrPlayedSegments is the error of a played-segments string that is not
// in the Video Profile's format.
var ErrPlayedSegments = errors.New("invalid played segments")

// ParsePlayedSegments reads the xAPI Video Profile extension
// https://w3id.org/xapi/video/extensions/played-segments: segments
// separated by "[,]", each "start[.]end" in seconds, plain decimal numbers
// ("12", "12.5", "12.500"; no sign, exponent, NaN or infinity), with start
// <= end. Players write the segment still playing as an open segment,
// "start" or "start[.]" without an end; one is accepted as the last
// segment and dropped (nothing of it is known to be watched). Segments of
// zero length are dropped too, and the rest normalised (overlaps merged).
// The empty string is no segment. At most 64 KiB and 4096 segments are
// read; beyond is an error (wrapping ErrPlayedSegments, like every error
// of the format).
func ParsePlayedSegments(s string) (Intervals, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > maxSegmentsLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrPlayedSegments, len(s), maxSegmentsLen)
	}
	if n := strings.Count(s, "[,]") + 1; n > maxSegments {
		return nil, fmt.Errorf("%w: %d segments, at most %d", ErrPlayedSegments, n, maxSegments)
	}
	parts := strings.Split(s, "[,]")
	raw := make([]Interval, 0, len(parts))
	for i, p := range parts {
		from, to, closed := strings.Cut(p, "[.]")
		last := i == len(parts)-1
		start, ok := parseSeconds(from)
		if !ok {
			return nil, fmt.Errorf("%w: segment %d %s: the start is not a number of seconds", ErrPlayedSegments, i, quote(p))
		}
		if !closed || to == "" {
			if !last {
				return nil, fmt.Errorf(`%w: segment %d %s: no end (only the last segment may be open)`, ErrPlayedSegments, i, quote(p))
			}
			continue
		}
		end, ok := parseSeconds(to)
		if !ok {
			return nil, fmt.Errorf("%w: segment %d %s: the end is not a number of seconds", ErrPlayedSegments, i, quote(p))
		}
		if end < start {
			return nil, fmt.Errorf("%w: segment %d %s: ends before it starts", ErrPlayedSegments, i, quote(p))
		}
		raw = append(raw, Interval{start, end})
	}
	return Normalize(raw), nil
}

// parseSeconds reads digits with an optional fraction ("12", "12.345").
func parseSeconds(s string) (float64, bool) {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return 0, false
		}
	}
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && finite(f)
}

// quote quotes a segment for an error, shortened if long.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// String is the played-segments form of the intervals, with millisecond
// precision ("0.000[.]12.000[,]14.000[.]21.500").
func (iv Intervals) String() string {
	var b []byte
	for i, x := range iv {
		if i > 0 {
			b = append(b, "[,]"...)
		}
		b = strconv.AppendFloat(b, x.Start, 'f', 3, 64)
		b = append(b, "[.]"...)
		b = strconv.AppendFloat(b, x.End, 'f', 3, 64)
	}
	return string(b)
}

// Normalize makes Intervals of any intervals: those with a NaN or
// infinite bound or no length are dropped, negative starts become 0, and
// overlapping or touching ones are merged. The input is not changed.
func Normalize(raw []Interval) Intervals {
	out := make(Intervals, 0, len(raw))
	for _, x := range raw {
		if !finite(x.Start) || !finite(x.End) {
			continue
		}
		x.Start = max(x.Start, 0)
		if x.End > x.Start {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
	merged := out[:1]
	for _, x := range out[1:] {
		if last := &merged[len(merged)-1]; x.Start <= last.End {
			last.End = max(last.End, x.End)
			continue
		}
		merged = append(merged, x)
	}
	return merged
}

// Union is what is in a, b or both.
func Union(a, b Intervals) Intervals {
	all := make([]Interval, 0, len(a)+len(b))
	all = append(all, a...)
	return Normalize(append(all, b...))
}

// Add is iv with [start, end] added.
func (iv Intervals) Add(start, end float64) Intervals {
	return Union(iv, Intervals{{start, end}})
}

// Clip is the part of iv within [lo, hi].
func (iv Intervals) Clip(lo, hi float64) Intervals {
	var out Intervals
	for _, x := range iv {
		s, e := max(x.Start, lo), min(x.End, hi)
		if e > s {
			out = append(out, Interval{s, e})
		}
	}
	return out
}

// Intersect is what is in both iv and b.
func (iv Intervals) Intersect(b Intervals) Intervals {
	var out Intervals
	for i, j := 0, 0; i < len(iv) && j < len(b); {
		s, e := max(iv[i].Start, b[j].Start), min(iv[i].End, b[j].End)
		if e > s {
			out = append(out, Interval{s, e})
		}
		if iv[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

// Subtract is the part of iv not in b.
func (iv Intervals) Subtract(b Intervals) Intervals {
	var out Intervals
	j := 0
	for _, x := range iv {
		for j < len(b) && b[j].End <= x.Start {
			j++
		}
		s := x.Start
		for k := j; k < len(b) && b[k].Start < x.End && s < x.End; k++ {
			if b[k].Start > s {
				out = append(out, Interval{s, b[k].Start})
			}
			s = max(s, b[k].End)
		}
		if s < x.End {
			out = append(out, Interval{s, x.End})
		}
	}
	return out
}

// Total is the length of the intervals, in seconds.
func (iv Intervals) Total() float64 {
	t := 0.0
	for _, x := range iv {
		t += x.End - x.Start
	}
	return t
}

// Truncate keeps the earliest seconds of iv (all of it when shorter).
func (iv Intervals) Truncate(seconds float64) Intervals {
	var out Intervals
	left := seconds
	for _, x := range iv {
		if !(left > 0) {
			break
		}
		if d := x.End - x.Start; d > left {
			if e := x.Start + left; e > x.Start {
				out = append(out, Interval{x.Start, e})
			}
			break
		}
		out = append(out, x)
		left -= x.End - x.Start
	}
	return out
}

// Contains reports whether t is in an interval, each taken as [Start,
// End): the end of a stretch is where it stops.
func (iv Intervals) Contains(t float64) bool {
	i := sort.Search(len(iv), func(i int) bool { return iv[i].End > t })
	return i < len(iv) && iv[i].Start <= t
}

// End is the end of the last interval, 0 without any.
func (iv Intervals) End() float64 {
	if len(iv) == 0 {
		return 0
	}
	return iv[len(iv)-1].End
}

// MarshalJSON writes the intervals as [[start, end], ...] ([] when none).
func (iv Intervals) MarshalJSON() ([]byte, error) {
	pairs := make([][2]float64, len(iv))
	for i, x := range iv {
		pairs[i] = [2]float64{x.Start, x.End}
	}
	return json.Marshal(pairs)
}

// UnmarshalJSON reads [[start, end], ...] (or null, for none), each pair
// with 0 <= start < end, and normalises the result.
func (iv *Intervals) UnmarshalJSON(data []byte) error {
	var pairs [][]float64
	if err := json.Unmarshal(data, &pairs); err != nil {
		return fmt.Errorf("intervals: must be an array of [start, end] pairs of numbers: %w", err)
	}
	raw := make([]Interval, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return fmt.Errorf("intervals: interval %d: must be a [start, end] pair (has %d numbers)", i, len(p))
		}
		if !finite(p[0]) || !finite(p[1]) || p[0] < 0 || p[1] <= p[0] {
			return fmt.Errorf("intervals: interval %d: [%v, %v] must have 0 <= start < end", i, p[0], p[1])
		}
		raw[i] = Interval{p[0], p[1]}
	}
	*iv = Normalize(raw)
	return nil
}
