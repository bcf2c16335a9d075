package videos

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/blob"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/httpapp"
)

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

func (h *Handlers) reencode(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "video", ErrNotFound)
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
	id, err := httpapp.PathID(c, "id", "encode", ErrNotFound)
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
	id, err := httpapp.PathID(c, "id", "encode", ErrNotFound)
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
