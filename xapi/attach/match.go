package attach

import (
	"encoding/json"
	"strings"
)

// Declared is what a statement's "attachments" array says about one attachment.
type Declared struct {
	UsageType   string
	ContentType string
	Length      int64
	SHA2        string
	FileURL     string
}

// Declarations returns the attachments a statement declares: its own
// "attachments" and, when its object is a SubStatement, the SubStatement's.
// statement is generic JSON (numbers as json.Number or float64) that has
// already passed statement validation; entries that are not attachment
// objects are skipped.
func Declarations(statement map[string]any) []Declared {
	ds := declaredIn(statement["attachments"])
	if obj, ok := statement["object"].(map[string]any); ok && obj["objectType"] == "SubStatement" {
		ds = append(ds, declaredIn(obj["attachments"])...)
	}
	return ds
}

// declaredIn converts the value of an "attachments" property.
func declaredIn(attachments any) []Declared {
	list, _ := attachments.([]any)
	var ds []Declared
	for _, item := range list {
		a, ok := item.(map[string]any)
		if !ok {
			continue
		}
		usageType, _ := a["usageType"].(string)
		contentType, _ := a["contentType"].(string)
		sha2, _ := a["sha2"].(string)
		fileURL, _ := a["fileUrl"].(string)
		ds = append(ds, Declared{
			UsageType:   usageType,
			ContentType: contentType,
			Length:      jsonInt(a["length"]),
			SHA2:        sha2,
			FileURL:     fileURL,
		})
	}
	return ds
}

// jsonInt returns a JSON number as an int64, or 0 if v is not an integer.
func jsonInt(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return i
	case float64:
		return int64(n)
	}
	return 0
}

// Match checks the parts against what the statements declare, as the spec requires:
// every declared attachment without a fileUrl must have a part with its sha2; every part
// must be declared by some statement.
//
// declared holds the declarations of every statement in the request, since
// one part may serve several statements. Hashes compare case-insensitively.
// When a part has a Content-Type, its media type (parameters aside) must be
// the declared contentType's, because the spec requires a part header and
// the matching attachment property to agree. The declared length is not
// compared with the part: the conformance suite itself sends a part that is
// longer than its declared length (4.1.3 Content Types, XAPI-00127, "should
// succeed when attachment is raw data and request content-type is
// multipart/mixed") and expects it stored.
//
// Every error is an *Error.
func Match(declared []Declared, parts []Part) error {
	byHash := make(map[string][]int, len(parts))
	for i, p := range parts {
		sum := strings.ToLower(p.SHA2)
		byHash[sum] = append(byHash[sum], i)
	}

	used := make([]bool, len(parts))
	for _, d := range declared {
		sum := strings.ToLower(d.SHA2)
		candidates := byHash[sum]
		if len(candidates) == 0 {
			if d.FileURL != "" {
				continue
			}
			return errorf("attachment with sha2 %s has no fileUrl and no multipart part with that %s", d.SHA2, hashHeader)
		}
		found := false
		for _, i := range candidates {
			if parts[i].ContentType == "" || mediaType(parts[i].ContentType) == mediaType(d.ContentType) {
				used[i] = true
				found = true
			}
		}
		if !found {
			return errorf("attachment with sha2 %s declares contentType %q, but its part has Content-Type %q",
				d.SHA2, d.ContentType, parts[candidates[0]].ContentType)
		}
	}

	for i, p := range parts {
		if !used[i] {
			return errorf("multipart part with %s %s is not an attachment of any statement in the request", hashHeader, p.SHA2)
		}
	}
	return nil
}
