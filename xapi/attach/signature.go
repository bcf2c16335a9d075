package attach

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// SignatureUsageType is http://adlnet.gov/expapi/attachments/signature.
const SignatureUsageType = "http://adlnet.gov/expapi/attachments/signature"

// signatureContentType is the contentType the spec requires of a signature attachment.
const signatureContentType = "application/octet-stream"

// jwsAlgorithms maps the JWS algorithms a statement signature may use
// (RSASSA-PKCS1-v1_5, RFC 7518 section 3.3) to their hash.
var jwsAlgorithms = map[string]crypto.Hash{
	"RS256": crypto.SHA256,
	"RS384": crypto.SHA384,
	"RS512": crypto.SHA512,
}

// b64url decodes the segments of a compact JWS: base64url without padding
// (RFC 7515 section 2).
var b64url = base64.RawURLEncoding.Strict()

// VerifySigned checks every signature attachment of a statement: its declared
// contentType must be application/octet-stream, it must come with a part
// (a fileUrl alone does not attach a signature), that part's Content-Type, if
// any, must be application/octet-stream too, and its body must pass
// [VerifySignature]. A statement without a signature attachment passes.
//
// Only the statement's own attachments are looked at: a SubStatement is not
// signed separately. Every error is an *Error.
func VerifySigned(statement map[string]any, parts []Part) error {
	for _, d := range declaredIn(statement["attachments"]) {
		if d.UsageType != SignatureUsageType {
			continue
		}
		if mediaType(d.ContentType) != signatureContentType {
			return errorf("signature attachment has contentType %q; a statement signature must be %s", d.ContentType, signatureContentType)
		}
		part, ok := partWithHash(parts, d.SHA2)
		if !ok {
			return errorf("signature attachment with sha2 %s is not attached: a signed statement must carry its JWS as a multipart part", d.SHA2)
		}
		if part.ContentType != "" && mediaType(part.ContentType) != signatureContentType {
			return errorf("signature part has Content-Type %q; a statement signature must be %s", part.ContentType, signatureContentType)
		}
		if err := VerifySignature(statement, part.Body); err != nil {
			return err
		}
	}
	return nil
}

// partWithHash returns the first part whose SHA2 is sum, ignoring case.
func partWithHash(parts []Part, sum string) (Part, bool) {
	for _, p := range parts {
		if strings.EqualFold(p.SHA2, sum) {
			return p, true
		}
	}
	return Part{}, false
}

// VerifySignature checks a signed statement: statement is the statement as received
// (generic JSON: map[string]any with json.Number numbers), jws is the body of the attachment
// part whose usageType is the signature usage type (contentType application/octet-stream,
// compact JWS). It rejects, with an *Error naming why:
//
//   - a JWS that is not a compact serialization of three base64url
//     segments, with a JSON object header and a non-empty signature
//     (JWS JSON serialization is discouraged in 1.0.3 and not allowed in 2.0.0);
//   - a header whose alg is not RS256, RS384 or RS512, or that lists
//     critical extensions ("crit"), none of which are understood here;
//   - a payload that is not a JSON object, or that is not logically
//     equivalent to statement (see below);
//   - an x5c header that is not a chain of base64 DER certificates, whose
//     first certificate has no RSA key, or with whose key the signature
//     does not verify. Without x5c there is no key to check the signature
//     against, and the spec asks for none.
//
// The payload is "the complete Statement before the signature was added".
// It is compared with statement under the Statement comparison requirements
// (1.0.3 Data 2.3.1; 2.0.0 Statement immutability), ignoring what an LRS or
// the signing itself may add or change:
//
//   - authority, stored and version, on either side;
//   - id and timestamp when the payload has none (the statement may get
//     them after signing); when the payload has them they must match;
//   - signature attachments on either side, dropping "attachments" when
//     nothing else is left in it;
//   - JSON serialization: property order, number spelling (1 and 1.0),
//     the case of UUIDs and sha2 hex, the case of an mbox's domain,
//     the offset of a timestamp, and the order of a Group's members
//     (of groups of up to 1000).
func VerifySignature(statement map[string]any, jws []byte) error {
	token, err := parseCompactJWS(jws)
	if err != nil {
		return err
	}
	if err := token.verifyX5C(); err != nil {
		return err
	}
	if where := payloadMismatch(statement, token.payload); where != "" {
		return errorf("JWS payload is not the signed statement: they differ at %s", where)
	}
	return nil
}

