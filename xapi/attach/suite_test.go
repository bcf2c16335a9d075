package attach

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// suiteBoundary is the boundary of the bodies in testdata/suite.
const suiteBoundary = "-------1234567890"

// TestConformanceSuiteRequests replays the attachment and signature requests
// of the ADL LRS conformance suite (test/v2_0 and test/v1_0_3) through the
// package, as the HTTP layer runs them, and checks each is accepted or
// rejected as the suite expects.
func TestConformanceSuiteRequests(t *testing.T) {
	// 4.1.3 XAPI-00127 sends fs.readFileSync(jpeg, {encoding: 'hex'}): the
	// hex text, hashed as text, under the JPEG's own length.
	jpeg := "\xff\xd8\xff\xe0\x00\x10JFIF\x00"
	jpegHex := hex.EncodeToString([]byte(jpeg))
	hexLength, jpegLength := fmt.Sprintf(`"length":%d`, len(jpegHex)), fmt.Sprintf(`"length":%d`, len(jpeg))
	imageAttachment := strings.Replace(attachmentJSON("image/jpeg", jpegHex, ""), hexLength, jpegLength, 1)
	if !strings.Contains(imageAttachment, jpegLength) {
		t.Fatalf("attachment %s does not declare the JPEG's length", imageAttachment)
	}
	two := statementWith(attachmentJSON("text/plain", text1, ""), attachmentJSON("text/plain", text2, ""))
	one := statementWith(attachmentJSON("text/plain", text1, ""))
	fileURL := statementWith(attachmentJSON("text/plain; charset=ascii", text1, "http://over.there.com/file.txt"))

	tests := []struct {
		name    string
		body    []byte
		wantErr string // "" when the suite expects 200
	}{
		{
			name: "4.1.3 raw data and multipart/mixed (XAPI-00127)",
			body: mixedBody(statementSection(statementWith(imageAttachment)), attachmentSection("image/jpeg", jpegHex)),
		},
		{name: "4.1.3 fileUrl and multipart/mixed (XAPI-00127)", body: mixedBody(statementSection(fileURL))},
		{name: "4.1.3 no attachments and multipart/mixed (XAPI-00127)", body: mixedBody(statementSection(statementWith()))},
		{
			name: "4.1.6.1 two attachments (XAPI-00167)",
			body: mixedBody(statementSection(two), attachmentSection("text/plain", text1), attachmentSection("text/plain", text2)),
		},
		{
			name: "4.1.6.1 fileUrl attachment sent anyway (XAPI-00161)",
			body: mixedBody(statementSection(statementWith(attachmentJSON("text/plain", text1, "http://over.there.com/file.txt"))),
				attachmentSection("text/plain", text1)),
		},
		{
			name: "batch sharing one attachment",
			body: mixedBody(statementSection("["+one+","+one+"]"), attachmentSection("text/plain", text1)),
		},
		{
			name: "excess multipart section (XAPI-00128)",
			body: mixedBody(statementSection(two),
				attachmentSection("text/plain", text1), attachmentSection("text/plain", text2), attachmentSection("text/plain", text3)),
			wantErr: "is not an attachment of any statement",
		},
		{
			name:    "missing attachment data (XAPI-00129)",
			body:    mixedBody(statementSection(two), attachmentSection("text/plain", text1)),
			wantErr: "has no fileUrl and no multipart part",
		},
		{
			name: "no boundary before the attachment headers (XAPI-00130)",
			body: []byte("--" + testBoundary + "\r\nContent-Type: application/json\r\n\r\n" + one + "\r\n" +
				"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + sha256Hex(text1) + "\r\n\r\n" +
				text1 + "\r\n--" + testBoundary + "--\r\n"),
			wantErr: "statement is not JSON",
		},
		{
			name: "no boundary before the statements (XAPI-00131)",
			body: []byte("Content-Type: application/json\r\n\r\n" + one + "\r\n" +
				"--" + testBoundary + "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + sha256Hex(text1) + "\r\n\r\n" +
				text1 + "\r\n--" + testBoundary + "--\r\n"),
			wantErr: "must be the statements as application/json",
		},
		{
			name:    "statements in two parts (XAPI-00133)",
			body:    mixedBody(statementSection(one), statementSection(one), attachmentSection("text/plain", text1)),
			wantErr: "X-Experience-API-Hash headers",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, acceptStatements(testContentType, tt.body), tt.wantErr)
		})
	}
}

// TestConformanceSuiteSignedStatements replays the bodies that the suite's
// helper.signStatement builds for E.Data2.6 Signed Statements (made by
// testdata/suite/gen.js).
func TestConformanceSuiteSignedStatements(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
	}{
		{file: "rs256.multipart"},
		{file: "rs384.multipart"},
		{file: "rs512.multipart"},
		{file: "hs256.multipart", wantErr: `JWS alg "HS256" is not allowed`},
		{file: "breakjson.multipart", wantErr: "JWS payload is not a JSON serialization of a statement"},
		{file: "badcontenttype.multipart", wantErr: `signature attachment has contentType "text/plain; charset=ascii"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "suite", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			checkErr(t, acceptStatements("multipart/mixed; boundary="+suiteBoundary, body), tt.wantErr)
		})
	}
}
