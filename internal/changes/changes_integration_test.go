package changes_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/changes"
	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/testenv"
)

type heard struct {
	mu sync.Mutex
	cs []changes.Change
}

func (h *heard) add(c changes.Change) { h.mu.Lock(); h.cs = append(h.cs, c); h.mu.Unlock() }
func (h *heard) has(want changes.Change) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.cs {
		if c == want {
			return true
		}
	}
	return false
}

func start(t *testing.T, b *changes.Bus) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !b.Healthy() {
		if time.Now().After(deadline) {
			t.Fatal("bus never connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A change published in a transaction has reached the publishing process
// and every other one by the time the transaction returns (the others
// acknowledge it); one of a transaction that rolls back reaches no one. A
// bus that is not listening is not healthy.
func TestChangesReachEveryProcess(t *testing.T) {
	db := testenv.DB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	one, two := changes.New(db, log), changes.New(db, log)
	if one.Healthy() || changes.New(nil, log).Healthy() {
		t.Fatal("a bus that does not listen is healthy")
	}
	var h1, h2 heard
	one.Subscribe(h1.add)
	two.Subscribe(h2.add)
	start(t, one)
	start(t, two)
	if !h1.has(changes.Change{}) {
		t.Fatal("connecting did not report everything changed")
	}
	deadline := time.Now().Add(10 * time.Second)
	for one.Peers() != 1 || two.Peers() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the processes do not know each other: %d, %d peers", one.Peers(), two.Peers())
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx := context.Background()
	var org string
	if err := db.QueryRow(ctx, `insert into organizations (slug, name) values ('bus', 'Bus') returning id`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	c := changes.Change{Topic: "auth", Org: org, Key: "u:1"}
	err := database.InOrg(ctx, db, org, func(ctx context.Context, tx pgx.Tx) error {
		// No Org: the transaction's organization is filled in.
		return one.Publish(ctx, tx, changes.Change{Topic: "auth", Key: "u:1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// By the time the publishing transaction has returned, both have.
	if !h1.has(c) || !h2.has(c) {
		t.Fatalf("by the time Publish's transaction returned, the processes had heard %v and %v, want %v", h1.cs, h2.cs, c)
	}
	lost := changes.Change{Topic: "auth", Org: org, Key: "u:rolled-back"}
	_ = database.InOrg(ctx, db, org, func(ctx context.Context, tx pgx.Tx) error {
		if err := one.Publish(ctx, tx, lost); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	// A later change arriving proves the rolled back one would have by now.
	after := changes.Change{Topic: "catalog", Org: org}
	if err := database.InOrg(ctx, db, org, func(ctx context.Context, tx pgx.Tx) error { return one.Publish(ctx, tx, after) }); err != nil {
		t.Fatal(err)
	}
	if !h2.has(after) {
		t.Fatal("the later change had not arrived when its transaction returned")
	}
	if h1.has(lost) || h2.has(lost) {
		t.Fatal("a change of a rolled back transaction was delivered")
	}
}
