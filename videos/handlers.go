package videos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/cdn"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

// ObjectStore is the part of the blob store the upload protocol needs.
type ObjectStore interface {
	NewMultipart(ctx context.Context, key, contentType string) (string, error)
	PutPart(ctx context.Context, key, uploadID string, part int, r io.Reader, size int64, sha256Hex string) (string, error)
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []blob.Part) error
	AbortMultipart(ctx context.Context, key, uploadID string) error
	Stat(ctx context.Context, key string) (int64, error)
}

// Queue enqueues and cancels encodes.
type Queue interface {
	EnqueueEncode(ctx context.Context, videoID, encodeID string) error
	CancelEncode(ctx context.Context, encodeID string) error
}

// Settings are the knobs of the upload protocol and the URLs clients get.
type Settings struct {
	ChunkSize int64
	MaxSize   int64
	TTL       time.Duration
	CDNURL    string
	// Media signs CDN URLs (nil: plain CDNURL + key).
	Media     *cdn.Signer
	PublicURL string
}

// Handlers serves uploads, videos and encodes.
type Handlers struct {
	Store *Store
	// DB is the tenant pool a streamed part opens its short transactions on
	// (other routes run in the request's tenant transaction).
	DB database.Querier
	// Watchable reports whether a learner may watch a video (it is a lesson
	// of a course they are enrolled in). Nil lets no learner watch.
	Watchable func(ctx context.Context, userID, videoID string) (bool, error)
	Blob      ObjectStore
	Queue     Queue
	Settings  Settings
	Log       *slog.Logger
	Now       func() time.Time
}

// Errors maps this package's errors for the HTTP error handler.
var Errors = []httpapp.Mapping{
	{Err: ErrNotFound, Status: fiber.StatusNotFound, Code: "not_found"},
	{Err: ErrConflict, Status: fiber.StatusConflict, Code: "conflict"},
}

// Register mounts the routes. Instructors upload (and see only their own
// uploads); admins, ops and instructors see the organization's videos and
// encodes; a learner sees a video only as a lesson of a course they are
// enrolled in. Re-encoding and cancelling are for the video's owner, admins
// and ops.
func (h *Handlers) Register(r fiber.Router) {
	uploader := auth.Require("videos", auth.Admin, auth.Instructor)
	staff := auth.Require("videos", auth.Admin, auth.Instructor, auth.Ops)
	r.Post("/uploads", uploader, h.createUpload)
	r.Get("/uploads/:id", uploader, h.getUpload)
	r.Put("/uploads/:id/parts/:n", uploader, h.putPart)
	r.Post("/uploads/:id/complete", uploader, h.completeUpload)
	r.Delete("/uploads/:id", uploader, h.abortUpload)
	r.Get("/videos", staff, h.listVideos)
	r.Get("/videos/:id", auth.Require("videos"), h.getVideo)
	r.Post("/videos/:id/encodes", staff, h.reencode)
	r.Get("/encodes/:id", staff, h.getEncode)
	r.Post("/encodes/:id/cancel", staff, h.cancelEncode)
}

// mine reports whether p may change what ownerID owns: admins and ops may
// change any, an instructor only their own.
func mine(p *auth.Principal, ownerID *string) bool {
	return p.Has(auth.Admin, auth.Ops) || (ownerID != nil && *ownerID == p.UserID)
}

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
	req.Filename = strings.TrimSpace(req.Filename)
	req.Title = strings.TrimSpace(req.Title)
	switch {
	case req.Filename == "":
		return httpapp.Invalid("filename", "is required")
	case len(req.Filename) > 255 || !printable(req.Filename):
		return httpapp.Invalid("filename", "must be at most 255 printable characters")
	case req.Size <= 0:
		return httpapp.Invalid("size", "must be a positive number of bytes")
	case req.Size > h.Settings.MaxSize:
		return &httpapp.Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_large", Field: "size",
			Message: fmt.Sprintf("size: %d bytes exceeds the upload limit of %d bytes", req.Size, h.Settings.MaxSize)}
	case utf8.RuneCountInString(req.Title) > 200 || !printable(req.Title):
		return httpapp.Invalid("title", "must be at most 200 printable characters")
	case len(req.ContentType) > 100:
		return httpapp.Invalid("content_type", "must be at most 100 characters")
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
		ExpiresAt: h.now().Add(h.Settings.TTL), Received: []Part{},
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
	u.CreatedAt, u.UpdatedAt = h.now(), h.now()
	c.Location("/api/v1/uploads/" + id)
	return c.Status(fiber.StatusCreated).JSON(u)
}

