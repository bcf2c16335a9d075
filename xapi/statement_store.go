package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/xapi/attach"
	"github.com/lectern/lectern/xapi/statement"
)

// VoidVerb is the verb of a voiding statement.
const VoidVerb = "http://adlnet.gov/expapi/verbs/voided"

// Statement is one statement ready for the store: validated, with the
// properties the LRS sets (id, authority, version) filled in; stored (and
// timestamp when the client gave none) are set when it is written.
type Statement struct {
	ID   string
	Body map[string]any
	// Received is what the client sent (for comparing with a statement
	// already stored under the same id).
	Received map[string]any
	// Ref is the id of the statement the object refers to, if any.
	Ref string
	// Voids is Ref when the statement is a voiding one.
	Voids string
	// Credential is the id of the credential that writes it (none for a
	// learner's own): statements/read/mine reads by it.
	Credential string
}

// Verb is the statement's verb id.
func (s *Statement) Verb() string {
	v, _ := s.Body["verb"].(map[string]any)
	id, _ := v["id"].(string)
	return id
}

// lockStatements serializes the statement writes of one organization,
// so that seq and stored grow in commit order.
const lockStatements = `pg_advisory_xact_lock(` + statementsLock + `)`

// statementsLock is the key of that lock: one per organization.
const statementsLock = `hashtext('xapi.statements'), hashtext(lectern_org()::text)`

// WriteStatements stores a batch in the transaction the context carries:
// a statement whose id is stored already with the same content is
// skipped, with other content the batch is ErrConflict. It is one write
// of a group (see writeGroup).
func (s *Store) WriteStatements(ctx context.Context, stmts []*Statement, parts []attach.Part) error {
	w := &pendingWrite{stmts: stmts, parts: parts}
	if err := s.writeGroup(ctx, []*pendingWrite{w}); err != nil {
		return err
	}
	return w.err
}

