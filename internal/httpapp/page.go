package httpapp

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

// PageRequest is a list request: ?limit= (1..200, default 50) and ?cursor=,
// an opaque token a previous page returned as next_cursor. After holds the
// sort key of the last item that page showed, as the list encoded it.
type PageRequest struct {
	Limit int
	After []string
}

// Page is the shape of every list response.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// ParsePage reads limit and cursor; keys is how many sort-key parts the
// list's cursors carry.
func ParsePage(c *fiber.Ctx, keys int) (PageRequest, error) {
	pr := PageRequest{Limit: 50}
	if v := c.Query("limit"); v != "" {
		n := c.QueryInt("limit", -1)
		if n < 1 || n > 200 {
			return pr, Invalid("limit", "must be a whole number from 1 to 200")
		}
		pr.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil || json.Unmarshal(b, &pr.After) != nil || len(pr.After) != keys {
			return pr, Invalid("cursor", "is not a cursor this list returned")
		}
	}
	return pr, nil
}

// NewPage builds a page from up to limit+1 fetched items: when there are
// more than limit, the extra one is dropped and the cursor points after the
// last item kept, whose sort key key returns.
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
