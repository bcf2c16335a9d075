package database_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/testenv"
)

// The four webhook events are written to the outbox by triggers, in the
// transaction of the change, for the organization's active webhooks that
// subscribe to them, and for no one else.
func TestOutboxTriggersWriteEveryEvent(t *testing.T) {
	db := testenv.DB(t)
	tenant := testenv.TenantPool(t, db)
	ctx := context.Background()
	a := seedOrg(t, db, "outbox-a")
	b := seedOrg(t, db, "outbox-b")
	all := `{video.ready,enrollment.created,lesson.completed,course.completed}`
	var hook string
	if err := db.QueryRow(ctx, `insert into webhooks (org_id, url, secret, events) values ($1, 'https://a.example/hook', 's', $2) returning id`, a, all).Scan(&hook); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `insert into webhooks (org_id, url, secret, events, active) values ($1, 'https://a.example/off', 's', $2, false),
		($3, 'https://b.example/hook', 's', $2, true)`, a, all, b); err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		Event   string
		Payload map[string]any
	}
	deliveries := func() []delivery {
		rows, err := db.Query(ctx, `select event, payload from webhook_deliveries where webhook_id = $1 order by created_at, event`, hook)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (delivery, error) {
			var d delivery
			var raw []byte
			if err := r.Scan(&d.Event, &raw); err != nil {
				return d, err
			}
			return d, json.Unmarshal(raw, &d.Payload)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	err := database.InOrg(ctx, tenant, a, func(ctx context.Context, tx pgx.Tx) error {
		// A video becoming ready (the seed's is ready already: make a new one).
		var video, user, course, lesson string
		if err := tx.QueryRow(ctx, `insert into videos (id, title, status, source_key, source_size) values (gen_random_uuid(), 'New', 'processing', 'k', 1) returning id`).Scan(&video); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update videos set status = 'ready', ready_at = now() where id = $1`, video); err != nil {
			return err
		}
		// A new learner enrolled in the seed's course, who completes its two
		// lessons (one inserted completed, one updated to completed), which
		// completes the course.
		if err := tx.QueryRow(ctx, `insert into users (email, name) values ('new@outbox.example', 'New') returning id`).Scan(&user); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `select id from courses limit 1`).Scan(&course); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into enrollments (course_id, user_id, source) values ($1, $2, 'admin')`, course, user); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `select id from lessons where kind = 'video' limit 1`).Scan(&lesson); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into lesson_progress (user_id, course_id, lesson_id, status, completed_at) values ($1, $2, $3, 'completed', now())`, user, course, lesson); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into lesson_progress (user_id, course_id, lesson_id, status) select $1, $2, id, 'in_progress' from lessons where kind = 'text'`, user, course); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update lesson_progress set status = 'completed', completed_at = now() where user_id = $1 and status = 'in_progress'`, user); err != nil {
			return err
		}
		// Updating an already completed lesson again reports nothing new.
		if _, err := tx.Exec(ctx, `update lesson_progress set updated_at = now() where user_id = $1`, user); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `update enrollments set status = 'completed', completed_at = now() where user_id = $1`, user)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range deliveries() {
		got[d.Event]++
		if d.Event == "enrollment.created" && (d.Payload["user_id"] == nil || d.Payload["course_id"] == nil || d.Payload["source"] != "admin") {
			t.Errorf("enrollment.created payload %v", d.Payload)
		}
	}
	want := map[string]int{"video.ready": 1, "enrollment.created": 1, "lesson.completed": 2, "course.completed": 1}
	for ev, n := range want {
		if got[ev] != n {
			t.Errorf("%s: %d deliveries, want %d (all: %v)", ev, got[ev], n, got)
		}
	}
	var others int
	if err := db.QueryRow(ctx, `select count(*) from webhook_deliveries d join webhooks w on w.id = d.webhook_id where w.url in ('https://a.example/off', 'https://b.example/hook')`).Scan(&others); err != nil {
		t.Fatal(err)
	}
	if others != 0 {
		t.Errorf("%d deliveries went to an inactive webhook or another organization's", others)
	}
}
