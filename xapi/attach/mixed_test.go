package attach

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestReadMixed(t *testing.T) {
	stmt := statementWith(attachmentJSON("text/plain", text1, ""))
	sha512Hex := func(s string) string { sum := sha512.Sum512([]byte(s)); return hex.EncodeToString(sum[:]) }
	sha384Hex := func(s string) string { sum := sha512.Sum384([]byte(s)); return hex.EncodeToString(sum[:]) }
	sha224Hex := func(s string) string { sum := sha256.Sum224([]byte(s)); return hex.EncodeToString(sum[:]) }
	withHash := func(sum, body string) section {
		return section{
			headers: []string{"Content-Type: text/plain", "Content-Transfer-Encoding: binary", "X-Experience-API-Hash: " + sum},
			body:    body,
		}
	}
	part := func(contentType, body string) Part {
		return Part{ContentType: contentType, SHA2: sha256Hex(body), Body: []byte(body)}
	}

	tests := []struct {
		name        string
		contentType string // testContentType if empty
		body        []byte
		wantParts   []Part // the statements part must be stmt
		wantErr     string
	}{
		{
			name:      "one attachment",
			body:      mixedBody(statementSection(stmt), attachmentSection("text/plain", text1)),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name: "several attachments",
			body: mixedBody(statementSection(stmt),
				attachmentSection("text/plain", text1),
				attachmentSection("text/plain; charset=ascii", text2),
				attachmentSection("application/octet-stream", "\x00\xff\r\n--\r\n")),
			wantParts: []Part{
				part("text/plain", text1),
				part("text/plain; charset=ascii", text2),
				part("application/octet-stream", "\x00\xff\r\n--\r\n"),
			},
		},
		{
			name: "statements only (no attachments, or only fileUrl ones)",
			body: mixedBody(statementSection(stmt)),
		},
		{
			name: "preamble before the first boundary, no CRLF after the last (E.Data2.6 signStatement)",
			body: []byte("\r\n--" + testBoundary + "\r\nContent-Type:application/json\r\n\r\n" + stmt +
				"\r\n--" + testBoundary + "\r\nContent-Type:text/plain\r\nContent-Transfer-Encoding:binary\r\nX-Experience-API-Hash:" + sha256Hex(text1) +
				"\r\n\r\n" + text1 + "\r\n--" + testBoundary + "--"),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name:        "quoted boundary and JSON charset",
			contentType: `multipart/mixed; boundary="` + testBoundary + `"`,
			body: mixedBody(section{headers: []string{"Content-Type: application/json; charset=utf-8"}, body: stmt},
				attachmentSection("text/plain", text1)),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name: "Content-Transfer-Encoding left out: binary is assumed",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"Content-Type: text/plain", "X-Experience-API-Hash: " + sha256Hex(text1)},
				body:    text1,
			}),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name: "header names and binary in any case",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"content-type: text/plain", "content-transfer-encoding: BINARY", "x-experience-api-hash: " + sha256Hex(text1)},
				body:    text1,
			}),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name:      "uppercase hash is lowercased",
			body:      mixedBody(statementSection(stmt), withHash(strings.ToUpper(sha256Hex(text1)), text1)),
			wantParts: []Part{part("text/plain", text1)},
		},
		{
			name: "SHA-224, SHA-384 and SHA-512",
			body: mixedBody(statementSection(stmt),
				withHash(sha224Hex(text1), text1), withHash(sha384Hex(text2), text2), withHash(sha512Hex(text3), text3)),
			wantParts: []Part{
				{ContentType: "text/plain", SHA2: sha224Hex(text1), Body: []byte(text1)},
				{ContentType: "text/plain", SHA2: sha384Hex(text2), Body: []byte(text2)},
				{ContentType: "text/plain", SHA2: sha512Hex(text3), Body: []byte(text3)},
			},
		},
		{
			name:      "attachment part without Content-Type",
			body:      mixedBody(statementSection(stmt), section{headers: []string{"X-Experience-API-Hash: " + sha256Hex(text1)}, body: text1}),
			wantParts: []Part{{SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},

		// 4.1.3 Content Types / H.Communication1.5 ContentTypes.
		{
			name:        "multipart/form-data (XAPI-00127)",
			contentType: "multipart/form-data; boundary=" + testBoundary,
			body:        mixedBody(statementSection(stmt), attachmentSection("text/plain", text1)),
			wantErr:     "is not multipart/mixed",
		},
		{
			name:        "no boundary in the header (XAPI-00131)",
			contentType: "multipart/mixed;",
			body:        mixedBody(statementSection(stmt), attachmentSection("text/plain", text1)),
			wantErr:     "has no boundary parameter",
		},
		{
			name:        "unparsable Content-Type",
			contentType: "multipart/mixed; boundary=",
			body:        mixedBody(statementSection(stmt)),
			wantErr:     "invalid Content-Type",
		},
		{
			name:    "no boundary before the statements (XAPI-00131)",
			body:    bytes.TrimPrefix(mixedBody(statementSection(stmt), attachmentSection("text/plain", text1)), []byte("--"+testBoundary+"\r\n")),
			wantErr: "first part of a multipart/mixed statements request must be the statements as application/json",
		},
		{
			name:    "first part not application/json (XAPI-00134)",
			body:    mixedBody(section{headers: []string{"Content-Type: text/plain"}, body: stmt}, attachmentSection("text/plain", text1)),
			wantErr: `not Content-Type "text/plain"`,
		},
		{
			name:    "first part without Content-Type",
			body:    mixedBody(section{body: stmt}),
			wantErr: `not Content-Type ""`,
		},
		{
			name:    "statements split over two parts (XAPI-00133)",
			body:    mixedBody(statementSection(stmt), statementSection(stmt), attachmentSection("text/plain", text1)),
			wantErr: "part 2 has 0 X-Experience-API-Hash headers",
		},
		{
			name: "missing X-Experience-API-Hash (XAPI-00132)",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"Content-Type: text/plain", "Content-Transfer-Encoding: binary"},
				body:    text1,
			}),
			wantErr: "part 2 has 0 X-Experience-API-Hash headers",
		},
		{
			name:    "X-Experience-API-Hash of other data (XAPI-00132)",
			body:    mixedBody(statementSection(stmt), withHash("b018994f8bbe0f08992a65c48c8c8c56f09e9baceaa6227ed85c90ae52b73c89", text1)),
			wantErr: "does not match the SHA-2 of the part's 27-byte body",
		},
		{
			name:    "hash that is not hex",
			body:    mixedBody(statementSection(stmt), withHash(strings.Repeat("z", 64), text1)),
			wantErr: "is not hexadecimal",
		},
		{
			name:    "hash of no SHA-2 length",
			body:    mixedBody(statementSection(stmt), withHash(sha256Hex(text1)[:40], text1)),
			wantErr: "40 hex digits",
		},
		{
			name: "two hashes",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"X-Experience-API-Hash: " + sha256Hex(text1), "X-Experience-API-Hash: " + sha256Hex(text1)},
				body:    text1,
			}),
			wantErr: "part 2 has 2 X-Experience-API-Hash headers",
		},
		{
			name: "Content-Transfer-Encoding base64 (XAPI-00135)",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"Content-Type: text/plain", "Content-Transfer-Encoding: base64", "X-Experience-API-Hash: " + sha256Hex(text1)},
				body:    text1,
			}),
			wantErr: `part 2 has Content-Transfer-Encoding "base64"`,
		},
		{
			name: "Content-Transfer-Encoding quoted-printable is not decoded",
			body: mixedBody(statementSection(stmt), section{
				headers: []string{"Content-Transfer-Encoding: quoted-printable", "X-Experience-API-Hash: " + sha256Hex(text1)},
				body:    text1,
			}),
			wantErr: `"quoted-printable"`,
		},
		{
			name:    "no close delimiter",
			body:    []byte("--" + testBoundary + "\r\nContent-Type: application/json\r\n\r\n" + stmt),
			wantErr: "malformed multipart/mixed body in part 1",
		},
		{
			name:    "empty body",
			body:    nil,
			wantErr: "has no part opened by the boundary",
		},
		{
			name:    "body of another boundary",
			body:    bytes.ReplaceAll(mixedBody(statementSection(stmt)), []byte(testBoundary), []byte("other")),
			wantErr: "has no part opened by the boundary",
		},
		{
			name:    "only a close delimiter",
			body:    []byte("--" + testBoundary + "--\r\n"),
			wantErr: "has no parts",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = testContentType
			}
			statements, parts, err := ReadMixed(ct, tt.body)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if string(statements) != stmt {
				t.Errorf("statements = %q, want %q", statements, stmt)
			}
			if !reflect.DeepEqual(parts, tt.wantParts) {
				t.Errorf("parts = %+v, want %+v", parts, tt.wantParts)
			}
		})
	}
}

