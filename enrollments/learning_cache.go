package enrollments

import (
	"strings"
	"sync"
	"time"

	"github.com/lectern/lectern/courses"
	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/clock"
)

// LearningCache keeps the "my learning" pages learners read: a learner
// opens it on every visit, and it changes only when they enroll or make
// progress, or when one of their courses changes. What it keeps are the
// rows (whether an enrollment is overdue is worked out when served). A
// change of the learner's learning, of the organization's learning (bulk,
// rules) or of its courses ends the pages concerned in every process at
// once (changes.Bus); a page is kept at most TTL, and while the bus cannot
// hear of changes none is served from memory.
type LearningCache struct {
	bus *changes.Bus
	// TTL bounds how long a page is kept (1 min by default).
	TTL time.Duration
	// Max bounds the pages kept in all (100,000 by default).
	Max   int
	Clock clock.Clock

	mu    sync.Mutex
	all   uint64
	orgs  map[string]uint64 // by organization
	users map[string]uint64 // by user
	pages map[string]*learningPage
}

type learningPage struct {
	org, user string
	items     []*MyEnrollment
	fetchedAt time.Time
}

// NewLearningCache returns a cache that hears of changes on bus.
func NewLearningCache(bus *changes.Bus, clk clock.Clock) *LearningCache {
	c := &LearningCache{bus: bus, TTL: time.Minute, Max: 100_000, Clock: clk,
		orgs: map[string]uint64{}, users: map[string]uint64{}, pages: map[string]*learningPage{}}
	bus.Subscribe(c.changed)
	return c
}

func (c *LearningCache) changed(ch changes.Change) {
	user := ""
	switch ch.Topic {
	case Topic:
		user, _ = strings.CutPrefix(ch.Key, "u:")
	case courses.Topic:
	case "":
		ch.Org = ""
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ch.Org == "":
		c.all++
		clear(c.pages)
	case user != "":
		c.users[user]++
		for k, p := range c.pages {
			if p.user == user {
				delete(c.pages, k)
			}
		}
	default:
		c.orgs[ch.Org]++
		for k, p := range c.pages {
			if p.org == ch.Org {
				delete(c.pages, k)
			}
		}
	}
}

// learningVersion is what a page read now must still match to be kept.
type learningVersion struct{ all, org, user uint64 }

// get returns a kept page, or, without one, the version a page read now
// must carry to be put; ok is false when nothing may be served from memory
// or kept.
func (c *LearningCache) get(org, user, key string) (items []*MyEnrollment, v learningVersion, ok bool) {
	if c == nil || !c.bus.Healthy() {
		return nil, learningVersion{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pages[user+"\x00"+key]; p != nil && c.Clock.Since(p.fetchedAt) < c.TTL {
		return p.items, learningVersion{}, true
	}
	return nil, learningVersion{c.all, c.orgs[org], c.users[user]}, true
}

// put keeps a page read at version v, unless a change was heard since.
func (c *LearningCache) put(org, user, key string, v learningVersion, items []*MyEnrollment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != (learningVersion{c.all, c.orgs[org], c.users[user]}) {
		return
	}
	if len(c.pages) >= c.Max {
		clear(c.pages)
	}
	c.pages[user+"\x00"+key] = &learningPage{org: org, user: user, items: items, fetchedAt: c.Clock.Now()}
}
