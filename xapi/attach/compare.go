package attach

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// maxUnorderedMembers bounds the quadratic matching of Group members: larger
// groups must list their members in the same order in both statements.
const maxUnorderedMembers = 1000

// payloadMismatch returns where a received statement differs from the payload
// of its signature, as a path such as "statement.actor.mbox", or "" when they
// are logically equivalent. VerifySignature documents the rules.
func payloadMismatch(received, signed map[string]any) string {
	r := comparableStatement(received)
	s := comparableStatement(signed)
	for _, key := range []string{"id", "timestamp"} {
		if _, ok := s[key]; !ok {
			delete(r, key)
		}
	}
	return diff("statement", "", r, s)
}

// Equivalent reports whether received is the statement stored, by the
// same rules as a signature's payload (VerifySignature): what the LRS adds
// (authority, stored, version) does not count, nor id and timestamp when
// received lacks them. The LRS uses it for a statement id sent again.
func Equivalent(stored, received map[string]any) bool {
	return payloadMismatch(stored, received) == ""
}

// comparableStatement returns a shallow copy of a statement without what
// signing or LRS processing may add or change: authority, stored, version
// and signature attachments.
func comparableStatement(stmt map[string]any) map[string]any {
	c := make(map[string]any, len(stmt))
	for k, v := range stmt {
		switch k {
		case "authority", "stored", "version":
		case "attachments":
			if rest := withoutSignatures(v); rest != nil {
				c[k] = rest
			}
		default:
			c[k] = v
		}
	}
	return c
}

// withoutSignatures returns the attachments that are not signatures, or nil
// if none is left. A value that is not an array is returned unchanged.
func withoutSignatures(attachments any) any {
	list, ok := attachments.([]any)
	if !ok {
		return attachments
	}
	var rest []any
	for _, a := range list {
		if m, ok := a.(map[string]any); ok && m["usageType"] == SignatureUsageType {
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) == 0 {
		return nil
	}
	return rest
}

// diff returns the path of the first difference between two decoded JSON
// values, or "" if they are equivalent. key is the name of the property
// whose values a and b are ("" for array items); some properties have
// comparison rules of their own.
func diff(path, key string, a, b any) string {
	switch key {
	case "timestamp":
		if sameInstant(a, b) {
			return ""
		}
	case "mbox":
		if sameMbox(a, b) {
			return ""
		}
	case "sha2":
		if sameFold(a, b) {
			return ""
		}
	case "duration":
		if sameDuration(a, b) {
			return ""
		}
	case "parent", "grouping", "category", "other":
		// A context activity alone is the array of it.
		a, b = asList(a), asList(b)
	case "member":
		am, okA := a.([]any)
		bm, okB := b.([]any)
		if okA && okB && len(am) == len(bm) && len(am) <= maxUnorderedMembers {
			return diffMembers(path, am, bm)
		}
	}

	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path
		}
		return diffObjects(path, av, bv)
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return path
		}
		for i := range av {
			if d := diff(index(path, i), "", av[i], bv[i]); d != "" {
				return d
			}
		}
		return ""
	case string:
		bv, ok := b.(string)
		if ok && (av == bv || isUUID(av) && strings.EqualFold(av, bv)) {
			return ""
		}
		return path
	case json.Number, float64:
		if sameNumber(a, b) {
			return ""
		}
		return path
	default: // bool or null
		if reflect.DeepEqual(a, b) {
			return ""
		}
		return path
	}
}

// diffObjects compares two JSON objects property by property, in sorted
// order so that the reported difference does not depend on map order.
func diffObjects(path string, a, b map[string]any) string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		av, inA := a[k]
		bv, inB := b[k]
		p := path + "." + k
		if !inA || !inB {
			return p
		}
		if d := diff(p, k, av, bv); d != "" {
			return d
		}
	}
	return ""
}

// diffMembers compares the members of two Groups as unordered lists of the
// same length.
func diffMembers(path string, a, b []any) string {
	used := make([]bool, len(b))
	for i, x := range a {
		j := matchMember(x, b, used, i)
		if j < 0 {
			return index(path, i)
		}
		used[j] = true
	}
	return ""
}

// matchMember returns the index of a member of b that is not used yet and
// is equivalent to x, trying index hint first, or -1 if there is none.
func matchMember(x any, b []any, used []bool, hint int) int {
	if !used[hint] && equivalent(x, b[hint]) {
		return hint
	}
	for j, y := range b {
		if !used[j] && equivalent(x, y) {
			return j
		}
	}
	return -1
}

// equivalent reports whether two decoded JSON values are equivalent.
func equivalent(a, b any) bool { return diff("value", "", a, b) == "" }

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// sameInstant reports whether a and b are RFC 3339 timestamps of the same
// instant, written with any offset or precision.
func sameInstant(a, b any) bool {
	as, okA := a.(string)
	bs, okB := b.(string)
	if !okA || !okB {
		return false
	}
	at, errA := time.Parse(time.RFC3339Nano, as)
	bt, errB := time.Parse(time.RFC3339Nano, bs)
	return errA == nil && errB == nil && at.Equal(bt)
}

// sameDuration reports whether a and b are ISO 8601 durations that agree
// to the hundredth of a second: precision beyond 0.01 s does not count.
func sameDuration(a, b any) bool {
	as, okA := a.(string)
	bs, okB := b.(string)
	return okA && okB && hundredths(as) == hundredths(bs)
}

// hundredths writes a duration's seconds truncated to two decimals,
// without trailing zeros.
func hundredths(d string) string {
	if !strings.HasSuffix(d, "S") {
		return d
	}
	i := len(d) - 1
	for i > 0 && (d[i-1] >= '0' && d[i-1] <= '9' || d[i-1] == '.') {
		i--
	}
	whole, frac, _ := strings.Cut(d[i:len(d)-1], ".")
	if len(frac) > 2 {
		frac = frac[:2]
	}
	frac = strings.TrimRight(frac, "0")
	if frac != "" {
		whole += "." + frac
	}
	return d[:i] + whole + "S"
}

// asList is v, or the array of v when it is a single object.
func asList(v any) any {
	if m, ok := v.(map[string]any); ok {
		return []any{m}
	}
	return v
}

// sameMbox reports whether a and b are the same mailto IRI, the domain of
// an e-mail address being case-insensitive.
func sameMbox(a, b any) bool {
	as, okA := a.(string)
	bs, okB := b.(string)
	if !okA || !okB {
		return false
	}
	i, j := strings.LastIndex(as, "@"), strings.LastIndex(bs, "@")
	return i >= 0 && j >= 0 && as[:i] == bs[:j] && strings.EqualFold(as[i:], bs[j:])
}

// sameFold reports whether a and b are strings equal but for case.
func sameFold(a, b any) bool {
	as, okA := a.(string)
	bs, okB := b.(string)
	return okA && okB && strings.EqualFold(as, bs)
}

// sameNumber reports whether a and b are JSON numbers of the same value.
func sameNumber(a, b any) bool {
	if an, ok := a.(json.Number); ok {
		if bn, ok := b.(json.Number); ok && an == bn {
			return true
		}
	}
	x, okA := float(a)
	y, okB := float(b)
	return okA && okB && x == y
}

// float returns a JSON number as a float64, unless it is out of range.
func float(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// isUUID reports whether s has the 8-4-4-4-12 hex form of a UUID, whose
// case does not matter.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
