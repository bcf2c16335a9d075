package courses

import (
	"strings"
	"sync"
	"time"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
)

// CatalogCache keeps the catalog pages an organization's members read, as
// the bytes of the response: every member of an organization sees the same
// catalog, so one read of the database serves them all until the catalog
// changes. Any change it shows (a course, a lesson count, an instructor, a
// user's name) ends the organization's pages in every process at once
// (changes.Bus); a page is kept at most TTL, and while the bus cannot hear
// of changes no page is served from memory.
type CatalogCache struct {
	bus *changes.Bus
	// TTL bounds how long a page is kept (1 min by default).
	TTL time.Duration
	// Max bounds the pages kept in all (10,000 by default).
	Max   int
	Clock clock.Clock

	mu    sync.Mutex
	all   uint64            // bumped when everything may have changed
	gens  map[string]uint64 // by organization
	pages map[string]*cachedPage
}

type cachedPage struct {
	org       string
	body      []byte
	all, gen  uint64
	fetchedAt time.Time
}

// NewCatalogCache returns a cache that hears of changes on bus.
func NewCatalogCache(bus *changes.Bus, clk clock.Clock) *CatalogCache {
	c := &CatalogCache{bus: bus, TTL: time.Minute, Max: 10_000, Clock: clk, gens: map[string]uint64{}, pages: map[string]*cachedPage{}}
	bus.Subscribe(c.changed)
	return c
}

func (c *CatalogCache) changed(ch changes.Change) {
	switch ch.Topic {
	case Topic:
	case auth.Topic:
		// A user's name shows in the catalog (owners, instructors);
		// revoking a token changes nothing there.
		if strings.HasPrefix(ch.Key, "t:") {
			return
		}
	case "":
		ch.Org = ""
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch.Org == "" {
		c.all++
		clear(c.pages)
		return
	}
	c.gens[ch.Org]++
	for k, p := range c.pages {
		if p.org == ch.Org {
			delete(c.pages, k)
		}
	}
}

// version is what a page read now must still match to be kept.
type version struct{ all, gen uint64 }

// get returns the kept page for org and key, or, when there is none, the
// version a page read now must carry to be put. ok is false when nothing
// may be served from memory or kept.
func (c *CatalogCache) get(org, key string) (body []byte, v version, ok bool) {
	if c == nil || !c.bus.Healthy() {
		return nil, version{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pages[org+"\x00"+key]; p != nil && c.Clock.Since(p.fetchedAt) < c.TTL {
		return p.body, version{}, true
	}
	return nil, version{c.all, c.gens[org]}, true
}

// put keeps a page read at version v, unless a change was heard since.
func (c *CatalogCache) put(org, key string, v version, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v.all != c.all || v.gen != c.gens[org] {
		return
	}
	if len(c.pages) >= c.Max {
		clear(c.pages)
	}
	c.pages[org+"\x00"+key] = &cachedPage{org: org, body: body, all: v.all, gen: v.gen, fetchedAt: c.Clock.Now()}
}
