package packager

import (
	"errors"
	"fmt"
	"math/big"
)

// ErrMisaligned is wrapped by every error CheckAlignment returns, so callers
// can tell an encoding problem (permanent: re-packaging will not fix it) from
// an I/O failure with errors.Is.
var ErrMisaligned = errors.New("video renditions are not segment-aligned")

// AlignmentError names the first place where two video renditions disagree.
type AlignmentError struct {
	Reference string // the rendition the others are compared with (the first video track)
	Rendition string // the rendition that differs
	Segment   int    // 1-based segment number; 0 when the segment counts differ
	Detail    string // what differs, in words
}

func (e *AlignmentError) Error() string {
	if e.Segment == 0 {
		return fmt.Sprintf("%v: rendition %s: %s (reference %s)", ErrMisaligned, e.Rendition, e.Detail, e.Reference)
	}
	return fmt.Sprintf("%v: rendition %s segment %d: %s (reference %s)", ErrMisaligned, e.Rendition, e.Segment, e.Detail, e.Reference)
}

func (e *AlignmentError) Unwrap() error { return ErrMisaligned }

// CheckAlignment verifies that every video rendition has the same number of
// segments and that segment n starts at the same instant in all of them
// (start decode times compared as exact rationals start/timescale, so
// renditions with different timescales compare correctly). Players switch
// renditions at segment boundaries; a boundary that moves by a single frame
// between renditions shows as a stutter or a decode error, so the job must
// fail instead. Audio tracks are ignored: they are never switched with video.
func CheckAlignment(tracks []TrackInfo) error {
	video, _ := splitKinds(tracks)
	if len(video) < 2 {
		return nil
	}
	ref := video[0]
	if ref.Timescale == 0 {
		return fmt.Errorf("check alignment: rendition %s has timescale 0", ref.Name)
	}
	for _, t := range video[1:] {
		if t.Timescale == 0 {
			return fmt.Errorf("check alignment: rendition %s has timescale 0", t.Name)
		}
		n := min(len(ref.Segments), len(t.Segments))
		for i := range n {
			a := big.NewRat(int64(ref.Segments[i].Start), int64(ref.Timescale))
			b := big.NewRat(int64(t.Segments[i].Start), int64(t.Timescale))
			if a.Cmp(b) != 0 {
				af, _ := a.Float64()
				bf, _ := b.Float64()
				return &AlignmentError{
					Reference: ref.Name,
					Rendition: t.Name,
					Segment:   i + 1,
					Detail: fmt.Sprintf("starts at %.6fs (%d/%d), reference starts at %.6fs (%d/%d)",
						bf, t.Segments[i].Start, t.Timescale, af, ref.Segments[i].Start, ref.Timescale),
				}
			}
		}
		if len(t.Segments) != len(ref.Segments) {
			return &AlignmentError{
				Reference: ref.Name,
				Rendition: t.Name,
				Detail:    fmt.Sprintf("has %d segments, reference has %d", len(t.Segments), len(ref.Segments)),
			}
		}
	}
	return nil
}
