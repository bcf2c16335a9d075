package xapi

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// docKind is which document resource a document belongs to.
type docKind byte

const (
	kindState           docKind = 's'
	kindActivityProfile docKind = 'p'
	kindAgentProfile    docKind = 'g'
)

// DocScope is what a set of documents belongs to: a state is an
// activity's, an agent's and maybe a registration's; an activity profile
// an activity's; an agent profile an agent's.
type DocScope struct {
	Kind         docKind
	Activity     string
	Agent        string // IFI
	Registration string
}

func (s DocScope) digest() [16]byte {
	return digest(byte(s.Kind), s.Activity+"\x00"+s.Agent+"\x00"+s.Registration)
}

func (s DocScope) key(id string) [16]byte {
	d := s.digest()
	return digest(byte(s.Kind), string(d[:])+"\x00"+id)
}

// Document is one stored document.
type Document struct {
	ID          string
	ContentType string
	Body        []byte
	ETag        string
	Updated     time.Time
}

// Condition is a request's If-Match / If-None-Match.
type Condition struct {
	IfMatch     string // an ETag (quoted) or *
	IfNoneMatch string
	// Required makes a PUT without either header a conflict when the
	// document exists (the profiles, and in 2.0 the state); Always makes
	// it a bad request when it does not (the profiles in 1.0.3).
	Required, Always bool
}

// check decides a write against the document as it is (nil: none).
func (c Condition) check(cur *Document) error {
	if c.IfMatch != "" {
		if cur == nil || (c.IfMatch != "*" && !etagIn(c.IfMatch, cur.ETag)) {
			return fmt.Errorf("the document's ETag is not %s: %w", c.IfMatch, ErrPrecondition)
		}
	}
	if c.IfNoneMatch != "" && cur != nil {
		if c.IfNoneMatch == "*" || etagIn(c.IfNoneMatch, cur.ETag) {
			return fmt.Errorf("the document exists (If-None-Match %s): %w", c.IfNoneMatch, ErrPrecondition)
		}
	}
	if c.Required && c.IfMatch == "" && c.IfNoneMatch == "" {
		if cur != nil {
			return fmt.Errorf("the document exists: send If-Match with its ETag to replace it: %w", ErrConflict)
		}
		if c.Always {
			return fmt.Errorf("a PUT of a profile says which version it replaces: If-Match with its ETag, or If-None-Match: * for a new one: %w", ErrInvalid)
		}
	}
	return nil
}

// etagIn reports whether a header's list of ETags holds etag.
func etagIn(header, etag string) bool {
	for _, t := range splitList(header) {
		if t == etag || t == "W/"+etag {
			return true
		}
	}
	return false
}

func splitList(h string) []string {
	var out []string
	start := 0
	inQuote := false
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, strings.TrimSpace(h[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(h[start:]))
}

// ETagOf is a document's entity tag: the quoted SHA-1 of its bytes.
func ETagOf(body []byte) string {
	h := sha1.Sum(body)
	return `"` + hex.EncodeToString(h[:]) + `"`
}

const documentCols = `doc_id, content_type, body, etag, updated_at`

func scanDocument(row pgx.Row) (*Document, error) {
	var d Document
	if err := row.Scan(&d.ID, &d.ContentType, &d.Body, &d.ETag, &d.Updated); err != nil {
		return nil, err
	}
	return &d, nil
}

// Document reads one.
func (s *Store) Document(ctx context.Context, scope DocScope, id string) (*Document, error) {
	d, err := scanDocument(s.q(ctx).QueryRow(ctx, `select `+documentCols+` from xapi_documents where key = $1`, scope.key(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("document %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("document %q: %w", id, err)
	}
	return d, nil
}

// DocumentIDs lists the ids of a scope's documents (updated after since,
// when set), oldest first.
func (s *Store) DocumentIDs(ctx context.Context, scope DocScope, since *time.Time) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `select doc_id from xapi_documents where scope = $1 and ($2::timestamptz is null or updated_at > $2)
		order by updated_at, doc_id`, scope.digest(), since)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	return ids, nil
}

// current reads a document for update (nil when there is none).
func (s *Store) current(ctx context.Context, k [16]byte) (*Document, error) {
	d, err := scanDocument(s.q(ctx).QueryRow(ctx, `select `+documentCols+` from xapi_documents where key = $1 for update`, k))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// PutDocument stores a document (replacing it, or with merge merging a
// JSON object into the one stored) if cond allows.
func (s *Store) PutDocument(ctx context.Context, scope DocScope, id, contentType string, body []byte, merge bool, cond Condition) error {
	k := scope.key(id)
	// Two writers creating one document meet at the row lock, or at the
	// insert of its key.
	if _, err := s.q(ctx).Exec(ctx, `select pg_advisory_xact_lock(hashtext('xapi.documents'), hashtext($1::uuid::text))`, k); err != nil {
		return fmt.Errorf("document %q: %w", id, err)
	}
	cur, err := s.current(ctx, k)
	if err != nil {
		return fmt.Errorf("document %q: %w", id, err)
	}
	if err := cond.check(cur); err != nil {
		return err
	}
	if merge && cur != nil {
		if body, err = mergeJSON(cur, body); err != nil {
			return err
		}
		contentType = "application/json"
	}
	_, err = s.q(ctx).Exec(ctx, `insert into xapi_documents (key, scope, doc_id, content_type, body, etag, updated_at)
		values ($1, $2, $3, $4, $5, $6, clock_timestamp())
		on conflict (org_id, key) do update set content_type = excluded.content_type, body = excluded.body,
			etag = excluded.etag, updated_at = excluded.updated_at`,
		k, scope.digest(), id, contentType, body, ETagOf(body))
	if err != nil {
		return fmt.Errorf("document %q: %w", id, err)
	}
	return nil
}

// ErrNotJSON is a merge (POST) where the stored or posted document is not
// a JSON object.
var ErrNotJSON = fmt.Errorf("a POST merges JSON objects: both the stored document and the body must be one: %w", ErrInvalid)

// mergeJSON merges a posted JSON object into the stored one: the posted
// properties replace the stored ones of the same name.
func mergeJSON(cur *Document, body []byte) ([]byte, error) {
	var old, upd map[string]json.RawMessage
	if !isJSONType(cur.ContentType) || json.Unmarshal(cur.Body, &old) != nil || old == nil {
		return nil, ErrNotJSON
	}
	if json.Unmarshal(body, &upd) != nil || upd == nil {
		return nil, ErrNotJSON
	}
	for k, v := range upd {
		old[k] = v
	}
	return json.Marshal(old)
}

// DeleteDocument deletes one document if cond allows (deleting none is no
// error).
func (s *Store) DeleteDocument(ctx context.Context, scope DocScope, id string, cond Condition) error {
	k := scope.key(id)
	cur, err := s.current(ctx, k)
	if err != nil {
		return fmt.Errorf("document %q: %w", id, err)
	}
	if err := cond.check(cur); err != nil {
		return err
	}
	if _, err := s.q(ctx).Exec(ctx, `delete from xapi_documents where key = $1`, k); err != nil {
		return fmt.Errorf("document %q: %w", id, err)
	}
	return nil
}

// DeleteDocuments deletes every document of a scope.
func (s *Store) DeleteDocuments(ctx context.Context, scope DocScope) error {
	if _, err := s.q(ctx).Exec(ctx, `delete from xapi_documents where scope = $1`, scope.digest()); err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	return nil
}
