package statement

import (
	"fmt"
	"strings"
)

// inverseFunctionalIdentifiers are the properties that identify an Agent
// or an identified Group, in the order IFI tries them.
var inverseFunctionalIdentifiers = []string{"mbox", "mbox_sha1sum", "openid", "account"}

var (
	agentProperties = []string{"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
	groupProperties = []string{"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"}
)

// agentOrGroup checks an actor: an Agent (objectType "Agent" or none) or a
// Group (objectType "Group").
func (c *checker) agentOrGroup(v any, p jsonPath) {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an Agent or a Group (a JSON object), not %s", kind(v))
		return
	}
	t, has := obj["objectType"]
	switch {
	case t == "Group":
		c.group(obj, p)
	case !has || t == "Agent":
		c.agent(obj, p)
	default:
		c.fail(p.key("objectType"), `must be "Agent" or "Group" (case-sensitive), not %s`, describe(t))
	}
}

// agent checks an Agent: identified by exactly one IFI.
func (c *checker) agent(v any, p jsonPath) {
	agent := c.properties(v, p, "an Agent", agentProperties)
	if c.failed() {
		return
	}
	if t, has := agent["objectType"]; has && t != "Agent" {
		c.fail(p.key("objectType"), `must be "Agent" (case-sensitive), not %s`, describe(t))
		return
	}
	c.optional(agent, p, "name", c.isString)
	if ifis := c.identifiers(agent, p); !c.failed() && len(ifis) != 1 {
		c.fail(p, "an Agent must have exactly one of mbox, mbox_sha1sum, openid or account; it has %s", listed(ifis))
	}
}

// group checks a Group: objectType "Group", and either one IFI (an
// identified Group, which may list members) or none (an anonymous Group,
// which must list its members).
func (c *checker) group(v any, p jsonPath) {
	group := c.properties(v, p, "a Group", groupProperties)
	if c.failed() || !c.require(group, p, "objectType") {
		return
	}
	if t := group["objectType"]; t != "Group" {
		c.fail(p.key("objectType"), `must be "Group" (case-sensitive), not %s`, describe(t))
		return
	}
	c.optional(group, p, "name", c.isString)
	ifis := c.identifiers(group, p)
	if len(ifis) > 1 {
		c.fail(p, "a Group has at most one of mbox, mbox_sha1sum, openid or account; it has %s", listed(ifis))
		return
	}
	members, has := group["member"]
	if len(ifis) == 0 && !has {
		c.fail(p.key("member"), "is required: an anonymous Group (one without mbox, mbox_sha1sum, openid or account) lists its members")
		return
	}
	if has {
		c.members(members, p.key("member"), len(ifis) == 0)
	}
}

// members checks the member list of a Group: Agents, never Groups, at least
// one in an anonymous Group.
func (c *checker) members(v any, p jsonPath, anonymous bool) {
	list, ok := c.array(v, p)
	if !ok {
		return
	}
	if anonymous && len(list) == 0 {
		c.fail(p, "must list at least one Agent: the Group is anonymous")
		return
	}
	for i, m := range list {
		if obj, _ := m.(map[string]any); obj["objectType"] == "Group" {
			c.fail(p.index(i).key("objectType"), "a Group's members are Agents, not Groups")
			return
		}
		c.agent(m, p.index(i))
	}
}

// identifiers checks the inverse functional identifiers obj has and returns
// their names.
func (c *checker) identifiers(obj map[string]any, p jsonPath) []string {
	found := identifiersOf(obj)
	for _, k := range found {
		switch v := obj[k]; k {
		case "mbox":
			c.mbox(v, p.key(k))
		case "mbox_sha1sum":
			c.sha1sum(v, p.key(k))
		case "openid":
			c.openID(v, p.key(k))
		case "account":
			c.account(v, p.key(k))
		}
	}
	return found
}

