package xapi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The query planner: each filter is one look-up in the key table (plain
// or widened to related keys), time bounds are on stored, the page position
// on seq, and the order follows ascending.
func TestQuerySQL(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		q       Query
		want    []string // fragments, in order
		notWant []string
		args    int
	}{
		{"no filter", Query{Limit: 10}, []string{"not s.voided", "order by s.seq desc", "limit $1"}, []string{"xapi_statement_keys"}, 1},
		{"agent", Query{Agent: "mbox:mailto:a@b.c", Limit: 10},
			[]string{"k.kind = 'a' and k.key = $1 and not k.related", "limit $2"}, nil, 2},
		{"related agents: plain or related, once", Query{Agent: "mbox:mailto:a@b.c", RelatedAgents: true, Limit: 10},
			[]string{"k.kind = 'a' and k.key = $1 and not s.voided", "order by k.seq desc"}, []string{"not k.related"}, 2},
		{"agent and verb: one key", Query{Agent: "x", Verb: "http://v", Limit: 10},
			[]string{"from xapi_statement_keys k join xapi_statements s", "where k.kind = 'w' and k.key = $1 and not k.related",
				"order by k.seq desc", "limit $2"}, []string{"lateral", "'a'", "'v'"}, 2},
		{"related agents drive, verb probes", Query{Agent: "x", RelatedAgents: true, Verb: "http://v", Limit: 10},
			[]string{"from xapi_statement_keys k join xapi_statements s",
				"cross join lateral (select 1 from xapi_statement_keys k1 where k1.org_id = k.org_id and k1.kind = 'v' and k1.key = $2 and k1.seq = k.seq and not k1.related limit 1) p1",
				"where k.kind = 'a' and k.key = $1 and not s.voided", "order by k.seq desc", "limit $3"}, []string{"exists", "not k.related"}, 3},
		{"related activities", Query{Activity: "http://a", RelatedActivities: true, Limit: 5},
			[]string{"k.kind = 'c' and k.key = $1 and not s.voided"}, []string{"not k.related"}, 2},
		{"registration and time", Query{Registration: "r", Since: &since, Until: &since, Limit: 5},
			[]string{"k.kind = 'r'", "s.stored > $2", "k.seq > coalesce((select t.seq from xapi_statements t where t.stored <= $2 order by t.stored desc, t.seq desc limit 1), 0)",
				"s.stored <= $3", "k.seq <= coalesce((select t.seq from xapi_statements t where t.stored <= $3"}, nil, 4},
		{"learner drives", Query{Actor: "me", Verb: "http://v", Limit: 5},
			[]string{"k1.kind = 'v'", "k.kind = 'm' and k.key = $1"}, nil, 3},
		{"keyed page", Query{Agent: "x", After: 9, Ascending: true, Limit: 5}, []string{"k.seq > $2", "order by k.seq asc"}, nil, 3},
		{"ascending page", Query{Ascending: true, After: 41, Limit: 5},
			[]string{"s.seq > $1", "order by s.seq asc"}, nil, 2},
		{"descending page", Query{After: 41, Limit: 5}, []string{"s.seq < $1", "order by s.seq desc"}, nil, 2},
		{"learner", Query{Actor: "account:x y", Limit: 5}, []string{"k.kind = 'm'"}, nil, 2},
		{"read mine", Query{Credential: "c", Limit: 5}, []string{"k.kind = 'u'"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, args := tt.q.SQL()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(sql[at:], w)
				if i < 0 {
					t.Fatalf("%q lacks %q (in order)", sql, w)
				}
				at += i + len(w)
			}
			for _, w := range tt.notWant {
				if strings.Contains(sql, w) {
					t.Errorf("%q has %q", sql, w)
				}
			}
			if len(args) != tt.args {
				t.Errorf("%d args, want %d", len(args), tt.args)
			}
			if args[len(args)-1] != tt.q.Limit+1 {
				t.Errorf("limit arg %v, want %d (one more says a page follows)", args[len(args)-1], tt.q.Limit+1)
			}
		})
	}
}

func TestMoreRoundTrip(t *testing.T) {
	q := &Query{Agent: "x", Verb: "http://v", Limit: 7, Format: "ids", Actor: "me"}
	got, err := ParseMore(q.More(99))
	if err != nil {
		t.Fatal(err)
	}
	want := *q
	want.After = 99
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	for _, bad := range []string{"", "!!!", "e30"} { // e30 = {} (no limit)
		if _, err := ParseMore(bad); err == nil {
			t.Errorf("ParseMore(%q) accepted", bad)
		}
	}
}

