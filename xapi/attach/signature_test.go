package attach

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"maps"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// signer is an RSA key with a self-signed certificate for it.
type signer struct {
	key  *rsa.PrivateKey
	cert []byte // DER
}

// testSigners returns two signers, made once per test binary.
var testSigners = sync.OnceValue(func() [2]signer {
	var s [2]signer
	for i := range s {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		s[i] = signer{key: key, cert: selfSigned(key, &key.PublicKey)}
	}
	return s
})

// selfSigned returns a DER certificate for pub signed by priv.
func selfSigned(priv crypto.Signer, pub any) []byte {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "xAPI test signer"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		panic(err)
	}
	return der
}

var testHashes = map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signJWS returns a compact JWS of payload with alg, the given extra header
// parameters and key. HS256 uses a fixed secret, none has no signature, and
// other unknown algorithms get a dummy one.
func signJWS(alg string, extra map[string]any, payload []byte, key *rsa.PrivateKey) string {
	header := map[string]any{"alg": alg}
	maps.Copy(header, extra)
	h, err := json.Marshal(header)
	if err != nil {
		panic(err)
	}
	input := b64(h) + "." + b64(payload)
	var sig []byte
	switch alg {
	case "HS256":
		mac := hmac.New(sha256.New, []byte("secret"))
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	case "none":
	default:
		hash, ok := testHashes[alg]
		if !ok {
			sig = []byte("signature of an unknown algorithm")
			break
		}
		d := hash.New()
		d.Write([]byte(input))
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key, hash, d.Sum(nil)); err != nil {
			panic(err)
		}
	}
	return input + "." + b64(sig)
}

// x5c is the x5c header parameter of a certificate chain.
func x5c(certs ...[]byte) map[string]any {
	chain := make([]any, len(certs))
	for i, c := range certs {
		chain[i] = base64.StdEncoding.EncodeToString(c)
	}
	return map[string]any{"x5c": chain}
}

// The statement of the suite's signed-statement tests, before signing.
const unsignedStatement = `{"actor":{"objectType":"Agent","name":"xAPI mbox","mbox":"mailto:xapi@adlnet.gov"},` +
	`"verb":{"id":"http://adlnet.gov/expapi/verbs/attended","display":{"en-GB":"attended","en-US":"attended"}},` +
	`"object":{"objectType":"Activity","id":"http://www.example.com/meetings/occurances/34534"},` +
	`"id":"2e2f1ad7-8d10-4c73-ae6e-2842729e25ce"}`

// signedStatement is statementJSON as received: with a signature attachment
// declaring jws appended to its attachments.
func signedStatement(t testing.TB, statementJSON, jws string) map[string]any {
	t.Helper()
	stmt := mustObject(t, statementJSON)
	list, _ := stmt["attachments"].([]any)
	stmt["attachments"] = append(list, map[string]any{
		"usageType":   SignatureUsageType,
		"display":     map[string]any{"en-US": "Signed by the Test Suite"},
		"contentType": "application/octet-stream",
		"length":      json.Number("42"),
		"sha2":        sha256Hex(jws),
	})
	return stmt
}

