package xapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query is a GET /statements filter, and the position of its next page.
// It travels in the more IRL (a page is the same query from a later
// position), so its fields are JSON.
type Query struct {
	// Agent is an agent filter's IFI (statement.IFI).
	Agent             string     `json:"agent,omitempty"`
	RelatedAgents     bool       `json:"related_agents,omitempty"`
	Verb              string     `json:"verb,omitempty"`
	Activity          string     `json:"activity,omitempty"`
	RelatedActivities bool       `json:"related_activities,omitempty"`
	Registration      string     `json:"registration,omitempty"`
	Since             *time.Time `json:"since,omitempty"`
	Until             *time.Time `json:"until,omitempty"`
	Limit             int        `json:"limit"`
	Ascending         bool       `json:"ascending,omitempty"`
	Format            string     `json:"format,omitempty"`
	Attachments       bool       `json:"attachments,omitempty"`
	// Actor confines the result to statements with this actor (a
	// learner's own); Credential to those a credential wrote
	// (statements/read/mine). Both come from the caller, never a client.
	Actor      string `json:"actor,omitempty"`
	Credential string `json:"credential,omitempty"`
	// After is the seq the next page starts after (before, descending).
	After int64 `json:"after,omitempty"`
}

// filter is one key a statement must have.
type filter struct {
	kind    byte
	value   string
	related bool // related keys match too
}

func (q *Query) filters() []filter {
	var fs []filter
	if q.Agent != "" {
		fs = append(fs, filter{keyAgent, q.Agent, q.RelatedAgents})
	}
	if q.Verb != "" {
		fs = append(fs, filter{keyVerb, q.Verb, false})
	}
	if q.Activity != "" {
		fs = append(fs, filter{keyActivity, q.Activity, q.RelatedActivities})
	}
	if q.Registration != "" {
		fs = append(fs, filter{keyRegistration, q.Registration, false})
	}
	if q.Actor != "" {
		fs = append(fs, filter{keyActor, q.Actor, false})
	}
	if q.Credential != "" {
		fs = append(fs, filter{keyCredential, q.Credential, false})
	}
	return fs
}

// SQL is the query that reads one page (Limit+1 rows: the last says more
// follow). Each filter is a look-up of its key in xapi_statement_keys (the
// primary key (org, kind, key, seq) orders them by seq), joined on seq;
// time bounds are on stored and the page position on seq, both indexed.
func (q *Query) SQL() (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where = append(where, "not s.voided")
	for _, f := range q.filters() {
		cond := fmt.Sprintf("k.kind = '%c' and k.key = %s", f.kind, arg(digest(f.kind, f.value)))
		if !f.related {
			cond += " and not k.related"
		}
		where = append(where, "s.seq in (select k.seq from xapi_statement_keys k where "+cond+")")
	}
	if q.Since != nil {
		where = append(where, "s.stored > "+arg(*q.Since))
	}
	if q.Until != nil {
		where = append(where, "s.stored <= "+arg(*q.Until))
	}
	order := "desc"
	if q.Ascending {
		order = "asc"
	}
	if q.After != 0 {
		op := "<"
		if q.Ascending {
			op = ">"
		}
		where = append(where, "s.seq "+op+" "+arg(q.After))
	}
	sql := "select s.seq, s.stored, s.body::text from xapi_statements s where " + strings.Join(where, " and ") +
		" order by s.seq " + order + " limit " + arg(q.Limit+1)
	return sql, args
}

// More is the cursor of the page after one ending at seq.
func (q *Query) More(seq int64) string {
	next := *q
	next.After = seq
	b, _ := json.Marshal(&next)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseMore reads a cursor More wrote.
func ParseMore(s string) (*Query, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("more: not a cursor this LRS wrote")
	}
	var q Query
	if err := json.Unmarshal(b, &q); err != nil || q.Limit <= 0 {
		return nil, fmt.Errorf("more: not a cursor this LRS wrote")
	}
	return &q, nil
}
