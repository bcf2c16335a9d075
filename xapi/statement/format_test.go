package statement

import (
	"reflect"
	"testing"
)

// formatted is the statement of the suite's format tests (Communication
// 2.1.3, XAPI-00169 to XAPI-00171): a SubStatement of an identified Group
// on an interaction Activity named in many languages.
const formatted = `{
	"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
	"actor": {"objectType": "Agent", "name": "xAPI account", "mbox": "mailto:agent@adlnet.gov"},
	"verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
	"object": {
		"objectType": "SubStatement",
		"actor": {"objectType": "Group", "name": "Group Identified", "mbox": "mailto:group@adlnet.gov"},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended", "ja-JP": "出席した", "ar-EG": "حضر"}},
		"object": {
			"objectType": "Activity",
			"id": "http://www.example.com/unicode/36e0dde9-e4c4-4e4b-8ee6-3a4c8c7b1a2d",
			"definition": {
				"name": {"en": "Other", "en-GB": "attended", "en-US": "attended", "ko-KR": "참석"},
				"description": {"en-US": "On this map, please mark Franklin, TN", "en-GB": "On this map, please mark Franklin, TN"},
				"type": "http://adlnet.gov/expapi/activities/cmi.interaction",
				"moreInfo": "http://virtualmeeting.example.com/345256",
				"interactionType": "other",
				"correctResponsesPattern": ["(35.937432,-86.868896)"],
				"extensions": {"http://example.com/profiles/meetings/extension/location": "X:\\meetings\\minutes\\examplemeeting.one"}
			}
		}
	},
	"authority": {"objectType": "Agent", "account": {"homePage": "http://example.com/lrs", "name": "client"}},
	"stored": "2024-01-01T00:00:00.000Z",
	"timestamp": "2024-01-01T00:00:00.000Z",
	"version": "2.0.0"
}`

