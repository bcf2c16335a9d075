package statement

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Statements the tests start from. They follow the conformance suite's
// templates.
const (
	minimal = `{
		"actor": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
		"object": {"objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534"}
	}`

	// complete has every property a 1.0.3 client may send.
	complete = `{
		"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
		"actor": {"name": "Team PB", "objectType": "Group", "member": [
			{"name": "Andrew Downes", "account": {"homePage": "http://www.example.com", "name": "13936749"}},
			{"name": "Toby Nichols", "openid": "http://toby.openid.example.org/"},
			{"name": "Ena Hills", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}
		]},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
		"object": {"id": "http://www.example.com/questions/1", "objectType": "Activity", "definition": {
			"name": {"en": "Choice"}, "description": {"en": "Which of these prototypes are available at the beta site?"},
			"type": "http://adlnet.gov/expapi/activities/cmi.interaction",
			"moreInfo": "http://virtualmeeting.example.com/345256",
			"interactionType": "choice", "correctResponsesPattern": ["golf[,]tetris"],
			"choices": [{"id": "golf", "description": {"en-US": "Golf Example"}}, {"id": "tetris", "description": {"en-US": "Tetris Example"}}],
			"extensions": {"http://example.com/profiles/meetings/extension/location": "X:\\meetings\\minutes\\examplemeeting.one"}
		}},
		"result": {
			"score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
			"success": true, "completion": true, "response": "golf[,]tetris", "duration": "PT1H0M0S",
			"extensions": {"http://example.com/profiles/meetings/resultextensions/reporter": {"name": "Thomas"}}
		},
		"context": {
			"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
			"instructor": {"name": "Andrew Downes", "mbox": "mailto:andrew@example.com"},
			"team": {"name": "Team PB", "mbox": "mailto:teampb@example.com", "objectType": "Group"},
			"contextActivities": {
				"parent": [{"id": "http://www.example.com/meetings/series/267", "objectType": "Activity"}],
				"grouping": {"id": "http://www.example.com/meetings/categories/teammeeting"},
				"category": [{"id": "http://www.example.com/meetings/categories/teammeeting", "definition": {"type": "http://example.com/expapi/activities/meetingcategory"}}],
				"other": []
			},
			"revision": "rev_10_3_2", "platform": "Example virtual meeting software", "language": "tlh",
			"statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
			"extensions": {"http://example.com/profiles/meetings/contextextensions/airspeed": "600mph"}
		},
		"timestamp": "2013-05-18T05:32:34.804+00:00",
		"stored": "2013-05-18T05:32:34.804Z",
		"authority": {"objectType": "Group", "member": [
			{"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
			{"mbox": "mailto:bob@example.com"}
		]},
		"version": "1.0.3",
		"attachments": [{
			"usageType": "http://example.com/attachment-usage/test",
			"display": {"en-US": "A test attachment"}, "description": {"en-US": "A test attachment (description)"},
			"contentType": "text/plain; charset=ascii", "length": 27,
			"sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
			"fileUrl": "http://over.there.com/file.txt"
		}]
	}`

	// withSubStatement has a SubStatement with its own context and result.
	withSubStatement = `{
		"actor": {"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/planned"},
		"object": {
			"objectType": "SubStatement",
			"actor": {"objectType": "Agent", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
			"verb": {"id": "http://adlnet.gov/expapi/verbs/reported", "display": {"en-US": "reported"}},
			"object": {"objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534"},
			"result": {"success": true, "duration": "PT4H35M59.14S"},
			"context": {"platform": "Example virtual meeting software", "contextActivities": {"parent": {"id": "http://www.example.com/meetings/series/267"}}},
			"timestamp": "2008-09-15T15:53:00.601+00:00"
		}
	}`

	// withContextActors has the contextAgents and contextGroups of xAPI 2.0.
	withContextActors = `{
		"actor": {"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
		"object": {"id": "http://www.example.com/meetings/occurances/34534"},
		"context": {
			"contextAgents": [{
				"objectType": "contextAgent",
				"agent": {"objectType": "Agent", "mbox": "mailto:player-1@example.com"},
				"relevantTypes": ["https://example.com/xapi/american-football/activity-types/personnel/player"]
			}],
			"contextGroups": [{
				"objectType": "contextGroup",
				"group": {"objectType": "Group", "mbox": "mailto:team-1@example.com",
					"member": [{"objectType": "Agent", "mbox": "mailto:player-1@example.com"}]},
				"relevantTypes": ["https://example.com/xapi/american-football/activity-types/team/a"]
			}, {
				"objectType": "contextGroup",
				"group": {"objectType": "Group", "member": [{"mbox": "mailto:player-3@example.com"}]}
			}]
		}
	}`
)

// both is every version.
var both = []Version{V103, V200}

// validateCase is a statement and the path of the first error Validate must
// find in it, or "" when it must pass.
type validateCase struct {
	name     string
	base     string // minimal when ""
	edits    []edit
	versions []Version // both when nil
	errPath  string
}

func TestValidate(t *testing.T) {
	for _, tc := range validateCases {
		versions := tc.versions
		if versions == nil {
			versions = both
		}
		for _, v := range versions {
			t.Run(v.String()+"/"+tc.name, func(t *testing.T) {
				base := tc.base
				if base == "" {
					base = minimal
				}
				err := Validate(edited(t, base, tc.edits...), v)
				checkError(t, err, tc.errPath)
			})
		}
	}
}