// loadUpload reads the upload named in the path; an upload of another user
// is not found, unless the caller is an admin.
func (h *Handlers) loadUpload(c *fiber.Ctx) (*Upload, error) {
	id, err := pathID(c, "upload")
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
	if h.now().After(u.ExpiresAt) {
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

// enqueueAfterCommit hands the encode to the worker once the rows it reads
// are committed.
func (h *Handlers) enqueueAfterCommit(ctx context.Context, videoID, encodeID string) {
	database.AfterCommit(ctx, func(ctx context.Context) {
		if err := h.Queue.EnqueueEncode(ctx, videoID, encodeID); err != nil {
			// The encode row is queued; the reconciler enqueues it again.
			h.Log.WarnContext(ctx, "enqueue encode failed; the reconciler will retry", "video", videoID, "encode", encodeID, "err", err)
		}
	})
}

// EncodePrefix is where an encode's objects are published: a new prefix per
// encode, so a re-encode never serves segments a CDN cached before.
func EncodePrefix(videoID, encodeID string) string {
	return blob.MediaPrefix + videoID + "/" + encodeID + "/"
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

// VideoJSON is a video as the API shows it: the record, absolute URLs of its
// manifests through the CDN, and its latest encode (the job).
type VideoJSON struct {
	*Video
	HLS        *string `json:"hls"`
	DASH       *string `json:"dash"`
	Poster     *string `json:"poster"`
	Thumbnails *string `json:"thumbnails"`
	Player     string  `json:"player"`
	Job        *Encode `json:"job"`
}

func (h *Handlers) videoJSON(ctx context.Context, id string) (*VideoJSON, error) {
	v, err := h.Store.GetVideo(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.present(ctx, v)
}

func (h *Handlers) present(ctx context.Context, v *Video) (*VideoJSON, error) {
	latest, current, err := h.Store.EncodesOf(ctx, []string{v.ID})
	if err != nil {
		return nil, err
	}
	return h.presentWith(v, latest[v.ID], current[v.ID]), nil
}

// presentWith presents v given its latest encode (the job) and the encode
// it plays from (nil before its first success).
func (h *Handlers) presentWith(v *Video, job, cur *Encode) *VideoJSON {
	out := &VideoJSON{Video: v, Player: h.Settings.PublicURL + "/watch/" + v.ID}
	out.Job = job
	if v.CurrentEncodeID == nil {
		cur = job
	}
	if v.Status == "ready" && cur != nil {
		out.HLS, out.DASH = h.cdn(cur.HLSPath), h.cdn(cur.DASHPath)
		out.Poster, out.Thumbnails = h.cdn(cur.PosterPath), h.cdn(cur.ThumbsPath)
	}
	if job != nil && job.Progress != 0 {
		job.Progress = math.Round(job.Progress*10) / 10
	}
	return out
}

func (h *Handlers) cdn(key *string) *string {
	if key == nil || *key == "" {
		return nil
	}
	var s string
	if h.Settings.Media != nil {
		s = h.Settings.Media.URL(*key)
	} else {
		s = h.Settings.CDNURL + "/" + *key
	}
	return &s
}

func (h *Handlers) getVideo(c *fiber.Ctx) error {
	id, err := pathID(c, "video")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if p := auth.From(ctx); !p.Has(auth.Admin, auth.Instructor, auth.Ops) {
		ok := false
		if h.Watchable != nil {
			if ok, err = h.Watchable(ctx, p.UserID, id); err != nil {
				return err
			}
		}
		if !ok {
			return fmt.Errorf("video %s: %w", id, ErrNotFound)
		}
	}
	v, err := h.videoJSON(ctx, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

func (h *Handlers) listVideos(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 50)
	if limit < 1 || limit > 200 {
		return httpapp.Invalid("limit", "must be between 1 and 200")
	}
	var before *time.Time
	var beforeID string
	if cur := c.Query("cursor"); cur != "" {
		ts, id, ok := strings.Cut(cur, "_")
		t, err := time.Parse(time.RFC3339Nano, ts)
		if _, uerr := uuid.Parse(id); !ok || err != nil || uerr != nil {
			return httpapp.Invalid("cursor", "is not a cursor this API returned")
		}
		before, beforeID = &t, id
	}
	ctx := c.UserContext()
	vs, err := h.Store.ListVideos(ctx, limit, before, beforeID)
	if err != nil {
		return err
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	latest, current, err := h.Store.EncodesOf(ctx, ids)
	if err != nil {
		return err
	}
	items := make([]*VideoJSON, 0, len(vs))
	for _, v := range vs {
		items = append(items, h.presentWith(v, latest[v.ID], current[v.ID]))
	}
	var next *string
	if len(vs) == limit {
		last := vs[len(vs)-1]
		s := last.CreatedAt.Format(time.RFC3339Nano) + "_" + last.ID
		next = &s
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (h *Handlers) reencode(c *fiber.Ctx) error {
	id, err := pathID(c, "video")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := h.Store.GetVideo(ctx, id)
	if err != nil {
		return err
	}
	if !mine(auth.From(ctx), v.OwnerID) {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the video's owner, an admin or ops may re-encode it")
	}
	encodeID := uuid.NewString()
	if err := h.Store.NewEncode(ctx, id, encodeID, EncodePrefix(id, encodeID)); err != nil {
		return err
	}
	h.enqueueAfterCommit(ctx, id, encodeID)
	e, err := h.Store.GetEncode(ctx, encodeID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (h *Handlers) getEncode(c *fiber.Ctx) error {
	id, err := pathID(c, "encode")
	if err != nil {
		return err
	}
	e, err := h.Store.GetEncode(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (h *Handlers) cancelEncode(c *fiber.Ctx) error {
	id, err := pathID(c, "encode")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, err := h.Store.GetEncode(ctx, id)
	if err != nil {
		return err
	}
	v, err := h.Store.GetVideo(ctx, e.VideoID)
	if err != nil {
		return err
	}
	if !mine(auth.From(ctx), v.OwnerID) {
		return httpapp.Errorf(fiber.StatusForbidden, "forbidden", "only the video's owner, an admin or ops may cancel its encode")
	}
	e, err = h.Store.CancelEncode(ctx, id)
	if err != nil {
		return err
	}
	database.AfterCommit(ctx, func(ctx context.Context) { h.cancelSignal(ctx, id) })
	return c.JSON(e)
}

func (h *Handlers) cancelSignal(ctx context.Context, id string) {
	if err := h.Queue.CancelEncode(ctx, id); err != nil {
		// The worker also sees the canceled state at its next progress report.
		h.Log.WarnContext(ctx, "cancel signal failed; the worker stops at its next progress report", "encode", id, "err", err)
	}
}

// pathID reads the :id parameter; an ID that is not a UUID names nothing.
func pathID(c *fiber.Ctx, what string) (string, error) {
	id := c.Params("id")
	if _, err := uuid.Parse(id); err != nil {
		return "", fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return strings.Clone(id), nil
}

func (h *Handlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// SweepExpiredUploads aborts open uploads past their expiry and removes their
// parts from the object store. It returns how many it aborted.
func SweepExpiredUploads(ctx context.Context, st *Store, bs ObjectStore, now time.Time) (int, error) {
	us, err := st.ExpiredUploads(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range us {
		if err := bs.AbortMultipart(ctx, u.ObjectKey, u.S3UploadID); err != nil {
			return n, err
		}
		if err := st.MarkUploadAborted(ctx, u.ID); err != nil && !errors.Is(err, ErrConflict) {
			return n, err
		}
		n++
	}
	return n, nil
}
