package attach

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// Part is one attachment's raw bytes as carried in a multipart/mixed request or response.
type Part struct {
	ContentType string // the part's Content-Type
	SHA2        string // X-Experience-API-Hash (lowercase hex SHA-256 or other SHA-2 as the spec allows)
	Body        []byte
}

// Error is a malformed request (the LRS answers 400 with Reason).
type Error struct{ Reason string }

// Error returns the reason the request was rejected.
func (e *Error) Error() string { return e.Reason }

func errorf(format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// Header names of an attachment part.
const (
	hashHeader     = "X-Experience-API-Hash"
	encodingHeader = "Content-Transfer-Encoding"
)

// sha2ByHexLen lists the SHA-2 functions by the length of their digest in hex
// digits. The spec asks for "the SHA-2 hash" and recommends SHA-256, SHA-384
// or SHA-512; the truncated variants are SHA-2 too, so they are accepted.
var sha2ByHexLen = map[int][]func() hash.Hash{
	56:  {sha256.New224, sha512.New512_224},
	64:  {sha256.New, sha512.New512_256},
	96:  {sha512.New384},
	128: {sha512.New},
}

// ReadMixed parses a multipart/mixed statements request body. contentType is the request's
// Content-Type header (with its boundary). The first part must be the statement(s) as
// application/json; every other part is an attachment that must carry
// X-Experience-API-Hash and whose body must hash to that value. Returns the JSON
// of the first part and the attachment parts in order, with SHA2 in lowercase.
//
// Content-Transfer-Encoding may be left out of an attachment part: 1.0.3
// requires senders to include it with the value binary but tells the LRS to
// assume binary when it is missing, and the 2.0.0 suite tests the same rule
// (XAPI-00135 in both). Any value other than binary is rejected. The whole
// body is in memory already, so the caller caps its size.
//
// Every error is an *Error.
func ReadMixed(contentType string, body []byte) (statements []byte, parts []Part, err error) {
	boundary, err := mixedBoundary(contentType)
	if err != nil {
		return nil, nil, err
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	n := 0 // parts read, the statements being part 1
	for {
		// NextRawPart, unlike NextPart, leaves Content-Transfer-Encoding
		// alone instead of decoding quoted-printable and removing the header.
		p, err := r.NextRawPart()
		if err == io.EOF { // the close delimiter; a wrapped EOF means a truncated body
			break
		}
		if err != nil {
			if n == 0 {
				return nil, nil, errorf("multipart/mixed body has no part opened by the boundary %q: %v", boundary, err)
			}
			return nil, nil, errorf("malformed multipart/mixed body after part %d: %v", n, err)
		}
		n++
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, errorf("malformed multipart/mixed body in part %d: %v", n, err)
		}
		if n == 1 {
			if ct := p.Header.Get("Content-Type"); mediaType(ct) != "application/json" {
				return nil, nil, errorf("the first part of a multipart/mixed statements request must be the statements as application/json, not Content-Type %q", ct)
			}
			statements = data
			continue
		}
		part, err := attachmentPart(n, p.Header, data)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, part)
	}
	if n == 0 {
		return nil, nil, errorf("multipart/mixed body has no parts; the first part must hold the statements")
	}
	return statements, parts, nil
}

// mixedBoundary returns the boundary of a multipart/mixed Content-Type value.
func mixedBoundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", errorf("invalid Content-Type %q: %v", contentType, err)
	}
	if mt != "multipart/mixed" {
		return "", errorf("Content-Type %q is not multipart/mixed", contentType)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return "", errorf("Content-Type %q has no boundary parameter", contentType)
	}
	return boundary, nil
}

