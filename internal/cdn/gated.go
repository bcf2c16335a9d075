package cdn

import (
	"crypto/md5"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// DefaultGatedTTL is how long a gated URL lives when Signer.GatedTTL is zero.
const DefaultGatedTTL = 10 * time.Minute

// Gated returns the base URL of one learner's gated view of an encode,
//
//	<cdn>/g/<expires>/<sig>/<learner>/<limit>/media/<video>/<encode>/
//
// and when it expires. encodePrefix is the encode's object prefix,
// "media/<video>/<encode>/" (videos.EncodePrefix); learner is the learner's
// id (a lower-case UUID); limit is the highest segment number the learner
// may fetch, inclusive, in every rendition (0: only the init segments; a
// negative limit counts as 0).
//
// The gated URLs are the base followed by "<rendition>/init.mp4" or
// "<rendition>/seg-NNNNN.m4s": what the per-learner media playlists and the
// MPD's BaseURL point at (packager.GatedMediaPlaylist, packager.GatedMPD).
// The edge (deploy/local/nginx.conf.tmpl, edge.js) serves nothing else under
// /g/: no playlist, no MPD, no image, no segment beyond the limit, and no
// path that only resolves to one after normalisation. The signature
// (GatedSignature) binds the expiry, the learner, the limit and the encode,
// so none can be changed; the limit is in the path, so the edge checks it
// without state and every learner still shares one cache entry per object.
//
// The expiry is GatedTTL (DefaultGatedTTL when zero) from now, rounded up to
// the next whole minute: one learner's URLs for one limit stay the same for
// up to a minute, so players and browser caches see stable URLs between
// manifest reloads. Without a secret the base is the plain, ungated
// <cdn>/<encodePrefix> (a CDN without access control).
func (s *Signer) Gated(encodePrefix, learner string, limit int) (base string, expires time.Time) {
	if !strings.HasSuffix(encodePrefix, "/") {
		encodePrefix += "/"
	}
	ttl := s.GatedTTL
	if ttl <= 0 {
		ttl = DefaultGatedTTL
	}
	expires = s.Clock.Now().Add(ttl).Truncate(time.Minute).Add(time.Minute)
	if s.Secret == "" {
		return s.Base + "/" + encodePrefix, expires
	}
	limit = max(limit, 0)
	exp := expires.Unix()
	return s.Base + "/g/" + strconv.FormatInt(exp, 10) + "/" + GatedSignature(s.Secret, exp, learner, limit, encodePrefix) +
		"/" + learner + "/" + strconv.Itoa(limit) + "/" + encodePrefix, expires
}

// GatedSignature is what nginx computes with
//
//	secure_link_md5 "$expires/g/$learner/$limit/media/$video/$encode/ <secret>";
//
// base64url, unpadded, of the MD5 of the expiry, "/g/", the learner, the
// limit, the encode prefix, a space and the secret: the gated URL's path
// after its signature, with "g" in place of the signature. The text starts
// with digits and then "/g/", never "/media/", so a gated signature is never
// a staff one (Signature) or the other way round.
func GatedSignature(secret string, expires int64, learner string, limit int, encodePrefix string) string {
	text := strconv.FormatInt(expires, 10) + "/g/" + learner + "/" + strconv.Itoa(limit) + "/" + encodePrefix + " " + secret
	sum := md5.Sum([]byte(text))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
