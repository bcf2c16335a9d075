// Package statement holds the xAPI rules on statement content, apart from
// any database or HTTP concern: what a client may send (Validate,
// ValidateAgent), the syntax of the special data types (IRIs, UUIDs,
// language tags, timestamps, durations), the identity of Agents and Groups
// (IFI) and the shapes GET /statements answers in (Format, Normalize).
//
// Statements are handled as generic JSON values, the way Decode produces
// them: map[string]any, []any, string, bool, nil and json.Number. That keeps
// a statement exactly as it was received, which the "exact" format and
// signed statements need.
//
// The rules are those of xAPI 1.0.3 and of xAPI 2.0 (IEEE 9274.1.1), as the
// ADL LRS conformance test suite checks them; Version selects between them.
package statement

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Version selects the rules: the request's X-Experience-API-Version.
type Version int

const (
	V103 Version = iota // 1.0.x
	V200                // 2.0.x
)

// String returns the full version number, "1.0.3" or "2.0.0".
func (v Version) String() string {
	if v == V103 {
		return "1.0.3"
	}
	return "2.0.0"
}

// Error is a broken rule; Path says where, in JSON-path-like form
// ("actor.mbox", "context.contextActivities.parent[0].id",
// "verb.display.en-US", with keys that hold dots quoted:
// `result.extensions["http://example.com/x"]`), Reason says what is wrong in
// plain words. Error() = Path + ": " + Reason, or Reason alone when the
// whole document is wrong (Path "").
type Error struct{ Path, Reason string }

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// VoidedVerb is the Verb of a voiding statement.
const VoidedVerb = "http://adlnet.gov/expapi/verbs/voided"

// Properties of a Statement and of a SubStatement.
var (
	statementProperties = []string{
		"id", "actor", "verb", "object", "result", "context",
		"timestamp", "stored", "authority", "version", "attachments",
	}
	subStatementProperties = []string{
		"objectType", "actor", "verb", "object", "result", "context",
		"timestamp", "attachments",
	}
	// notInSubStatement are the Statement properties a SubStatement must
	// not have: the LRS sets them, and only on the Statement itself.
	notInSubStatement = []string{"id", "stored", "version", "authority"}
)

// Validate checks one statement as a client sent it (POST/PUT /statements),
// before the LRS adds id, stored, timestamp, authority or version. It
// returns the first *Error found, or nil.
//
// It enforces what xAPI requires of statement content: the properties each
// object may have (names are case-sensitive, unknown ones are refused),
// their JSON types, that no property is null outside extensions, the
// syntax of IRIs, UUIDs, language tags, timestamps and durations, the
// identification of Agents and Groups, the objectType values, score
// bounds, the Context rules that depend on the Statement's object, the
// authority forms, the version numbers the client's xAPI version allows,
// and that a voiding Statement voids a StatementRef. What depends on other
// statements or on the request (id conflicts, voiding a voiding statement,
// attachment parts) is for the caller.
func Validate(s map[string]any, v Version) error {
	c := &checker{v: v}
	c.statement(s)
	return c.firstError()
}

// ValidateAgent checks a value that must be an Agent or Group (the agent
// parameter of GET /statements, of the state and agent profile resources
// and of the agents resource). path names the value in errors ("agent").
func ValidateAgent(a any, v Version, path string) error {
	c := &checker{v: v}
	c.agentOrGroup(a, jsonPath(path))
	return c.firstError()
}

// statement checks a Statement: its own properties, then the ones it shares
// with SubStatements.
func (c *checker) statement(s map[string]any) {
	st := c.properties(s, "", "a Statement", statementProperties)
	if c.failed() || !c.require(st, "", "actor", "verb", "object") {
		return
	}
	c.optional(st, "", "id", c.uuid)
	c.core(st, "", false)
	c.optional(st, "", "stored", c.timestamp)
	c.optional(st, "", "authority", c.authority)
	c.optional(st, "", "version", c.version)
	c.voiding(st)
}

// subStatement checks a SubStatement, the object of a Statement.
func (c *checker) subStatement(v map[string]any, p jsonPath) {
	for _, k := range notInSubStatement {
		if _, ok := v[k]; ok {
			c.fail(p.key(k), "a SubStatement must not have %s: only the Statement containing it does", k)
			return
		}
	}
	sub := c.properties(v, p, "a SubStatement", subStatementProperties)
	if c.failed() || !c.require(sub, p, "actor", "verb", "object") {
		return
	}
	c.core(sub, p, true)
}

// core checks what Statements and SubStatements have in common: actor,
// verb, object, result, context, timestamp and attachments.
func (c *checker) core(s map[string]any, p jsonPath, inSubStatement bool) {
	c.agentOrGroup(s["actor"], p.key("actor"))
	c.verb(s["verb"], p.key("verb"))
	objectType := c.statementObject(s["object"], p.key("object"), inSubStatement)
	c.optional(s, p, "result", c.result)
	if ctx, ok := s["context"]; ok {
		c.context(ctx, p.key("context"), objectType)
	}
	c.optional(s, p, "timestamp", c.timestamp)
	c.optional(s, p, "attachments", c.attachments)
}