func TestVerifySignature(t *testing.T) {
	signers := testSigners()
	key, other := signers[0].key, signers[1].key
	cert, otherCert := signers[0].cert, signers[1].cert
	payload := []byte(unsignedStatement)
	good := signJWS("RS256", x5c(cert), payload, key)
	segments := strings.Split(good, ".")
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecCert := selfSigned(ecKey, &ecKey.PublicKey)

	tests := []struct {
		name      string
		jws       string
		statement string // unsignedStatement if empty
		wantErr   string
	}{
		{name: "RS256", jws: signJWS("RS256", nil, payload, key)},
		{name: "RS384", jws: signJWS("RS384", nil, payload, key)},
		{name: "RS512", jws: signJWS("RS512", nil, payload, key)},
		{name: "RS256 with x5c", jws: good},
		{name: "RS384 with x5c", jws: signJWS("RS384", x5c(cert), payload, key)},
		{name: "RS512 with an x5c chain", jws: signJWS("RS512", x5c(cert, otherCert), payload, key)},
		{name: "typ and kid are ignored", jws: signJWS("RS256", map[string]any{"typ": "JWT", "kid": "k1"}, payload, key)},
		{name: "surrounding whitespace", jws: "\r\n" + good + "\r\n"},

		// E.Data2.6 XAPI-00117: only RS256, RS384 and RS512.
		{name: "HS256", jws: signJWS("HS256", nil, payload, nil), wantErr: `JWS alg "HS256" is not allowed`},
		{name: "none", jws: signJWS("none", nil, payload, nil), wantErr: `JWS alg "none" is not allowed`},
		{name: "lowercase rs256", jws: signJWS("rs256", nil, payload, nil), wantErr: `JWS alg "rs256" is not allowed`},
		{name: "no alg", jws: b64([]byte(`{"typ":"JWT"}`)) + "." + segments[1] + "." + segments[2], wantErr: "JWS header has no alg"},
		{name: "alg not a string", jws: b64([]byte(`{"alg":256}`)) + "." + segments[1] + "." + segments[2], wantErr: "JWS header has no alg"},
		{name: "critical extension", jws: signJWS("RS256", map[string]any{"crit": []string{"exp"}, "exp": 1}, payload, key), wantErr: "critical extensions"},

		// E.Data2.6 XAPI-00115: a malformed JWS.
		{name: "two segments", jws: segments[0] + "." + segments[1], wantErr: "has 2 dot-separated segments, want 3"},
		{name: "JWE-like five segments", jws: good + ".a.b", wantErr: "has 5 dot-separated segments"},
		{name: "JWS JSON serialization", jws: `{"payload":"` + segments[1] + `","signatures":[]}`, wantErr: "not a JWS compact serialization"},
		{name: "bad base64 header", jws: "*" + good, wantErr: "JWS header is not base64url"},
		{name: "bad base64 payload", jws: segments[0] + ".e30=." + segments[2], wantErr: "JWS payload is not base64url"},
		{name: "standard base64 signature", jws: segments[0] + "." + segments[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(segments[2]) + "+/", wantErr: "JWS signature is not base64url"},
		{name: "header not JSON", jws: b64([]byte("alg=RS256")) + "." + segments[1] + "." + segments[2], wantErr: "JWS header is not a JSON object"},
		{name: "header a JSON array", jws: b64([]byte(`["RS256"]`)) + "." + segments[1] + "." + segments[2], wantErr: "got a JSON array"},
		{name: "empty signature", jws: segments[0] + "." + segments[1] + ".", wantErr: "JWS has an empty signature"},

		// E.Data2.6 XAPI-00116: the payload must be the statement.
		{
			name:    "payload not JSON (signStatement breakJson)",
			jws:     signJWS("RS256", nil, []byte(strings.Replace(unsignedStatement, `"`, "'", 1)), key),
			wantErr: "JWS payload is not a JSON serialization of a statement",
		},
		{name: "payload a JSON string", jws: signJWS("RS256", nil, []byte(`"statement"`), key), wantErr: "got a JSON string"},
		{name: "payload a JSON array", jws: signJWS("RS256", nil, []byte("["+unsignedStatement+"]"), key), wantErr: "got a JSON array"},
		{name: "payload with trailing data", jws: signJWS("RS256", nil, []byte(unsignedStatement+"{}"), key), wantErr: "data after the JSON value"},
		{
			name:    "payload of a different statement",
			jws:     signJWS("RS256", x5c(cert), []byte(strings.Replace(unsignedStatement, "attended", "attempted", 1)), key),
			wantErr: "they differ at statement.verb.id",
		},
		{
			name:      "statement changed after signing",
			jws:       good,
			statement: strings.Replace(unsignedStatement, "xAPI mbox", "someone else", 1),
			wantErr:   "they differ at statement.actor.name",
		},
		{
			name:      "payload without id",
			jws:       signJWS("RS256", x5c(cert), []byte(strings.Replace(unsignedStatement, `,"id":"2e2f1ad7-8d10-4c73-ae6e-2842729e25ce"`, "", 1)), key),
			statement: unsignedStatement,
		},
		{
			name:      "statement without the payload's id",
			jws:       good,
			statement: strings.Replace(unsignedStatement, `,"id":"2e2f1ad7-8d10-4c73-ae6e-2842729e25ce"`, "", 1),
			wantErr:   "they differ at statement.id",
		},

		// x5c: the signature must verify with the first certificate's key.
		{
			name:    "tampered payload",
			jws:     segments[0] + "." + b64([]byte(strings.Replace(unsignedStatement, "attended", "attempted", 1))) + "." + segments[2],
			wantErr: "JWS signature does not verify with the key of its x5c certificate",
		},
		{
			name:    "tampered signature",
			jws:     segments[0] + "." + segments[1] + "." + b64([]byte("not the signature")),
			wantErr: "JWS signature does not verify",
		},
		{name: "x5c of another key", jws: signJWS("RS256", x5c(otherCert), payload, key), wantErr: "JWS signature does not verify"},
		{name: "x5c whose second certificate is the signer's", jws: signJWS("RS256", x5c(otherCert, cert), payload, key), wantErr: "JWS signature does not verify"},
		{name: "x5c with an ECDSA key", jws: signJWS("RS256", x5c(ecCert), payload, key), wantErr: "*ecdsa.PublicKey key"},
		{name: "x5c empty", jws: signJWS("RS256", map[string]any{"x5c": []any{}}, payload, key), wantErr: "x5c must be a non-empty array"},
		{name: "x5c a string", jws: signJWS("RS256", map[string]any{"x5c": "MIIB"}, payload, key), wantErr: "x5c must be a non-empty array"},
		{name: "x5c entry a number", jws: signJWS("RS256", map[string]any{"x5c": []any{1}}, payload, key), wantErr: "x5c entry 0 is not a string"},
		{name: "x5c entry base64url", jws: signJWS("RS256", map[string]any{"x5c": []any{"-_-_"}}, payload, key), wantErr: "x5c entry 0 is not base64"},
		{name: "x5c entry not a certificate", jws: signJWS("RS256", map[string]any{"x5c": []any{"AAAA"}}, payload, key), wantErr: "x5c entry 0 is not an X.509 certificate"},
		{name: "x5c chain with garbage", jws: signJWS("RS256", map[string]any{"x5c": []any{base64.StdEncoding.EncodeToString(cert), "AAAA"}}, payload, key), wantErr: "x5c entry 1 is not an X.509 certificate"},
		{name: "signed by a key other than the x5c's", jws: signJWS("RS384", x5c(cert), payload, other), wantErr: "JWS signature does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			statement := tt.statement
			if statement == "" {
				statement = unsignedStatement
			}
			checkErr(t, VerifySignature(signedStatement(t, statement, tt.jws), []byte(tt.jws)), tt.wantErr)
		})
	}
}

