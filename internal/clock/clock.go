// Package clock is the one source of time every component reads, so that a
// test can pin it: a component holds a Clock field, and its zero value is
// the real clock.
package clock

import "time"

// Clock returns the current time; nil is time.Now.
type Clock func() time.Time

// Now is the current time by c.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Since is the time elapsed since t by c.
func (c Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
