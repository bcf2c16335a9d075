// Package idempotency makes a POST safe to retry: a client sends
// Idempotency-Key, and the first successful response to that key is stored
// in the same transaction as the request's effect and replayed for every
// retry. A failed request rolls back with its key, which is then free again.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// Header is the request header naming the key.
const Header = "Idempotency-Key"

// ReplayedHeader marks a replayed response.
const ReplayedHeader = "Idempotent-Replayed"

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Fingerprint identifies what a request asks for: its method, URL (path and
// query) and body. A key reused for a different fingerprint is refused.
func Fingerprint(method, url string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{' '})
	h.Write([]byte(url))
	h.Write([]byte{'\n'})
	h.Write(body)
	return h.Sum(nil)
}

// ValidKey reports whether k is 1 to 255 printable ASCII characters.
func ValidKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// applies reports whether a request is one Idempotency-Key covers: a POST,
// not a streamed upload part.
func applies(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	p := c.Path()
	return !(strings.HasPrefix(p, "/api/v1/uploads/") && strings.Contains(p, "/parts/"))
}

// Middleware honours Idempotency-Key on POSTs of signed-in callers. It must
// run inside the request's tenant transaction (after auth.Tenant): the key
// row is written in that transaction, so it commits exactly when the
// request's effect does. A concurrent request with the same key answers 409
// idempotency_key_in_progress instead of waiting for the first to finish.
func Middleware(pool database.Querier) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Get(Header)
		if key == "" || !applies(c) {
			return c.Next()
		}
		ctx := c.UserContext()
		p := auth.From(ctx)
		tx, inTx := database.TxFrom(ctx)
		if p == nil || p.TokenID == "" || !inTx {
			return c.Next()
		}
		if !ValidKey(key) {
			return httpapp.Invalid(Header, "must be 1 to 255 printable ASCII characters")
		}
		key = strings.Clone(key)
		path := strings.Clone(c.Path())
		fp := Fingerprint(c.Method(), c.OriginalURL(), c.Body())

		// The lock is held until the transaction ends: a second request with
		// the key sees it taken and answers at once.
		var locked bool
		if err := tx.QueryRow(ctx, `select pg_try_advisory_xact_lock($1)`, lockID(p.TokenID, key)).Scan(&locked); err != nil {
			return fmt.Errorf("idempotency lock: %w", err)
		}
		if !locked {
			return inProgress()
		}
		tag, err := tx.Exec(ctx, `insert into idempotency_keys (principal, key, method, path, fingerprint)
			values ($1, $2, $3, $4, $5) on conflict do nothing`, p.TokenID, key, c.Method(), path, fp)
		if err != nil {
			return fmt.Errorf("idempotency key: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return replay(ctx, c, tx, p.TokenID, key, fp)
		}
		if err := c.Next(); err != nil {
			return err
		}
		status := c.Response().StatusCode()
		if status >= 400 {
			return nil // the transaction rolls back, and the key with it
		}
		_, err = tx.Exec(ctx, `update idempotency_keys set status = $3, content_type = $4, body = $5
			where principal = $1 and key = $2`,
			p.TokenID, key, status, string(c.Response().Header.ContentType()), c.Response().Body())
		if err != nil {
			return fmt.Errorf("store idempotent response: %w", err)
		}
		return nil
	}
}

func replay(ctx context.Context, c *fiber.Ctx, tx pgx.Tx, principal, key string, fp []byte) error {
	var stored []byte
	var status *int
	var ctype *string
	var body []byte
	err := tx.QueryRow(ctx, `select fingerprint, status, content_type, body from idempotency_keys
		where principal = $1 and key = $2`, principal, key).Scan(&stored, &status, &ctype, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return inProgress() // deleted between the insert and here: retry
	}
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	if string(stored) != string(fp) {
		return httpapp.Errorf(fiber.StatusUnprocessableEntity, "idempotency_key_reused",
			"this Idempotency-Key was used for a different request (method, path or body); use a new key")
	}
	if status == nil {
		return inProgress()
	}
	if ctype != nil && *ctype != "" {
		c.Set(fiber.HeaderContentType, *ctype)
	}
	c.Set(ReplayedHeader, "true")
	return c.Status(*status).Send(body)
}

func inProgress() error {
	return httpapp.Errorf(fiber.StatusConflict, "idempotency_key_in_progress",
		"a request with this Idempotency-Key is still being processed; retry later")
}

// lockID is the advisory lock of one key of one principal.
func lockID(principal, key string) int64 {
	h := sha256.Sum256([]byte("idempotency\x00" + principal + "\x00" + key))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// Sweep deletes up to limit keys created before olderThan and reports how
// many went. db must be a system-scope pool (keys of every organization).
func Sweep(ctx context.Context, db database.Querier, olderThan time.Time, limit int) (int64, error) {
	tag, err := db.Exec(ctx, `delete from idempotency_keys where ctid = any (array(
		select ctid from idempotency_keys where created_at < $1 limit $2))`, olderThan, limit)
	if err != nil {
		return 0, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}