// checkError checks that err is nil when errPath is "", else an *Error at
// errPath.
func checkError(t *testing.T, err error, errPath string) {
	t.Helper()
	if errPath == "" {
		if err != nil {
			t.Fatalf("want valid, got %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *Error at %s, got %v", errPath, err)
	}
	if e.Path != errPath {
		t.Fatalf("want the error at %s, got %v", errPath, err)
	}
	if e.Reason == "" || !strings.HasPrefix(err.Error(), e.Path) {
		t.Fatalf("badly formed error %q", err)
	}
}

var validateCases = []validateCase{
	// Statements the suite (and xAPI) accepts.
	{name: "minimal"},
	{name: "every property", base: complete},
	{name: "SubStatement", base: withSubStatement},
	{name: "contextAgents and contextGroups", base: withContextActors, versions: []Version{V200}},
	{name: "actor without objectType", edits: []edit{remove("actor.objectType")}},
	{name: "actor by account", edits: []edit{remove("actor.mbox"), set("actor.account", `{"homePage": "http://www.example.com", "name": "xAPI account name"}`)}},
	{name: "actor by openid", edits: []edit{remove("actor.mbox"), set("actor.openid", `"http://openid.example.org/12345"`)}},
	{name: "actor by uppercase mbox_sha1sum", edits: []edit{remove("actor.mbox"), set("actor.mbox_sha1sum", `"CD9B00A5611F94EAA7B1661EDAB976068E364975"`)}},
	{name: "identified Group actor without members", edits: []edit{set("actor", `{"objectType": "Group", "name": "Group Identified", "mbox": "mailto:xapi@adlnet.gov"}`)}},
	{name: "identified Group actor with members", edits: []edit{set("actor", `{"objectType": "Group", "openid": "http://openid.example.org/12345", "member": [{"mbox": "mailto:xapi@adlnet.gov"}]}`)}},
	{name: "Agent object", edits: []edit{set("object", `{"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"}`)}},
	{name: "Group object", edits: []edit{set("object", `{"objectType": "Group", "name": "Group Anonymous", "mbox": "mailto:xapi@adlnet.gov"}`)}},
	{name: "object without objectType", edits: []edit{remove("object.objectType")}},
	{name: "verb without display", edits: []edit{remove("verb.display")}},
	{name: "empty definition", edits: []edit{set("object.definition", `{}`)}},
	{name: "language tags of the suite", edits: []edit{
		set("verb.display", `{"de": "besucht", "sr-Cyrl": "пријавио"}`),
		set("object.definition", `{"name": {"de-DE": "Beispiel"}, "description": {"zh-Hant": "例子"}}`),
		set("context.language", `"cmn"`),
		set("attachments", `[{"usageType": "http://example.com/u", "display": {"es": "x"}, "description": {"es-MX": "x", "sr-Latn-RS": "x", "es-419": "x"}, "contentType": "text/plain", "length": 1, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]`),
	}},
	{name: "extension values null, empty string, empty object", edits: []edit{
		set("object.definition.extensions", `{"http://example.com/a": null, "http://example.com/b": "", "http://example.com/c": {}}`),
		set("result.extensions", `{}`),
		set("context.extensions", `{"http://example.com/null": null}`),
	}},
	{name: "statement id in capitals", edits: []edit{set("id", `"AA97B177-9383-4934-8543-0F91A7A02836"`)}},
	{name: "timestamp with an offset", edits: []edit{set("timestamp", `"2023-05-04T12:00:00-05:00"`)}},
	{name: "timestamp in the future", edits: []edit{set("timestamp", `"2099-12-02T03:48:12.746Z"`)}},
	{name: "timestamp without zone from a 1.0.3 client", edits: []edit{set("timestamp", `"2015-01-01T10:00:00.123"`)}, versions: []Version{V103}},
	{name: "ISO 8601 basic timestamp from a 1.0.3 client", edits: []edit{set("timestamp", `"20150101T100000+0100"`)}, versions: []Version{V103}},
	{name: "stored, which the LRS replaces", edits: []edit{set("stored", `"2011-07-15T00:00:00.000Z"`)}},
	{name: "version 1.0", edits: []edit{set("version", `"1.0"`)}},
	{name: "version 1.0.9", edits: []edit{set("version", `"1.0.9"`)}},
	{name: "version 2.0.0 from a 2.0 client", edits: []edit{set("version", `"2.0.0"`)}, versions: []Version{V200}},
	{name: "scaled -1", edits: []edit{set("result.score", `{"scaled": -1.0000}`)}},
	{name: "scaled 1", edits: []edit{set("result.score", `{"scaled": 1.0}`)}},
	{name: "raw equal to min and max bounds", edits: []edit{set("result.score", `{"raw": 0, "min": 0, "max": 100}`)}},
	{name: "duration P4W", edits: []edit{set("result.duration", `"P4W"`)}},
	{name: "duration with years to seconds", edits: []edit{set("result.duration", `"P3Y1M29DT4H35M59.14S"`)}},
	{name: "duration beyond hundredths", edits: []edit{set("result.duration", `"P1DT12H36M0.12567S"`)}},
	{name: "voiding statement", edits: []edit{
		set("verb", `{"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}`),
		set("object", `{"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`),
	}},
	{name: "revision without object objectType", base: complete, edits: []edit{remove("object.objectType")}},
	{name: "signature attachment", edits: []edit{set("attachments", `[{"usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en-US": "Signed by the Test Suite"}, "contentType": "application/octet-stream", "length": 4235, "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"}]`)}},
	{name: "attachment without fileUrl", edits: []edit{set("attachments", `[{"usageType": "http://example.com/u", "display": {"en-US": "x"}, "contentType": "image/jpeg", "length": 0, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]`)}},
	{name: "context statement StatementRef", edits: []edit{set("context.statement", `{"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`)}},
	{name: "matching interaction", edits: []edit{set("object.definition", `{"interactionType": "matching", "correctResponsesPattern": ["ben[.]3"], "source": [{"id": "ben"}], "target": [{"id": "3", "description": {"en-US": "Duck"}}]}`)}},
	{name: "interaction without correctResponsesPattern", edits: []edit{set("object.definition", `{"interactionType": "likert", "scale": [{"id": "likert_0"}, {"id": "likert_1"}]}`)}},

	// The suite's inline tests (Data 2.2 formatting, Communication 3.2, 2.1).
	{name: "verb id without scheme", edits: []edit{set("verb.id", `"adlnet.gov/expapi/verbs/attended"`)}, errPath: "verb.id"},
	{name: "verb id not an IRI", edits: []edit{set("verb.id", `"should fail"`)}, errPath: "verb.id"},
	{name: "openid without scheme", edits: []edit{remove("actor.mbox"), set("actor.openid", `"open.id.com/testUser"`)}, errPath: "actor.openid"},
	{name: "account homePage without scheme", edits: []edit{remove("actor.mbox"), set("actor.account", `{"homePage": "homePage.com/testUser", "name": "123456"}`)}, errPath: "actor.account.homePage"},
	{name: "object id without scheme", edits: []edit{set("object.id", `"www.example.com/meetings/occurances/34534"`)}, errPath: "object.id"},
	{name: "definition type without scheme", edits: []edit{set("object.definition.type", `"adlnet.gov/expapi/activities/meeting"`)}, errPath: "object.definition.type"},
	{name: "definition moreInfo without scheme", edits: []edit{set("object.definition.moreInfo", `"virtualmeeting.example.com/345256"`)}, errPath: "object.definition.moreInfo"},
	{name: "attachment usageType without scheme", base: complete, edits: []edit{set("attachments[0].usageType", `"example.com/attachment-usage/test"`)}, errPath: "attachments[0].usageType"},
	{name: "attachment fileUrl without scheme", base: complete, edits: []edit{set("attachments[0].fileUrl", `"over.there.com/file.txt"`)}, errPath: "attachments[0].fileUrl"},
	{name: "definition extension key without scheme", edits: []edit{set("object.definition.extensions", `{"not.valid.com/extension": 1234}`)}, errPath: `object.definition.extensions["not.valid.com/extension"]`},
	{name: "context extension key without scheme", edits: []edit{set("context.extensions", `{"example.com/extension/wrong": 1234}`)}, errPath: `context.extensions["example.com/extension/wrong"]`},
	{name: "result extension key without scheme", edits: []edit{set("result.extensions", `{"example.com/extension/wrong": 1234}`)}, errPath: `result.extensions["example.com/extension/wrong"]`},
	{name: "extension key with a bad scheme", edits: []edit{set("result.extensions", `{"ab=c://should.fail.com": 1}`)}, errPath: `result.extensions["ab=c://should.fail.com"]`},
	{name: "property not in the specification", edits: []edit{set("dummy", `"dummy"`)}, errPath: "dummy"},
	{name: "objectType holding JSON", edits: []edit{set("actor.objectType", `"\"objectType\": \"Agent\""`)}, errPath: "actor.objectType"},
	{name: "authority Group identified and of non-OAuth Agents", edits: []edit{set("authority", `{"objectType": "Group", "name": "xAPI Group", "mbox": "mailto:xapigroup@example.com", "member": [{"name": "agentA", "mbox": "mailto:agentA@example.com"}, {"name": "agentB", "mbox": "mailto:agentB@example.com"}]}`)}, errPath: "authority"},

	// Required properties and nulls.
	{name: "no actor", edits: []edit{remove("actor")}, errPath: "actor"},
	{name: "no verb", edits: []edit{remove("verb")}, errPath: "verb"},
	{name: "no object", edits: []edit{remove("object")}, errPath: "object"},
	{name: "verb without id", edits: []edit{remove("verb.id")}, errPath: "verb.id"},
	{name: "Activity without id", edits: []edit{remove("object.id")}, errPath: "object.id"},
	{name: "null actor name", edits: []edit{set("actor.name", `null`)}, errPath: "actor.name"},
	{name: "null context", edits: []edit{set("context", `null`)}, errPath: "context"},
	{name: "null language map entry", edits: []edit{set("verb.display.en-US", `null`)}, errPath: "verb.display.en-US"},
	{name: "null in a SubStatement", base: withSubStatement, edits: []edit{set("object.result.success", `null`)}, errPath: "object.result.success"},
	{name: "statement is an empty object", base: `{}`, errPath: "actor"},

	// Case of keys and enumerated values.
	{name: "key in another case", edits: []edit{set("Actor", `{}`), remove("actor")}, errPath: "Actor"},
	{name: "objectType agent", edits: []edit{set("actor.objectType", `"agent"`)}, errPath: "actor.objectType"},
	{name: "objectType group", edits: []edit{set("actor.objectType", `"group"`)}, errPath: "actor.objectType"},
	{name: "objectType activity", edits: []edit{set("object.objectType", `"activity"`)}, errPath: "object.objectType"},
	{name: "objectType numeric", edits: []edit{set("actor.objectType", `123`)}, errPath: "actor.objectType"},
	{name: "objectType statementref", edits: []edit{set("object", `{"objectType": "statementref", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`)}, errPath: "object.objectType"},
	{name: "interactionType in another case", edits: []edit{set("object.definition", `{"interactionType": "true-faLse"}`)}, errPath: "object.definition.interactionType"},
	{name: "Agent object without objectType is an Activity", edits: []edit{set("object", `{"mbox": "mailto:xapi@adlnet.gov"}`)}, errPath: "object.mbox"},

	// Agents and Groups.
	{name: "Agent without an IFI", edits: []edit{remove("actor.mbox")}, errPath: "actor"},
	{name: "Agent with two IFIs", edits: []edit{set("actor.openid", `"http://openid.example.org/12345"`)}, errPath: "actor"},
	{name: "mbox without mailto", edits: []edit{set("actor.mbox", `"xapi@adlnet.gov"`)}, errPath: "actor.mbox"},
	{name: "mbox an http IRI", edits: []edit{set("actor.mbox", `"http://should.fail.com"`)}, errPath: "actor.mbox"},
	{name: "mbox without an address", edits: []edit{set("actor.mbox", `"mailto:should.fail.com"`)}, errPath: "actor.mbox"},
	{name: "mbox of two addresses", edits: []edit{set("actor.mbox", `"mailto:a@example.com,b@example.com"`)}, errPath: "actor.mbox"},
	{name: "mbox_sha1sum too short", edits: []edit{remove("actor.mbox"), set("actor.mbox_sha1sum", `"cd9b00a5611f94eaa7b1661edab976068e36497"`)}, errPath: "actor.mbox_sha1sum"},
	{name: "mbox_sha1sum a number", edits: []edit{remove("actor.mbox"), set("actor.mbox_sha1sum", `12345`)}, errPath: "actor.mbox_sha1sum"},
	{name: "openid not a URI", edits: []edit{remove("actor.mbox"), set("actor.openid", `"ab=c://should.fail.com"`)}, errPath: "actor.openid"},
	{name: "account without name", edits: []edit{remove("actor.mbox"), set("actor.account", `{"homePage": "http://www.example.com"}`)}, errPath: "actor.account.name"},
	{name: "account with another property", edits: []edit{remove("actor.mbox"), set("actor.account", `{"homePage": "http://www.example.com", "name": "x", "id": 1}`)}, errPath: "actor.account.id"},
	{name: "Agent name a number", edits: []edit{set("actor.name", `123`)}, errPath: "actor.name"},
	{name: "Agent with members", edits: []edit{set("actor.member", `[]`)}, errPath: "actor.member"},
	{name: "anonymous Group without member", edits: []edit{set("actor", `{"objectType": "Group", "name": "Group Anonymous"}`)}, errPath: "actor.member"},
	{name: "anonymous Group with no members", edits: []edit{set("actor", `{"objectType": "Group", "member": []}`)}, errPath: "actor.member"},
	{name: "Group member not an array", edits: []edit{set("actor", `{"objectType": "Group", "member": {"mbox": "mailto:a@example.com"}}`)}, errPath: "actor.member"},
	{name: "Group with a Group member", edits: []edit{set("actor", `{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}, {"objectType": "Group", "mbox": "mailto:g@example.com"}]}`)}, errPath: "actor.member[1].objectType"},
	{name: "Group member without IFI", edits: []edit{set("actor", `{"objectType": "Group", "member": [{"name": "nobody"}]}`)}, errPath: "actor.member[0]"},
	{name: "identified Group with two IFIs", edits: []edit{set("actor", `{"objectType": "Group", "mbox": "mailto:g@example.com", "openid": "http://openid.example.org/1"}`)}, errPath: "actor"},
	{name: "Agent object without IFI", edits: []edit{set("object", `{"objectType": "Agent"}`)}, errPath: "object"},

	// Authority.
	{name: "authority of one Agent", edits: []edit{set("authority", `{"objectType": "Agent", "mbox": "mailto:a@example.com"}`)}},
	{name: "authority Group of one", edits: []edit{set("authority", `{"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]}`)}, errPath: "authority.member"},
	{name: "authority Group of three", edits: []edit{set("authority", `{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}, {"mbox": "mailto:c@example.com"}]}`)}, errPath: "authority.member"},
	{name: "authority identified Group", edits: []edit{set("authority", `{"objectType": "Group", "openid": "http://openid.example.org/12345", "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]}`)}, errPath: "authority"},
	{name: "authority without IFI", edits: []edit{set("authority", `{"objectType": "Agent"}`)}, errPath: "authority"},

	// Verbs and language maps.
	{name: "display a string", edits: []edit{set("verb.display", `"attended"`)}, errPath: "verb.display"},
	{name: "display with a bad tag", edits: []edit{set("verb.display", `{"a12345": "attended"}`)}, errPath: "verb.display.a12345"},
	{name: "display with a singleton tag", edits: []edit{set("verb.display", `{"s-something": "пријавио"}`)}, errPath: "verb.display.s-something"},
	{name: "name with a nine-letter tag", edits: []edit{set("object.definition.name", `{"something": "x"}`)}, errPath: "object.definition.name.something"},
	{name: "display value a number", edits: []edit{set("verb.display", `{"en-US": 1}`)}, errPath: "verb.display.en-US"},
	{name: "context language invalid", edits: []edit{set("context.language", `"a12345"`)}, errPath: "context.language"},
	{name: "context language an object", edits: []edit{set("context.language", `{"a12345": "should fail"}`)}, errPath: "context.language"},

	// Objects: Activities, StatementRefs, SubStatements.
	{name: "definition a string", edits: []edit{set("object.definition", `"should fail"`)}, errPath: "object.definition"},
	{name: "definition with another property", edits: []edit{set("object.definition", `{"title": {"en": "x"}}`)}, errPath: "object.definition.title"},
	{name: "definition extensions a string", edits: []edit{set("object.definition.extensions", `"should fail"`)}, errPath: "object.definition.extensions"},
	{name: "unknown interactionType", edits: []edit{set("object.definition", `{"interactionType": "should error"}`)}, errPath: "object.definition.interactionType"},
	{name: "interactionType a number", edits: []edit{set("object.definition", `{"interactionType": 12345}`)}, errPath: "object.definition.interactionType"},
	{name: "correctResponsesPattern without interactionType", edits: []edit{set("object.definition", `{"correctResponsesPattern": ["true"]}`)}, errPath: "object.definition.correctResponsesPattern"},
	{name: "correctResponsesPattern a string", edits: []edit{set("object.definition", `{"interactionType": "true-false", "correctResponsesPattern": "true"}`)}, errPath: "object.definition.correctResponsesPattern"},
	{name: "correctResponsesPattern of numbers", edits: []edit{set("object.definition", `{"interactionType": "numeric", "correctResponsesPattern": ["4[:]", 4]}`)}, errPath: "object.definition.correctResponsesPattern[1]"},
	{name: "components the interaction type has not", edits: []edit{set("object.definition", `{"interactionType": "likert", "choices": [{"id": "a"}]}`)}, errPath: "object.definition.choices"},
	{name: "components without interactionType", edits: []edit{set("object.definition", `{"steps": [{"id": "a"}]}`)}, errPath: "object.definition.steps"},
	{name: "components with the same id", edits: []edit{set("object.definition", `{"interactionType": "sequencing", "choices": [{"id": "tim"}, {"id": "tim"}]}`)}, errPath: "object.definition.choices[1].id"},
	{name: "component without id", edits: []edit{set("object.definition", `{"interactionType": "performance", "steps": [{"description": {"en-US": "x"}}]}`)}, errPath: "object.definition.steps[0].id"},
	{name: "component description with a bad tag", edits: []edit{set("object.definition", `{"interactionType": "matching", "target": [{"id": "1", "description": {"a12345": "x"}}]}`)}, errPath: "object.definition.target[0].description.a12345"},
	{name: "StatementRef without id", edits: []edit{set("object", `{"objectType": "StatementRef"}`)}, errPath: "object.id"},
	{name: "StatementRef id not a UUID", edits: []edit{set("object", `{"objectType": "StatementRef", "id": "should fail"}`)}, errPath: "object.id"},
	{name: "StatementRef with a definition", edits: []edit{set("object", `{"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0", "definition": {}}`)}, errPath: "object.definition"},
	{name: "SubStatement in a SubStatement", base: withSubStatement, edits: []edit{set("object.object", `{"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://example.com/v"}, "object": {"id": "http://example.com/a"}}`)}, errPath: "object.object.objectType"},
	{name: "SubStatement with an id", base: withSubStatement, edits: []edit{set("object.id", `"8f87ccde-bb56-4c2e-ab83-44982ef22df0"`)}, errPath: "object.id"},
	{name: "SubStatement with an authority", base: withSubStatement, edits: []edit{set("object.authority", `{"mbox": "mailto:a@example.com"}`)}, errPath: "object.authority"},
	{name: "SubStatement with a version", base: withSubStatement, edits: []edit{set("object.version", `"1.0.0"`)}, errPath: "object.version"},
	{name: "SubStatement with stored", base: withSubStatement, edits: []edit{set("object.stored", `"2011-07-15T00:00:00.000Z"`)}, errPath: "object.stored"},
	{name: "SubStatement without verb", base: withSubStatement, edits: []edit{remove("object.verb")}, errPath: "object.verb"},
	{name: "SubStatement with an invalid actor", base: withSubStatement, edits: []edit{set("object.actor.objectType", `"agent"`)}, errPath: "object.actor.objectType"},
	{name: "SubStatement timestamp with -00:00", base: withSubStatement, edits: []edit{set("object.timestamp", `"2008-09-15T15:53:00.601-00:00"`)}, errPath: "object.timestamp"},
	{name: "SubStatement context platform with a StatementRef", base: withSubStatement, edits: []edit{set("object.object", `{"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`)}, errPath: "object.context.platform"},
	{name: "voiding statement of an Activity", edits: []edit{set("verb.id", `"http://adlnet.gov/expapi/verbs/voided"`)}, errPath: "object"},

	// Result.
	{name: "score a number", edits: []edit{set("result.score", `12345`)}, errPath: "result.score"},
	{name: "scaled above 1", edits: []edit{set("result.score", `{"scaled": 1.01}`)}, errPath: "result.score.scaled"},
	{name: "scaled below -1", edits: []edit{set("result.score", `{"scaled": -1.00001}`)}, errPath: "result.score.scaled"},
	{name: "raw above max", edits: []edit{set("result.score", `{"raw": 0.6767676, "min": 0, "max": 0.6567676}`)}, errPath: "result.score.raw"},
	{name: "raw below min", edits: []edit{set("result.score", `{"raw": 0.6767676, "min": 1.4067676, "max": 100}`)}, errPath: "result.score.raw"},
	{name: "min above max", edits: []edit{set("result.score", `{"min": 104.6767676, "max": 100.6767676}`)}, errPath: "result.score.min"},
	{name: "min equal to max", edits: []edit{set("result.score", `{"min": 5, "max": 5}`)}, errPath: "result.score.min"},
	{name: "max a string", edits: []edit{set("result.score", `{"max": "100"}`)}, errPath: "result.score.max"},
	{name: "raw out of float range", edits: []edit{set("result.score", `{"raw": 1e400}`)}, errPath: "result.score.raw"},
	{name: "success a string", edits: []edit{set("result.success", `"true"`)}, errPath: "result.success"},
	{name: "completion a string", edits: []edit{set("result.completion", `"false"`)}, errPath: "result.completion"},
	{name: "response a number", edits: []edit{set("result.response", `12345`)}, errPath: "result.response"},
	{name: "duration P4W1D", edits: []edit{set("result.duration", `"P4W1D"`)}, errPath: "result.duration"},
	{name: "duration PA1H0M0S", edits: []edit{set("result.duration", `"PA1H0M0S"`)}, errPath: "result.duration"},
	{name: "duration in the alternative format", edits: []edit{set("result.duration", `"P0003-01-29T04:35:59"`)}, errPath: "result.duration"},
	{name: "duration a number", edits: []edit{set("result.duration", `12345`)}, errPath: "result.duration"},
	{name: "result extensions a string", edits: []edit{set("result.extensions", `"should fail"`)}, errPath: "result.extensions"},

	// Context.
	{name: "registration not a UUID", edits: []edit{set("context.registration", `"should fail"`)}, errPath: "context.registration"},
	{name: "registration of a UUID variant other than RFC 4122", edits: []edit{set("context.registration", `"ec531277-b57b-4c15-cd91-d292c5b2b8f7"`)}, errPath: "context.registration"},
	{name: "instructor a string", edits: []edit{set("context.instructor", `"should fail"`)}, errPath: "context.instructor"},
	{name: "instructor a Group", edits: []edit{set("context.instructor", `{"objectType": "Group", "mbox": "mailto:g@example.com"}`)}},
	{name: "team an Agent", edits: []edit{set("context.team", `{"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"}`)}, errPath: "context.team.objectType"},
	{name: "team without objectType", edits: []edit{set("context.team", `{"mbox": "mailto:xapi@adlnet.gov"}`)}, errPath: "context.team.objectType"},
	{name: "contextActivities a string", edits: []edit{set("context.contextActivities", `"should fail"`)}, errPath: "context.contextActivities"},
	{name: "contextActivities of another kind", edits: []edit{set("context.contextActivities", `{"consequences": {"id": "http://example.com/a"}}`)}, errPath: "context.contextActivities.consequences"},
	{name: "contextActivities array with a non-Activity", edits: []edit{set("context.contextActivities", `{"other": [{"id": "http://example.com/a"}, {"key": "should fail"}]}`)}, errPath: "context.contextActivities.other[1].key"},
	{name: "contextActivities Activity objectType in another case", edits: []edit{set("context.contextActivities", `{"parent": {"objectType": "activity", "id": "http://example.com/a"}}`)}, errPath: "context.contextActivities.parent.objectType"},
	{name: "revision a number", edits: []edit{set("context.revision", `12345`)}, errPath: "context.revision"},
	{name: "revision with an Agent object", edits: []edit{set("context.revision", `"rev_10_3_2"`), set("object", `{"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"}`)}, errPath: "context.revision"},
	{name: "revision with a Group object", edits: []edit{set("context.revision", `"rev_10_3_2"`), set("object", `{"objectType": "Group", "mbox": "mailto:xapi@adlnet.gov"}`)}, errPath: "context.revision"},
	{name: "platform with a StatementRef object", edits: []edit{set("context.platform", `"x"`), set("object", `{"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`)}, errPath: "context.platform"},
	{name: "platform with a SubStatement object", base: withSubStatement, edits: []edit{set("context.platform", `"x"`)}, errPath: "context.platform"},
	{name: "context statement objectType in another case", edits: []edit{set("context.statement", `{"objectType": "statementref", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`)}, errPath: "context.statement.objectType"},
	{name: "context statement without objectType", edits: []edit{set("context.statement", `{"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`)}, errPath: "context.statement.objectType"},
	{name: "contextAgents from a 1.0.3 client", base: withContextActors, versions: []Version{V103}, errPath: "context.contextAgents"},
	{name: "contextAgent of another objectType", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents[0].objectType", `"Should fail"`)}, errPath: "context.contextAgents[0].objectType"},
	{name: "contextAgent without agent", base: withContextActors, versions: []Version{V200}, edits: []edit{remove("context.contextAgents[0].agent")}, errPath: "context.contextAgents[0].agent"},
	{name: "contextAgent of a Group", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents[0].agent", `{"objectType": "Group", "mbox": "mailto:g@example.com"}`)}, errPath: "context.contextAgents[0].agent.objectType"},
	{name: "contextAgent with an invalid agent", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents[0].agent", `{"key": "Should fail"}`)}, errPath: "context.contextAgents[0].agent.key"},
	{name: "contextAgent with empty relevantTypes", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents[0].relevantTypes", `[]`)}, errPath: "context.contextAgents[0].relevantTypes"},
	{name: "contextAgent with a non-IRI relevantType", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents[0].relevantTypes", `["abc"]`)}, errPath: "context.contextAgents[0].relevantTypes[0]"},
	{name: "contextAgents not an array", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextAgents", `{}`)}, errPath: "context.contextAgents"},
	{name: "contextGroup of an Agent", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextGroups[0].group", `{"objectType": "Agent", "mbox": "mailto:a@example.com"}`)}, errPath: "context.contextGroups[0].group.objectType"},
	{name: "contextGroup of another objectType", base: withContextActors, versions: []Version{V200}, edits: []edit{set("context.contextGroups[1].objectType", `"contextgroup"`)}, errPath: "context.contextGroups[1].objectType"},

	// Timestamps, ids, versions.
	{name: "timestamp a string", edits: []edit{set("timestamp", `"should fail"`)}, errPath: "timestamp"},
	{name: "timestamp a date in another format", edits: []edit{set("timestamp", `"01/011/2015"`)}, errPath: "timestamp"},
	{name: "timestamp with -00", edits: []edit{set("timestamp", `"2008-09-15T15:53:00.601-00"`)}, errPath: "timestamp"},
	{name: "timestamp with -0000", edits: []edit{set("timestamp", `"2008-09-15T15:53:00.601-0000"`)}, errPath: "timestamp"},
	{name: "timestamp with -00:00", edits: []edit{set("timestamp", `"2008-09-15T15:53:00.601-00:00"`)}, errPath: "timestamp"},
	{name: "timestamp without zone from a 2.0 client", edits: []edit{set("timestamp", `"2015-01-01T10:00:00.123"`)}, versions: []Version{V200}, errPath: "timestamp"},
	{name: "timestamp of a day that does not exist", edits: []edit{set("timestamp", `"2015-02-30T10:00:00Z"`)}, errPath: "timestamp"},
	{name: "timestamp a number", edits: []edit{set("timestamp", `1431000000`)}, errPath: "timestamp"},
	{name: "stored not a timestamp", edits: []edit{set("stored", `"yesterday"`)}, errPath: "stored"},
	{name: "id with too many digits", edits: []edit{set("id", `"AA97B177-9383-4934-8543-0F91A7A028368"`)}, errPath: "id"},
	{name: "id with a letter beyond F", edits: []edit{set("id", `"MA97B177-9383-4934-8543-0F91A7A02836"`)}, errPath: "id"},
	{name: "id without hyphens", edits: []edit{set("id", `"aa97b177938349348543 0f91a7a02836"`)}, errPath: "id"},
	{name: "id a number", edits: []edit{set("id", `12345`)}, errPath: "id"},
	{name: "version 1.1.0", edits: []edit{set("version", `"1.1.0"`)}, errPath: "version"},
	{name: "version 0.9.9", edits: []edit{set("version", `"0.9.9"`)}, errPath: "version"},
	{name: "version a string", edits: []edit{set("version", `"should fail"`)}, errPath: "version"},
	{name: "version 2.0.0 from a 1.0.3 client", edits: []edit{set("version", `"2.0.0"`)}, versions: []Version{V103}, errPath: "version"},
	{name: "version a number", edits: []edit{set("version", `1.0`)}, errPath: "version"},

	// Attachments.
	{name: "attachments not an array", base: complete, edits: []edit{set("attachments", `{}`)}, errPath: "attachments"},
	{name: "attachment a number", edits: []edit{set("attachments", `[12345]`)}, errPath: "attachments[0]"},
	{name: "attachment without sha2", base: complete, edits: []edit{remove("attachments[0].sha2")}, errPath: "attachments[0].sha2"},
	{name: "attachment without display", base: complete, edits: []edit{remove("attachments[0].display")}, errPath: "attachments[0].display"},
	{name: "attachment sha2 not hex", base: complete, edits: []edit{set("attachments[0].sha2", `"should fail"`)}, errPath: "attachments[0].sha2"},
	{name: "attachment sha2 empty", base: complete, edits: []edit{set("attachments[0].sha2", `""`)}, errPath: "attachments[0].sha2"},
	{name: "attachment length a string", base: complete, edits: []edit{set("attachments[0].length", `"27"`)}, errPath: "attachments[0].length"},
	{name: "attachment length a fraction", base: complete, edits: []edit{set("attachments[0].length", `27.5`)}, errPath: "attachments[0].length"},
	{name: "attachment length negative", base: complete, edits: []edit{set("attachments[0].length", `-1`)}, errPath: "attachments[0].length"},
	{name: "attachment contentType a number", base: complete, edits: []edit{set("attachments[0].contentType", `12345`)}, errPath: "attachments[0].contentType"},
	{name: "attachment contentType not a media type", base: complete, edits: []edit{set("attachments[0].contentType", `"plain text"`)}, errPath: "attachments[0].contentType"},
	{name: "attachment display with a bad tag", base: complete, edits: []edit{set("attachments[0].display", `{"a12345678": "should error"}`)}, errPath: "attachments[0].display.a12345678"},
	{name: "signature attachment of another content type", edits: []edit{set("attachments", `[{"usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en-US": "x"}, "contentType": "text/plain; charset=ascii", "length": 10, "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"}]`)}, errPath: "attachments[0].contentType"},
}

func TestValidateAgent(t *testing.T) {
	tests := []struct {
		name, agent, errPath string
	}{
		{"Agent by account", `{"name": "Rick James", "objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}`, ""},
		{"Agent without objectType", `{"mbox": "mailto:a@example.com"}`, ""},
		{"identified Group", `{"objectType": "Group", "mbox": "mailto:g@example.com"}`, ""},
		{"Agent without IFI", `{"name": "Rick James", "objectType": "Agent"}`, "agent"},
		{"not an object", `true`, "agent"},
		{"a string", `"not JSON"`, "agent"},
		{"objectType Activity", `{"objectType": "Activity", "id": "http://example.com/a"}`, "agent.objectType"},
		{"2.0 property", `{"objectType": "contextAgent"}`, "agent.objectType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Decode([]byte(tc.agent))
			if err != nil {
				t.Fatal(err)
			}
			checkError(t, ValidateAgent(doc, V200, "agent"), tc.errPath)
		})
	}
}

func TestValidateReportsTheSameErrorEveryTime(t *testing.T) {
	s := edited(t, minimal, set("verb.display", `{"a1": "x", "b1": "y", "c1": "z", "en": 1}`), set("zz", `1`), set("aa", `1`))
	first := Validate(s, V200).Error()
	for range 20 {
		if got := Validate(s, V200).Error(); got != first {
			t.Fatalf("got %q, then %q", first, got)
		}
	}
}

func TestValidateAcceptsStandardLibraryNumbers(t *testing.T) {
	s := edited(t, minimal)
	s["result"] = map[string]any{"score": map[string]any{"scaled": 0.5, "raw": 5.0, "min": 0.0, "max": 10.0}}
	if err := Validate(s, V200); err != nil {
		t.Fatal(err)
	}
	s["result"] = map[string]any{"score": map[string]any{"scaled": 2.0}}
	checkError(t, Validate(s, V200), "result.score.scaled")
}

func TestErrorString(t *testing.T) {
	if got := (&Error{Path: "actor.mbox", Reason: "is required"}).Error(); got != "actor.mbox: is required" {
		t.Errorf("got %q", got)
	}
	if got := (&Error{Reason: "the body is empty"}).Error(); got != "the body is empty" {
		t.Errorf("got %q", got)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, json, errPath string
		ok                  bool
	}{
		{name: "object", json: minimal, ok: true},
		{name: "array of statements", json: `[` + minimal + `,` + minimal + `]`, ok: true},
		{name: "scalar", json: ` "x" `, ok: true},
		{name: "duplicate top-level key", json: `{"actor": {}, "actor": {}}`, errPath: "actor"},
		{name: "duplicate nested key", json: `{"actor": {"mbox": "mailto:a@b.c", "mbox": "mailto:d@e.f"}}`, errPath: "actor.mbox"},
		{name: "duplicate key in an array element", json: `[{}, {"id": 1, "id": 2}]`, errPath: "[1].id"},
		{name: "duplicate extension key", json: `{"result": {"extensions": {"http://e.x/a": 1, "http://e.x/a": 2}}}`, errPath: `result.extensions["http://e.x/a"]`},
		{name: "duplicate key spelled with an escape", json: `{"a": 1, "\u0061": 2}`, errPath: "a"},
		{name: "duplicate key deep in arrays", json: `{"a": [{"b": 1}, [0, {"b": 1, "b": 2}]]}`, errPath: "a[1][1].b"},
		{name: "keys in strings are not keys", json: `{"x": "{\"a\": 1, \"a\": 2}", "y": ["\"", "a", "a"], "a\"": 1, "a": 2}`, ok: true},
		{name: "same key in sibling objects", json: `[{"a": 1}, {"a": 1, "b": {"a": 1}}]`, ok: true},
		{name: "nesting at the limit", json: strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth), ok: true},
		{name: "two values", json: `{} {}`},
		{name: "trailing garbage", json: `{"a": 1} x`},
		{name: "empty", json: ``},
		{name: "only spaces", json: "  \n"},
		{name: "truncated", json: `{"a": [1, 2`},
		{name: "missing colon", json: `{"a" 1}`},
		{name: "trailing comma", json: `{"a": 1,}`},
		{name: "single quotes", json: `{'a': 1}`},
		{name: "invalid UTF-8", json: "{\"a\": \"\xff\"}"},
		{name: "too deep", json: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.json))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want an *Error, got %v", err)
			}
			if tc.errPath != "" && e.Path != tc.errPath {
				t.Fatalf("want the error at %s, got %v", tc.errPath, err)
			}
		})
	}
}

func TestDecodeKeepsNumbers(t *testing.T) {
	doc := mustObject(t, `{"a": 0.12123434, "b": 1e2, "c": [12.125]}`)
	if got := doc["a"]; got != json.Number("0.12123434") {
		t.Errorf("a = %#v", got)
	}
	if got := doc["b"]; got != json.Number("1e2") {
		t.Errorf("b = %#v", got)
	}
	if got := doc["c"].([]any)[0]; got != json.Number("12.125") {
		t.Errorf("c = %#v", got)
	}
}
