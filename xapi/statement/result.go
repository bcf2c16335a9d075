package statement

// result checks a Result.
func (c *checker) result(v any, p jsonPath) {
	result := c.properties(v, p, "a Result",
		[]string{"score", "success", "completion", "response", "duration", "extensions"})
	if c.failed() {
		return
	}
	c.optional(result, p, "score", c.score)
	c.optional(result, p, "success", c.boolean)
	c.optional(result, p, "completion", c.boolean)
	c.optional(result, p, "response", c.isString)
	c.optional(result, p, "duration", c.duration)
	c.optional(result, p, "extensions", c.extensions)
}

// score checks a Score: numbers, scaled within -1..1, min below max and raw
// between them.
func (c *checker) score(v any, p jsonPath) {
	score := c.properties(v, p, "a Score", []string{"scaled", "raw", "min", "max"})
	if c.failed() {
		return
	}
	n := make(map[string]float64, len(score))
	for _, k := range []string{"scaled", "raw", "min", "max"} {
		if v, ok := score[k]; ok {
			if f, ok := c.decimal(v, p.key(k)); ok {
				n[k] = f
			}
		}
	}
	if c.failed() {
		return
	}
	scaled, hasScaled := n["scaled"]
	raw, hasRaw := n["raw"]
	low, hasMin := n["min"]
	high, hasMax := n["max"]
	switch {
	case hasScaled && (scaled < -1 || scaled > 1):
		c.fail(p.key("scaled"), "must be between -1 and 1, not %v", score["scaled"])
	case hasMin && hasMax && low >= high:
		c.fail(p.key("min"), "must be less than max (%v), not %v", score["max"], score["min"])
	case hasRaw && hasMin && raw < low:
		c.fail(p.key("raw"), "must not be less than min (%v), not %v", score["min"], score["raw"])
	case hasRaw && hasMax && raw > high:
		c.fail(p.key("raw"), "must not be more than max (%v), not %v", score["max"], score["raw"])
	}
}