func TestWriteMixedRoundTrip(t *testing.T) {
	statements := []byte(`{"statements":[],"more":""}`)
	tests := []struct {
		name  string
		parts []Part
		want  []Part // what ReadMixed reads back
	}{
		{name: "no attachments"},
		{
			name:  "one attachment",
			parts: []Part{{ContentType: "text/plain", SHA2: sha256Hex(text1), Body: []byte(text1)}},
			want:  []Part{{ContentType: "text/plain", SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},
		{
			name: "several attachments, binary and empty",
			parts: []Part{
				{ContentType: "image/jpeg", SHA2: sha256Hex("\xff\xd8\r\n--\x00"), Body: []byte("\xff\xd8\r\n--\x00")},
				{ContentType: "text/plain; charset=ascii", SHA2: sha256Hex(""), Body: []byte{}},
			},
			want: []Part{
				{ContentType: "image/jpeg", SHA2: sha256Hex("\xff\xd8\r\n--\x00"), Body: []byte("\xff\xd8\r\n--\x00")},
				{ContentType: "text/plain; charset=ascii", SHA2: sha256Hex(""), Body: []byte{}},
			},
		},
		{
			name: "an attachment shared by two statements is sent once",
			parts: []Part{
				{ContentType: "text/plain", SHA2: sha256Hex(text1), Body: []byte(text1)},
				{ContentType: "text/plain", SHA2: strings.ToUpper(sha256Hex(text1)), Body: []byte(text1)},
			},
			want: []Part{{ContentType: "text/plain", SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},
		{
			name:  "no ContentType",
			parts: []Part{{SHA2: sha256Hex(text1), Body: []byte(text1)}},
			want:  []Part{{ContentType: "application/octet-stream", SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ct, err := WriteMixed(&buf, statements, tt.parts)
			if err != nil {
				t.Fatal(err)
			}
			gotStatements, gotParts, err := ReadMixed(ct, buf.Bytes())
			if err != nil {
				t.Fatalf("ReadMixed of WriteMixed output: %v\n%s", err, buf.Bytes())
			}
			if !bytes.Equal(gotStatements, statements) {
				t.Errorf("statements = %q, want %q", gotStatements, statements)
			}
			if !reflect.DeepEqual(gotParts, tt.want) {
				t.Errorf("parts = %+v, want %+v", gotParts, tt.want)
			}
		})
	}
}

// TestWriteMixedFormat checks the details the suite's parsers rely on
// (test/multipartParser.js and the ad hoc parsing in 4.1.6.1 Statement Resource).
func TestWriteMixedFormat(t *testing.T) {
	sum := sha256Hex(text1)
	statements := `{"id":"x","attachments":[{"sha2":"` + sum + `"}]}`
	var buf bytes.Buffer
	ct, err := WriteMixed(&buf, []byte(statements), []Part{{ContentType: "text/plain", SHA2: sum, Body: []byte(text1)}})
	if err != nil {
		t.Fatal(err)
	}

	// XAPI-00161 reads the boundary as ContentType.split(";")[1].replace(" boundary=", "").
	m := regexp.MustCompile(`^multipart/mixed; boundary=([0-9a-f]+)$`).FindStringSubmatch(ct)
	if m == nil {
		t.Fatalf("Content-Type = %q, want multipart/mixed; boundary=<hex>", ct)
	}
	boundary := m[1]
	want := "--" + boundary + "\r\n" +
		"Content-Type: application/json\r\n\r\n" + statements + "\r\n" +
		"--" + boundary + "\r\n" +
		"Content-Transfer-Encoding: binary\r\n" +
		"Content-Type: text/plain\r\n" +
		"X-Experience-API-Hash: " + sum + "\r\n\r\n" + text1 + "\r\n" +
		"--" + boundary + "--\r\n"
	if got := buf.String(); got != want {
		t.Errorf("body =\n%q\nwant\n%q", got, want)
	}
	// XAPI-00167 counts the hash: once in the statement, once with the part.
	if n := strings.Count(buf.String(), sum); n != 2 {
		t.Errorf("hash appears %d times, want 2", n)
	}
}

func TestWriteMixedErrors(t *testing.T) {
	errWrite := errors.New("connection reset")
	tests := []struct {
		name    string
		w       *failingWriter
		parts   []Part
		wantErr string
	}{
		{name: "SHA2 not hex", w: &failingWriter{}, parts: []Part{{SHA2: "xyz"}}, wantErr: `part 0 has SHA2 "xyz"`},
		{name: "no SHA2", w: &failingWriter{}, parts: []Part{{}}, wantErr: `part 0 has SHA2 ""`},
		{
			name:    "header injection",
			w:       &failingWriter{},
			parts:   []Part{{SHA2: sha256Hex("")}, {ContentType: "text/plain\r\nX-Evil: 1", SHA2: sha256Hex("")}},
			wantErr: "part 1 has a line break",
		},
		{name: "write error", w: &failingWriter{err: errWrite}, wantErr: "connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteMixed(tt.w, []byte("{}"), tt.parts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			var e *Error
			if errors.As(err, &e) {
				t.Errorf("error is an *Error, but it is not the client's fault")
			}
			if tt.w.err == nil && tt.w.n != 0 {
				t.Errorf("%d bytes written before the error, want none", tt.w.n)
			}
		})
	}
}

// failingWriter fails every write with err, or counts and discards them if
// err is nil.
type failingWriter struct {
	err error
	n   int // bytes written
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.n += len(p)
	return len(p), nil
}
