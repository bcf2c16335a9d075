package attach

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// The attachment texts of the conformance suite (test/v1_0_3/templates/attachments).
const (
	text1 = "here is a simple attachment"
	text2 = "here is another simple attachment"
	text3 = "here is a third attachment"
)

// testBoundary is the boundary the suite's hand-built requests use.
const (
	testBoundary    = "-------314159265358979323846"
	testContentType = "multipart/mixed; boundary=" + testBoundary
)

// section is one part of a hand-built multipart body.
type section struct {
	headers []string
	body    string
}

// mixedBody builds a multipart/mixed body the way the suite does: each part
// opened by "--boundary", CRLF line ends, and a closing "--boundary--".
func mixedBody(sections ...section) []byte {
	var b strings.Builder
	for _, s := range sections {
		b.WriteString("--" + testBoundary + "\r\n")
		for _, h := range s.headers {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n" + s.body + "\r\n")
	}
	b.WriteString("--" + testBoundary + "--\r\n")
	return []byte(b.String())
}

// statementSection is the first part: the statements as application/json.
func statementSection(json string) section {
	return section{headers: []string{"Content-Type: application/json"}, body: json}
}

// attachmentSection is a well-formed attachment part.
func attachmentSection(contentType, body string) section {
	return section{
		headers: []string{
			"Content-Type: " + contentType,
			"Content-Transfer-Encoding: binary",
			"X-Experience-API-Hash: " + sha256Hex(body),
		},
		body: body,
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// attachmentJSON is an attachment object declaring body; fileURL may be "".
func attachmentJSON(contentType, body, fileURL string) string {
	a := map[string]any{
		"usageType":   "http://example.com/attachment-usage/test",
		"display":     map[string]string{"en-US": "A test attachment"},
		"contentType": contentType,
		"length":      len(body),
		"sha2":        sha256Hex(body),
	}
	if fileURL != "" {
		a["fileUrl"] = fileURL
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// statementWith is the suite's attachment statement with the given
// attachment objects.
func statementWith(attachments ...string) string {
	return `{"actor":{"objectType":"Agent","name":"xAPI account","mbox":"mailto:xapi@adlnet.gov"},` +
		`"verb":{"id":"http://adlnet.gov/expapi/verbs/attended","display":{"en-GB":"attended","en-US":"attended"}},` +
		`"object":{"objectType":"Activity","id":"http://www.example.com/meetings/occurances/34534"},` +
		`"attachments":[` + strings.Join(attachments, ",") + `]}`
}

// mustObject decodes a JSON object as the LRS does, with json.Number numbers.
func mustObject(t testing.TB, s string) map[string]any {
	t.Helper()
	obj, err := decodeObject([]byte(s))
	if err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return obj
}

// checkErr fails t unless err matches want: nil for "", otherwise an *Error
// whose reason contains want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error containing %q", err, err, want)
	}
	if e.Error() != e.Reason {
		t.Errorf("Error() = %q, want the Reason %q", e.Error(), e.Reason)
	}
	if !strings.Contains(e.Reason, want) {
		t.Fatalf("error = %q, want it to contain %q", e.Reason, want)
	}
}

// acceptStatements runs a statements request through the package the way
// the HTTP layer does, and returns why it is rejected.
func acceptStatements(contentType string, body []byte) error {
	raw, parts, err := ReadMixed(contentType, body)
	if err != nil {
		return err
	}
	statements, err := decodeStatements(raw)
	if err != nil {
		return &Error{Reason: err.Error()}
	}
	var declared []Declared
	for _, s := range statements {
		declared = append(declared, Declarations(s)...)
	}
	if err := Match(declared, parts); err != nil {
		return err
	}
	for _, s := range statements {
		if err := VerifySigned(s, parts); err != nil {
			return err
		}
	}
	return nil
}

// decodeStatements decodes one statement or an array of them.
func decodeStatements(raw []byte) ([]map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var list []map[string]any
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("statements are not JSON: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("data after the statements")
		}
		return list, nil
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("statement is not JSON: %w", err)
	}
	return []map[string]any{obj}, nil
}
