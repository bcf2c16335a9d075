package packager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Input is one rendition written by the encoder: a single-track fragmented
// MP4. Name becomes the rendition's directory and DASH Representation id
// (v0, v1, a0); whether it is video or audio is read from the file.
type Input struct {
	Name string
	Path string
}

// Options tune the packaging.
type Options struct {
	// SegmentSeconds is the target segment duration, the encoder's keyframe
	// interval (or a multiple of it). Required.
	SegmentSeconds float64
}

// Result describes everything Package wrote.
type Result struct {
	Renditions []Rendition   // in input order
	Duration   time.Duration // the presentation: the longest track
	// Files lists every file written, relative to outDir, in an order that
	// is safe to publish one by one: init and media segments first, then the
	// media playlists, the MPD and the master playlist last.
	Files  []File
	Tracks []TrackInfo // full detail, to rebuild manifests without re-reading media
	// Master and MPD are the relative paths of the HLS master playlist and
	// the DASH manifest: what players open.
	Master, MPD string
}

// Rendition summarises one packaged rendition.
type Rendition struct {
	Name             string
	Kind             Kind
	Codecs           string
	Width            int
	Height           int
	FrameRate        float64
	SampleRate       int
	Channels         int
	BandwidthPeak    int // bits/s, HLS peak segment bit rate
	BandwidthAverage int // bits/s, total bits / total duration
	Segments         int
	Duration         time.Duration
}

// File is one written file.
type File struct {
	RelPath     string // slash-separated, relative to outDir: "v0/seg-00001.m4s"
	ContentType string
	Size        int64
	// Manifest marks playlists and MPDs: they get a short cache lifetime,
	// while init and media segments are immutable.
	Manifest bool
}

// Content types of the files Package writes.
const (
	ContentTypeHLS      = "application/vnd.apple.mpegurl"
	ContentTypeDASH     = "application/dash+xml"
	ContentTypeVideoMP4 = "video/mp4"
	ContentTypeAudioMP4 = "audio/mp4"
	ContentTypeSegment  = "video/iso.segment"
)

// maxParallel bounds how many inputs are packaged at once. Packaging is I/O
// bound; a few concurrent readers keep the disk busy without thrashing it.
const maxParallel = 4

// Package cuts every input into CMAF segments under outDir/<name>/, checks
// that the video renditions are segment-aligned, and writes the HLS master
// and media playlists and the DASH MPD. It returns what it wrote.
//
// outDir/<name>/ is emptied first, so re-running a job never mixes segments
// of two runs; other files in outDir are left alone except the manifests,
// which are overwritten. On error the written files are left in place for
// inspection; nothing points at them, as the manifests are written last.
func Package(ctx context.Context, inputs []Input, outDir string, opt Options) (*Result, error) {
	if err := validate(inputs, opt); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}

	tracks, err := packageAll(ctx, inputs, outDir, opt.SegmentSeconds)
	if err != nil {
		return nil, err
	}
	video, _ := splitKinds(tracks)
	if len(video) == 0 {
		return nil, errors.New("package: no video rendition among the inputs")
	}
	if err := CheckAlignment(tracks); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}

	res := &Result{Tracks: tracks, Duration: presentationDuration(tracks)}
	for _, t := range tracks {
		res.Renditions = append(res.Renditions, Rendition{
			Name:             t.Name,
			Kind:             t.Kind,
			Codecs:           t.Codec,
			Width:            t.Width,
			Height:           t.Height,
			FrameRate:        t.FrameRate.Float(),
			SampleRate:       t.SampleRate,
			Channels:         t.Channels,
			BandwidthPeak:    t.PeakBandwidth(),
			BandwidthAverage: t.AverageBandwidth(),
			Segments:         len(t.Segments),
			Duration:         t.Duration(),
		})
		initType := ContentTypeVideoMP4
		if t.Kind == KindAudio {
			initType = ContentTypeAudioMP4
		}
		initSize, err := fileSize(filepath.Join(outDir, t.Name, InitFileName))
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, File{RelPath: path.Join(t.Name, InitFileName), ContentType: initType, Size: initSize})
		for _, s := range t.Segments {
			res.Files = append(res.Files, File{RelPath: path.Join(t.Name, SegmentFileName(s.Number)), ContentType: ContentTypeSegment, Size: s.Size})
		}
	}
	manifests, err := writeManifests(outDir, tracks)
	if err != nil {
		return nil, err
	}
	res.Files = append(res.Files, manifests...)
	res.Master, res.MPD = MasterPlaylistName, DASHManifestName
	return res, nil
}

func validate(inputs []Input, opt Options) error {
	if !(opt.SegmentSeconds > 0) {
		return fmt.Errorf("package: SegmentSeconds must be > 0, got %v", opt.SegmentSeconds)
	}
	if len(inputs) == 0 {
		return errors.New("package: no inputs")
	}
	seen := make(map[string]bool)
	for _, in := range inputs {
		// The name is a directory and a DASH $RepresentationID$: keep it a
		// single safe path element.
		if in.Name == "" || in.Name == "." || in.Name == ".." || strings.ContainsAny(in.Name, `/\ $`) {
			return fmt.Errorf("package: invalid rendition name %q", in.Name)
		}
		if seen[in.Name] {
			return fmt.Errorf("package: duplicate rendition name %q", in.Name)
		}
		seen[in.Name] = true
	}
	return nil
}

// packageAll packages the inputs concurrently and returns their TrackInfo in
// input order. The first failure cancels the others.
func packageAll(ctx context.Context, inputs []Input, outDir string, segSeconds float64) ([]TrackInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	tracks := make([]TrackInfo, len(inputs))
	errs := make([]error, len(inputs))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			t, err := packageTrack(ctx, in, outDir, segSeconds)
			if err != nil {
				errs[i] = fmt.Errorf("package rendition %s (%s): %w", in.Name, in.Path, err)
				cancel()
				return
			}
			tracks[i] = t
		}()
	}
	wg.Wait()
	// Report the real failure, not the cancellations it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return tracks, nil
}

// writeManifests writes every media playlist, then the MPD, then the master
// playlist, and returns them in that order: once a file exists, everything it
// points at does.
func writeManifests(outDir string, tracks []TrackInfo) ([]File, error) {
	var files []File
	write := func(rel, contentType string, data []byte) error {
		if err := os.WriteFile(filepath.Join(outDir, filepath.FromSlash(rel)), data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
		files = append(files, File{RelPath: rel, ContentType: contentType, Size: int64(len(data)), Manifest: true})
		return nil
	}
	for _, t := range tracks {
		pl, err := HLSMedia(t)
		if err != nil {
			return nil, err
		}
		if err := write(path.Join(t.Name, MediaPlaylistURI), ContentTypeHLS, pl.Encode().Bytes()); err != nil {
			return nil, err
		}
	}
	m, err := DASHManifest(tracks)
	if err != nil {
		return nil, err
	}
	mpdBytes, err := encodeMPD(m)
	if err != nil {
		return nil, err
	}
	if err := write(DASHManifestName, ContentTypeDASH, mpdBytes); err != nil {
		return nil, err
	}
	if err := write(MasterPlaylistName, ContentTypeHLS, HLSMaster(tracks).Encode().Bytes()); err != nil {
		return nil, err
	}
	return files, nil
}

func fileSize(p string) (int64, error) {
	st, err := os.Stat(p)
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", p, err)
	}
	return st.Size(), nil
}