// A value a statement holds plainly and as related is one key, plain (the
// related filters need no second look); held only as related, related.
func TestStatementKeysOnce(t *testing.T) {
	s := map[string]any{
		"actor":     map[string]any{"mbox": "mailto:a@x"},
		"verb":      map[string]any{"id": "http://verb"},
		"authority": map[string]any{"mbox": "mailto:a@x"},
		"object":    map[string]any{"id": "http://act"},
		"context": map[string]any{
			"instructor":        map[string]any{"mbox": "mailto:t@x"},
			"team":              map[string]any{"objectType": "Group", "member": []any{map[string]any{"mbox": "mailto:t@x"}}},
			"contextActivities": map[string]any{"parent": []any{map[string]any{"id": "http://act"}}, "other": []any{map[string]any{"id": "http://o"}}},
		},
	}
	count := map[[2]string]int{}
	related := map[[2]string]bool{}
	for _, k := range statementKeys(s) {
		n := [2]string{string(k.kind), string(k.digest[:])}
		count[n]++
		related[n] = k.related
	}
	for n, c := range count {
		if c != 1 {
			t.Errorf("key %s held %d times", n[0], c)
		}
	}
	for _, tt := range []struct {
		kind    byte
		value   string
		related bool
	}{
		{keyAgent, "mbox:mailto:a@x", false}, {keyActivity, "http://act", false},
		{keyAgent, "mbox:mailto:t@x", true}, {keyActivity, "http://o", true},
	} {
		d := digest(tt.kind, tt.value)
		n := [2]string{string(tt.kind), string(d[:])}
		if count[n] != 1 || related[n] != tt.related {
			t.Errorf("%c %s: %d keys, related %v; want 1, related %v", tt.kind, tt.value, count[n], related[n], tt.related)
		}
	}
}

// The keys a statement is found by: actor and object plain, everything
// else related; context activities related; a sub-statement's all
// related; the registration and verb plain.
func TestStatementKeys(t *testing.T) {
	s := map[string]any{
		"actor":     map[string]any{"mbox": "mailto:actor@x"},
		"verb":      map[string]any{"id": "http://verb"},
		"authority": map[string]any{"mbox": "mailto:auth@x"},
		"object": map[string]any{"objectType": "SubStatement",
			"actor":  map[string]any{"mbox": "mailto:sub@x"},
			"verb":   map[string]any{"id": "http://subverb"},
			"object": map[string]any{"id": "http://subobject"}},
		"context": map[string]any{
			"registration":      "AAAAAAAA-0000-4000-8000-000000000000",
			"instructor":        map[string]any{"mbox": "mailto:teacher@x"},
			"contextActivities": map[string]any{"parent": []any{map[string]any{"id": "http://parent"}}},
		},
	}
	got := map[string]bool{}
	for _, k := range statementKeys(s) {
		got[string(k.kind)+"|"+string(k.digest[:])+"|"+map[bool]string{true: "related", false: "plain"}[k.related]] = true
	}
	want := []struct {
		kind    byte
		value   string
		related bool
	}{
		{keyActor, "mbox:mailto:actor@x", false},
		{keyAgent, "mbox:mailto:actor@x", false},
		{keyVerb, "http://verb", false},
		{keyAgent, "mbox:mailto:auth@x", true},
		{keyAgent, "mbox:mailto:sub@x", true},
		{keyActivity, "http://subobject", true},
		{keyAgent, "mbox:mailto:teacher@x", true},
		{keyActivity, "http://parent", true},
		{keyRegistration, "aaaaaaaa-0000-4000-8000-000000000000", false},
	}
	for _, w := range want {
		d := digest(w.kind, w.value)
		k := string(w.kind) + "|" + string(d[:]) + "|" + map[bool]string{true: "related", false: "plain"}[w.related]
		if !got[k] {
			t.Errorf("no key %c %q related=%v", w.kind, w.value, w.related)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d keys, want %d", len(got), len(want))
	}
}

func TestDocumentConditions(t *testing.T) {
	cur := &Document{ETag: `"abc"`}
	tests := []struct {
		name string
		c    Condition
		cur  *Document
		want error
	}{
		{"no headers, new", Condition{}, nil, nil},
		{"no headers, exists", Condition{}, cur, nil},
		{"required, exists", Condition{Required: true}, cur, ErrConflict},
		{"required, new", Condition{Required: true}, nil, nil},
		{"required always (1.0.3 profile), new", Condition{Required: true, Always: true}, nil, ErrInvalid},
		{"if-match right", Condition{IfMatch: `"abc"`, Required: true}, cur, nil},
		{"if-match in a list", Condition{IfMatch: `"x", "abc"`}, cur, nil},
		{"if-match wrong", Condition{IfMatch: `"x"`}, cur, ErrPrecondition},
		{"if-match, none", Condition{IfMatch: `"abc"`}, nil, ErrPrecondition},
		{"if-match *, exists", Condition{IfMatch: "*"}, cur, nil},
		{"if-none-match *, exists", Condition{IfNoneMatch: "*"}, cur, ErrPrecondition},
		{"if-none-match *, new", Condition{IfNoneMatch: "*"}, nil, nil},
		{"if-none-match other", Condition{IfNoneMatch: `"x"`}, cur, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.check(tt.cur)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMergeDefinition(t *testing.T) {
	old := map[string]any{"name": map[string]any{"en-US": "meeting"}, "type": "http://t/old", "moreInfo": "http://m"}
	upd := map[string]any{"name": map[string]any{"fr-FR": "réunion"}, "type": "http://t/new"}
	got := mergeDefinition(old, upd)
	want := map[string]any{"name": map[string]any{"en-US": "meeting", "fr-FR": "réunion"}, "type": "http://t/new", "moreInfo": "http://m"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := mergeDefinition(nil, upd); !reflect.DeepEqual(got, upd) {
		t.Errorf("merge into nothing: %v", got)
	}
}

func TestAcceptLanguages(t *testing.T) {
	for h, want := range map[string][]string{
		"":                             {},
		"fr":                           {"fr"},
		"en-GB;q=0.5, fr-FR, de;q=0.7": {"fr-FR", "de", "en-GB"},
	} {
		if got := acceptLanguages(h); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v", h, got, want)
		}
	}
}