// attachmentPart checks the headers of part number n (counting the
// statements part as 1) against its body and returns it as a Part.
func attachmentPart(n int, h textproto.MIMEHeader, body []byte) (Part, error) {
	for _, enc := range h.Values(encodingHeader) {
		if !strings.EqualFold(strings.TrimSpace(enc), "binary") {
			return Part{}, errorf("part %d has %s %q; attachment parts must be sent as binary", n, encodingHeader, enc)
		}
	}
	hashes := h.Values(hashHeader)
	if len(hashes) != 1 {
		return Part{}, errorf("part %d has %d %s headers; every attachment part needs exactly one", n, len(hashes), hashHeader)
	}
	sum := strings.ToLower(strings.TrimSpace(hashes[0]))
	if err := checkSHA2(sum, body); err != nil {
		return Part{}, errorf("part %d: %s %v", n, hashHeader, err)
	}
	return Part{
		ContentType: strings.TrimSpace(h.Get("Content-Type")),
		SHA2:        sum,
		Body:        body,
	}, nil
}

// checkSHA2 reports whether sum, in lowercase hex, is a SHA-2 digest of body.
func checkSHA2(sum string, body []byte) error {
	want, err := hex.DecodeString(sum)
	if err != nil {
		return fmt.Errorf("%q is not hexadecimal", sum)
	}
	hashes, ok := sha2ByHexLen[len(sum)]
	if !ok {
		return fmt.Errorf("%q has %d hex digits, which is not the length of a SHA-2 digest", sum, len(sum))
	}
	for _, newHash := range hashes {
		h := newHash()
		h.Write(body)
		if bytes.Equal(h.Sum(nil), want) {
			return nil
		}
	}
	return fmt.Errorf("%s does not match the SHA-2 of the part's %d-byte body", sum, len(body))
}

// mediaType returns the lowercase type/subtype of a Content-Type value
// without its parameters, or "" if value is not a media type.
func mediaType(value string) string {
	mt, _, err := mime.ParseMediaType(value)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return ""
	}
	return mt
}

// WriteMixed writes a multipart/mixed response (GET /statements?attachments=true):
// the statements JSON first (Content-Type: application/json), then each part with
// Content-Type, Content-Transfer-Encoding: binary and X-Experience-API-Hash. It returns the
// Content-Type header value to send (multipart/mixed; boundary=...). The suite expects a
// multipart answer for attachments=true even when there are no attachments.
//
// A part whose SHA2 was already written is skipped: the spec asks for one
// copy of an attachment used by several statements. A part without a
// ContentType is sent as application/octet-stream.
//
// The boundary is random hex, so the Content-Type never quotes it. An error
// is either a write error of w or a Part that cannot be written as a header
// (SHA2 that is not hex, or a ContentType with a line break), which is
// reported before anything is written. Neither is the client's fault, so
// neither is an *Error.
func WriteMixed(w io.Writer, statements []byte, parts []Part) (contentType string, err error) {
	for i, p := range parts {
		if _, err := hex.DecodeString(p.SHA2); err != nil || p.SHA2 == "" {
			return "", fmt.Errorf("attach: part %d has SHA2 %q, want hex", i, p.SHA2)
		}
		if strings.ContainsAny(p.ContentType, "\r\n") {
			return "", fmt.Errorf("attach: part %d has a line break in ContentType %q", i, p.ContentType)
		}
	}

	mw := multipart.NewWriter(w)
	sw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	if err != nil {
		return "", fmt.Errorf("attach: writing statements part: %w", err)
	}
	if _, err := sw.Write(statements); err != nil {
		return "", fmt.Errorf("attach: writing statements part: %w", err)
	}

	written := make(map[string]bool, len(parts))
	for i, p := range parts {
		sum := strings.ToLower(p.SHA2)
		if written[sum] {
			continue
		}
		written[sum] = true
		ct := p.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		// The map is written as is, so the keys keep this spelling.
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type": {ct},
			encodingHeader: {"binary"},
			hashHeader:     {sum},
		})
		if err != nil {
			return "", fmt.Errorf("attach: writing part %d: %w", i, err)
		}
		if _, err := pw.Write(p.Body); err != nil {
			return "", fmt.Errorf("attach: writing part %d: %w", i, err)
		}
	}
	if err := mw.Close(); err != nil {
		return "", fmt.Errorf("attach: closing multipart body: %w", err)
	}
	return mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}), nil
}
