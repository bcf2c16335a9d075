package attach

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	declare := func(contentType, body, fileURL string) Declared {
		return Declared{
			UsageType:   "http://example.com/attachment-usage/test",
			ContentType: contentType,
			Length:      int64(len(body)),
			SHA2:        sha256Hex(body),
			FileURL:     fileURL,
		}
	}
	part := func(contentType, body string) Part {
		return Part{ContentType: contentType, SHA2: sha256Hex(body), Body: []byte(body)}
	}
	const fileURL = "http://over.there.com/file.txt"

	tests := []struct {
		name     string
		declared []Declared
		parts    []Part
		wantErr  string
	}{
		{name: "nothing declared, nothing sent"},
		{
			name:     "one attachment",
			declared: []Declared{declare("text/plain", text1, "")},
			parts:    []Part{part("text/plain", text1)},
		},
		{
			name:     "several attachments in another order",
			declared: []Declared{declare("text/plain", text1, ""), declare("text/plain", text2, "")},
			parts:    []Part{part("text/plain", text2), part("text/plain", text1)},
		},
		{
			name:     "fileUrl attachments need no part",
			declared: []Declared{declare("text/plain", text1, fileURL), declare("text/plain", text2, "")},
			parts:    []Part{part("text/plain", text2)},
		},
		{
			name:     "a fileUrl attachment may still be sent (XAPI-00161)",
			declared: []Declared{declare("text/plain", text1, fileURL)},
			parts:    []Part{part("text/plain", text1)},
		},
		{
			name:     "one part for an attachment of two statements",
			declared: []Declared{declare("text/plain", text1, ""), declare("text/plain", text1, "")},
			parts:    []Part{part("text/plain", text1)},
		},
		{
			name:     "the same data sent twice",
			declared: []Declared{declare("text/plain", text1, "")},
			parts:    []Part{part("text/plain", text1), part("text/plain", text1)},
		},
		{
			name:     "hash case does not matter",
			declared: []Declared{{ContentType: "text/plain", SHA2: strings.ToUpper(sha256Hex(text1))}},
			parts:    []Part{part("text/plain", text1)},
		},
		{
			name:     "media type parameters and case do not matter",
			declared: []Declared{declare("text/plain; charset=ascii", text1, "")},
			parts:    []Part{part("Text/Plain", text1)},
		},
		{
			name:     "a part without Content-Type",
			declared: []Declared{declare("text/plain", text1, "")},
			parts:    []Part{{SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},
		{
			// 4.1.3 XAPI-00127 declares the JPEG's size but sends its hex text.
			name:     "declared length is not checked",
			declared: []Declared{{ContentType: "image/jpeg", Length: 3, SHA2: sha256Hex("ffd8ff"), UsageType: "u"}},
			parts:    []Part{part("image/jpeg", "ffd8ff")},
		},
		{
			name:     "declared but not sent (XAPI-00129)",
			declared: []Declared{declare("text/plain", text1, ""), declare("text/plain", text2, "")},
			parts:    []Part{part("text/plain", text1)},
			wantErr:  "attachment with sha2 " + sha256Hex(text2) + " has no fileUrl and no multipart part",
		},
		{
			name:     "sent but not declared (XAPI-00128)",
			declared: []Declared{declare("text/plain", text1, ""), declare("text/plain", text2, "")},
			parts:    []Part{part("text/plain", text1), part("text/plain", text2), part("text/plain", text3)},
			wantErr:  "multipart part with X-Experience-API-Hash " + sha256Hex(text3) + " is not an attachment of any statement",
		},
		{
			name:    "sent with nothing declared",
			parts:   []Part{part("text/plain", text1)},
			wantErr: "is not an attachment of any statement",
		},
		{
			name:     "part Content-Type differs from contentType",
			declared: []Declared{declare("text/plain", text1, "")},
			parts:    []Part{part("image/png", text1)},
			wantErr:  `declares contentType "text/plain", but its part has Content-Type "image/png"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, Match(tt.declared, tt.parts), tt.wantErr)
		})
	}
}

func TestDeclarations(t *testing.T) {
	stmt := mustObject(t, `{
		"actor": {"mbox": "mailto:a@example.com"},
		"verb": {"id": "http://example.com/v"},
		"object": {
			"objectType": "SubStatement",
			"actor": {"mbox": "mailto:b@example.com"},
			"verb": {"id": "http://example.com/v"},
			"object": {"id": "http://example.com/a"},
			"attachments": [{"usageType": "http://example.com/sub", "contentType": "image/png", "length": 5, "sha2": "bb"}]
		},
		"attachments": [
			{"usageType": "http://example.com/u", "contentType": "text/plain", "length": 27, "sha2": "aa", "fileUrl": "http://example.com/f"},
			"not an attachment"
		]
	}`)
	want := []Declared{
		{UsageType: "http://example.com/u", ContentType: "text/plain", Length: 27, SHA2: "aa", FileURL: "http://example.com/f"},
		{UsageType: "http://example.com/sub", ContentType: "image/png", Length: 5, SHA2: "bb"},
	}
	if got := Declarations(stmt); !reflect.DeepEqual(got, want) {
		t.Errorf("Declarations = %+v, want %+v", got, want)
	}

	// An Activity object's properties are not attachments.
	activity := map[string]any{"object": map[string]any{"objectType": "Activity", "attachments": []any{map[string]any{"sha2": "cc"}}}}
	if got := Declarations(activity); len(got) != 0 {
		t.Errorf("Declarations of a statement about an Activity = %+v, want none", got)
	}

	// Numbers decoded without UseNumber work too.
	float := map[string]any{"attachments": []any{map[string]any{"length": float64(12), "sha2": "dd"}}}
	if got := Declarations(float); len(got) != 1 || got[0].Length != 12 {
		t.Errorf("Declarations with a float64 length = %+v, want Length 12", got)
	}
}