// compactJWS is a decoded JWS compact serialization (RFC 7515 section 7.1).
type compactJWS struct {
	signingInput []byte // BASE64URL(header) '.' BASE64URL(payload), as received
	hash         crypto.Hash
	x5c          []string // base64 DER certificates, or nil
	payload      map[string]any
	signature    []byte
}

// parseCompactJWS decodes and checks everything of a JWS but its signature.
func parseCompactJWS(jws []byte) (*compactJWS, error) {
	jws = bytes.TrimSpace(jws)
	segments := bytes.Split(jws, []byte("."))
	if len(segments) != 3 {
		return nil, errorf("signature is not a JWS compact serialization: it has %d dot-separated segments, want 3", len(segments))
	}
	decoded := make([][]byte, 3)
	for i, name := range []string{"header", "payload", "signature"} {
		var err error
		if decoded[i], err = b64url.DecodeString(string(segments[i])); err != nil {
			return nil, errorf("JWS %s is not base64url: %v", name, err)
		}
	}

	header, err := decodeObject(decoded[0])
	if err != nil {
		return nil, errorf("JWS header is not a JSON object: %v", err)
	}
	alg, ok := header["alg"].(string)
	if !ok {
		return nil, errorf("JWS header has no alg string")
	}
	hash, ok := jwsAlgorithms[alg]
	if !ok {
		return nil, errorf("JWS alg %q is not allowed; a statement signature must use RS256, RS384 or RS512", alg)
	}
	if crit, ok := header["crit"]; ok {
		return nil, errorf("JWS header lists critical extensions %v, which this LRS does not understand", crit)
	}
	x5c, err := certificateChain(header)
	if err != nil {
		return nil, err
	}

	payload, err := decodeObject(decoded[1])
	if err != nil {
		return nil, errorf("JWS payload is not a JSON serialization of a statement: %v", err)
	}
	if len(decoded[2]) == 0 {
		return nil, errorf("JWS has an empty signature")
	}
	return &compactJWS{
		signingInput: jws[:len(segments[0])+1+len(segments[1])],
		hash:         hash,
		x5c:          x5c,
		payload:      payload,
		signature:    decoded[2],
	}, nil
}

// certificateChain returns the header's x5c, a non-empty array of strings,
// or nil if there is no x5c.
func certificateChain(header map[string]any) ([]string, error) {
	v, ok := header["x5c"]
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, errorf("JWS x5c must be a non-empty array of certificates")
	}
	chain := make([]string, len(list))
	for i, c := range list {
		if chain[i], ok = c.(string); !ok {
			return nil, errorf("JWS x5c entry %d is not a string", i)
		}
	}
	return chain, nil
}

// verifyX5C checks the signature with the key of the first x5c certificate.
// The chain itself is not validated: the spec means this check to catch
// mistakes, and leaves trusting a signer to the application.
func (t *compactJWS) verifyX5C() error {
	if t.x5c == nil {
		return nil
	}
	certs := make([]*x509.Certificate, len(t.x5c))
	for i, enc := range t.x5c {
		// x5c holds standard base64 with padding, unlike the rest of a JWS
		// (RFC 7515 section 4.1.6).
		der, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return errorf("JWS x5c entry %d is not base64: %v", i, err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return errorf("JWS x5c entry %d is not an X.509 certificate: %v", i, err)
		}
	}
	key, ok := certs[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		return errorf("JWS x5c certificate has a %T key; RS256, RS384 and RS512 need an RSA key", certs[0].PublicKey)
	}
	h := t.hash.New()
	h.Write(t.signingInput)
	if err := rsa.VerifyPKCS1v15(key, t.hash, h.Sum(nil), t.signature); err != nil {
		return errorf("JWS signature does not verify with the key of its x5c certificate (%s): %v", certs[0].Subject, err)
	}
	return nil
}

// decodeObject decodes data, which must be exactly one JSON object, keeping
// numbers as json.Number.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("got a JSON %s", jsonKind(v))
	}
	return obj, nil
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}
