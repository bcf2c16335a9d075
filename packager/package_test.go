package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/dash-mpd/mpd"
	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/grafov/m3u8"
)

// The ladder the transcode stage would produce, in miniature: two video
// renditions with keyframes forced on every segment boundary, and AAC audio
// fragmented every segment duration.
func alignedLadder(seg float64, fps int) testEncode {
	gop := int(math.Round(seg * float64(fps)))
	return testEncode{
		seconds: 4, fps: fps, audio: true, audioFragS: seg,
		video: []testRendition{
			{name: "v0", width: 320, height: 180, gop: gop, forceEvery: seg},
			{name: "v1", width: 160, height: 90, gop: gop, forceEvery: seg},
		},
	}
}

func TestPackageFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	for _, tc := range []struct {
		name    string
		enc     testEncode
		seg     float64
		wantSeg int // video segments
	}{
		{name: "25fps_seg1", enc: alignedLadder(1, 25), seg: 1, wantSeg: 4},
		{name: "30fps_seg2", enc: alignedLadder(2, 30), seg: 2, wantSeg: 2},
		{
			// The encoder fragments every 0.5 s; segments still come out 1 s.
			name: "finer_fragments",
			enc: testEncode{
				seconds: 4, fps: 25, audio: true, audioFragS: 0.5,
				video: []testRendition{
					{name: "v0", width: 320, height: 180, gop: 12, forceEvery: 0.5},
					{name: "v1", width: 160, height: 90, gop: 12, forceEvery: 0.5},
				},
			},
			seg: 1, wantSeg: 4,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := t.TempDir()
			out := t.TempDir()
			inputs := tc.enc.run(t, src)

			res, err := Package(context.Background(), inputs, out, Options{SegmentSeconds: tc.seg})
			if err != nil {
				t.Fatalf("Package: %v", err)
			}
			checkResult(t, res, inputs, out, tc.wantSeg)
			for _, tr := range res.Tracks {
				checkAgainstFFprobe(t, tr, inputs, out)
				checkSegmentsWithMP4ff(t, tr, out)
			}
			checkManifestsAgree(t, res, out)
			checkFFmpegPlays(t, out)
		})
	}
}

func TestPackageMisalignedFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	src := t.TempDir()
	out := t.TempDir()
	// v1 has a 1.2 s GOP and no forced keyframes: its first sync samples at
	// or after 1 s, 2 s, 3 s are at 1.2 s, 2.4 s, 3.6 s.
	enc := testEncode{
		seconds: 4, fps: 25,
		video: []testRendition{
			{name: "v0", width: 320, height: 180, gop: 25, forceEvery: 1},
			{name: "v1", width: 160, height: 90, gop: 30},
		},
	}
	inputs := enc.run(t, src)
	_, err := Package(context.Background(), inputs, out, Options{SegmentSeconds: 1})
	if err == nil {
		t.Fatal("Package succeeded on misaligned renditions, want an error")
	}
	if !errors.Is(err, ErrMisaligned) {
		t.Fatalf("error %v does not wrap ErrMisaligned", err)
	}
	var ae *AlignmentError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *AlignmentError", err)
	}
	if ae.Rendition != "v1" || ae.Segment != 2 {
		t.Errorf("AlignmentError names rendition %q segment %d, want v1 segment 2 (%v)", ae.Rendition, ae.Segment, err)
	}
	for _, want := range []string{"v1", "segment 2", "1.200000s", "1.000000s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, statErr := os.Stat(filepath.Join(out, MasterPlaylistName)); !os.IsNotExist(statErr) {
		t.Errorf("master playlist written despite misalignment (stat: %v)", statErr)
	}
}

