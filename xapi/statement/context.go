package statement

var (
	contextProperties = []string{
		"registration", "instructor", "team", "contextActivities",
		"revision", "platform", "language", "statement", "extensions",
	}
	// contextProperties2 adds the properties xAPI 2.0 brought.
	contextProperties2 = []string{
		"registration", "instructor", "team", "contextActivities",
		"revision", "platform", "language", "statement", "extensions",
		"contextAgents", "contextGroups",
	}
	contextActivityKinds = []string{"parent", "grouping", "category", "other"}
)

// context checks a Context. objectType is the one of the Statement's object
// ("Activity" when it has none): revision and platform only describe
// Activities.
func (c *checker) context(v any, p jsonPath, objectType string) {
	allowed := contextProperties2
	if c.v == V103 {
		allowed = contextProperties
		if c.newIn2(v, p, "contextAgents", "contextGroups") {
			return
		}
	}
	ctx := c.properties(v, p, "a Context", allowed)
	if c.failed() {
		return
	}
	c.optional(ctx, p, "registration", c.uuid)
	c.optional(ctx, p, "instructor", c.agentOrGroup)
	c.optional(ctx, p, "team", c.group)
	c.optional(ctx, p, "contextActivities", c.contextActivities)
	for _, k := range []string{"revision", "platform"} {
		v, ok := ctx[k]
		if !ok {
			continue
		}
		if _, isString := c.str(v, p.key(k)); isString && objectType != "Activity" {
			c.fail(p.key(k), "is only allowed when the statement's object is an Activity, not objectType %q", objectType)
		}
	}
	c.optional(ctx, p, "language", c.languageTag)
	c.optional(ctx, p, "statement", c.statementRef)
	c.optional(ctx, p, "extensions", c.extensions)
	c.optional(ctx, p, "contextAgents", c.contextAgents)
	c.optional(ctx, p, "contextGroups", c.contextGroups)
}

// newIn2 fails, for a 1.0.3 client, on the first of keys that v has: they
// are xAPI 2.0 properties.
func (c *checker) newIn2(v any, p jsonPath, keys ...string) bool {
	obj, _ := v.(map[string]any)
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			c.fail(p.key(k), "is an xAPI 2.0 property: send X-Experience-API-Version 2.0.0 to use it")
			return true
		}
	}
	return false
}

// contextActivities checks the Activities of a Context by kind of relation:
// each kind has one Activity or an array of them.
func (c *checker) contextActivities(v any, p jsonPath) {
	kinds := c.properties(v, p, "a contextActivities object", contextActivityKinds)
	for _, kind := range contextActivityKinds {
		activities, ok := kinds[kind]
		if !ok {
			continue
		}
		at := p.key(kind)
		list, isList := activities.([]any)
		if !isList {
			c.activity(activities, at)
			continue
		}
		for i, a := range list {
			c.activity(a, at.index(i))
		}
	}
}

// contextAgents checks the xAPI 2.0 contextAgents: Agents with the types of
// their relevance to the statement.
func (c *checker) contextAgents(v any, p jsonPath) {
	c.contextActors(v, p, "contextAgent", "agent", c.agent)
}

// contextGroups checks the xAPI 2.0 contextGroups: Groups with the types of
// their relevance to the statement.
func (c *checker) contextGroups(v any, p jsonPath) {
	c.contextActors(v, p, "contextGroup", "group", c.group)
}

// contextActors checks an array of objects of objectType objectType whose
// property actorKey is checked by checkActor, with optional relevantTypes.
func (c *checker) contextActors(v any, p jsonPath, objectType, actorKey string, checkActor func(any, jsonPath)) {
	list, ok := c.array(v, p)
	if !ok {
		return
	}
	for i, e := range list {
		at := p.index(i)
		obj := c.properties(e, at, "a "+objectType, []string{"objectType", actorKey, "relevantTypes"})
		if c.failed() || !c.require(obj, at, "objectType", actorKey) {
			return
		}
		if obj["objectType"] != objectType {
			c.fail(at.key("objectType"), "must be %q (case-sensitive), not %s", objectType, describe(obj["objectType"]))
			return
		}
		checkActor(obj[actorKey], at.key(actorKey))
		c.optional(obj, at, "relevantTypes", c.relevantTypes)
	}
}

// relevantTypes checks a non-empty array of IRIs.
func (c *checker) relevantTypes(v any, p jsonPath) {
	list, ok := c.array(v, p)
	if !ok {
		return
	}
	if len(list) == 0 {
		c.fail(p, "must hold at least one IRI when present")
		return
	}
	for i, t := range list {
		c.iri(t, p.index(i))
	}
}
