package xapi

import (
	"crypto/sha256"

	"github.com/lectern/lectern/xapi/statement"
)

// Kinds of statement keys (xapi_statement_keys.kind).
const (
	keyAgent        = 'a' // an Agent or identified Group
	keyActivity     = 'c'
	keyVerb         = 'v'
	keyRegistration = 'r'
	keyCredential   = 'u' // the credential that wrote it (statements/read/mine)
	keyActor        = 'm' // the actor alone (a learner's own statements)
	keyAgentVerb    = 'w' // an agent (plain) with the verb: the agent+verb filter in one look-up
)

// agentVerb is the value of an agent+verb key: the two keys' digests.
func agentVerb(agent, verb [16]byte) string { return string(agent[:]) + string(verb[:]) }

// addAgentVerbs adds an agent+verb key for each plain agent and verb the
// set holds (after a StatementRef's target's keys, which count too).
func (ks *keySet) addAgentVerbs() {
	var agents, verbs [][16]byte
	for _, k := range ks.keys {
		switch {
		case k.kind == keyAgent && !k.related:
			agents = append(agents, k.digest)
		case k.kind == keyVerb && !k.related:
			verbs = append(verbs, k.digest)
		}
	}
	for _, a := range agents {
		for _, v := range verbs {
			ks.add(keyAgentVerb, agentVerb(a, v), false)
		}
	}
}

// key is one filterable value of a statement. Related keys are those the
// related_agents and related_activities filters widen to.
type key struct {
	kind    byte
	digest  [16]byte
	related bool
}

// digest names a value of a kind in 16 bytes (stored as a uuid).
func digest(kind byte, value string) [16]byte {
	h := sha256.New()
	h.Write([]byte{kind, 0})
	h.Write([]byte(value))
	var d [16]byte
	copy(d[:], h.Sum(nil))
	return d
}

// keySet collects a statement's keys, each value of a kind once: plain
// when the statement holds it plainly anywhere, else related.
type keySet struct {
	keys []key
	seen map[keyName]int // index in keys
}

type keyName struct {
	kind   byte
	digest [16]byte
}

func (ks *keySet) add(kind byte, value string, related bool) {
	if value == "" {
		return
	}
	ks.addKey(key{kind: kind, digest: digest(kind, value), related: related})
}

func (ks *keySet) addKey(k key) {
	if ks.seen == nil {
		ks.seen = map[keyName]int{}
	}
	n := keyName{k.kind, k.digest}
	if i, ok := ks.seen[n]; ok {
		ks.keys[i].related = ks.keys[i].related && k.related
		return
	}
	ks.seen[n] = len(ks.keys)
	ks.keys = append(ks.keys, k)
}

// statementKeys lists what the filters of GET /statements find a
// statement by: the agent and activity filters (plain: actor and object;
// related: also authority, instructor, team, context agents and groups,
// context activities and everything inside a sub-statement), the verb and
// the registration. A StatementRef's target's keys are added by the store.
func statementKeys(s map[string]any) []key { return statementKeySet(s).keys }

func statementKeySet(s map[string]any) *keySet {
	ks := &keySet{}
	actor, _ := s["actor"].(map[string]any)
	ks.add(keyActor, statement.IFI(actor), false)
	ks.add(keyAgent, statement.IFI(actor), false)
	if v, ok := s["verb"].(map[string]any); ok {
		id, _ := v["id"].(string)
		ks.add(keyVerb, id, false)
	}
	if a, ok := s["authority"].(map[string]any); ok {
		agents(ks, a, true)
	}
	object, _ := s["object"].(map[string]any)
	switch objectType(object) {
	case "Activity":
		id, _ := object["id"].(string)
		ks.add(keyActivity, id, false)
	case "Agent", "Group":
		ks.add(keyAgent, statement.IFI(object), false)
	case "SubStatement":
		sub, _ := object["actor"].(map[string]any)
		agents(ks, sub, true)
		so, _ := object["object"].(map[string]any)
		switch objectType(so) {
		case "Activity":
			id, _ := so["id"].(string)
			ks.add(keyActivity, id, true)
		case "Agent", "Group":
			agents(ks, so, true)
		}
		contextKeys(ks, object, true)
	}
	contextKeys(ks, s, false)
	return ks
}

// contextKeys adds what a statement's context names; its registration
// only for a top-level statement.
func contextKeys(ks *keySet, s map[string]any, sub bool) {
	ctx, _ := s["context"].(map[string]any)
	if ctx == nil {
		return
	}
	if r, ok := ctx["registration"].(string); ok && !sub {
		ks.add(keyRegistration, lowerUUID(r), false)
	}
	for _, f := range []string{"instructor", "team"} {
		if a, ok := ctx[f].(map[string]any); ok {
			agents(ks, a, true)
		}
	}
	for _, f := range []string{"contextAgents", "contextGroups"} {
		list, _ := ctx[f].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			for _, p := range []string{"agent", "group"} {
				if a, ok := m[p].(map[string]any); ok {
					agents(ks, a, true)
				}
			}
		}
	}
	if ca, ok := ctx["contextActivities"].(map[string]any); ok {
		for _, list := range ca {
			acts, ok := list.([]any)
			if !ok {
				acts = []any{list}
			}
			for _, a := range acts {
				if m, ok := a.(map[string]any); ok {
					id, _ := m["id"].(string)
					ks.add(keyActivity, id, true)
				}
			}
		}
	}
}

// agents adds an Agent or Group (related or not) and a group's members
// (always related).
func agents(ks *keySet, a map[string]any, related bool) {
	ks.add(keyAgent, statement.IFI(a), related)
	members, _ := a["member"].([]any)
	for _, m := range members {
		if ma, ok := m.(map[string]any); ok {
			ks.add(keyAgent, statement.IFI(ma), true)
		}
	}
}

// objectType is an object's objectType (an Activity when absent).
func objectType(o map[string]any) string {
	if o == nil {
		return ""
	}
	t, _ := o["objectType"].(string)
	if t == "" {
		return "Activity"
	}
	return t
}
