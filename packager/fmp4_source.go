package packager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/Eyevinn/mp4ff/bits"
	"github.com/Eyevinn/mp4ff/mp4"
)

// maxHeaderBoxSize bounds the boxes read whole into memory (ftyp, moov,
// moof). A moof for a GOP is a few KB; anything this big is a corrupt file,
// not a reason to allocate gigabytes.
const maxHeaderBoxSize = 64 << 20

// source reads one single-track fragmented MP4 box by box. Only ftyp, moov
// and moof boxes are read and decoded; mdat payloads are never read here, the
// segment writer copies their byte ranges straight to the output.
type source struct {
	path    string
	f       *os.File
	size    int64
	pos     int64 // offset of the next top-level box to look at
	ftyp    *mp4.FtypBox
	moov    *mp4.MoovBox
	trak    *mp4.TrakBox
	trex    *mp4.TrexBox
	trackID uint32

	nextDecodeTime uint64 // for fragments without tfdt
}

// sourceSample is one sample with its timing and where its bytes are.
type sourceSample struct {
	mp4.Sample
	DecodeTime uint64
	Offset     int64 // absolute offset of the sample data in the input file
}

// boxHeader is a top-level box header read from the input.
type boxHeader struct {
	typ    string
	size   int64 // whole box, header included
	hdrLen int64
}

// openSource opens path and reads everything before the first fragment: the
// ftyp and the moov, which must describe exactly one track.
func openSource(path string) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat input: %w", err)
	}
	s := &source{path: path, f: f, size: st.Size()}
	if err := s.readHeader(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *source) Close() error { return s.f.Close() }

func (s *source) readHeader() error {
	for s.pos < s.size {
		h, err := s.peekBox(s.pos)
		if err != nil {
			return err
		}
		switch h.typ {
		case "moof", "styp", "sidx", "emsg", "prft":
			// First fragment: the header is complete.
			return s.checkHeader()
		case "mdat":
			return fmt.Errorf("mdat at offset %d before any moof: input is not a fragmented MP4 (encode with -movflags +frag_keyframe+empty_moov)", s.pos)
		case "ftyp", "moov":
			box, err := s.decodeBox(s.pos, h)
			if err != nil {
				return err
			}
			if h.typ == "ftyp" {
				s.ftyp = box.(*mp4.FtypBox)
			} else {
				s.moov = box.(*mp4.MoovBox)
			}
		}
		s.pos += h.size
	}
	return s.checkHeader()
}

func (s *source) checkHeader() error {
	if s.moov == nil {
		return errors.New("no moov box before the first fragment")
	}
	if len(s.moov.Traks) != 1 {
		return fmt.Errorf("input has %d tracks, want exactly 1 per rendition", len(s.moov.Traks))
	}
	s.trak = s.moov.Trak
	if s.trak.Tkhd == nil || s.trak.Mdia == nil || s.trak.Mdia.Mdhd == nil || s.trak.Mdia.Hdlr == nil {
		return errors.New("track is missing tkhd, mdhd or hdlr")
	}
	if s.trak.Mdia.Minf == nil || s.trak.Mdia.Minf.Stbl == nil || s.trak.Mdia.Minf.Stbl.Stsd == nil {
		return errors.New("track has no sample description (stsd)")
	}
	if stts := s.trak.Mdia.Minf.Stbl.Stts; stts != nil && len(stts.SampleCount) > 0 {
		return errors.New("input is a progressive MP4 with samples in moov, want fragmented MP4")
	}
	s.trackID = s.trak.Tkhd.TrackID
	if s.moov.Mvex != nil {
		if trex, ok := s.moov.Mvex.GetTrex(s.trackID); ok {
			s.trex = trex
		}
	}
	if s.trex == nil {
		s.trex = mp4.CreateTrex(s.trackID)
	}
	return nil
}

