package videos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

type createUploadReq struct {
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
}

func (h *Handlers) createUpload(c *fiber.Ctx) error {
	var req createUploadReq
	if err := httpapp.ParseJSON(c, &req); err != nil {
		return err
	}
	var err error
	if req.Filename, err = httpapp.Text("filename", req.Filename, 1, 255); err != nil {
		return err
	}
	switch {
	case req.Size <= 0:
		return httpapp.Invalid("size", "must be a positive number of bytes")
	case req.Size > h.Settings.MaxSize:
		return &httpapp.Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_large", Field: "size",
			Message: fmt.Sprintf("size: %d bytes exceeds the upload limit of %d bytes", req.Size, h.Settings.MaxSize)}
	}
	if req.Title, err = httpapp.Text("title", req.Title, 0, 200); err != nil {
		return err
	}
	if req.ContentType, err = httpapp.Text("content_type", req.ContentType, 0, 100); err != nil {
		return err
	}
	if req.Title == "" {
		req.Title = strings.TrimSuffix(req.Filename, path.Ext(req.Filename))
	}
	if req.ContentType == "" {
		req.ContentType = "application/octet-stream"
	}
	ctx := c.UserContext()
	id := uuid.NewString()
	owner := auth.From(ctx).UserID
	u := &Upload{OwnerID: &owner,
		ID: id, Filename: req.Filename, Title: req.Title, ContentType: req.ContentType, Size: req.Size,
		ChunkSize:  h.Settings.ChunkSize,
		PartsTotal: int((req.Size + h.Settings.ChunkSize - 1) / h.Settings.ChunkSize),
		ObjectKey:  "uploads/" + id + "/source", Status: "open",
		ExpiresAt: h.Clock.Now().Add(h.Settings.TTL), Received: []Part{},
	}
	s3id, err := h.Blob.NewMultipart(ctx, u.ObjectKey, u.ContentType)
	if err != nil {
		return err
	}
	u.S3UploadID = s3id
	if err := h.Store.CreateUpload(ctx, u); err != nil {
		_ = h.Blob.AbortMultipart(context.WithoutCancel(ctx), u.ObjectKey, s3id)
		return err
	}
	u.CreatedAt, u.UpdatedAt = h.Clock.Now(), h.Clock.Now()
	c.Location("/api/v1/uploads/" + id)
	return c.Status(fiber.StatusCreated).JSON(u)
}

