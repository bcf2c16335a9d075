// Package events is the event log every domain writes to: one row per
// thing that happened in an organization (an enrollment, a completion, a
// video becoming ready), its payload a JSON value marshalled from the
// domain's own Go type, written in the same transaction as the change it
// reports. Readers (webhook delivery now; xAPI forwarding and analytics
// next) take events from the table; Append wakes them with a notification
// on Channel when the transaction commits.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lectern/lectern/internal/database"
)

// Channel is notified (at commit) when events are appended.
const Channel = "lectern_events"

// Event is one thing that happened.
type Event struct {
	// OrgID is the organization; empty means the transaction's own
	// (database.InOrg). System work (the worker) names it.
	OrgID string
	// Type is domain.verb: "enrollment.created", "video.ready".
	Type string
	// Subject names what the event is about, as a path: "enrollments/<id>".
	Subject string
	// OccurredAt is when it happened; zero means the transaction's now().
	OccurredAt time.Time
	// Payload is marshalled to JSON.
	Payload any
}

// Append writes events in ONE statement, however many there are (a bulk of
// 10,000 enrollments is one insert), on q: the request's transaction, so
// they commit or roll back with the change they report.
func Append(ctx context.Context, q database.Querier, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	orgs := make([]*string, len(evs))
	types := make([]string, len(evs))
	subjects := make([]string, len(evs))
	at := make([]*time.Time, len(evs))
	payloads := make([]string, len(evs))
	for i, e := range evs {
		if e.OrgID != "" {
			orgs[i] = &e.OrgID
		}
		if !e.OccurredAt.IsZero() {
			at[i] = &evs[i].OccurredAt
		}
		b, err := json.Marshal(e.Payload)
		if err != nil {
			return fmt.Errorf("append event %s: %w", e.Type, err)
		}
		types[i], subjects[i], payloads[i] = e.Type, e.Subject, string(b)
	}
	_, err := q.Exec(ctx, `with ins as (
			insert into events (org_id, type, subject, occurred_at, payload)
			select coalesce(o, lectern_org()), t, s, coalesce(a, now()), p::jsonb
			from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) as x(o, t, s, a, p)
			returning 1)
		select pg_notify($6, '') from (select 1 from ins limit 1) n`,
		orgs, types, subjects, at, payloads, Channel)
	if err != nil {
		return fmt.Errorf("append %d events (%s, ...): %w", len(evs), evs[0].Type, err)
	}
	return nil
}