func TestFormatIDs(t *testing.T) {
	got := Format(mustObject(t, formatted), FormatIDs, nil)
	want := edited(t, formatted,
		set("actor", `{"objectType": "Agent", "mbox": "mailto:agent@adlnet.gov"}`),
		set("verb", `{"id": "http://adlnet.gov/expapi/verbs/attended"}`),
		set("object.actor", `{"objectType": "Group", "mbox": "mailto:group@adlnet.gov"}`),
		set("object.verb", `{"id": "http://adlnet.gov/expapi/verbs/attended"}`),
		set("object.object", `{"id": "http://www.example.com/unicode/36e0dde9-e4c4-4e4b-8ee6-3a4c8c7b1a2d"}`),
		set("authority", `{"objectType": "Agent", "account": {"homePage": "http://example.com/lrs", "name": "client"}}`),
	)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestFormatIDsEverywhere(t *testing.T) {
	s := edited(t, withContextActors,
		set("actor", `{"objectType": "Group", "name": "Team", "member": [{"name": "A", "mbox": "mailto:a@example.com"}, {"objectType": "Agent", "name": "B", "openid": "http://openid.example.org/b"}]}`),
		set("context.instructor", `{"name": "I", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}`),
		set("context.team", `{"objectType": "Group", "name": "T", "mbox": "mailto:t@example.com", "member": [{"mbox": "mailto:a@example.com"}]}`),
		set("context.contextActivities", `{"parent": [{"objectType": "Activity", "id": "http://example.com/p", "definition": {"name": {"en": "P"}}}], "grouping": {"id": "http://example.com/g", "definition": {}}}`),
		set("context.statement", `{"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`),
		set("result", `{"success": true}`),
	)
	got := Format(s, FormatIDs, nil)
	want := edited(t, withContextActors,
		set("actor", `{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}, {"objectType": "Agent", "openid": "http://openid.example.org/b"}]}`),
		set("verb", `{"id": "http://adlnet.gov/expapi/verbs/attended"}`),
		set("object", `{"id": "http://www.example.com/meetings/occurances/34534"}`),
		set("context.instructor", `{"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}`),
		set("context.team", `{"objectType": "Group", "mbox": "mailto:t@example.com"}`),
		set("context.contextActivities", `{"parent": [{"id": "http://example.com/p"}], "grouping": {"id": "http://example.com/g"}}`),
		set("context.statement", `{"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`),
		set("context.contextGroups[0].group", `{"objectType": "Group", "mbox": "mailto:team-1@example.com"}`),
		set("context.contextGroups[1].group", `{"objectType": "Group", "member": [{"mbox": "mailto:player-3@example.com"}]}`),
		set("result", `{"success": true}`),
	)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestFormatCanonical(t *testing.T) {
	got := Format(mustObject(t, formatted), FormatCanonical, []string{"en-GB"})
	want := edited(t, formatted,
		set("verb.display", `{"en-GB": "attended"}`),
		set("object.verb.display", `{"en-GB": "attended"}`),
		set("object.object.definition.name", `{"en-GB": "attended"}`),
		set("object.object.definition.description", `{"en-GB": "On this map, please mark Franklin, TN"}`),
	)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestFormatCanonicalEverywhere(t *testing.T) {
	s := edited(t, minimal,
		set("object.definition", `{"name": {"en-US": "n", "fr": "nom"}, "interactionType": "choice", "choices": [{"id": "a", "description": {"en-US": "a", "fr": "a-fr"}}]}`),
		set("context.contextActivities", `{"other": [{"id": "http://example.com/o", "definition": {"description": {"de": "d", "fr": "d-fr"}}}]}`),
		set("attachments", `[{"usageType": "http://example.com/u", "display": {"en-US": "x", "fr": "x-fr"}, "contentType": "text/plain", "length": 1, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]`),
	)
	got := Format(s, FormatCanonical, []string{"fr-CA", "de"})
	want := edited(t, minimal,
		set("verb.display", `{"en-US": "attended"}`),
		set("object.definition", `{"name": {"fr": "nom"}, "interactionType": "choice", "choices": [{"id": "a", "description": {"fr": "a-fr"}}]}`),
		set("context.contextActivities", `{"other": [{"id": "http://example.com/o", "definition": {"description": {"de": "d"}}}]}`),
		set("attachments", `[{"usageType": "http://example.com/u", "display": {"en-US": "x", "fr": "x-fr"}, "contentType": "text/plain", "length": 1, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]`),
	)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestBestTag(t *testing.T) {
	tests := []struct {
		name  string
		tags  []string // sorted, as oneLanguage passes them
		langs []string
		want  string
	}{
		{"exact", []string{"en-GB", "en-US"}, []string{"en-GB"}, "en-GB"},
		{"case-insensitive", []string{"en-GB", "en-US"}, []string{"en-gb"}, "en-GB"},
		{"in order of preference", []string{"de", "en-US", "fr"}, []string{"fr", "de"}, "fr"},
		{"range prefix", []string{"en-GB", "fr"}, []string{"en"}, "en-GB"},
		{"exact beats prefix", []string{"en", "en-GB"}, []string{"en"}, "en"},
		{"filtering before lookup", []string{"en-US", "fr"}, []string{"en-GB", "fr"}, "fr"},
		{"lookup when nothing matches", []string{"de", "en-US"}, []string{"en-GB"}, "en-US"},
		{"lookup to the primary language", []string{"de", "en"}, []string{"en-GB"}, "en"},
		{"wildcard", []string{"de", "fr"}, []string{"*"}, "de"},
		{"default English", []string{"ar-EG", "en-GB", "en-US"}, nil, "en-US"},
		{"default English of any region", []string{"ar-EG", "en-GB"}, []string{"ja"}, "en-GB"},
		{"first tag at last", []string{"ar-EG", "ja-JP"}, []string{"ko"}, "ar-EG"},
		{"a range that is not a prefix", []string{"de", "english"}, []string{"en"}, "de"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := bestTag(tc.tags, tc.langs); got != tc.want {
				t.Errorf("bestTag(%v, %v) = %q, want %q", tc.tags, tc.langs, got, tc.want)
			}
		})
	}
}

func TestFormatCopies(t *testing.T) {
	for _, format := range []string{FormatExact, FormatIDs, FormatCanonical, "unknown"} {
		t.Run(format, func(t *testing.T) {
			s := mustObject(t, formatted)
			got := Format(s, format, []string{"en-US"})
			if !reflect.DeepEqual(s, mustObject(t, formatted)) {
				t.Fatal("Format changed its argument")
			}
			got["object"].(map[string]any)["actor"].(map[string]any)["name"] = "changed"
			if s["object"].(map[string]any)["actor"].(map[string]any)["name"] == "changed" {
				t.Fatal("Format's result shares values with its argument")
			}
			if (format == FormatExact || format == "unknown") && !reflect.DeepEqual(Format(s, format, nil), s) {
				t.Fatal("exact format changed the statement")
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	s := edited(t, withSubStatement,
		set("context.contextActivities", `{"parent": {"id": "http://example.com/p"}, "other": [{"id": "http://example.com/o"}]}`))
	got := Normalize(s)
	want := edited(t, withSubStatement,
		set("context.contextActivities", `{"parent": [{"id": "http://example.com/p"}], "other": [{"id": "http://example.com/o"}]}`),
		set("object.context.contextActivities.parent", `[{"id": "http://www.example.com/meetings/series/267"}]`))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if _, ok := s["context"].(map[string]any)["contextActivities"].(map[string]any)["parent"].([]any); ok {
		t.Error("Normalize changed its argument")
	}
	if err := Validate(got, V200); err != nil {
		t.Errorf("the normalized statement is not valid: %v", err)
	}
}