// verb checks a Verb: an IRI and an optional display language map.
func (c *checker) verb(v any, p jsonPath) {
	verb := c.properties(v, p, "a Verb", []string{"id", "display"})
	if c.failed() || !c.require(verb, p, "id") {
		return
	}
	c.iri(verb["id"], p.key("id"))
	c.optional(verb, p, "display", c.languageMap)
}

// statementObject checks the object of a Statement (or SubStatement) by its
// objectType and returns that objectType: "Activity" when it has none.
func (c *checker) statementObject(v any, p jsonPath, inSubStatement bool) string {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an Activity, Agent, Group, StatementRef or SubStatement (a JSON object), not %s", kind(v))
		return ""
	}
	t, has := obj["objectType"]
	if !has {
		c.activity(obj, p)
		return "Activity"
	}
	switch t {
	case "Activity":
		c.activity(obj, p)
	case "Agent", "Group":
		c.agentOrGroup(obj, p)
	case "StatementRef":
		c.statementRef(obj, p)
	case "SubStatement":
		if inSubStatement {
			c.fail(p.key("objectType"), "a SubStatement must not contain another SubStatement")
			break
		}
		c.subStatement(obj, p)
	default:
		c.fail(p.key("objectType"), `must be "Activity", "Agent", "Group", "StatementRef" or "SubStatement" (case-sensitive), not %s`, describe(t))
		return ""
	}
	return t.(string)
}

// statementRef checks a Statement Reference: objectType "StatementRef" and
// the UUID of a statement.
func (c *checker) statementRef(v any, p jsonPath) {
	ref := c.properties(v, p, "a StatementRef", []string{"objectType", "id"})
	if c.failed() || !c.require(ref, p, "objectType", "id") {
		return
	}
	if ref["objectType"] != "StatementRef" {
		c.fail(p.key("objectType"), `must be "StatementRef" (case-sensitive), not %s`, describe(ref["objectType"]))
		return
	}
	c.uuid(ref["id"], p.key("id"))
}

// voiding checks that a voiding Statement targets a StatementRef.
func (c *checker) voiding(s map[string]any) {
	verb, _ := s["verb"].(map[string]any)
	if verb["id"] != VoidedVerb {
		return
	}
	obj, _ := s["object"].(map[string]any)
	if obj["objectType"] != "StatementRef" {
		c.fail("object", "a voiding statement (verb %s) must have a StatementRef as its object", VoidedVerb)
	}
}

// Statement versions each client version may send.
var (
	version1 = regexp.MustCompile(`^1\.0(\.\d+)?$`)
	version2 = regexp.MustCompile(`^2\.0(\.\d+)?$`)
)

// version checks the version property: 1.0 or 1.0.x, and for 2.0 clients
// also 2.0 or 2.0.x.
func (c *checker) version(v any, p jsonPath) {
	s, ok := c.str(v, p)
	if !ok || version1.MatchString(s) {
		return
	}
	if c.v == V103 {
		c.fail(p, "must be 1.0 or 1.0.x, not %q", s)
		return
	}
	if !version2.MatchString(s) {
		c.fail(p, "must be 1.0, 1.0.x, 2.0 or 2.0.x, not %q", s)
	}
}

// jsonPath is where a value sits in the document, as Error.Path shows it.
type jsonPath string

// key is the path of property k of the object at p.
func (p jsonPath) key(k string) jsonPath {
	if !plainKey(k) {
		return p + jsonPath("["+strconv.Quote(k)+"]")
	}
	if p == "" {
		return jsonPath(k)
	}
	return p + "." + jsonPath(k)
}

// index is the path of element i of the array at p.
func (p jsonPath) index(i int) jsonPath {
	return p + jsonPath("["+strconv.Itoa(i)+"]")
}

// plainKey reports whether k reads unambiguously after a dot.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r == '.' || r == '[' || r == ']' || r == '"' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// checker walks a document and keeps the first broken rule. Checks carry on
// harmlessly after a failure (later failures are ignored); they return
// early where going on would only repeat the same complaint.
type checker struct {
	v   Version
	err *Error
}

// fail records a broken rule at p, unless one was recorded already.
func (c *checker) fail(p jsonPath, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Path: string(p), Reason: fmt.Sprintf(format, args...)}
	}
}

// failed reports whether a rule is broken.
func (c *checker) failed() bool { return c.err != nil }

// firstError is the first broken rule, or nil.
func (c *checker) firstError() error {
	if c.err != nil {
		return c.err
	}
	return nil
}

// describe shows a JSON value in an error: strings quoted, other values by
// their kind.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return kind(v)
}

// kind names the JSON type of a decoded value, with its article.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	if isNumber(v) {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// caseHint suggests the property name k was probably meant to be, when it
// differs from an allowed one by case only.
func caseHint(k string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(a, k) {
			return fmt.Sprintf(" (names are case-sensitive: %q)", a)
		}
	}
	return ""
}