// writeGroup stores the writes of a group in the transaction the context
// carries, one organization's groups one at a time (for the stored
// order), all with the same stored time. Each write stands alone: one
// that reuses a stored id (or one an earlier write of the group took)
// with other content fails with ErrConflict in its err and is left out,
// the others are written; a statement whose id is stored with the same
// content is skipped. Voiding statements void their targets (never a
// voiding statement), stored or earlier in the group; activities keep the
// latest definition; attachment bytes are kept by hash. Two round trips,
// whatever the group's size; the error returned is the database's.
func (s *Store) writeGroup(ctx context.Context, ws []*pendingWrite) error {
	q := s.q(ctx)
	var ids, refs [][16]byte
	acts := map[string]map[string]any{}
	for _, w := range ws {
		for _, st := range w.stmts {
			ids = append(ids, uuidBytes(st.ID))
			if st.Ref != "" {
				refs = append(refs, uuidBytes(st.Ref))
			}
			collectActivities(st.Body, acts)
		}
	}
	b := &pgx.Batch{}
	var now time.Time
	b.Queue(`select ` + lockStatements + `, clock_timestamp()`).QueryRow(func(r pgx.Row) error {
		return r.Scan(nil, &now)
	})
	existing := map[string]string{}
	b.Queue(`select id::text, body::text from xapi_statements where id = any($1::uuid[])`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, body string
			if err := rows.Scan(&id, &body); err != nil {
				return err
			}
			existing[id] = body
		}
		return rows.Err()
	})
	type target struct {
		voiding bool
		body    map[string]any
	}
	targets := map[string]target{}
	if len(refs) > 0 {
		b.Queue(`select id::text, voids is not null, body::text from xapi_statements where id = any($1::uuid[])`, refs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id, body string
				var t target
				if err := rows.Scan(&id, &t.voiding, &body); err != nil {
					return err
				}
				if err := json.Unmarshal([]byte(body), &t.body); err == nil {
					targets[id] = t
				}
			}
			return rows.Err()
		})
	}
	// What is kept of the activities the group names: a definition merges
	// into the one kept, and an activity is written only when it is new or
	// its definition changes.
	actKeys := make([][16]byte, 0, len(acts))
	for id := range acts {
		actKeys = append(actKeys, digest(keyActivity, id))
	}
	type keptActivity struct {
		text string // the definition as kept ("" for none)
		def  map[string]any
	}
	kept := map[string]keptActivity{}
	if len(actKeys) > 0 {
		b.Queue(`select id, coalesce(definition::text, '') from xapi_activities where key = any($1::uuid[])`, actKeys).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id, def string
				if err := rows.Scan(&id, &def); err != nil {
					return err
				}
				k := keptActivity{text: def}
				if def != "" {
					if err := decodeJSON(def, &k.def); err != nil {
						k.def = nil
					}
				}
				kept[id] = k
			}
			return rows.Err()
		})
	}
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write statements: %w", err)
	}
	stored := now.UTC().Truncate(time.Millisecond)
	storedText := stored.Format(timeFormat)

	// Which writes go in: the first to use an id owns it for the group.
	taken := map[string]*Statement{}
	var accepted []*pendingWrite
	for _, w := range ws {
		w.err = nil
		var mine []*Statement
		for _, st := range w.stmts {
			if old, ok := existing[st.ID]; ok {
				same, err := sameStatement(st.Received, old)
				if err != nil {
					return err
				}
				if !same {
					w.err = conflict(st.ID)
					break
				}
				continue
			}
			if prev, ok := taken[st.ID]; ok {
				if !attach.Equivalent(prev.Received, st.Received) {
					w.err = conflict(st.ID)
					break
				}
				continue
			}
			mine = append(mine, st)
		}
		if w.err != nil {
			continue
		}
		for _, st := range mine {
			taken[st.ID] = st
		}
		w.written = mine
		accepted = append(accepted, w)
	}

	var (
		newIDs      [][16]byte
		verbs       []string
		bodies      []string
		voids       []*[16]byte
		kIDs        [][16]byte
		kKinds      []string
		kKeys       [][16]byte
		kRelated    []bool
		voidTargets [][16]byte
	)
	if len(accepted) < len(ws) {
		// The activities of the writes that go in only.
		acts = map[string]map[string]any{}
		for _, w := range accepted {
			for _, st := range w.written {
				collectActivities(st.Body, acts)
			}
		}
	}
	for _, w := range accepted {
		for _, st := range w.written {
			st.Body["stored"] = storedText
			if _, ok := st.Received["timestamp"]; !ok {
				st.Body["timestamp"] = storedText
			}
			body, err := encode(st.Body)
			if err != nil {
				return fmt.Errorf("statement %s: %w", st.ID, err)
			}
			keys := statementKeySet(st.Body)
			if st.Credential != "" {
				keys.add(keyCredential, st.Credential, false)
			}
			t, ok := targets[st.Ref]
			if prev, in := taken[st.Ref]; !ok && in && st.Ref != st.ID {
				t, ok = target{voiding: prev.Voids != "", body: prev.Body}, true
			}
			if ok {
				// A statement about a statement matches what its target matches.
				for _, k := range statementKeys(t.body) {
					if k.kind == keyAgent || k.kind == keyActivity || k.kind == keyVerb || k.kind == keyRegistration {
						keys.addKey(k)
					}
				}
				if st.Voids != "" && !t.voiding {
					voidTargets = append(voidTargets, uuidBytes(st.Voids))
				}
			}
			keys.addAgentVerbs()
			id := uuidBytes(st.ID)
			var voided *[16]byte
			if st.Voids != "" {
				v := uuidBytes(st.Voids)
				voided = &v
			}
			newIDs, verbs, bodies, voids = append(newIDs, id), append(verbs, st.Verb()), append(bodies, string(body)), append(voids, voided)
			for _, k := range keys.keys {
				kIDs, kKinds, kKeys, kRelated = append(kIDs, id), append(kKinds, string(k.kind)), append(kKeys, k.digest), append(kRelated, k.related)
			}
		}
	}
	if len(newIDs) == 0 {
		return nil
	}
	b = &pgx.Batch{}
	b.Queue(`with s as (
			insert into xapi_statements (id, stored, verb, voids, body)
			select id, $2, verb, voids, body from unnest($1::uuid[], $3::text[], $4::uuid[], $5::json[]) as u (id, verb, voids, body)
			returning id, seq)
		insert into xapi_statement_keys (kind, key, seq, related)
		select k.kind::"char", k.key, s.seq, k.related from unnest($6::uuid[], $7::text[], $8::uuid[], $9::bool[]) as k (id, kind, key, related)
		join s on s.id = k.id`, newIDs, stored, verbs, voids, bodies, kIDs, kKinds, kKeys, kRelated)
	if len(voidTargets) > 0 {
		b.Queue(`update xapi_statements set voided = true where id = any($1::uuid[]) and voids is null`, voidTargets)
	}
	var aKeys [][16]byte
	var aIDs []string
	var aDefs []*string
	for id, def := range acts {
		k, ok := kept[id]
		var text *string
		if def != nil {
			b, err := encode(mergeDefinition(k.def, def))
			if err != nil {
				return fmt.Errorf("activity %s: %w", id, err)
			}
			if ok && string(b) == k.text {
				continue // kept as it is
			}
			t := string(b)
			text = &t
		} else if ok {
			continue // named again, without a definition
		}
		aKeys, aIDs, aDefs = append(aKeys, digest(keyActivity, id)), append(aIDs, id), append(aDefs, text)
	}
	if len(aKeys) > 0 {
		b.Queue(`insert into xapi_activities (key, id, definition)
			select * from unnest($1::uuid[], $2::text[], $3::json[])
			on conflict (org_id, key) do update set definition = excluded.definition, updated_at = now()
			where excluded.definition is not null`, aKeys, aIDs, aDefs)
	}
	seen := map[string]bool{}
	var hashes, types []string
	var blobs [][]byte
	for _, w := range accepted {
		for _, p := range w.parts {
			if !seen[p.SHA2] {
				seen[p.SHA2] = true
				hashes, types, blobs = append(hashes, p.SHA2), append(types, p.ContentType), append(blobs, p.Body)
			}
		}
	}
	if len(hashes) > 0 {
		b.Queue(`insert into xapi_attachments (sha2, content_type, body)
			select * from unnest($1::text[], $2::text[], $3::bytea[]) on conflict do nothing`, hashes, types, blobs)
	}
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write statements: %w", err)
	}
	return nil
}

