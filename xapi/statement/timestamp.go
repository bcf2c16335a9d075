package statement

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrTimestamp is the error ParseTimestamp wraps.
var ErrTimestamp = errors.New("invalid timestamp")

// Timestamp forms: the submatches are year, month, day, hour, minute,
// second, fraction of a second and zone.
var (
	// rfc3339 is the date-time of RFC 3339, which xAPI 2.0 requires.
	rfc3339 = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$`)
	// iso8601Extended and iso8601Basic are the complete calendar date and
	// time of ISO 8601, which xAPI 1.0.3 requires; it only recommends a
	// zone.
	iso8601Extended = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$`)
	iso8601Basic    = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$`)
)

// ParseTimestamp parses a timestamp in the forms the client's version
// allows and returns it in UTC. V200 takes RFC 3339 date-times
// (2008-09-15T15:53:00.601+02:00, Z or any offset); V103 takes ISO 8601
// complete dates and times in the extended or basic format, with a zone Z,
// ±hh:mm, ±hhmm or ±hh, or none (then UTC). Neither takes a negative zero
// offset (-00:00, -0000, -00), which xAPI forbids, nor leap seconds. The
// error wraps ErrTimestamp.
func ParseTimestamp(s string, v Version) (time.Time, error) {
	t, reason := parseTimestamp(s, v)
	if reason != "" {
		return time.Time{}, fmt.Errorf("%w: %q %s", ErrTimestamp, s, reason)
	}
	return t, nil
}

// parseTimestamp parses a timestamp, or says why it is not one.
func parseTimestamp(s string, v Version) (time.Time, string) {
	m := matchTimestamp(s, v)
	if m == nil {
		if v == V103 {
			return time.Time{}, "must be an ISO 8601 date and time such as 2008-09-15T15:53:00.601Z"
		}
		return time.Time{}, "must be an RFC 3339 date-time such as 2008-09-15T15:53:00.601Z or 2008-09-15T17:53:00.601+02:00"
	}
	zone, reason := timeZone(m[8])
	if reason != "" {
		return time.Time{}, reason
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nanoseconds(m[7]), zone)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] ||
		t.Hour() != n[3] || t.Minute() != n[4] || t.Second() != n[5] {
		return time.Time{}, "is not a date and time that exists"
	}
	return t.UTC(), ""
}

// matchTimestamp returns the submatches of s in a form v allows, or nil.
func matchTimestamp(s string, v Version) []string {
	if v != V103 {
		return rfc3339.FindStringSubmatch(s)
	}
	if m := iso8601Extended.FindStringSubmatch(s); m != nil {
		return m
	}
	return iso8601Basic.FindStringSubmatch(s)
}

// timeZone returns the location of a zone designator: "" or Z for UTC,
// else a sign, hours and optional minutes.
func timeZone(z string) (*time.Location, string) {
	if z == "" || strings.EqualFold(z, "Z") {
		return time.UTC, ""
	}
	hours, _ := strconv.Atoi(z[1:3])
	minutes, _ := strconv.Atoi("0" + strings.TrimPrefix(z[3:], ":"))
	switch {
	case hours > 23 || minutes > 59:
		return nil, "has an offset out of range"
	case z[0] == '-' && hours == 0 && minutes == 0:
		return nil, "must not have the offset -00:00 (nor -0000, -00): use Z or +00:00"
	}
	offset := hours*3600 + minutes*60
	if z[0] == '-' {
		offset = -offset
	}
	return time.FixedZone("", offset), ""
}

// nanoseconds converts the digits of a fraction of a second, keeping nine.
func nanoseconds(fraction string) int {
	if len(fraction) > 9 {
		fraction = fraction[:9]
	}
	n, _ := strconv.Atoi(fraction + strings.Repeat("0", 9-len(fraction)))
	return n
}
