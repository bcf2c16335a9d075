package packager

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
)

// dashProfiles: the segments are plain live-profile SegmentTemplate media and
// also conform to the DASH CMAF profile (cmfc header, one track per file,
// segments starting with a SAP), which lets CMAF-aware players skip checks.
const dashProfiles = mpd.PROFILE_LIVE + "," + mpd.PROFILE_CMAF

// DASHManifest builds the static MPD for the packaged tracks: one Period, one
// video AdaptationSet (segmentAlignment, maxWidth/maxHeight/maxFrameRate) with
// a Representation per video track, lowest bandwidth first, and one audio
// AdaptationSet (lang und, AudioChannelConfiguration) when there is audio.
//
// Every Representation has its own SegmentTemplate in its track's timescale
// (init "$RepresentationID$/init.mp4", media
// "$RepresentationID$/seg-$Number%05d$.m4s", startNumber 1) with a
// SegmentTimeline of the exact segment durations, the same numbers the HLS
// EXTINF values come from. mediaPresentationDuration is the longest track,
// rounded up to the millisecond (the MPD duration type is written with
// millisecond precision; rounding up never cuts off the last sample).
func DASHManifest(tracks []TrackInfo) (*mpd.MPD, error) {
	video, audio := splitKinds(tracks)
	if len(video) == 0 {
		return nil, fmt.Errorf("dash manifest: no video track")
	}
	for _, t := range tracks {
		if len(t.Segments) == 0 || t.Timescale == 0 {
			return nil, fmt.Errorf("dash manifest: track %s has no segments or no timescale", t.Name)
		}
	}

	m := mpd.NewMPD(mpd.STATIC_TYPE)
	m.Profiles = dashProfiles
	m.MediaPresentationDuration = durPtr(ceilMillis(presentationDuration(tracks)))
	var maxSeg time.Duration
	target := 0
	for _, t := range tracks {
		maxSeg = max(maxSeg, ticksToDuration(t.MaxSegmentTicks(), t.Timescale))
		target = max(target, t.TargetDuration())
	}
	m.MaxSegmentDuration = durPtr(ceilMillis(maxSeg))
	// A player holding one full (longest, rounded up) segment can start
	// without rebuffering at the advertised bandwidths.
	m.MinBufferTime = durPtr(time.Duration(target) * time.Second)

	p := mpd.NewPeriod()
	p.Id = "0"
	p.Start = durPtr(0)
	m.AppendPeriod(p)

	sort.SliceStable(video, func(i, j int) bool { return lessBandwidth(video[i], video[j]) })
	vas := mpd.NewAdaptationSetWithParams("video", mpd.MIME_TYPE_VIDEO_MP4, true, 1)
	vas.Id = mpd.Ptr(uint32(1))
	vas.Roles = []*mpd.DescriptorType{mainRole()}
	var maxRate FrameRate
	for _, v := range video {
		vas.MaxWidth = max(vas.MaxWidth, uint32(v.Width))
		vas.MaxHeight = max(vas.MaxHeight, uint32(v.Height))
		if v.FrameRate.Float() > maxRate.Float() {
			maxRate = v.FrameRate
		}
		rep := mpd.NewRepresentation()
		rep.Id = v.Name
		rep.Bandwidth = uint32(v.PeakBandwidth())
		rep.Codecs = v.Codec
		rep.Width = uint32(v.Width)
		rep.Height = uint32(v.Height)
		rep.FrameRate = mpd.FrameRateType(v.FrameRate.String())
		rep.SegmentTemplate = segmentTemplate(v)
		vas.AppendRepresentation(rep)
	}
	vas.MaxFrameRate = maxRate.String()
	p.AppendAdaptationSet(vas)

	if len(audio) > 0 {
		aas := mpd.NewAdaptationSetWithParams("audio", mpd.MIME_TYPE_AUDIO_MP4, true, 1)
		aas.Id = mpd.Ptr(uint32(2))
		aas.Lang = "und"
		aas.Roles = []*mpd.DescriptorType{mainRole()}
		sort.SliceStable(audio, func(i, j int) bool { return lessBandwidth(audio[i], audio[j]) })
		for _, a := range audio {
			rep := mpd.NewRepresentation()
			rep.Id = a.Name
			rep.Bandwidth = uint32(a.PeakBandwidth())
			rep.Codecs = a.Codec
			if a.SampleRate > 0 {
				rep.AudioSamplingRate = mpd.Ptr(mpd.UIntVectorType(strconv.Itoa(a.SampleRate)))
			}
			if a.Channels > 0 {
				// DASH-IF IOP 6.3.3.2: AAC signals its channel configuration
				// with the 23003-3 scheme.
				rep.AudioChannelConfigurations = []*mpd.DescriptorType{{
					SchemeIdUri: mpd.AUDIO_CHANNEL_CONFIGURATION_MPEG_DASH,
					Value:       strconv.Itoa(a.Channels),
				}}
			}
			rep.SegmentTemplate = segmentTemplate(a)
			aas.AppendRepresentation(rep)
		}
		p.AppendAdaptationSet(aas)
	}
	return m, nil
}

func mainRole() *mpd.DescriptorType {
	return &mpd.DescriptorType{SchemeIdUri: "urn:mpeg:dash:role:2011", Value: "main"}
}

func segmentTemplate(t TrackInfo) *mpd.SegmentTemplateType {
	st := mpd.NewSegmentTemplate()
	st.Initialization = dashInitTemplate
	st.Media = dashMediaTemplate
	st.StartNumber = mpd.Ptr(uint32(1))
	st.Timescale = mpd.Ptr(t.Timescale)
	st.SegmentTimeline = segmentTimeline(t.Segments)
	return st
}

// segmentTimeline run-length codes the segments: consecutive segments of equal
// duration share one S with a repeat count; t is written on the first S and
// wherever a segment does not start where the previous one ended.
func segmentTimeline(segs []Segment) *mpd.SegmentTimelineType {
	tl := &mpd.SegmentTimelineType{}
	var next uint64
	for i, s := range segs {
		contiguous := i > 0 && s.Start == next
		if last := len(tl.S) - 1; contiguous && tl.S[last].D == s.Duration {
			tl.S[last].R++
		} else {
			e := &mpd.S{D: s.Duration}
			if !contiguous {
				e.T = mpd.Ptr(s.Start)
			}
			tl.S = append(tl.S, e)
		}
		next = s.Start + s.Duration
	}
	return tl
}

func durPtr(d time.Duration) *mpd.Duration {
	md := mpd.Duration(d)
	return &md
}

func ceilMillis(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}

// encodeMPD serialises an MPD with an XML header and two-space indentation.
func encodeMPD(m *mpd.MPD) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := m.Write(&buf, "  ", true); err != nil {
		return nil, fmt.Errorf("encode mpd: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
