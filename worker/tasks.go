// Package worker runs Lectern's background work on asynq: the video pipeline
// (download → probe → plan → encode → package → publish) and housekeeping.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types, named domain:verb.
const (
	TypeVideoEncode = "video:encode"
)

// Queue names.
const (
	QueueEncode = "encode"
)

// EncodePayload names one encode of one video.
type EncodePayload struct {
	VideoID  string `json:"video_id"`
	EncodeID string `json:"encode_id"`
}

// EncodeTaskID is the asynq TaskID of an encode: its business key, so a
// duplicated enqueue is refused by Redis instead of running twice.
func EncodeTaskID(encodeID string) string { return "video:encode:" + encodeID }

// NewEncodeTask builds the task. The asynq deadline is generous: the handler
// sets the real one from the source duration once it has probed it.
func NewEncodeTask(videoID, encodeID string) (*asynq.Task, error) {
	b, err := json.Marshal(EncodePayload{VideoID: videoID, EncodeID: encodeID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeVideoEncode, b,
		asynq.TaskID(EncodeTaskID(encodeID)),
		asynq.Queue(QueueEncode),
		asynq.MaxRetry(8),
		asynq.Timeout(24*time.Hour),
		asynq.Retention(7*24*time.Hour),
	), nil
}

// Client enqueues and cancels tasks. It implements videos.Queue.
type Client struct {
	c *asynq.Client
	i *asynq.Inspector
}

// NewClient connects to Redis.
func NewClient(opt asynq.RedisClientOpt) *Client {
	return &Client{c: asynq.NewClient(opt), i: asynq.NewInspector(opt)}
}

// Close releases the connections.
func (c *Client) Close() error {
	return errors.Join(c.c.Close(), c.i.Close())
}

// EnqueueEncode enqueues an encode; enqueuing one already queued is a no-op.
func (c *Client) EnqueueEncode(ctx context.Context, videoID, encodeID string) error {
	t, err := NewEncodeTask(videoID, encodeID)
	if err != nil {
		return err
	}
	_, err = c.c.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue encode %s: %w", encodeID, err)
	}
	return nil
}

// CancelEncode removes a waiting encode from the queue and signals a running
// one to stop.
func (c *Client) CancelEncode(ctx context.Context, encodeID string) error {
	id := EncodeTaskID(encodeID)
	info, err := c.i.GetTaskInfo(QueueEncode, id)
	if err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return nil
		}
		return fmt.Errorf("cancel encode %s: %w", encodeID, err)
	}
	switch info.State {
	case asynq.TaskStateActive:
		return c.i.CancelProcessing(id)
	case asynq.TaskStatePending, asynq.TaskStateScheduled, asynq.TaskStateRetry, asynq.TaskStateAggregating:
		if err := c.i.DeleteTask(QueueEncode, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return fmt.Errorf("cancel encode %s: %w", encodeID, err)
		}
	}
	return nil
}

// Ping checks Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	return c.c.Ping()
}

// TypeVideoPurge removes the objects of an encode that a newer one replaced.
const TypeVideoPurge = "video:purge"

// QueueMaintenance holds housekeeping tasks.
const QueueMaintenance = "maintenance"

// PurgePayload names the prefix to remove.
type PurgePayload struct {
	EncodeID string `json:"encode_id"`
	Prefix   string `json:"prefix"`
}

// NewPurgeTask builds a purge of prefix, run after delay.
func NewPurgeTask(encodeID, prefix string, delay time.Duration) (*asynq.Task, error) {
	b, err := json.Marshal(PurgePayload{EncodeID: encodeID, Prefix: prefix})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeVideoPurge, b,
		asynq.TaskID("video:purge:"+encodeID),
		asynq.Queue(QueueMaintenance),
		asynq.ProcessIn(delay),
		asynq.MaxRetry(10),
	), nil
}

// TaskInfo returns what asynq knows of a task.
func (c *Client) TaskInfo(queue, id string) (*asynq.TaskInfo, error) {
	return c.i.GetTaskInfo(queue, id)
}

// QueueSize counts the tasks of a queue that are not done.
func (c *Client) QueueSize(queue string) (int, error) {
	info, err := c.i.GetQueueInfo(queue)
	if err != nil {
		return 0, err
	}
	return info.Size, nil
}
