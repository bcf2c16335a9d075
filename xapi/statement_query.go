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
	// The most selective first: it drives the query.
	var fs []filter
	if q.Actor != "" {
		fs = append(fs, filter{keyActor, q.Actor, false})
	}
	if q.Credential != "" {
		fs = append(fs, filter{keyCredential, q.Credential, false})
	}
	agent, verb := q.Agent, q.Verb
	if agent != "" && !q.RelatedAgents && verb != "" {
		// Both in one key: the agent's statements of the verb, in order.
		fs = append(fs, filter{keyAgentVerb, agentVerb(digest(keyAgent, agent), digest(keyVerb, verb)), false})
		agent, verb = "", ""
	}
	if agent != "" {
		fs = append(fs, filter{keyAgent, agent, q.RelatedAgents})
	}
	if q.Registration != "" {
		fs = append(fs, filter{keyRegistration, q.Registration, false})
	}
	if q.Activity != "" {
		fs = append(fs, filter{keyActivity, q.Activity, q.RelatedActivities})
	}
	if verb != "" {
		fs = append(fs, filter{keyVerb, verb, false})
	}
	return fs
}

// SQL is the query that reads one page (Limit+1 rows: the last says more
// follow). With filters, the most selective one drives: its rows of
// xapi_statement_keys, read backwards (or forwards) along the primary key
// (org, kind, key, seq), are already in page order, so the scan stops
// after a page; every other filter is a probe of that key for the same
// seq, and the statement a probe of (org, seq). Without filters the page is
// read along (org, seq). Time bounds are on stored.
func (q *Query) SQL() (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	order := "desc"
	if q.Ascending {
		order = "asc"
	}
	seq := "s.seq"
	from := "xapi_statements s"
	fs := q.filters()
	if len(fs) > 0 {
		d := fs[0]
		seq = "k.seq"
		from = "xapi_statement_keys k join xapi_statements s on s.org_id = k.org_id and s.seq = k.seq"
		where = append(where, fmt.Sprintf("k.kind = '%c' and k.key = %s", d.kind, arg(digest(d.kind, d.value))))
		// A statement holds each key once, plain when it has it plainly.
		if !d.related {
			where = append(where, "not k.related")
		}
		// Every other filter is a probe (a lateral join that stops at the
		// first row, so that the planner cannot turn it into a scan of
		// every statement with that key).
		for i, f := range fs[1:] {
			n := strconv.Itoa(i + 1)
			cond := fmt.Sprintf("k%s.org_id = k.org_id and k%s.kind = '%c' and k%s.key = %s and k%s.seq = k.seq", n, n, f.kind, n, arg(digest(f.kind, f.value)), n)
			if !f.related {
				cond += " and not k" + n + ".related"
			}
			from += " cross join lateral (select 1 from xapi_statement_keys k" + n + " where " + cond + " limit 1) p" + n
		}
	}
	where = append(where, "not s.voided")
	// Time bounds are on stored, and as stored grows with seq (writes are
	// serialized), also on seq: the last seq stored up to a time, one
	// look-up in (org, stored, seq), bounds the range the page is read
	// from, so that a bound far from the newest statements reads no more
	// than a page.
	lastUpTo := func(t string) string {
		return "coalesce((select t.seq from xapi_statements t where t.stored <= " + t + " order by t.stored desc, t.seq desc limit 1), 0)"
	}
	if q.Since != nil {
		a := arg(*q.Since)
		where = append(where, "s.stored > "+a, seq+" > "+lastUpTo(a))
	}
	if q.Until != nil {
		a := arg(*q.Until)
		where = append(where, "s.stored <= "+a, seq+" <= "+lastUpTo(a))
	}
	if q.After != 0 {
		op := "<"
		if q.Ascending {
			op = ">"
		}
		where = append(where, seq+" "+op+" "+arg(q.After))
	}
	sql := "select s.seq, s.stored, s.body::text from " + from + " where " + strings.Join(where, " and ") +
		" order by " + seq + " " + order + " limit " + arg(q.Limit+1)
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
