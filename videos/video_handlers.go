package videos

import (
	"context"
	"fmt"
	"math"

	"github.com/gofiber/fiber/v2"

	"github.com/lectern/lectern/internal/auth"
	"github.com/lectern/lectern/internal/httpapp"
)

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
		out.HLS, out.DASH = h.media(cur.HLSPath), h.media(cur.DASHPath)
		out.Poster, out.Thumbnails = h.media(cur.PosterPath), h.media(cur.ThumbsPath)
	}
	if job != nil && job.Progress != 0 {
		job.Progress = math.Round(job.Progress*10) / 10
	}
	return out
}

// media is the CDN URL of an object key (nil for none).
func (h *Handlers) media(key *string) *string {
	if key == nil || *key == "" {
		return nil
	}
	s := h.Settings.Media.URL(*key)
	return &s
}

func (h *Handlers) getVideo(c *fiber.Ctx) error {
	id, err := httpapp.PathID(c, "id", "video", ErrNotFound)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := auth.From(ctx)
	staff := p.Has(auth.Admin, auth.Instructor, auth.Ops)
	if !staff {
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
	if !staff {
		// A learner watches through a lesson's playback, which gates the
		// media: the video's own URLs are staff's.
		v.HLS, v.DASH, v.Poster, v.Thumbnails = nil, nil, nil, nil
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

func (h *Handlers) listVideos(c *fiber.Ctx) error {
	pr, err := httpapp.ParsePage(c, httpapp.KeyTime, httpapp.KeyID)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	vs, err := h.Store.ListVideos(ctx, pr.After, pr.Limit)
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
	return c.JSON(httpapp.NewPage(items, pr.Limit, func(v *VideoJSON) []string {
		return []string{httpapp.TimeKey(v.CreatedAt), v.ID}
	}))
}
