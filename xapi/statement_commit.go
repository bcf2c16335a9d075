package xapi

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/xapi/attach"
)

// Group commit. An organization's statement writes are serialized (the
// stored order is the commit order), so one transaction a request would
// make every writer wait for each other's commit, flush to disk included.
// Instead, the writes that arrive while one organization's transaction is
// in flight wait together and go into its next transaction: one commit
// (and one flush) for all of them, each still answered on its own (a
// conflict fails its write alone). A request is answered once its
// transaction has committed.

// maxGroupStatements bounds the statements of one group transaction (a
// write larger than that goes alone).
const maxGroupStatements = 1000

// groupTimeout bounds one group's transaction.
const groupTimeout = 30 * time.Second

// pendingWrite is one request's statements waiting for their group.
type pendingWrite struct {
	stmts []*Statement
	parts []attach.Part
	// written is what the group wrote of stmts (those not stored
	// already); err the write's own failure.
	written []*Statement
	err     error
	done    chan struct{}
}

// committer queues one organization's writes.
type committer struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	running bool
}

// Commit stores one request's statements (see writeGroup) in the next
// group transaction of org, and returns once it has committed: nil, or the
// write's error (ErrConflict, or the database's).
func (s *Store) Commit(org string, stmts []*Statement, parts []attach.Part) error {
	w := &pendingWrite{stmts: stmts, parts: parts, done: make(chan struct{})}
	v, _ := s.groups.LoadOrStore(org, &committer{})
	g := v.(*committer)
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if !g.running {
		g.running = true
		go s.drain(org, g)
	}
	g.mu.Unlock()
	<-w.done
	return w.err
}

// drain commits org's queue, group after group, until it is empty.
func (s *Store) drain(org string, g *committer) {
	for {
		g.mu.Lock()
		n, size := 0, 0
		for n < len(g.queue) && (n == 0 || size+len(g.queue[n].stmts) <= maxGroupStatements) {
			size += len(g.queue[n].stmts)
			n++
		}
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		s.commitGroup(org, group)
		for _, w := range group {
			close(w.done)
		}
	}
}

// commitGroup writes a group in one transaction. When the transaction
// fails, each write of a larger group is tried alone, so that one write
// the database refuses fails no other.
func (s *Store) commitGroup(org string, group []*pendingWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	err := database.InOrg(ctx, s.db, org, func(ctx context.Context, _ pgx.Tx) error {
		return s.writeGroup(ctx, group)
	})
	if err == nil {
		return
	}
	if len(group) == 1 {
		group[0].err = err
		return
	}
	for _, w := range group {
		s.commitGroup(org, []*pendingWrite{w})
	}
}
