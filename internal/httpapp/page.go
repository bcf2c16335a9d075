package httpapp

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// Every list route pages the same way: ?limit= (1..200, default 50) and
// ?cursor=, an opaque token a previous page returned as next_cursor. A list
// is ordered by a unique sort key; the cursor carries the key of the last
// item shown, and the next page starts strictly after it (keyset paging, so
// a page neither repeats nor skips an item while others write).

// Key is the type of one part of a list's sort key, which the cursor is
// checked against before any SQL casts it.
type Key int

// The kinds of sort-key parts.
const (
	KeyTime Key = iota // RFC 3339 with nanoseconds (TimeKey)
	KeyID              // a UUID
	KeyReal            // a float32 (a search rank, RealKey)
	KeyText            // any string
)

// PageRequest is a parsed list request. After is nil on the first page, else
// the sort key of the last item the previous page showed, one string per
// part, each checked to be of its Key.
type PageRequest struct {
	Limit int
	After []string
}

// Page is the shape of every list response.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

var errBadCursor = Invalid("cursor", "is not a cursor this list returned")

// ParsePage reads limit and cursor for a list whose sort key has the parts
// keys.
func ParsePage(c *fiber.Ctx, keys ...Key) (PageRequest, error) {
	pr := PageRequest{Limit: 50}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return pr, Invalid("limit", "must be a whole number from 1 to 200")
		}
		pr.Limit = n
	}
	cur := c.Query("cursor")
	if cur == "" {
		return pr, nil
	}
	var after []string
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || json.Unmarshal(b, &after) != nil || len(after) != len(keys) {
		return pr, errBadCursor
	}
	for i, k := range keys {
		if !k.valid(after[i]) {
			return pr, errBadCursor
		}
	}
	pr.After = after
	return pr, nil
}

func (k Key) valid(s string) bool {
	switch k {
	case KeyTime:
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case KeyID:
		return uuid.Validate(s) == nil
	case KeyReal:
		_, err := strconv.ParseFloat(s, 32)
		return err == nil
	}
	return true
}

// TimeKey is a time as a sort-key part.
func TimeKey(t time.Time) string { return t.Format(time.RFC3339Nano) }

// RealKey is a float32 as a sort-key part.
func RealKey(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

// NewPage builds a page from up to limit+1 fetched items: when there are
// more than limit, the extra one is dropped and the cursor points after the
// last item kept, whose sort key key returns. A page that is the last one
// has no cursor, however full it is.
func NewPage[T any](items []T, limit int, key func(T) []string) Page[T] {
	if items == nil {
		items = []T{}
	}
	p := Page[T]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		b, _ := json.Marshal(key(items[limit-1]))
		s := base64.RawURLEncoding.EncodeToString(b)
		p.NextCursor = &s
	}
	return p
}

// All is a page holding every item of a short list (no cursor).
func All[T any](items []T) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items}
}
