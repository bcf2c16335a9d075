package packager

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPackage packages a 20 s 1280x720 rendition (about 20 MB) and, for
// the ratio, copies the same file: packaging should cost about what the copy
// costs, since sample data is moved by byte range and never parsed.
//
//	go test -run '^$' -bench Package ./packager/
func BenchmarkPackage(b *testing.B) {
	src := b.TempDir()
	inputs := testEncode{
		seconds: 20, fps: 30,
		video: []testRendition{{name: "v0", width: 1280, height: 720, gop: 60, forceEvery: 2}},
	}.run(b, src)
	st, err := os.Stat(inputs[0].Path)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("package", func(b *testing.B) {
		b.SetBytes(st.Size())
		out := b.TempDir()
		for b.Loop() {
			if _, err := Package(context.Background(), inputs, out, Options{SegmentSeconds: 2}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(st.Size())
		dst := filepath.Join(b.TempDir(), "copy.mp4")
		for b.Loop() {
			if err := copyFile(dst, inputs[0].Path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
