package assessments

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// grant is what a playback token lets its holder fetch: one learner's
// manifests of one encode, up to a segment, until it expires. The API
// signs it; the manifest routes trust nothing else.
type grant struct {
	Org     string `json:"o"`
	User    string `json:"u"`
	Course  string `json:"c"`
	Lesson  string `json:"l"`
	Encode  string `json:"e"`
	Prefix  string `json:"p"`
	Limit   int    `json:"n"` // segments the learner may fetch
	Full    bool   `json:"f"` // the whole video: the stills too
	Expires int64  `json:"x"` // unix seconds
}

var (
	errBadToken     = errors.New("not a playback token this server signed")
	errExpiredToken = errors.New("the playback token has expired")
)

var (
	ephemeralOnce sync.Once
	ephemeralKey  []byte
)

// tokenKey is the key playback tokens are signed with: derived from the
// deployment's secret (so that every API process accepts every other's
// tokens), or random per process without one.
func (h *Handlers) tokenKey() []byte {
	if h.Settings.Secret == "" {
		ephemeralOnce.Do(func() {
			ephemeralKey = make([]byte, 32)
			_, _ = rand.Read(ephemeralKey)
		})
		return ephemeralKey
	}
	m := hmac.New(sha256.New, []byte(h.Settings.Secret))
	m.Write([]byte("lectern playback token v1"))
	return m.Sum(nil)
}

// sign is a grant as a token: base64url(JSON) "." base64url(HMAC-SHA256).
func (h *Handlers) sign(g grant) string {
	b, _ := json.Marshal(g)
	payload := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, h.tokenKey())
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify reads a token sign wrote, before it expires.
func (h *Handlers) verify(tok string, now time.Time) (*grant, error) {
	payload, sig, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 2048 {
		return nil, errBadToken
	}
	want, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, errBadToken
	}
	m := hmac.New(sha256.New, h.tokenKey())
	m.Write([]byte(payload))
	if !hmac.Equal(want, m.Sum(nil)) {
		return nil, errBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errBadToken
	}
	var g grant
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, errBadToken
	}
	if now.Unix() >= g.Expires {
		return nil, errExpiredToken
	}
	return &g, nil
}
