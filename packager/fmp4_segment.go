package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/Eyevinn/mp4ff/mp4"
)

// packageTrack writes <outDir>/<name>/init.mp4 and the media segments of one
// input and returns what it wrote. The input is read one moof at a time;
// sample payloads go from the input file to the segment file by byte range
// (io.Copy between two *os.File, which the kernel may do without copying to
// user space), so memory stays at one segment's sample table whatever the
// size of the input.
func packageTrack(ctx context.Context, in Input, outDir string, segSeconds float64) (TrackInfo, error) {
	if err := ctx.Err(); err != nil {
		return TrackInfo{}, err
	}
	src, err := openSource(in.Path)
	if err != nil {
		return TrackInfo{}, err
	}
	defer src.Close()

	info, err := describeTrack(in.Name, src.trak)
	if err != nil {
		return TrackInfo{}, err
	}

	// The first fragment decides the composition offset normalisation, which
	// the init segment must reflect, so read it before writing anything.
	samples, err := src.nextFragment(nil)
	if errors.Is(err, io.EOF) {
		return TrackInfo{}, errors.New("input has no samples")
	}
	if err != nil {
		return TrackInfo{}, err
	}
	var ctoShift int32
	if info.Kind == KindVideo && len(samples) > 0 {
		ctoShift = samples[0].CompositionTimeOffset
	}

	dir := filepath.Join(outDir, in.Name)
	// The rendition directory is ours: start it empty so a retried job never
	// leaves segments of an earlier, different run next to the new ones.
	if err := os.RemoveAll(dir); err != nil {
		return TrackInfo{}, fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return TrackInfo{}, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := writeInit(filepath.Join(dir, InitFileName), cmafHeader(src.moov, src.trex, ctoShift != 0)); err != nil {
		return TrackInfo{}, err
	}

	sg := &segmenter{
		src:       src,
		dir:       dir,
		kind:      info.Kind,
		step:      segSeconds * float64(info.Timescale),
		tol:       int64(info.Timescale / 1000), // 1 ms: absorbs rounding of k*SegmentSeconds*timescale
		styp:      mp4.NewStyp("cmfs", 0, []string{"cmfs", "cmfc", "msdh", "msix"}),
		ctoShift:  ctoShift,
		durCounts: make(map[uint32]int),
	}
	for {
		for _, s := range samples {
			if err := sg.add(s); err != nil {
				return TrackInfo{}, err
			}
		}
		if err := ctx.Err(); err != nil {
			return TrackInfo{}, err
		}
		samples, err = src.nextFragment(samples)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return TrackInfo{}, err
		}
	}
	if err := sg.flush(); err != nil {
		return TrackInfo{}, err
	}
	if len(sg.segs) == 0 {
		return TrackInfo{}, errors.New("input has no samples")
	}
	info.Segments = sg.segs
	if info.Kind == KindVideo {
		info.FrameRate = newFrameRate(uint64(info.Timescale), uint64(sg.commonDuration()))
	}
	return info, nil
}

func writeInit(path string, init *mp4.InitSegment) error {
	var buf bytes.Buffer
	if err := init.Encode(&buf); err != nil {
		return fmt.Errorf("encode init segment: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write init segment: %w", err)
	}
	return nil
}

// segmenter groups the input's samples into segments and writes each one as
// soon as the first sample of the next one arrives.
type segmenter struct {
	src  *source
	dir  string
	kind Kind
	step float64 // segment length in track ticks (SegmentSeconds * timescale)
	tol  int64
	styp *mp4.StypBox
	// ctoShift is subtracted from every composition time offset so that the
	// first video frame is presented at its decode time (see add).
	ctoShift int32

	started bool
	origin  int64 // presentation (video) or decode (audio) time of the first sample
	k       int64 // index of the next segment boundary
	cur     []sourceSample
	segs    []Segment

	durCounts map[uint32]int
	hdr       bytes.Buffer
	samples   []mp4.Sample
}

func (sg *segmenter) boundary(k int64) int64 {
	return int64(math.Round(float64(k) * sg.step))
}

