package videos

import (
	"time"

	"github.com/lectern/lectern/internal/events"
)

// EventReady is written when a video first becomes playable (a re-encode
// of a ready video is not reported again).
const EventReady = "video.ready"

// Ready is the payload of video.ready.
type Ready struct {
	VideoID  string    `json:"video_id"`
	Title    string    `json:"title"`
	Duration *float64  `json:"duration"`
	Width    *int      `json:"width"`
	Height   *int      `json:"height"`
	ReadyAt  time.Time `json:"ready_at"`
	orgID    string
}

func (r Ready) event() events.Event {
	return events.Event{OrgID: r.orgID, Type: EventReady, Subject: "videos/" + r.VideoID, OccurredAt: r.ReadyAt, Payload: r}
}