func TestVerifySigned(t *testing.T) {
	key := testSigners()[0].key
	jws := signJWS("RS256", nil, []byte(unsignedStatement), key)
	sigPart := Part{ContentType: "application/octet-stream", SHA2: sha256Hex(jws), Body: []byte(jws)}
	withSignature := func(contentType string) map[string]any {
		stmt := signedStatement(t, unsignedStatement, jws)
		stmt["attachments"].([]any)[0].(map[string]any)["contentType"] = contentType
		return stmt
	}

	tests := []struct {
		name      string
		statement map[string]any
		parts     []Part
		wantErr   string
	}{
		{name: "signed", statement: withSignature("application/octet-stream"), parts: []Part{sigPart}},
		{name: "not signed", statement: mustObject(t, unsignedStatement)},
		{
			name:      "not signed, with other attachments",
			statement: mustObject(t, statementWith(attachmentJSON("text/plain", text1, ""))),
			parts:     []Part{{ContentType: "text/plain", SHA2: sha256Hex(text1), Body: []byte(text1)}},
		},
		{
			name:      "part hash in uppercase",
			statement: withSignature("application/octet-stream"),
			parts:     []Part{{ContentType: "application/octet-stream", SHA2: strings.ToUpper(sigPart.SHA2), Body: sigPart.Body}},
		},
		{
			name:      "signature contentType text/plain (XAPI-00115, bad content type)",
			statement: withSignature("text/plain; charset=ascii"),
			parts:     []Part{{ContentType: "text/plain; charset=ascii", SHA2: sigPart.SHA2, Body: sigPart.Body}},
			wantErr:   `signature attachment has contentType "text/plain; charset=ascii"`,
		},
		{
			name:      "signature without its part (XAPI-00115)",
			statement: withSignature("application/octet-stream"),
			wantErr:   "is not attached",
		},
		{
			name:      "signature part with another Content-Type",
			statement: withSignature("application/octet-stream"),
			parts:     []Part{{ContentType: "application/jose", SHA2: sigPart.SHA2, Body: sigPart.Body}},
			wantErr:   `signature part has Content-Type "application/jose"`,
		},
		{
			name:      "signature of another statement",
			statement: withSignature("application/octet-stream"),
			parts: func() []Part {
				other := signJWS("RS256", nil, []byte(strings.Replace(unsignedStatement, "2e2f1ad7", "3e2f1ad7", 1)), key)
				return []Part{{ContentType: "application/octet-stream", SHA2: sigPart.SHA2, Body: []byte(other)}}
			}(),
			wantErr: "they differ at statement.id",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, VerifySigned(tt.statement, tt.parts), tt.wantErr)
		})
	}
}