// loadUpload reads the upload named in the path; an upload of another user
// is not found, unless the caller is an admin.
func (h *Handlers) loadUpload(c *fiber.Ctx) (*Upload, error) {
	id, err := httpapp.PathID(c, "id", "upload", ErrNotFound)
	if err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	u, err := h.Store.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	if p := auth.From(ctx); !p.Has(auth.Admin) && (u.OwnerID == nil || *u.OwnerID != p.UserID) {
		return nil, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	return u, nil
}

func (h *Handlers) getUpload(c *fiber.Ctx) error {
	u, err := h.loadUpload(c)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (h *Handlers) putPart(c *fiber.Ctx) error {
	// This route runs outside the request transaction (the body may stream
	// for minutes): each database step is a short tenant transaction.
	base := c.UserContext()
	org := auth.From(base).OrgID
	var u *Upload
	err := database.InOrg(base, h.DB, org, func(ctx context.Context, _ pgx.Tx) error {
		c.SetUserContext(ctx)
		defer c.SetUserContext(base)
		var err error
		u, err = h.loadUpload(c)
		return err
	})
	if err != nil {
		return err
	}
	if u.Status != "open" {
		return httpapp.Errorf(fiber.StatusConflict, "conflict", "upload %s is %s; no more parts are accepted", u.ID, u.Status)
	}
	if h.Clock.Now().After(u.ExpiresAt) {
		return httpapp.Errorf(fiber.StatusGone, "expired", "upload %s expired at %s; start a new upload", u.ID, u.ExpiresAt.Format(time.RFC3339))
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 || n > u.PartsTotal {
		return httpapp.Invalid("part", "must be a whole number from 1 to %d", u.PartsTotal)
	}
	want := u.PartSize(n)
	if cl := int64(c.Request().Header.ContentLength()); cl != want {
		return httpapp.Invalid("Content-Length", "part %d must be exactly %d bytes, got %d", n, want, cl)
	}
	// A part carries X-Chunk-SHA256 (hex), checked by the object store as
	// the bytes arrive, or X-Chunk-CRC32C (8 hex digits, Castagnoli),
	// checked here at line rate with the CPU's CRC32 instruction.
	sum := strings.ToLower(strings.Clone(c.Get("X-Chunk-SHA256")))
	crc := strings.ToLower(strings.Clone(c.Get("X-Chunk-CRC32C")))
	switch {
	case sum == "" && crc == "":
		return httpapp.Invalid("X-Chunk-SHA256", "header (or X-Chunk-CRC32C) must carry the checksum of the part's bytes")
	case sum != "":
		if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
			return httpapp.Invalid("X-Chunk-SHA256", "header must be the hex SHA-256 of the part's bytes")
		}
		crc = ""
	default:
		if b, err := hex.DecodeString(crc); err != nil || len(b) != 4 {
			return httpapp.Invalid("X-Chunk-CRC32C", "header must be the CRC32C (Castagnoli) of the part's bytes as 8 hex digits")
		}
	}
	body := c.Context().RequestBodyStream()
	if body == nil {
		return httpapp.Invalid("body", "missing")
	}
	cr := &countingReader{r: io.LimitReader(body, want)}
	if crc != "" {
		cr.crc = crc32.New(castagnoli)
	}
	ctx := c.UserContext()
	mismatch := httpapp.Errorf(fiber.StatusBadRequest, "checksum_mismatch", "part %d: the bytes received do not match their checksum header; send the part again", n)
	etag, err := h.Blob.PutPart(ctx, u.ObjectKey, u.S3UploadID, n, cr, want, sum)
	if err != nil {
		if blob.IsBadDigest(err) {
			return mismatch
		}
		if cr.n < want {
			return httpapp.Errorf(fiber.StatusBadRequest, "incomplete_part", "part %d: connection ended after %d of %d bytes; send the part again", n, cr.n, want)
		}
		return err
	}
	if cr.crc != nil && hex.EncodeToString(cr.crc.Sum(nil)) != crc {
		// The store holds bytes nobody vouches for; they are not recorded,
		// and the part sent again replaces them.
		return mismatch
	}
	p := Part{Part: n, Size: want, SHA256: sum, CRC32C: crc, ETag: etag}
	if err := database.InOrg(ctx, h.DB, org, func(ctx context.Context, _ pgx.Tx) error {
		return h.Store.SavePart(ctx, u.ID, p)
	}); err != nil {
		return err
	}
	return c.JSON(p)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type countingReader struct {
	r   io.Reader
	n   int64
	crc hash.Hash32
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.crc != nil {
		r.crc.Write(p[:n])
	}
	return n, err
}

func (h *Handlers) completeUpload(c *fiber.Ctx) error {
	u, err := h.loadUpload(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if u.Status == "completed" && u.VideoID != nil {
		v, err := h.videoJSON(ctx, *u.VideoID)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"upload": u, "video": v})
	}
	if u.Status != "open" {
		return httpapp.Errorf(fiber.StatusConflict, "conflict", "upload %s is %s", u.ID, u.Status)
	}
	parts := make([]blob.Part, 0, u.PartsTotal)
	var missing []string
	have := map[int]Part{}
	for _, p := range u.Received {
		have[p.Part] = p
	}
	for n := 1; n <= u.PartsTotal; n++ {
		p, ok := have[n]
		if !ok || p.Size != u.PartSize(n) {
			missing = append(missing, strconv.Itoa(n))
			if len(missing) == 20 {
				missing = append(missing, "...")
				break
			}
			continue
		}
		parts = append(parts, blob.Part{Number: n, ETag: p.ETag})
	}
	if len(missing) > 0 {
		return httpapp.Errorf(fiber.StatusConflict, "incomplete_upload", "upload %s is missing parts %s", u.ID, strings.Join(missing, ", "))
	}
	if err := h.Blob.CompleteMultipart(ctx, u.ObjectKey, u.S3UploadID, parts); err != nil {
		// A completion that reached the store before a crash leaves the
		// object in place; accept it when its size is right.
		if size, serr := h.Blob.Stat(ctx, u.ObjectKey); serr != nil || size != u.Size {
			return err
		}
	}
	videoID, encodeID := uuid.NewString(), uuid.NewString()
	if err := h.Store.CompleteUpload(ctx, u, videoID, encodeID, EncodePrefix(videoID, encodeID)); err != nil {
		return err
	}
	h.enqueueAfterCommit(ctx, videoID, encodeID)
	u.Status, u.VideoID = "completed", &videoID
	v, err := h.videoJSON(ctx, videoID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"upload": u, "video": v})
}

func (h *Handlers) abortUpload(c *fiber.Ctx) error {
	u, err := h.loadUpload(c)
	if err != nil {
		return err
	}
	if u.Status != "open" {
		return httpapp.Errorf(fiber.StatusConflict, "conflict", "upload %s is %s", u.ID, u.Status)
	}
	ctx := c.UserContext()
	if err := h.Blob.AbortMultipart(ctx, u.ObjectKey, u.S3UploadID); err != nil {
		return err
	}
	if err := h.Store.MarkUploadAborted(ctx, u.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
