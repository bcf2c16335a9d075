package assessments

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/lectern/lectern/packager"
)

// A cached gated rendering with the stand-in base, the learner's base
// swapped in, is byte for byte what rendering with that base gives: for
// HLS media playlists and the MPD, at every limit, for learners with
// different bases, and a base the swap could not keep exact is rendered
// directly.
func TestGatedCacheMatchesDirectRendering(t *testing.T) {
	media, err := os.ReadFile("../packager/testdata/v0_index.m3u8.golden")
	if err != nil {
		t.Fatal(err)
	}
	mpd, err := os.ReadFile("../packager/testdata/manifest.mpd.golden")
	if err != nil {
		t.Fatal(err)
	}
	renders := map[string]func(limit int) func(string) ([]byte, error){
		"media/x/y/v0/index.m3u8": func(limit int) func(string) ([]byte, error) {
			return func(base string) ([]byte, error) { return packager.GatedMediaPlaylist(media, limit, base) }
		},
		"media/x/y/manifest.mpd": func(limit int) func(string) ([]byte, error) {
			return func(base string) ([]byte, error) { return packager.GatedMPD(mpd, limit, base) }
		},
	}
	var c manifestCache
	calls := 0
	for key, r := range renders {
		for limit := range 7 {
			for _, learner := range []string{"2f1c0f0e-0000-4000-8000-000000000001", "9b3e7a55-0000-4000-8000-000000000002"} {
				base := fmt.Sprintf("http://127.0.0.1:8081/g/1796246940/Zm9vYmFyYmF6cXV4/%s/%d/media/x/y/", learner, limit)
				direct, err := r(limit)(base)
				if err != nil {
					t.Fatalf("%s limit %d: %v", key, limit, err)
				}
				got, err := c.gated(key, limit, base, func(b string) ([]byte, error) { calls++; return r(limit)(b) })
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, direct) {
					t.Fatalf("%s limit %d: cached rendering differs:\n%s\nwant\n%s", key, limit, got, direct)
				}
				if !bytes.Contains(got, []byte(learner)) || bytes.Contains(got, []byte(gatedStandIn)) {
					t.Fatalf("%s limit %d: the learner's base is not in the answer:\n%s", key, limit, got)
				}
			}
		}
	}
	if want := 2 * 7; calls != want {
		t.Errorf("rendered %d times, want once per manifest and limit (%d)", calls, want)
	}
	odd := "http://127.0.0.1:8081/g/1/a&b/c/3/"
	got, err := c.gated("media/x/y/manifest.mpd", 3, odd, func(b string) ([]byte, error) {
		if b != odd {
			t.Errorf("an odd base was swapped, not rendered: %q", b)
		}
		return packager.GatedMPD(mpd, 3, b)
	})
	if err != nil || !bytes.Contains(got, []byte("a&amp;b")) {
		t.Errorf("odd base: %v\n%s", err, got)
	}
}
