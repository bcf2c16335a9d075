package statement

import "slices"

var definitionProperties = []string{
	"name", "description", "type", "moreInfo", "extensions",
	"interactionType", "correctResponsesPattern",
	"choices", "scale", "source", "target", "steps",
}

// componentLists are the interaction types and the interaction component
// lists each may have.
var componentLists = map[string][]string{
	"true-false":   nil,
	"choice":       {"choices"},
	"fill-in":      nil,
	"long-fill-in": nil,
	"matching":     {"source", "target"},
	"performance":  {"steps"},
	"sequencing":   {"choices"},
	"likert":       {"scale"},
	"numeric":      nil,
	"other":        nil,
}

// allComponentLists are the interaction component list properties, in the
// order they are checked.
var allComponentLists = []string{"choices", "scale", "source", "target", "steps"}

// activity checks an Activity: objectType "Activity" or none, an IRI id
// and an optional definition.
func (c *checker) activity(v any, p jsonPath) {
	activity := c.properties(v, p, "an Activity", []string{"objectType", "id", "definition"})
	if c.failed() {
		return
	}
	if t, has := activity["objectType"]; has && t != "Activity" {
		c.fail(p.key("objectType"), `must be "Activity" (case-sensitive), not %s`, describe(t))
		return
	}
	if !c.require(activity, p, "id") {
		return
	}
	c.iri(activity["id"], p.key("id"))
	c.optional(activity, p, "definition", c.definition)
}

// definition checks an Activity Definition.
func (c *checker) definition(v any, p jsonPath) {
	def := c.properties(v, p, "an Activity definition", definitionProperties)
	if c.failed() {
		return
	}
	c.optional(def, p, "name", c.languageMap)
	c.optional(def, p, "description", c.languageMap)
	c.optional(def, p, "type", c.iri)
	c.optional(def, p, "moreInfo", c.iri)
	c.optional(def, p, "extensions", c.extensions)
	c.interaction(def, p)
}

// interaction checks the interaction properties of a definition: a known
// interactionType, which correctResponsesPattern and the interaction
// component lists require, and only the lists that type supports.
func (c *checker) interaction(def map[string]any, p jsonPath) {
	interactionType, typed := def["interactionType"]
	var lists []string
	if typed {
		s, ok := c.str(interactionType, p.key("interactionType"))
		if !ok {
			return
		}
		if lists, ok = componentLists[s]; !ok {
			c.fail(p.key("interactionType"), "must be true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric or other (case-sensitive), not %q", s)
			return
		}
	}
	if pattern, ok := def["correctResponsesPattern"]; ok {
		if !typed {
			c.fail(p.key("correctResponsesPattern"), "needs an interactionType: only interaction Activities have one")
			return
		}
		c.strings(pattern, p.key("correctResponsesPattern"))
	}
	for _, name := range allComponentLists {
		list, ok := def[name]
		switch {
		case !ok:
			continue
		case !typed:
			c.fail(p.key(name), "needs an interactionType: only interaction Activities have interaction components")
		case !slices.Contains(lists, name):
			c.fail(p.key(name), "is not an interaction component list of a %q interaction", interactionType)
		default:
			c.components(list, p.key(name))
		}
	}
}

// strings checks an array of strings.
func (c *checker) strings(v any, p jsonPath) {
	list, ok := c.array(v, p)
	for i := 0; ok && i < len(list); i++ {
		_, ok = c.str(list[i], p.index(i))
	}
}

// components checks an interaction component list: components with
// distinct ids and an optional description.
func (c *checker) components(v any, p jsonPath) {
	list, ok := c.array(v, p)
	if !ok {
		return
	}
	seen := make(map[string]bool, len(list))
	for i, comp := range list {
		at := p.index(i)
		component := c.properties(comp, at, "an interaction component", []string{"id", "description"})
		if c.failed() || !c.require(component, at, "id") {
			return
		}
		id, ok := c.str(component["id"], at.key("id"))
		if !ok {
			return
		}
		if seen[id] {
			c.fail(at.key("id"), "%q is the id of another component of the list: ids are distinct", id)
			return
		}
		seen[id] = true
		c.optional(component, at, "description", c.languageMap)
	}
}