// peekBox reads the header of the box at off.
func (s *source) peekBox(off int64) (boxHeader, error) {
	var buf [16]byte
	if s.size-off < 8 {
		return boxHeader{}, fmt.Errorf("truncated box header at offset %d (file size %d)", off, s.size)
	}
	n := min(int64(len(buf)), s.size-off)
	if _, err := s.f.ReadAt(buf[:n], off); err != nil {
		return boxHeader{}, fmt.Errorf("read box header at offset %d: %w", off, err)
	}
	h := boxHeader{
		typ:    string(buf[4:8]),
		size:   int64(binary.BigEndian.Uint32(buf[0:4])),
		hdrLen: 8,
	}
	switch h.size {
	case 0: // box extends to the end of the file
		h.size = s.size - off
	case 1:
		if n < 16 {
			return boxHeader{}, fmt.Errorf("truncated large box header at offset %d", off)
		}
		h.size = int64(binary.BigEndian.Uint64(buf[8:16]))
		h.hdrLen = 16
	}
	if h.size < h.hdrLen {
		return boxHeader{}, fmt.Errorf("box %q at offset %d has invalid size %d", h.typ, off, h.size)
	}
	if off+h.size > s.size {
		return boxHeader{}, fmt.Errorf("box %q at offset %d (size %d) runs past the end of the file (size %d): truncated input", h.typ, off, h.size, s.size)
	}
	return h, nil
}

// decodeBox reads a whole (small) box into memory and decodes it with mp4ff.
func (s *source) decodeBox(off int64, h boxHeader) (mp4.Box, error) {
	if h.size > maxHeaderBoxSize {
		return nil, fmt.Errorf("box %q at offset %d is %d bytes, refusing to load more than %d", h.typ, off, h.size, maxHeaderBoxSize)
	}
	buf := make([]byte, h.size)
	if _, err := s.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("read %s box at offset %d: %w", h.typ, off, err)
	}
	box, err := mp4.DecodeBoxSR(uint64(off), bits.NewFixedSliceReader(buf))
	if err != nil {
		return nil, fmt.Errorf("decode %s box at offset %d: %w", h.typ, off, err)
	}
	return box, nil
}

// nextFragment returns the samples of the next moof (with their data
// offsets), or io.EOF after the last one. The slice is reused by the next
// call.
func (s *source) nextFragment(dst []sourceSample) ([]sourceSample, error) {
	for s.pos < s.size {
		off := s.pos
		h, err := s.peekBox(off)
		if err != nil {
			return nil, err
		}
		s.pos += h.size
		if h.typ != "moof" {
			continue // mdat (copied later by offset), styp, sidx, free, mfra, ...
		}
		box, err := s.decodeBox(off, h)
		if err != nil {
			return nil, err
		}
		return s.fragmentSamples(dst[:0], box.(*mp4.MoofBox), off)
	}
	return nil, io.EOF
}

func (s *source) fragmentSamples(dst []sourceSample, moof *mp4.MoofBox, moofOff int64) ([]sourceSample, error) {
	for _, traf := range moof.Trafs {
		tfhd := traf.Tfhd
		if tfhd == nil {
			return nil, fmt.Errorf("moof at offset %d: traf without tfhd", moofOff)
		}
		if tfhd.TrackID != s.trackID {
			continue
		}
		decodeTime := s.nextDecodeTime
		if traf.Tfdt != nil {
			decodeTime = traf.Tfdt.BaseMediaDecodeTime()
		}
		// ISO/IEC 14496-12 8.8.7: the base offset is base_data_offset if
		// present, else the start of the moof (default-base-is-moof, and the
		// implied base for the first traf of a moof).
		base := moofOff
		if tfhd.HasBaseDataOffset() {
			base = int64(tfhd.BaseDataOffset)
		}
		next := base // data of a trun without data_offset follows the previous trun's
		for _, trun := range traf.Truns {
			trun.AddSampleDefaultValues(tfhd, s.trex)
			off := next
			if trun.HasDataOffset() {
				off = base + int64(trun.DataOffset)
			}
			for _, smp := range trun.GetSamples() {
				if off < 0 || off+int64(smp.Size) > s.size {
					return nil, fmt.Errorf("moof at offset %d: sample data [%d, +%d) lies outside the file (size %d): truncated input",
						moofOff, off, smp.Size, s.size)
				}
				dst = append(dst, sourceSample{Sample: smp, DecodeTime: decodeTime, Offset: off})
				decodeTime += uint64(smp.Dur)
				off += int64(smp.Size)
			}
			next = off
		}
		s.nextDecodeTime = decodeTime
	}
	return dst, nil
}
