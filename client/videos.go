package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Video is a video as GET /api/v1/videos/{id} shows it: the record, the
// absolute URLs of what it plays (set once it is ready) and its latest
// encode.
type Video struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Status     string     `json:"status"` // uploaded, queued, processing, ready, failed, canceled
	SourceSize int64      `json:"source_size"`
	Duration   *float64   `json:"duration"`
	Width      *int       `json:"width"`
	Height     *int       `json:"height"`
	Error      *string    `json:"error"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ReadyAt    *time.Time `json:"ready_at"`
	HLS        *string    `json:"hls"`
	DASH       *string    `json:"dash"`
	Poster     *string    `json:"poster"`
	Thumbnails *string    `json:"thumbnails"`
	Player     string     `json:"player"`
	Job        *Job       `json:"job"`
}

// Job is a video's latest encode.
type Job struct {
	ID         string          `json:"id"`
	State      string          `json:"state"`
	Stage      string          `json:"stage"`
	Progress   float64         `json:"progress"` // percent
	FPS        float64         `json:"fps"`
	Speed      float64         `json:"speed"`
	Attempts   int             `json:"attempts"`
	Error      *string         `json:"error"`
	Ladder     json.RawMessage `json:"ladder,omitempty"`
	QueuedAt   time.Time       `json:"queued_at"`
	StartedAt  *time.Time      `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
}

// Settled reports whether the video will not change by itself any more:
// it is ready, failed or canceled.
func (v *Video) Settled() bool {
	return v.Status == "ready" || v.Status == "failed" || v.Status == "canceled"
}

// Reason is why a video that is not ready is not: its error, else its
// job's ("" when neither says).
func (v *Video) Reason() string {
	switch {
	case v.Error != nil && *v.Error != "":
		return *v.Error
	case v.Job != nil && v.Job.Error != nil:
		return *v.Job.Error
	}
	return ""
}

// GetVideo gets a video.
func (c *Client) GetVideo(ctx context.Context, id string) (*Video, error) {
	var v Video
	if err := c.GetJSON(ctx, "/api/v1/videos/"+id, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// WaitVideo gets the video every poll, the first time after one poll (the
// caller has just had it, from Upload or GetVideo), until until returns
// true for it, and returns that video. until sees every copy fetched, so
// it can report progress too; (*Video).Settled is the usual test.
//
// A transport error or an answer of status 500 or more is passed over until
// the next poll: the API restarting is not the video failing. Any other
// *Error ends the wait, as does ctx; the error then names the video, and
// the last copy fetched (nil if none was) comes with it.
func (c *Client) WaitVideo(ctx context.Context, id string, until func(*Video) bool, poll time.Duration) (*Video, error) {
	var last *Video
	for {
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("video %s: %w", id, ctx.Err())
		case <-time.After(poll):
		}
		v, err := c.GetVideo(ctx, id)
		if err != nil {
			var ae *Error
			if errors.As(err, &ae) && ae.Status < 500 {
				return last, fmt.Errorf("video %s: %w", id, err)
			}
			continue
		}
		last = v
		if until(v) {
			return v, nil
		}
	}
}
