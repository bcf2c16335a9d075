package assessments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/httpapp"
	"github.com/lectern/lectern/packager"
	"github.com/lectern/lectern/transcode"
)

// What /play/<token>/ serves, relative to an encode's prefix.
const (
	manifestMaster = packager.MasterPlaylistName
	manifestMPD    = packager.DASHManifestName
	manifestThumbs = transcode.ThumbsTrackRel
	manifestPoster = transcode.PosterPath
)

var spritePath = regexp.MustCompile(`^` + transcode.ThumbsDir + `/sprite-[0-9]{1,4}\.jpg$`)

// maxManifest bounds what is read of a published manifest or still.
const maxManifest = 8 << 20

// manifestCache keeps published manifests by object key: an encode's
// objects never change (a re-encode has another prefix). The zero value is
// ready for use, from many requests at once.
type manifestCache struct {
	mu sync.Mutex
	m  map[string][]byte
	n  int
}

func (c *manifestCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *manifestCache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n+len(b) > 64<<20 {
		c.m, c.n = map[string][]byte{}, 0 // crude, and enough: a working set is small
	}
	c.m[key] = b
	c.n += len(b)
}

// gatedStandIn stands for a learner's gated base in a cached rendering. One
// published manifest cut at one segment limit reads the same for every
// learner but for that base (their signed /g/<exp>/<sig>/<learner>/<limit>/
// prefix): it is rendered once with the stand-in, and each request swaps
// in its own base. The .invalid name (RFC 2606) is in no manifest we write.
const gatedStandIn = "http://gated-base.lectern.invalid/"

// gated returns render(base) for the manifest at key cut at limit, from
// the cached rendering with the stand-in. A base the swap could not keep
// exact (characters XML or a playlist would escape or quote) is rendered
// directly.
func (c *manifestCache) gated(key string, limit int, base string, render func(base string) ([]byte, error)) ([]byte, error) {
	if strings.ContainsAny(base, "&<>\"' \t\r\n") || strings.Contains(base, gatedStandIn) {
		return render(base)
	}
	ck := fmt.Sprintf("gated\x00%d\x00%s", limit, key)
	tmpl, ok := c.get(ck)
	if !ok {
		var err error
		if tmpl, err = render(gatedStandIn); err != nil {
			return nil, err
		}
		c.put(ck, tmpl)
	}
	return bytes.ReplaceAll(tmpl, []byte(gatedStandIn), []byte(base)), nil
}

// object reads a published object, through the cache for manifests.
func (h *Handlers) object(ctx context.Context, key string, cache bool) ([]byte, error) {
	if b, ok := h.manifests.get(key); ok {
		return b, nil
	}
	b, err := h.Objects.Read(ctx, key, maxManifest)
	if err != nil {
		return nil, err
	}
	if cache {
		h.manifests.put(key, b)
	}
	return b, nil
}

// segmentLimit is how many segments of an encode start before until.
func (h *Handlers) segmentLimit(ctx context.Context, prefix string, until float64) (int, error) {
	master, err := h.object(ctx, prefix+manifestMaster, true)
	if err != nil {
		return 0, err
	}
	variant := firstVariant(master)
	if variant == "" {
		return 0, fmt.Errorf("the master playlist of %s names no variant", prefix)
	}
	pl, err := h.object(ctx, prefix+variant, true)
	if err != nil {
		return 0, err
	}
	return packager.SegmentLimit(pl, until)
}

// firstVariant is the URI of a master playlist's first variant.
func firstVariant(master []byte) string {
	lines := bytes.Split(master, []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("#EXT-X-STREAM-INF")) && i+1 < len(lines) {
			return strings.TrimSpace(string(lines[i+1]))
		}
	}
	return ""
}

// getManifest serves a learner's manifests under their playback token:
// the master playlist, media playlists and MPD cut at the grant's segment
// limit with segment URLs signed for the edge, and (once the whole video
// is unlocked) the thumbnails track, its sprites and the poster.
func (h *Handlers) getManifest(c *fiber.Ctx) error {
	g, err := h.verify(c.Params("token"), h.Clock.Now())
	switch {
	case errors.Is(err, errExpiredToken):
		return httpapp.Errorf(fiber.StatusGone, "expired", "this playback link has expired: the player fetches a new one")
	case err != nil:
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "not a playback link this server gave")
	}
	ctx := c.UserContext()
	rest := c.Params("*")
	rendition, isPlaylist := packager.RenditionOfPlaylist(rest)
	var body []byte
	var ctype string
	switch {
	case rest == manifestMaster:
		src, err := h.object(ctx, g.Prefix+rest, true)
		if err == nil {
			body, err = packager.GatedMaster(src)
		}
		if err != nil {
			return err
		}
		ctype = "application/vnd.apple.mpegurl"
	case rest == manifestMPD:
		src, err := h.object(ctx, g.Prefix+rest, true)
		if err == nil {
			base, _ := h.Settings.Media.Gated(g.Prefix, g.User, g.Limit)
			body, err = h.manifests.gated(g.Prefix+rest, g.Limit, base, func(base string) ([]byte, error) {
				return packager.GatedMPD(src, g.Limit, base)
			})
		}
		if err != nil {
			return err
		}
		ctype = "application/dash+xml"
	case isPlaylist:
		src, err := h.object(ctx, g.Prefix+rest, true)
		if isNotFound(err) {
			return httpapp.Errorf(fiber.StatusNotFound, "not_found", "no such playlist")
		}
		if err == nil {
			base, _ := h.Settings.Media.Gated(g.Prefix, g.User, g.Limit)
			body, err = h.manifests.gated(g.Prefix+rest, g.Limit, base+rendition+"/", func(base string) ([]byte, error) {
				return packager.GatedMediaPlaylist(src, g.Limit, base)
			})
		}
		if err != nil {
			return err
		}
		ctype = "application/vnd.apple.mpegurl"
	case (rest == manifestThumbs || rest == manifestPoster || spritePath.MatchString(rest)) && g.Full:
		src, err := h.object(ctx, g.Prefix+rest, rest == manifestThumbs)
		if isNotFound(err) {
			return httpapp.Errorf(fiber.StatusNotFound, "not_found", "no such file")
		}
		if err != nil {
			return err
		}
		body, ctype = src, "image/jpeg"
		if rest == manifestThumbs {
			ctype = "text/vtt"
		}
	default:
		return httpapp.Errorf(fiber.StatusNotFound, "not_found", "this playback link serves no %q", rest)
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderCacheControl, "private, max-age=30")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.Send(body)
}

func isNotFound(err error) bool { return errors.Is(err, blob.ErrNotFound) }