func TestPackageErrors(t *testing.T) {
	dir := t.TempDir()
	notMP4 := filepath.Join(dir, "bad.mp4")
	if err := os.WriteFile(notMP4, []byte("\x00\x00\x00\x10mdat0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		inputs  []Input
		opt     Options
		wantErr string
	}{
		{"no segment length", []Input{{"v0", notMP4}}, Options{}, "SegmentSeconds"},
		{"no inputs", nil, Options{SegmentSeconds: 2}, "no inputs"},
		{"bad name", []Input{{"../v0", notMP4}}, Options{SegmentSeconds: 2}, "invalid rendition name"},
		{"duplicate", []Input{{"v0", notMP4}, {"v0", notMP4}}, Options{SegmentSeconds: 2}, "duplicate"},
		{"missing file", []Input{{"v0", filepath.Join(dir, "nope.mp4")}}, Options{SegmentSeconds: 2}, "rendition v0"},
		{"progressive", []Input{{"v0", notMP4}}, Options{SegmentSeconds: 2}, "not a fragmented MP4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Package(context.Background(), tc.inputs, t.TempDir(), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Package error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestPackageCanceled(t *testing.T) {
	requireFFmpeg(t)
	inputs := alignedLadder(1, 25).run(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Package(ctx, inputs, t.TempDir(), Options{SegmentSeconds: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Package with canceled context: err = %v, want context.Canceled", err)
	}
}

func checkResult(t *testing.T, res *Result, inputs []Input, out string, wantVideoSegs int) {
	t.Helper()
	if len(res.Renditions) != len(inputs) {
		t.Fatalf("%d renditions, want %d", len(res.Renditions), len(inputs))
	}
	for i, r := range res.Renditions {
		if r.Name != inputs[i].Name {
			t.Errorf("rendition %d is %q, want %q", i, r.Name, inputs[i].Name)
		}
		wantKind := KindVideo
		if strings.HasPrefix(r.Name, "a") {
			wantKind = KindAudio
		}
		if r.Kind != wantKind {
			t.Errorf("%s: kind %s, want %s", r.Name, r.Kind, wantKind)
		}
		if r.Kind == KindVideo && r.Segments != wantVideoSegs {
			t.Errorf("%s: %d segments, want %d", r.Name, r.Segments, wantVideoSegs)
		}
		if r.BandwidthPeak < r.BandwidthAverage || r.BandwidthAverage <= 0 {
			t.Errorf("%s: peak %d, average %d bit/s", r.Name, r.BandwidthPeak, r.BandwidthAverage)
		}
		if d := r.Duration - 4*time.Second; d < -50*time.Millisecond || d > 50*time.Millisecond {
			t.Errorf("%s: duration %v, want about 4s", r.Name, r.Duration)
		}
	}
	// Files are in publish order: media first, manifests after, master last.
	if last := res.Files[len(res.Files)-1]; last.RelPath != MasterPlaylistName {
		t.Errorf("last file is %s, want %s", last.RelPath, MasterPlaylistName)
	}
	for i := 1; i < len(res.Files); i++ {
		if res.Files[i-1].Manifest && !res.Files[i].Manifest {
			t.Errorf("media file %s listed after manifest %s", res.Files[i].RelPath, res.Files[i-1].RelPath)
		}
	}
	// Files lists exactly what is on disk, with the right types and sizes.
	listed := make(map[string]File)
	for _, f := range res.Files {
		listed[f.RelPath] = f
		st, err := os.Stat(filepath.Join(out, filepath.FromSlash(f.RelPath)))
		if err != nil {
			t.Errorf("listed file %s: %v", f.RelPath, err)
			continue
		}
		if st.Size() != f.Size {
			t.Errorf("%s: listed size %d, on disk %d", f.RelPath, f.Size, st.Size())
		}
		var want string
		switch {
		case strings.HasSuffix(f.RelPath, ".m3u8"):
			want = ContentTypeHLS
		case strings.HasSuffix(f.RelPath, ".mpd"):
			want = ContentTypeDASH
		case strings.HasSuffix(f.RelPath, ".m4s"):
			want = ContentTypeSegment
		case f.RelPath == "a0/init.mp4":
			want = ContentTypeAudioMP4
		case strings.HasSuffix(f.RelPath, "/init.mp4"):
			want = ContentTypeVideoMP4
		}
		if f.ContentType != want {
			t.Errorf("%s: content type %q, want %q", f.RelPath, f.ContentType, want)
		}
		if isManifest := want == ContentTypeHLS || want == ContentTypeDASH; f.Manifest != isManifest {
			t.Errorf("%s: Manifest = %v, want %v", f.RelPath, f.Manifest, isManifest)
		}
	}
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		if _, ok := listed[filepath.ToSlash(rel)]; !ok {
			t.Errorf("file %s written but not listed in Result.Files", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkAgainstFFprobe compares what the packager read from the init segment
// with what ffprobe reports for the encoder's file, and checks that the
// packaged init + segments decode completely.
func checkAgainstFFprobe(t *testing.T, tr TrackInfo, inputs []Input, out string) {
	t.Helper()
	var in Input
	for _, i := range inputs {
		if i.Name == tr.Name {
			in = i
		}
	}
	ps := ffprobeStream(t, in.Path, false)
	switch tr.Kind {
	case KindVideo:
		profiles := map[string]int{"Baseline": 66, "Constrained Baseline": 66, "Main": 77, "High": 100}
		want := fmt.Sprintf("%s.%02X", ps.CodecTag, profiles[ps.Profile])
		if !strings.HasPrefix(tr.Codec, want) || !strings.HasSuffix(tr.Codec, fmt.Sprintf("%02X", ps.Level)) {
			t.Errorf("%s: codec %q, ffprobe says %s profile %s level %d (want %s..%02X)", tr.Name, tr.Codec, ps.CodecTag, ps.Profile, ps.Level, want, ps.Level)
		}
		if tr.Width != ps.Width || tr.Height != ps.Height {
			t.Errorf("%s: %dx%d, ffprobe says %dx%d", tr.Name, tr.Width, tr.Height, ps.Width, ps.Height)
		}
		if got := tr.FrameRate.String(); got+"/1" != ps.RFrameRate && got != ps.RFrameRate {
			t.Errorf("%s: frame rate %s, ffprobe says %s", tr.Name, got, ps.RFrameRate)
		}
	case KindAudio:
		objectTypes := map[string]int{"LC": 2, "HE-AAC": 5, "HE-AACv2": 29}
		if want := fmt.Sprintf("mp4a.40.%d", objectTypes[ps.Profile]); ps.CodecName != "aac" || tr.Codec != want {
			t.Errorf("%s: codec %q, ffprobe says %s profile %s (want %s)", tr.Name, tr.Codec, ps.CodecName, ps.Profile, want)
		}
		if fmt.Sprint(tr.SampleRate) != ps.SampleRate || tr.Channels != ps.Channels {
			t.Errorf("%s: %d Hz %d ch, ffprobe says %s Hz %d ch", tr.Name, tr.SampleRate, tr.Channels, ps.SampleRate, ps.Channels)
		}
	}

	// init + every segment, concatenated, is a valid fragmented MP4 that
	// ffprobe decodes frame by frame: as many frames as the input has.
	var cat bytes.Buffer
	for _, name := range append([]string{InitFileName}, segmentNames(tr)...) {
		b, err := os.ReadFile(filepath.Join(out, tr.Name, name))
		if err != nil {
			t.Fatal(err)
		}
		cat.Write(b)
	}
	catPath := filepath.Join(t.TempDir(), tr.Name+"-joined.mp4")
	if err := os.WriteFile(catPath, cat.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := ffprobeStream(t, catPath, true)
	want := ffprobeStream(t, in.Path, true)
	if got.NbReadFrames != want.NbReadFrames || got.NbReadFrames == "" {
		t.Errorf("%s: packaged output decodes to %s frames, input to %s", tr.Name, got.NbReadFrames, want.NbReadFrames)
	}

}

func segmentNames(tr TrackInfo) []string {
	var names []string
	for _, s := range tr.Segments {
		names = append(names, SegmentFileName(s.Number))
	}
	return names
}

// checkSegmentsWithMP4ff re-reads the written init and segments with mp4ff
// and checks them against the TrackInfo: CMAF brands, mvex/trex, one
// styp+moof+mdat per segment, sequence numbers, tfdt, durations, sizes, and a
// sync sample first.
func checkSegmentsWithMP4ff(t *testing.T, tr TrackInfo, out string) {
	t.Helper()
	initFile, err := mp4.ReadMP4File(filepath.Join(out, tr.Name, InitFileName))
	if err != nil {
		t.Fatalf("%s: read init: %v", tr.Name, err)
	}
	if initFile.Init == nil || initFile.Init.Moov == nil || initFile.Init.Moov.Mvex == nil || initFile.Init.Moov.Mvex.Trex == nil {
		t.Fatalf("%s: init segment lacks moov/mvex/trex", tr.Name)
	}
	if !contains(initFile.Init.Ftyp.CompatibleBrands(), "cmfc") {
		t.Errorf("%s: ftyp brands %v lack cmfc", tr.Name, initFile.Init.Ftyp.CompatibleBrands())
	}
	again, err := describeTrack(tr.Name, initFile.Init.Moov.Trak)
	if err != nil || again.Codec != tr.Codec {
		t.Errorf("%s: codec from written init = %q (%v), want %q", tr.Name, again.Codec, err, tr.Codec)
	}
	trex := initFile.Init.Moov.Mvex.Trex

	var next uint64
	for i, s := range tr.Segments {
		p := filepath.Join(out, tr.Name, SegmentFileName(s.Number))
		f, err := mp4.ReadMP4File(p)
		if err != nil {
			t.Fatalf("%s: read %s: %v", tr.Name, p, err)
		}
		if len(f.Segments) != 1 || len(f.Segments[0].Fragments) != 1 || f.Segments[0].Styp == nil {
			t.Fatalf("%s segment %d: want styp + one moof/mdat", tr.Name, s.Number)
		}
		frag := f.Segments[0].Fragments[0]
		if got := frag.Moof.Mfhd.SequenceNumber; got != uint32(s.Number) || s.Number != i+1 {
			t.Errorf("%s segment %d: mfhd sequence number %d", tr.Name, s.Number, got)
		}
		if got := frag.Moof.Traf.Tfdt.BaseMediaDecodeTime(); got != s.Start {
			t.Errorf("%s segment %d: tfdt %d, TrackInfo says %d", tr.Name, s.Number, got, s.Start)
		}
		if i > 0 && s.Start != next {
			t.Errorf("%s segment %d: starts at %d, previous ended at %d", tr.Name, s.Number, s.Start, next)
		}
		next = s.Start + s.Duration
		samples, err := frag.GetFullSamples(trex)
		if err != nil {
			t.Fatalf("%s segment %d: samples: %v", tr.Name, s.Number, err)
		}
		var dur uint64
		for _, smp := range samples {
			dur += uint64(smp.Dur)
		}
		if dur != s.Duration {
			t.Errorf("%s segment %d: samples last %d ticks, TrackInfo says %d", tr.Name, s.Number, dur, s.Duration)
		}
		if !isSync(samples[0].Flags) {
			t.Errorf("%s segment %d: first sample is not a sync sample", tr.Name, s.Number)
		}
		// The segment is presented from its tfdt on (earliest presentation
		// time = decode time of its first sample), which is where the DASH
		// SegmentTimeline and the HLS timeline place it; ffmpeg's input has
		// it 2 frames later (the B-frame reorder delay).
		ept := samples[0].PresentationTime()
		for _, smp := range samples {
			ept = min(ept, smp.PresentationTime())
		}
		if ept != int64(s.Start) {
			t.Errorf("%s segment %d: earliest presentation time %d, tfdt %d", tr.Name, s.Number, ept, s.Start)
		}
		if st, _ := os.Stat(p); st.Size() != s.Size {
			t.Errorf("%s segment %d: size %d on disk, TrackInfo says %d", tr.Name, s.Number, st.Size(), s.Size)
		}
		if tr.Kind == KindVideo && i < len(tr.Segments)-1 {
			// Full segments are SegmentSeconds long, exactly (keyframes are
			// forced on the boundaries).
			if got := tr.Seconds(s.Duration); math.Abs(got-tr.Seconds(tr.Segments[0].Duration)) > 1e-9 {
				t.Errorf("%s segment %d: %.6fs, first segment %.6fs", tr.Name, s.Number, got, tr.Seconds(tr.Segments[0].Duration))
			}
		}
	}
}

// checkManifestsAgree parses the written playlists and MPD back and checks
// that they describe the same segments with the same durations, and that the
// video segment boundaries in them line up.
func checkManifestsAgree(t *testing.T, res *Result, out string) {
	t.Helper()
	// Master playlist.
	b, err := os.ReadFile(filepath.Join(out, MasterPlaylistName))
	if err != nil {
		t.Fatal(err)
	}
	master := m3u8.NewMasterPlaylist()
	if err := master.Decode(*bytes.NewBuffer(b), true); err != nil {
		t.Fatalf("decode master playlist: %v\n%s", err, b)
	}
	video, audio := splitKinds(res.Tracks)
	if len(master.Variants) != len(video) {
		t.Fatalf("master playlist has %d variants, want %d", len(master.Variants), len(video))
	}
	for _, v := range master.Variants {
		if !strings.HasPrefix(v.Codecs, "avc1.") || (len(audio) > 0 && !strings.HasSuffix(v.Codecs, ","+audio[0].Codec)) {
			t.Errorf("variant %s: CODECS %q", v.URI, v.Codecs)
		}
		if v.Bandwidth == 0 || v.AverageBandwidth == 0 || v.AverageBandwidth > v.Bandwidth || v.FrameRate == 0 || v.Resolution == "" {
			t.Errorf("variant %s: incomplete %+v", v.URI, v.VariantParams)
		}
		if len(audio) > 0 && v.Audio != hlsAudioGroup {
			t.Errorf("variant %s: AUDIO=%q", v.URI, v.Audio)
		}
	}

	// MPD.
	m, err := mpd.ReadFromFile(filepath.Join(out, DASHManifestName))
	if err != nil {
		t.Fatalf("parse MPD: %v", err)
	}
	mpdDur := time.Duration(*m.MediaPresentationDuration)
	if d := mpdDur - res.Duration; d < 0 || d >= time.Millisecond {
		t.Errorf("MPD duration %v, Result.Duration %v", mpdDur, res.Duration)
	}
	reps := make(map[string]*mpd.RepresentationType)
	for _, as := range m.Periods[0].AdaptationSets {
		for _, r := range as.Representations {
			reps[r.Id] = r
		}
	}

	var longest float64
	for _, tr := range res.Tracks {
		exact := tr.Seconds(tr.DurationTicks())
		longest = max(longest, exact)

		// Media playlist: EXTINF values sum to the exact duration (each is
		// printed with 3 decimals).
		b, err := os.ReadFile(filepath.Join(out, tr.Name, MediaPlaylistURI))
		if err != nil {
			t.Fatal(err)
		}
		pl, typ, err := m3u8.DecodeWith(*bytes.NewBuffer(b), true, hlsDecoders())
		if err != nil || typ != m3u8.MEDIA {
			t.Fatalf("%s: decode media playlist: %v (type %v)", tr.Name, err, typ)
		}
		media := pl.(*m3u8.MediaPlaylist)
		var sum float64
		n := 0
		for _, s := range media.Segments {
			if s == nil {
				continue
			}
			if s.URI != SegmentFileName(n+1) {
				t.Errorf("%s: playlist segment %d is %q", tr.Name, n+1, s.URI)
			}
			sum += s.Duration
			n++
		}
		if n != len(tr.Segments) {
			t.Errorf("%s: playlist has %d segments, want %d", tr.Name, n, len(tr.Segments))
		}
		if math.Abs(sum-exact) > 0.0005*float64(n) {
			t.Errorf("%s: playlist durations sum to %.6f, segments to %.6f", tr.Name, sum, exact)
		}
		if media.Map == nil || media.Map.URI != InitFileName || !media.Closed || media.MediaType != m3u8.VOD {
			t.Errorf("%s: playlist lacks EXT-X-MAP/ENDLIST/VOD", tr.Name)
		}
		if _, ok := media.Custom[independentSegmentsTag]; !ok {
			t.Errorf("%s: playlist lacks EXT-X-INDEPENDENT-SEGMENTS", tr.Name)
		}

		// MPD SegmentTimeline: exactly the same ticks.
		r := reps[tr.Name]
		if r == nil || r.SegmentTemplate == nil || r.SegmentTemplate.SegmentTimeline == nil {
			t.Fatalf("%s: no Representation with a SegmentTimeline in the MPD", tr.Name)
		}
		if r.Codecs != tr.Codec || *r.SegmentTemplate.Timescale != tr.Timescale {
			t.Errorf("%s: MPD codecs %q timescale %d, want %q %d", tr.Name, r.Codecs, *r.SegmentTemplate.Timescale, tr.Codec, tr.Timescale)
		}
		var ticks uint64
		count := 0
		for _, s := range r.SegmentTemplate.SegmentTimeline.S {
			ticks += s.D * uint64(s.R+1)
			count += s.R + 1
		}
		if ticks != tr.DurationTicks() || count != len(tr.Segments) {
			t.Errorf("%s: MPD timeline has %d segments, %d ticks; want %d, %d", tr.Name, count, ticks, len(tr.Segments), tr.DurationTicks())
		}
	}
	if got := mpdDur.Seconds(); got < longest || got-longest >= 0.001 {
		t.Errorf("MPD duration %.6f, longest playlist %.6f", got, longest)
	}

	// Video boundaries line up in the written segments, not just in memory.
	if err := CheckAlignment(res.Tracks); err != nil {
		t.Error(err)
	}
}

// checkFFmpegPlays has ffmpeg read the whole presentation through the HLS
// master playlist and through the MPD, decoding every stream.
func checkFFmpegPlays(t *testing.T, out string) {
	t.Helper()
	ffmpeg, _ := requireFFmpeg(t)
	for _, args := range [][]string{
		{"-allowed_extensions", "ALL", "-i", filepath.Join(out, MasterPlaylistName)},
		{"-i", filepath.Join(out, DASHManifestName)},
	} {
		full := append([]string{"-v", "error", "-xerror"}, args...)
		full = append(full, "-map", "0", "-f", "null", "-")
		cmd := exec.Command(ffmpeg, full...)
		var stderr bytes.Buffer
		cmd.Stdout = io.Discard
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("ffmpeg %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
		}
	}
}
