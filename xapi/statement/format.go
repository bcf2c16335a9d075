package statement

import "strings"

// Formats of GET /statements.
const (
	FormatExact     = "exact"
	FormatIDs       = "ids"
	FormatCanonical = "canonical"
)

// Format returns a copy of a stored statement in a format of GET
// /statements:
//
//   - "exact" (or any other value: the caller checks the parameter): the
//     statement unchanged.
//   - "ids": Agents and identified Groups reduced to their objectType and
//     IFI, anonymous Groups to their objectType and members (each reduced
//     likewise), Activities and Verbs to their id; wherever they occur: actor,
//     object, authority, the Context's instructor, team, contextActivities,
//     contextAgents and contextGroups, and the same in a SubStatement.
//   - "canonical": the language maps of Verbs (display) and Activities
//     (name, description and interaction components) reduced to their one
//     entry that best matches langs, the client's Accept-Language
//     preferences in order such as ["en-GB", "en"]. Agents, Groups and the
//     rest stay exact. The caller substitutes the LRS's canonical
//     Activity definitions first, if it keeps them.
//
// A language range matches a tag equal to it or starting with it and "-"
// ("en" matches en-GB), and "*" matches any. When no range matches, the
// ranges shortened by their last subtags are tried (en-GB becomes en,
// which matches en-US), then en-US and en, and at last the first tag in
// alphabetical order is taken.
func Format(s map[string]any, format string, langs []string) map[string]any {
	out := clone(s).(map[string]any)
	switch format {
	case FormatIDs:
		rewrite{actor: actorIDs, verb: idOnly, activity: idOnly}.statement(out)
	case FormatCanonical:
		one := func(m map[string]any) map[string]any { return oneLanguage(m, langs) }
		rewrite{
			verb:     func(v map[string]any) map[string]any { return inPlace(v, "display", one) },
			activity: func(a map[string]any) map[string]any { return canonicalActivity(a, one) },
		}.statement(out)
	}
	return out
}

// Normalize returns a copy of a valid statement in the form the LRS keeps
// and returns it: every contextActivities value (of the statement and of
// its SubStatement) an array, as xAPI requires, single Activities becoming
// arrays of one.
func Normalize(s map[string]any) map[string]any {
	return NormalizeInPlace(clone(s).(map[string]any))
}

// NormalizeInPlace is Normalize changing s itself (which it returns).
func NormalizeInPlace(s map[string]any) map[string]any {
	out := s
	for st := out; st != nil; st = subStatement(st) {
		ctx, _ := st["context"].(map[string]any)
		kinds, _ := ctx["contextActivities"].(map[string]any)
		for kind, v := range kinds {
			if activity, ok := v.(map[string]any); ok {
				kinds[kind] = []any{activity}
			}
		}
	}
	return out
}

// subStatement returns the SubStatement that is the object of s, or nil.
func subStatement(s map[string]any) map[string]any {
	if obj, ok := s["object"].(map[string]any); ok && obj["objectType"] == "SubStatement" {
		return obj
	}
	return nil
}

// rewrite replaces, in place, the Agents and Groups, the Verbs and the
// Activities of a statement, its Context and its SubStatement by what its
// functions return for them. A nil function keeps them as they are.
type rewrite struct {
	actor, verb, activity func(map[string]any) map[string]any
}

// statement rewrites a Statement or SubStatement.
func (r rewrite) statement(s map[string]any) {
	replace(s, "actor", r.actor)
	replace(s, "verb", r.verb)
	replace(s, "authority", r.actor)
	if obj, ok := s["object"].(map[string]any); ok {
		switch obj["objectType"] {
		case nil, "Activity":
			replace(s, "object", r.activity)
		case "Agent", "Group":
			replace(s, "object", r.actor)
		case "SubStatement":
			r.statement(obj)
		}
	}
	if ctx, ok := s["context"].(map[string]any); ok {
		r.context(ctx)
	}
}

// context rewrites the Agents, Groups and Activities of a Context.
func (r rewrite) context(ctx map[string]any) {
	replace(ctx, "instructor", r.actor)
	replace(ctx, "team", r.actor)
	kinds, _ := ctx["contextActivities"].(map[string]any)
	for kind, v := range kinds {
		if list, ok := v.([]any); ok {
			replaceAll(list, r.activity)
		} else {
			replace(kinds, kind, r.activity)
		}
	}
	r.contextActors(ctx["contextAgents"], "agent")
	r.contextActors(ctx["contextGroups"], "group")
}