// identifiersOf returns the names of the inverse functional identifiers obj
// has.
func identifiersOf(obj map[string]any) []string {
	var found []string
	for _, k := range inverseFunctionalIdentifiers {
		if _, ok := obj[k]; ok {
			found = append(found, k)
		}
	}
	return found
}

// listed names the identifiers of a list, in words.
func listed(ifis []string) string {
	if len(ifis) == 0 {
		return "none"
	}
	return strings.Join(ifis, " and ")
}

// mbox checks a mailto IRI of one email address.
func (c *checker) mbox(v any, p jsonPath) {
	s, ok := c.str(v, p)
	if !ok {
		return
	}
	if !strings.HasPrefix(s, "mailto:") {
		c.fail(p, `must be a "mailto:" IRI such as mailto:someone@example.com, not %q`, s)
		return
	}
	if !isMailbox(s) {
		c.fail(p, "must be mailto: followed by one email address, not %q", s)
	}
}

// sha1sum checks the hex SHA-1 of a mailto IRI.
func (c *checker) sha1sum(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !isHex(s, 40) {
		c.fail(p, "must be the SHA-1 of a mailto IRI, 40 hexadecimal digits, not %q", s)
	}
}

// openID checks an OpenID: a URI.
func (c *checker) openID(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !isURI(s) {
		c.fail(p, "must be an absolute URI such as http://openid.example.org/12345, not %q", s)
	}
}

// account checks an account: a home page IRL and a name.
func (c *checker) account(v any, p jsonPath) {
	account := c.properties(v, p, "an account", []string{"homePage", "name"})
	if c.failed() || !c.require(account, p, "homePage", "name") {
		return
	}
	c.iri(account["homePage"], p.key("homePage"))
	c.isString(account["name"], p.key("name"))
}

// authority checks who vouches for a Statement: an Agent, or for 3-legged
// OAuth an anonymous Group of the two Agents (application and user).
func (c *checker) authority(v any, p jsonPath) {
	c.agentOrGroup(v, p)
	group, _ := v.(map[string]any)
	if c.failed() || group["objectType"] != "Group" {
		return
	}
	if ifis := identifiersOf(group); len(ifis) > 0 {
		c.fail(p, "an authority Group is anonymous (the two Agents of an OAuth grant); it has %s", listed(ifis))
		return
	}
	if members, _ := group["member"].([]any); len(members) != 2 {
		c.fail(p.key("member"), "an authority Group has exactly two Agents (the OAuth application and user), not %d", len(members))
	}
}

// IFI returns the canonical identity key of an Agent or identified Group,
// or "" when it has none (an anonymous Group) or agent is not one. Two
// Agents are the same person when their IFIs are equal. The key is the
// name of the inverse functional identifier, a colon and its value:
//
//	mbox:mailto:someone@example.com   (the domain lowercased)
//	mbox_sha1sum:<40 lowercase hex digits>
//	openid:<the URI>
//	account:<homePage> <name>
//
// An account's homePage is an IRI, which has no space: the first space of
// an account key ends the homePage. A key is only meaningful for an agent
// that Validate or ValidateAgent accepts.
func IFI(agent map[string]any) string {
	for _, k := range inverseFunctionalIdentifiers {
		v, ok := agent[k]
		if !ok {
			continue
		}
		switch k {
		case "mbox":
			s, _ := v.(string)
			return "mbox:" + lowerDomain(s)
		case "mbox_sha1sum":
			s, _ := v.(string)
			return "mbox_sha1sum:" + strings.ToLower(s)
		case "openid":
			s, _ := v.(string)
			return "openid:" + s
		case "account":
			a, _ := v.(map[string]any)
			home, _ := a["homePage"].(string)
			name, _ := a["name"].(string)
			return fmt.Sprintf("account:%s %s", home, name)
		}
	}
	return ""
}

// lowerDomain lowercases the domain of an email address, the part that is
// case-insensitive.
func lowerDomain(mbox string) string {
	at := strings.LastIndexByte(mbox, '@')
	if at < 0 {
		return mbox
	}
	return mbox[:at] + strings.ToLower(mbox[at:])
}
