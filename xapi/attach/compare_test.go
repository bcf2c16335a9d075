package attach

import (
	"strconv"
	"strings"
	"testing"
)

func TestPayloadMismatch(t *testing.T) {
	const base = `{
		"id": "2e2f1ad7-8d10-4c73-ae6e-2842729e25ce",
		"timestamp": "2024-05-01T12:00:00Z",
		"actor": {"objectType": "Group", "member": [
			{"mbox": "mailto:ann@example.com"},
			{"mbox": "mailto:bob@example.com"},
			{"account": {"homePage": "http://example.com", "name": "cat"}}
		]},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
		"object": {"id": "http://example.com/activities/1"},
		"result": {"score": {"scaled": 0.5, "raw": 5}, "duration": "PT1H"},
		"context": {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"}
		%s
	}`
	stmt := func(edits ...string) string {
		s := base
		extra := ""
		for i := 0; i+1 < len(edits); i += 2 {
			if edits[i] == "" {
				extra += edits[i+1]
				continue
			}
			if !strings.Contains(s, edits[i]) {
				t.Fatalf("%q is not in the statement", edits[i])
			}
			s = strings.Replace(s, edits[i], edits[i+1], 1)
		}
		return strings.Replace(s, "%s", extra, 1)
	}
	signature := `{"usageType": "` + SignatureUsageType + `", "display": {"en-US": "sig"}, "contentType": "application/octet-stream", "length": 10, "sha2": "abc"}`
	essay := `{"usageType": "http://example.com/essay", "display": {"en-US": "essay"}, "contentType": "text/plain", "length": 27, "sha2": "` + sha256Hex(text1) + `"}`

	tests := []struct {
		name     string
		received string
		signed   string
		want     string // "" when equivalent
	}{
		{name: "identical", received: stmt(), signed: stmt()},
		{
			name:     "the signature attachment added",
			received: stmt("", `, "attachments": [`+signature+`]`),
			signed:   stmt(),
		},
		{
			name:     "other attachments kept",
			received: stmt("", `, "attachments": [`+essay+`, `+signature+`]`),
			signed:   stmt("", `, "attachments": [`+essay+`]`),
		},
		{
			name:     "a countersignature: signatures on both sides",
			received: stmt("", `, "attachments": [`+signature+`, `+signature+`]`),
			signed:   stmt("", `, "attachments": [`+signature+`]`),
		},
		{
			name:     "an attachment dropped",
			received: stmt("", `, "attachments": [`+signature+`]`),
			signed:   stmt("", `, "attachments": [`+essay+`]`),
			want:     "statement.attachments",
		},
		{
			name:     "authority, stored and version set by the LRS",
			received: stmt("", `, "authority": {"mbox": "mailto:lrs@example.com"}, "stored": "2024-05-02T00:00:00Z", "version": "2.0.0"`),
			signed:   stmt("", `, "authority": {"mbox": "mailto:client@example.com"}, "version": "1.0.0"`),
		},
		{
			name:     "id and timestamp absent from the payload",
			received: stmt(),
			signed:   stmt(`"id": "2e2f1ad7-8d10-4c73-ae6e-2842729e25ce",`, "", `"timestamp": "2024-05-01T12:00:00Z",`, ""),
		},
		{
			name:     "another id",
			received: stmt(),
			signed:   stmt("2e2f1ad7", "3e2f1ad7"),
			want:     "statement.id",
		},
		{
			name:     "timestamp missing from the received statement",
			received: stmt(`"timestamp": "2024-05-01T12:00:00Z",`, ""),
			signed:   stmt(),
			want:     "statement.timestamp",
		},
		{
			name:     "id missing from the received statement",
			received: stmt(`"id": "2e2f1ad7-8d10-4c73-ae6e-2842729e25ce",`, ""),
			signed:   stmt(),
			want:     "statement.id",
		},
		{name: "UUID case", received: stmt("2e2f1ad7", "2E2F1AD7", "ec531277", "EC531277"), signed: stmt()},
		{name: "timestamp in another offset and precision", received: stmt("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.000+02:00"), signed: stmt()},
		{name: "another timestamp", received: stmt("12:00:00Z", "12:00:01Z"), signed: stmt(), want: "statement.timestamp"},
		{name: "mbox domain case", received: stmt("ann@example.com", "ann@EXAMPLE.com"), signed: stmt()},
		{name: "mbox local part case", received: stmt("ann@example.com", "Ann@example.com"), signed: stmt(), want: "statement.actor.member[0]"},
		{
			name:     "members in another order",
			received: stmt(`{"mbox": "mailto:ann@example.com"},`, "", `{"account"`, `{"mbox": "mailto:ann@example.com"}, {"account"`),
			signed:   stmt(),
		},
		{name: "a member replaced", received: stmt("bob@", "rob@"), signed: stmt(), want: "statement.actor.member[1]"},
		{name: "number spelling", received: stmt(`"scaled": 0.5, "raw": 5`, `"scaled": 5e-1, "raw": 5.0`), signed: stmt()},
		{name: "another number", received: stmt(`"raw": 5`, `"raw": 6`), signed: stmt(), want: "statement.result.score.raw"},
		{name: "a number as a string", received: stmt(`"raw": 5`, `"raw": "5"`), signed: stmt(), want: "statement.result.score.raw"},
		{name: "duration is a string", received: stmt("PT1H", "PT60M"), signed: stmt(), want: "statement.result.duration"},
		{name: "IRI case", received: stmt("activities/1", "Activities/1"), signed: stmt(), want: "statement.object.id"},
		{name: "a property added", received: stmt("", `, "extra": true`), signed: stmt(), want: "statement.extra"},
		{name: "a property removed", received: stmt(), signed: stmt("", `, "extra": null`), want: "statement.extra"},
		{name: "null against false", received: stmt("", `, "x": null`), signed: stmt("", `, "x": false`), want: "statement.x"},
		{name: "object against array", received: stmt(`"result": {`, `"result": [{`, `"PT1H"}`, `"PT1H"}]`), signed: stmt(), want: "statement.result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := payloadMismatch(mustObject(t, tt.received), mustObject(t, tt.signed))
			if got != tt.want {
				t.Errorf("payloadMismatch = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLargeGroupsCompareInOrder(t *testing.T) {
	members := func(reverse bool) []any {
		list := make([]any, maxUnorderedMembers+1)
		for i := range list {
			j := i
			if reverse {
				j = len(list) - 1 - i
			}
			list[j] = map[string]any{"mbox": "mailto:m" + strconv.Itoa(i) + "@example.com"}
		}
		return list
	}
	a := map[string]any{"actor": map[string]any{"member": members(false)}}
	if got := payloadMismatch(a, map[string]any{"actor": map[string]any{"member": members(false)}}); got != "" {
		t.Errorf("same order: payloadMismatch = %q, want equivalent", got)
	}
	if got := payloadMismatch(a, map[string]any{"actor": map[string]any{"member": members(true)}}); got == "" {
		t.Errorf("reversed: payloadMismatch found them equivalent; groups over %d members must compare in order", maxUnorderedMembers)
	}
}