// contextActors rewrites the Agent or Group under key of each element of
// the xAPI 2.0 contextAgents or contextGroups list.
func (r rewrite) contextActors(list any, key string) {
	elements, _ := list.([]any)
	for _, e := range elements {
		if obj, ok := e.(map[string]any); ok {
			replace(obj, key, r.actor)
		}
	}
}

// replace sets obj[key] to f of it, when it is an object and f is not nil.
func replace(obj map[string]any, key string, f func(map[string]any) map[string]any) {
	if m, ok := obj[key].(map[string]any); ok && f != nil {
		obj[key] = f(m)
	}
}

// replaceAll sets every object of list to f of it, when f is not nil.
func replaceAll(list []any, f func(map[string]any) map[string]any) {
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && f != nil {
			list[i] = f(m)
		}
	}
}

// inPlace sets obj[key] to f of it, when it is an object, and returns obj.
func inPlace(obj map[string]any, key string, f func(map[string]any) map[string]any) map[string]any {
	replace(obj, key, f)
	return obj
}

// actorIDs reduces an Agent or Group to what identifies it.
func actorIDs(a map[string]any) map[string]any {
	out := map[string]any{}
	if t, ok := a["objectType"]; ok {
		out["objectType"] = t
	}
	if ifis := identifiersOf(a); len(ifis) > 0 {
		out[ifis[0]] = a[ifis[0]]
		return out
	}
	if members, ok := a["member"].([]any); ok {
		replaceAll(members, actorIDs)
		out["member"] = members
	}
	return out
}

// idOnly reduces a Verb or an Activity to its id.
func idOnly(m map[string]any) map[string]any {
	return map[string]any{"id": m["id"]}
}

// canonicalActivity applies one to the language maps of an Activity's
// definition: name, description and its interaction components'.
func canonicalActivity(a map[string]any, one func(map[string]any) map[string]any) map[string]any {
	def, ok := a["definition"].(map[string]any)
	if !ok {
		return a
	}
	replace(def, "name", one)
	replace(def, "description", one)
	for _, name := range allComponentLists {
		list, _ := def[name].([]any)
		for _, comp := range list {
			if m, ok := comp.(map[string]any); ok {
				replace(m, "description", one)
			}
		}
	}
	return a
}

// defaultLanguages are tried when none of the client's matches.
var defaultLanguages = []string{"en-US", "en"}

// oneLanguage reduces a language map to its entry that best matches langs
// (see Format).
func oneLanguage(m map[string]any, langs []string) map[string]any {
	if len(m) == 0 {
		return m
	}
	tag := bestTag(sortedKeys(m), langs)
	return map[string]any{tag: m[tag]}
}

// bestTag returns the tag of tags (sorted, not empty) that best matches the
// language ranges langs, as Format says.
func bestTag(tags, langs []string) string {
	for _, ranges := range [][]string{langs, defaultLanguages} {
		for _, r := range ranges {
			if tag, ok := matchRange(tags, r); ok {
				return tag
			}
		}
		for _, r := range ranges {
			for i := strings.LastIndexByte(r, '-'); i > 0; i = strings.LastIndexByte(r, '-') {
				r = r[:i]
				if tag, ok := matchRange(tags, r); ok {
					return tag
				}
			}
		}
	}
	return tags[0]
}

// matchRange returns the tag equal to the language range r, or else the
// first one r is a prefix of (RFC 2616's matching: en matches en-GB), or
// the first tag for the range "*".
func matchRange(tags []string, r string) (string, bool) {
	if r == "*" {
		return tags[0], true
	}
	var prefixed string
	for _, tag := range tags {
		switch {
		case strings.EqualFold(tag, r):
			return tag, true
		case prefixed == "" && len(tag) > len(r) && tag[len(r)] == '-' && strings.EqualFold(tag[:len(r)], r):
			prefixed = tag
		}
	}
	return prefixed, prefixed != ""
}

// clone deeply copies a decoded JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = clone(e)
		}
		return out
	}
	return v
}
