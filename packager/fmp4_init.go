package packager

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/Eyevinn/mp4ff/aac"
	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"
)

// describeTrack fills the codec-level fields of a TrackInfo from the input's
// moov: kind from the handler, codec string from the sample description
// (avcC SPS for H.264, esds AudioSpecificConfig for AAC), dimensions,
// timescale, channels and sample rate. Nothing is assumed about the encoder.
func describeTrack(name string, trak *mp4.TrakBox) (TrackInfo, error) {
	t := TrackInfo{Name: name, Timescale: trak.Mdia.Mdhd.Timescale}
	if t.Timescale == 0 {
		return t, errors.New("mdhd timescale is 0")
	}
	stsd := trak.Mdia.Minf.Stbl.Stsd
	switch handler := trak.Mdia.Hdlr.HandlerType; handler {
	case "vide":
		t.Kind = KindVideo
		se := stsd.AvcX
		if se == nil || se.AvcC == nil {
			return t, fmt.Errorf("unsupported video sample entry %s: only H.264 (avc1/avc3 with avcC) is packaged", sampleEntryName(stsd))
		}
		if len(se.AvcC.SPSnalus) == 0 {
			return t, errors.New("avcC has no SPS")
		}
		sps, err := avc.ParseSPSNALUnit(se.AvcC.SPSnalus[0], false)
		if err != nil {
			return t, fmt.Errorf("parse SPS: %w", err)
		}
		t.Codec = avc.CodecString(se.Type(), sps)
		t.Width, t.Height = int(sps.Width), int(sps.Height)
		if t.Width == 0 || t.Height == 0 {
			t.Width, t.Height = int(se.Width), int(se.Height)
		}
	case "soun":
		t.Kind = KindAudio
		se := stsd.Mp4a
		if se == nil || se.Esds == nil || se.Esds.DecConfigDescriptor == nil || se.Esds.DecConfigDescriptor.DecSpecificInfo == nil {
			return t, fmt.Errorf("unsupported audio sample entry %s: only AAC (mp4a with esds) is packaged", sampleEntryName(stsd))
		}
		dcd := se.Esds.DecConfigDescriptor
		if dcd.ObjectType != mp4.ObjectTypeAAC {
			return t, fmt.Errorf("unsupported audio object type indication 0x%02x: only AAC (0x40) is packaged", dcd.ObjectType)
		}
		asc, err := aac.DecodeAudioSpecificConfig(bytes.NewReader(dcd.DecSpecificInfo.DecConfig))
		if err != nil {
			return t, fmt.Errorf("parse AudioSpecificConfig: %w", err)
		}
		t.Codec = fmt.Sprintf("mp4a.40.%d", asc.ObjectType)
		t.SampleRate = asc.SamplingFrequency
		if asc.SBRPresentFlag && asc.ExtensionFrequency > 0 {
			t.SampleRate = asc.ExtensionFrequency
		}
		t.Channels = int(asc.ChannelConfiguration)
		if t.Channels == 0 || t.Channels == 7 { // 0: defined in the AOT config; 7 means 8 channels
			t.Channels = int(se.ChannelCount)
		}
	default:
		return t, fmt.Errorf("unsupported track handler %q: want vide or soun", handler)
	}
	return t, nil
}

func sampleEntryName(stsd *mp4.StsdBox) string {
	for _, c := range stsd.Children {
		return c.Type()
	}
	return "(none)"
}

// cmafHeader builds the CMAF header (init segment) for the input's track:
// an ftyp with the CMAF structural brand cmfc, and a moov holding the
// input's mvhd and trak plus an mvex with the trex. Encoder metadata (udta)
// is dropped, and so is the edit list when dropEdits is set (the segments'
// composition offsets already carry the presentation shift).
func cmafHeader(moov *mp4.MoovBox, trex *mp4.TrexBox, dropEdits bool) *mp4.InitSegment {
	init := mp4.NewMP4Init()
	init.AddChild(mp4.NewFtyp("cmfc", 0, []string{"iso6", "cmfc", "dash"}))
	out := mp4.NewMoovBox()
	mvhd := moov.Mvhd
	if mvhd == nil {
		mvhd = mp4.CreateMvhd()
	}
	out.AddChild(mvhd)
	trak := moov.Trak
	if dropEdits && trak.Edts != nil {
		kept := trak.Children[:0]
		for _, c := range trak.Children {
			if c != mp4.Box(trak.Edts) {
				kept = append(kept, c)
			}
		}
		trak.Children = kept
		trak.Edts = nil
	}
	out.AddChild(trak)
	mvex := mp4.NewMvexBox()
	mvex.AddChild(trex)
	out.AddChild(mvex)
	init.AddChild(out)
	return init
}