// conflict is the error of a write that gives a stored id other content.
func conflict(id string) error {
	return fmt.Errorf("statement %s is stored already with other content: %w", id, ErrConflict)
}

// uuidBytes is a statement id (validated already) as 16 bytes.
func uuidBytes(id string) [16]byte {
	u, _ := uuid.Parse(id)
	return u
}

// collectActivities notes the activities a statement names (its object,
// its context's activities, a sub-statement's) with their definitions,
// merged in the order they come (nil: named without a definition).
func collectActivities(s map[string]any, into map[string]map[string]any) {
	note := func(o map[string]any) {
		if objectType(o) != "Activity" {
			return
		}
		id, _ := o["id"].(string)
		if id == "" {
			return
		}
		def, _ := o["definition"].(map[string]any)
		old, seen := into[id]
		switch {
		case def != nil:
			into[id] = mergeDefinition(old, def)
		case !seen:
			into[id] = nil
		}
	}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		o, _ := s["object"].(map[string]any)
		note(o)
		if objectType(o) == "SubStatement" {
			walk(o)
		}
		ctx, _ := s["context"].(map[string]any)
		ca, _ := ctx["contextActivities"].(map[string]any)
		for _, list := range ca {
			acts, ok := list.([]any)
			if !ok {
				acts = []any{list}
			}
			for _, a := range acts {
				if m, ok := a.(map[string]any); ok {
					note(m)
				}
			}
		}
	}
	walk(s)
}

// mergeDefinition is an activity's definition after another statement
// defined it: its language maps (name, description) gain the new
// languages, every other property is the newer one's.
func mergeDefinition(old, upd map[string]any) map[string]any {
	out := make(map[string]any, len(old)+len(upd))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range upd {
		nm, newIsMap := v.(map[string]any)
		om, oldIsMap := out[k].(map[string]any)
		if (k == "name" || k == "description") && newIsMap && oldIsMap {
			merged := make(map[string]any, len(om)+len(nm))
			for l, t := range om {
				merged[l] = t
			}
			for l, t := range nm {
				merged[l] = t
			}
			out[k] = merged
			continue
		}
		out[k] = v
	}
	return out
}

// decodeJSON decodes with numbers kept as written.
func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

// sameStatement reports whether a received statement is the one stored,
// by the statement comparison rules (attach.Equivalent).
func sameStatement(received map[string]any, storedBody string) (bool, error) {
	var old map[string]any
	if err := decodeJSON(storedBody, &old); err != nil {
		return false, fmt.Errorf("stored statement: %w", err)
	}
	return attach.Equivalent(old, received), nil
}

// timeFormat is how the LRS writes stored and timestamp (RFC 3339, UTC,
// milliseconds).
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// StoredStatement is a statement as read.
type StoredStatement struct {
	Seq    int64
	Stored time.Time
	Body   []byte
}