// add appends one sample, first closing the current segment if the sample
// starts a new one.
//
// Video: a sync sample whose presentation time, relative to the first
// sample's, has reached the next boundary k*SegmentSeconds starts a segment.
// Presentation rather than decode time makes the rule independent of how the
// encoder offsets decode times for B-frames; with ffmpeg's output (tfdt from
// 0, constant IDR composition offset) the two coincide.
//
// Audio: every sample is a sync sample; the cut goes before the sample whose
// start is nearest to the boundary (the boundary lies before its midpoint).
//
// Composition offsets: ffmpeg's fragmented MP4 (empty_moov, no edit list)
// starts decode times at 0 and delays every presentation time by the B-frame
// reorder depth (2 frames with x264 defaults), so video plays 80 ms late
// against audio and each segment's earliest presentation time is 2 frames
// after its tfdt, not at the DASH S@t / HLS timeline position. Subtracting the
// first sample's offset from all offsets (negative offsets are fine: trun
// version 1) makes every segment of a closed-GOP stream present from its tfdt,
// which is what an edit list would have said; the input's edit list, if any,
// is dropped from the init segment accordingly.
func (sg *segmenter) add(s sourceSample) error {
	s.CompositionTimeOffset -= sg.ctoShift
	dts := int64(s.DecodeTime)
	cut := false
	switch sg.kind {
	case KindVideo:
		pts := dts + int64(s.CompositionTimeOffset)
		if !sg.started {
			if !isSync(s.Flags) {
				return fmt.Errorf("first video sample (decode time %d) is not a sync sample", s.DecodeTime)
			}
			sg.origin = pts
		}
		t := pts - sg.origin
		if isSync(s.Flags) && t >= sg.boundary(sg.k)-sg.tol {
			cut = true
			for t >= sg.boundary(sg.k)-sg.tol {
				sg.k++
			}
		}
		sg.durCounts[s.Dur]++
	case KindAudio:
		if !sg.started {
			sg.origin = dts
		}
		t2 := 2*(dts-sg.origin) + int64(s.Dur)
		if t2 > 2*sg.boundary(sg.k) {
			cut = true
			for t2 > 2*sg.boundary(sg.k) {
				sg.k++
			}
		}
	}
	sg.started = true
	if cut {
		if err := sg.flush(); err != nil {
			return err
		}
	}
	sg.cur = append(sg.cur, s)
	return nil
}

func isSync(flags uint32) bool {
	return !mp4.DecodeSampleFlags(flags).SampleIsNonSync
}

// commonDuration is the most frequent video sample duration (ties: the
// shortest), which gives the nominal frame rate even when the last frame's
// duration is odd.
func (sg *segmenter) commonDuration() uint32 {
	var best uint32
	bestN := 0
	for d, n := range sg.durCounts {
		if n > bestN || (n == bestN && d < best) {
			best, bestN = d, n
		}
	}
	return best
}

// flush writes the pending samples as the next segment: styp, a moof with one
// traf/trun describing the samples (tfdt = decode time of the first sample),
// and an mdat whose payload is copied from the input.
func (sg *segmenter) flush() error {
	if len(sg.cur) == 0 {
		return nil
	}
	num := len(sg.segs) + 1
	frag, err := mp4.CreateFragment(uint32(num), sg.src.trackID)
	if err != nil {
		return fmt.Errorf("segment %d: create fragment: %w", num, err)
	}
	frag.EncOptimize = mp4.OptimizeTrun
	sg.samples = sg.samples[:0]
	var dur, payload uint64
	for _, s := range sg.cur {
		sg.samples = append(sg.samples, s.Sample)
		dur += uint64(s.Dur)
		payload += uint64(s.Size)
	}
	// AddSamples only describes the samples: the mdat is "lazy" and Encode
	// writes just its header, sized for the payload copied below.
	frag.AddSamples(sg.samples, sg.cur[0].DecodeTime)
	if frag.Mdat.Size() >= 1<<32 {
		frag.Mdat.LargeSize = true
	}

	sg.hdr.Reset()
	if err := sg.styp.Encode(&sg.hdr); err != nil {
		return fmt.Errorf("segment %d: encode styp: %w", num, err)
	}
	if err := frag.Encode(&sg.hdr); err != nil {
		return fmt.Errorf("segment %d: encode moof: %w", num, err)
	}

	path := filepath.Join(sg.dir, SegmentFileName(num))
	size, err := sg.writeSegment(path, payload)
	if err != nil {
		return fmt.Errorf("segment %d: %w", num, err)
	}
	sg.segs = append(sg.segs, Segment{Number: num, Start: sg.cur[0].DecodeTime, Duration: dur, Size: size})
	sg.cur = sg.cur[:0]
	return nil
}

func (sg *segmenter) writeSegment(path string, payload uint64) (size int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	n, err := f.Write(sg.hdr.Bytes())
	if err != nil {
		return 0, fmt.Errorf("write header: %w", err)
	}
	size = int64(n)
	// Copy the payload in runs of contiguous sample data.
	var copied uint64
	for i := 0; i < len(sg.cur); {
		start := sg.cur[i].Offset
		end := start + int64(sg.cur[i].Size)
		j := i + 1
		for j < len(sg.cur) && sg.cur[j].Offset == end {
			end += int64(sg.cur[j].Size)
			j++
		}
		n, err := sg.src.copyRange(f, start, end-start)
		if err != nil {
			return 0, fmt.Errorf("copy sample data at offset %d: %w", start, err)
		}
		copied += uint64(n)
		i = j
	}
	if copied != payload {
		return 0, fmt.Errorf("copied %d bytes of sample data, want %d", copied, payload)
	}
	return size + int64(copied), nil
}

// copyRange copies n bytes at off of the input to w. With w an *os.File this
// becomes copy_file_range/sendfile on Linux.
func (s *source) copyRange(w io.Writer, off, n int64) (int64, error) {
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.CopyN(w, s.f, n)
}
