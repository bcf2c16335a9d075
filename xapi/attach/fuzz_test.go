package attach

import (
	"bytes"
	"errors"
	"mime"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// suiteBodies returns the signed-statement request bodies in testdata/suite.
func suiteBodies(f *testing.F) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "suite", "*.multipart"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no testdata/suite bodies: %v", err)
	}
	bodies := make(map[string][]byte, len(files))
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		bodies[filepath.Base(file)] = body
	}
	return bodies
}

// requireRequestError fails t unless err is an *Error: every rejection of
// client data must turn into 400, never into a 500.
func requireRequestError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, want *Error", err, err)
	}
}

// FuzzReadMixed checks that no body and boundary makes ReadMixed panic or
// fail other than with an *Error, that what it accepts is what it checked,
// and that what it accepts survives WriteMixed.
func FuzzReadMixed(f *testing.F) {
	for _, body := range suiteBodies(f) {
		f.Add(body, suiteBoundary)
	}
	stmt := statementWith(attachmentJSON("text/plain", text1, ""))
	f.Add(mixedBody(statementSection(stmt), attachmentSection("text/plain", text1), attachmentSection("image/png", "\x89PNG\r\n")), testBoundary)
	f.Add(mixedBody(statementSection(stmt)), testBoundary)
	f.Add([]byte("--b\nContent-Type: application/json\n\n{}\n--b\nX-Experience-API-Hash: "+sha256Hex("")+"\n\n\n--b--"), "b")
	f.Add([]byte("--"+testBoundary+"--"), testBoundary)
	f.Add([]byte{}, "")

	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		contentType := mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary})
		if contentType == "" { // not a valid parameter value: let ReadMixed see it raw
			contentType = "multipart/mixed; boundary=" + boundary
		}
		statements, parts, err := ReadMixed(contentType, body)
		if err != nil {
			requireRequestError(t, err)
			return
		}
		for i, p := range parts {
			if p.SHA2 != strings.ToLower(p.SHA2) {
				t.Fatalf("part %d: SHA2 %q is not lowercase", i, p.SHA2)
			}
			if err := checkSHA2(p.SHA2, p.Body); err != nil {
				t.Fatalf("part %d accepted with a wrong hash: %v", i, err)
			}
		}

		var buf bytes.Buffer
		ct, err := WriteMixed(&buf, statements, parts)
		if err != nil {
			t.Fatalf("WriteMixed of accepted parts: %v", err)
		}
		gotStatements, gotParts, err := ReadMixed(ct, buf.Bytes())
		if err != nil {
			t.Fatalf("ReadMixed of WriteMixed output: %v", err)
		}
		if !bytes.Equal(gotStatements, statements) {
			t.Fatalf("statements changed in the round trip: %q became %q", statements, gotStatements)
		}
		if want := writtenParts(parts); !reflect.DeepEqual(gotParts, want) {
			t.Fatalf("parts changed in the round trip: %+v became %+v", want, gotParts)
		}
	})
}

// writtenParts is what WriteMixed sends of parts: one per hash, with a
// Content-Type.
func writtenParts(parts []Part) []Part {
	var out []Part
	seen := map[string]bool{}
	for _, p := range parts {
		if seen[p.SHA2] {
			continue
		}
		seen[p.SHA2] = true
		if p.ContentType == "" {
			p.ContentType = "application/octet-stream"
		}
		if p.Body == nil {
			p.Body = []byte{}
		}
		out = append(out, p)
	}
	return out
}

// FuzzVerifySignature checks that no JWS and statement makes
// VerifySignature panic or fail other than with an *Error, and that any
// statement matches a JWS whose payload is the statement itself.
func FuzzVerifySignature(f *testing.F) {
	s := testSigners()[0]
	payload := []byte(unsignedStatement)
	received := []byte(strings.TrimSuffix(unsignedStatement, "}") + `,"attachments":[{"usageType":"` + SignatureUsageType + `","sha2":"00"}]}`)
	f.Add([]byte(signJWS("RS256", nil, payload, s.key)), received)
	f.Add([]byte(signJWS("RS512", x5c(s.cert), payload, s.key)), received)
	f.Add([]byte(signJWS("HS256", nil, payload, nil)), received)
	f.Add([]byte(signJWS("RS256", map[string]any{"x5c": []any{"AAAA"}}, payload, s.key)), received)
	for _, body := range suiteBodies(f) {
		statements, parts, err := ReadMixed("multipart/mixed; boundary="+suiteBoundary, body)
		if err != nil || len(parts) != 1 {
			f.Fatalf("suite body: %v", err)
		}
		f.Add(parts[0].Body, statements)
	}

	f.Fuzz(func(t *testing.T, jws, statementJSON []byte) {
		statement, err := decodeObject(statementJSON)
		if err != nil {
			return
		}
		if err := VerifySignature(statement, jws); err != nil {
			requireRequestError(t, err)
		}

		// Without x5c the signature bytes are not checked.
		self := b64([]byte(`{"alg":"RS256"}`)) + "." + b64(statementJSON) + "." + b64([]byte("signature"))
		if err := VerifySignature(statement, []byte(self)); err != nil {
			t.Fatalf("statement %s does not match a JWS of itself: %v", statementJSON, err)
		}
	})
}
