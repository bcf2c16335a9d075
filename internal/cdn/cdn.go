// Package cdn builds the URLs learners fetch media from. With a secret, a
// URL carries a signature and an expiry in its path,
//
//	<base>/s/<expires>/<signature>/media/<video>/<encode>/master.m3u8
//
// that the edge (nginx's secure_link module, deploy/local/nginx.conf.tmpl)
// checks before it serves or caches anything. The signature covers the
// video's whole prefix, media/<video>/, so the relative URIs inside HLS
// playlists, the DASH MPD and the thumbnails track resolve under the same
// signed path; it cannot be moved to another video, and it expires. The API
// hands these whole-video URLs only to the video's staff.
//
// Learners get gated URLs instead (Signer.Gated, gated.go),
//
//	<base>/g/<expires>/<signature>/<learner>/<limit>/media/<video>/<encode>/<rendition>/seg-NNNNN.m4s
//
// bound to one learner, one encode and a segment limit, short-lived, and
// good only for init and media segments up to the limit; the API serves
// that learner's manifests itself, cut at the limit, with absolute segment
// URLs under the gated base (packager.GatedMediaPlaylist, GatedMPD).
package cdn

import (
	"crypto/md5"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/lectern/lectern/internal/clock"
)

// Signer signs media URLs. The zero Secret leaves URLs unsigned (a CDN
// without access control).
type Signer struct {
	Base   string // the CDN origin, no trailing slash
	Secret string
	TTL    time.Duration // staff URLs (URL), rounded up to the hour
	// GatedTTL is how long a learner's gated URLs (Gated) live, rounded up
	// to the minute; zero is DefaultGatedTTL.
	GatedTTL time.Duration
	Clock    clock.Clock
}

// URL returns the URL of an object key under the media prefix
// ("media/<video>/..."), signed when the signer has a secret.
func (s *Signer) URL(key string) string {
	if s.Secret == "" {
		return s.Base + "/" + key
	}
	scope, ok := Scope(key)
	if !ok {
		return s.Base + "/" + key // not a video's media: the edge refuses it
	}
	// Round the expiry up to the hour, so one learner's URLs for a video
	// are the same for an hour (browser caches keep working).
	exp := s.Clock.Now().Add(s.TTL).Truncate(time.Hour).Add(time.Hour).Unix()
	return s.Base + "/s/" + strconv.FormatInt(exp, 10) + "/" + Signature(s.Secret, exp, scope) + "/" + key
}

// Scope is the prefix a signature covers: "/media/<video>/" of a key
// "media/<video>/...".
func Scope(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "media/")
	if !ok {
		return "", false
	}
	video, _, ok := strings.Cut(rest, "/")
	if !ok || video == "" {
		return "", false
	}
	return "/media/" + video + "/", true
}

// Signature is what nginx computes with
//
//	secure_link_md5 "$expires$scope <secret>";
//
// base64url, unpadded, of the MD5 of the expiry, the scope, a space and the
// secret. (MD5 is what secure_link offers; the secret comes last and the
// signed text is fixed-format, so the signature is not extendable.)
func Signature(secret string, expires int64, scope string) string {
	sum := md5.Sum([]byte(strconv.FormatInt(expires, 10) + scope + " " + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