// Statement reads one statement by id: voided selects whether the
// statement asked for is a voided one (voidedStatementId) or not.
func (s *Store) Statement(ctx context.Context, id string, voided bool) (*StoredStatement, error) {
	var st StoredStatement
	err := s.q(ctx).QueryRow(ctx, `select seq, stored, body::text from xapi_statements where id = $1 and voided = $2`, id, voided).
		Scan(&st.Seq, &st.Stored, &st.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("statement %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", id, err)
	}
	return &st, nil
}

// Statements runs a query: up to q.Limit statements (plus one, which says
// another page follows).
func (s *Store) Statements(ctx context.Context, q *Query) ([]*StoredStatement, error) {
	sql, args := q.SQL()
	rows, err := s.q(ctx).Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query statements: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanStored)
	if err != nil {
		return nil, fmt.Errorf("query statements: %w", err)
	}
	return out, nil
}

// scanStored reads a row of a query's page (Query.SQL).
func scanStored(r pgx.CollectableRow) (*StoredStatement, error) {
	var st StoredStatement
	return &st, r.Scan(&st.Seq, &st.Stored, &st.Body)
}

// consistentThrough is the time up to which every statement stored is
// readable: now when no write is in flight, else the newest stored. It
// tries the write lock at session level and lets go of it at once, so
// that it is not held for the rest of a batch it opens.
const consistentThrough = `select case when pg_try_advisory_lock(` + statementsLock + `)
	then case when pg_advisory_unlock(` + statementsLock + `) then clock_timestamp() end
	else coalesce((select max(stored) from xapi_statements), 'epoch') end`

// ConsistentThrough is the time up to which every statement stored is
// readable.
func (s *Store) ConsistentThrough(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := s.q(ctx).QueryRow(ctx, consistentThrough).Scan(&t); err != nil {
		return t, fmt.Errorf("consistent through: %w", err)
	}
	return t, nil
}

// Page runs a query (as Statements) and says how current it is
// (ConsistentThrough, taken before the page is read), in one round trip.
func (s *Store) Page(ctx context.Context, q *Query) ([]*StoredStatement, time.Time, error) {
	sql, args := q.SQL()
	var through time.Time
	var out []*StoredStatement
	b := &pgx.Batch{}
	b.Queue(consistentThrough).QueryRow(func(r pgx.Row) error { return r.Scan(&through) })
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, scanStored)
		return err
	})
	if err := s.q(ctx).SendBatch(ctx, b).Close(); err != nil {
		return nil, through, fmt.Errorf("query statements: %w", err)
	}
	return out, through, nil
}

// Attachments reads attachment bytes by hash (those it has).
func (s *Store) Attachments(ctx context.Context, hashes []string) ([]attach.Part, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	rows, err := s.q(ctx).Query(ctx, `select sha2, content_type, body from xapi_attachments where sha2 = any($1)`, hashes)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	parts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (attach.Part, error) {
		var p attach.Part
		return p, r.Scan(&p.SHA2, &p.ContentType, &p.Body)
	})
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	return parts, nil
}

// Activity reads an activity's canonical definition.
func (s *Store) Activity(ctx context.Context, id string) (json.RawMessage, error) {
	var def *string
	err := s.q(ctx).QueryRow(ctx, `select definition::text from xapi_activities where key = $1`, digest(keyActivity, id)).Scan(&def)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && def == nil) {
		return nil, fmt.Errorf("activity %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("activity %s: %w", id, err)
	}
	return json.RawMessage(*def), nil
}

// Export hands every statement a query matches to each, in the query's
// order, reading them exportChunk at a time (q.Limit) by their position,
// confined to org (the caller's request is over by the time an export
// streams); flush runs after each chunk.
func (s *Store) Export(ctx context.Context, org string, q *Query, each func(body []byte) error, flush func() error) error {
	scoped, err := database.ReadInOrg(ctx, s.db, org)
	if err != nil {
		return err
	}
	page := *q
	for {
		rows, err := s.Statements(scoped, &page)
		if err != nil {
			return err
		}
		n := min(len(rows), page.Limit)
		for _, r := range rows[:n] {
			if err := each(r.Body); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(rows) <= page.Limit {
			return nil
		}
		page.After = rows[n-1].Seq
	}
}

// LearnerStatements reads the statements whose actor is learner about an
// activity (as object), stored after a seq, in stored order: what the
// assessments derive a learner's watching from.
func (s *Store) LearnerStatements(ctx context.Context, learner map[string]any, activity string, afterSeq int64, limit int) ([]*StoredStatement, error) {
	q := &Query{Actor: statement.IFI(learner), Activity: activity, Ascending: true, After: afterSeq, Limit: limit}
	out, err := s.Statements(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
