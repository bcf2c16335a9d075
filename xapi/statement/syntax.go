package statement

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the syntax of xAPI's special strings. The exported checks
// serve the HTTP layer too: query parameters are held to the same rules as
// the statement properties of the same type.

// IsIRI reports whether s is an absolute IRI (RFC 3987): a scheme, a colon
// and a non-empty rest without spaces, control characters or the ASCII
// characters IRIs exclude, with well-formed percent-encodings, brackets
// only in the authority and at most one fragment. xAPI's IRLs (moreInfo,
// homePage, fileUrl) are IRIs too: whether they resolve is not checked.
func IsIRI(s string) bool {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !isScheme(scheme) || rest == "" || !utf8.ValidString(rest) || strings.Count(rest, "#") > 1 {
		return false
	}
	var authority string
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		end := strings.IndexAny(after, "/?#")
		if end < 0 {
			end = len(after)
		}
		authority, rest = after[:end], after[end:]
	}
	return iriChars(authority, true) && iriChars(rest, false)
}

// isScheme reports whether s is a URI scheme: a letter, then letters,
// digits, "+", "-" or ".".
func isScheme(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		b := s[i]
		if !isASCIILetter(b) && !isDigit(b) && b != '+' && b != '-' && b != '.' {
			return false
		}
	}
	return true
}

// excludedFromIRIs are the printable ASCII characters no IRI holds as such.
const excludedFromIRIs = "<>\"{}|\\^`"

// iriChars reports whether every character of part may appear in an IRI;
// brackets only in an authority (IPv6 literals).
func iriChars(part string, authority bool) bool {
	for i, r := range part {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, unicode.IsSpace(r):
			return false
		case strings.ContainsRune(excludedFromIRIs, r):
			return false
		case (r == '[' || r == ']') && !authority:
			return false
		case r == '%' && !(i+2 < len(part) && isHexDigit(part[i+1]) && isHexDigit(part[i+2])):
			return false
		}
	}
	return true
}

// isURI reports whether s is an absolute URI: an IRI of ASCII characters.
func isURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return IsIRI(s)
}

// isMailbox reports whether s is "mailto:" and one email address: a
// non-empty local part, "@" and a non-empty domain, as an IRI.
func isMailbox(s string) bool {
	addr, ok := strings.CutPrefix(s, "mailto:")
	if !ok || strings.ContainsAny(addr, "?#") {
		return false
	}
	local, domain, ok := strings.Cut(addr, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") && IsIRI(s)
}

// IsUUID reports whether s is a UUID in standard string form (8-4-4-4-12
// hexadecimal digits, either case) of the RFC 4122 / RFC 9562 variant and a
// defined version (1 to 8).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHexDigit(s[i]) {
				return false
			}
		}
	}
	version, variant := s[14], s[19]
	return version >= '1' && version <= '8' && strings.IndexByte("89abAB", variant) >= 0
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

// isSHA2 reports whether s is a SHA-224, SHA-256, SHA-384 or SHA-512 hash
// in hexadecimal digits.
func isSHA2(s string) bool {
	switch len(s) {
	case 56, 64, 96, 128:
		return isHex(s, len(s))
	}
	return false
}

// isMediaType reports whether s is an Internet Media Type (type/subtype and
// optional parameters).
func isMediaType(s string) bool {
	t, _, err := mime.ParseMediaType(s)
	return err == nil && strings.Count(t, "/") == 1 && !strings.HasPrefix(t, "/") && !strings.HasSuffix(t, "/")
}

// IsLangTag reports whether s is a well-formed RFC 5646 language tag, such
// as en, en-US, zh-Hant, sr-Latn-RS, cmn or x-private (whether its subtags
// are registered is not checked).
func IsLangTag(s string) bool {
	if irregularTags[strings.ToLower(s)] {
		return true
	}
	subtags := strings.Split(s, "-")
	for _, t := range subtags {
		if len(t) < 1 || len(t) > 8 || !isAlnum(t) {
			return false
		}
	}
	if strings.EqualFold(subtags[0], "x") {
		return privateUse(subtags)
	}
	return langtag(subtags)
}

// irregularTags are the grandfathered tags RFC 5646 lists that do not
// follow its syntax.
var irregularTags = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true,
	"i-enochian": true, "i-hak": true, "i-klingon": true, "i-lux": true,
	"i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true,
	"sgn-ch-de": true,
}

// langtag reports whether subtags (of 1 to 8 letters or digits each) make
// a langtag: language, extlangs, script, region, variants, extensions and a
// private use part, in that order, each optional but the language.
func langtag(subtags []string) bool {
	lang, rest := subtags[0], subtags[1:]
	if len(lang) < 2 || !isAlpha(lang) {
		return false
	}
	if len(lang) <= 3 {
		for n := 0; n < 3 && len(rest) > 0 && len(rest[0]) == 3 && isAlpha(rest[0]); n++ {
			rest = rest[1:] // extlang
		}
	}
	if len(rest) > 0 && len(rest[0]) == 4 && isAlpha(rest[0]) {
		rest = rest[1:] // script
	}
	if len(rest) > 0 && (len(rest[0]) == 2 && isAlpha(rest[0]) || len(rest[0]) == 3 && isDigits(rest[0])) {
		rest = rest[1:] // region
	}
	for len(rest) > 0 && isVariant(rest[0]) {
		rest = rest[1:]
	}
	for len(rest) > 0 && len(rest[0]) == 1 && !strings.EqualFold(rest[0], "x") {
		n := 1 // an extension: a singleton and subtags of 2 to 8 characters
		for n < len(rest) && len(rest[n]) >= 2 {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	return len(rest) == 0 || privateUse(rest)
}

// isVariant reports whether t is a variant subtag: 5 to 8 letters or
// digits, or a digit and 3 letters or digits.
func isVariant(t string) bool {
	return len(t) >= 5 || len(t) == 4 && isDigit(t[0])
}

// privateUse reports whether subtags are "x" and at least one subtag.
func privateUse(subtags []string) bool {
	return len(subtags) >= 2 && strings.EqualFold(subtags[0], "x")
}

// IsDuration reports whether s is an ISO 8601 duration in the format of
// ISO 8601:2004 section 4.4.3.2: P, then years, months and days, then T
// and hours, minutes and seconds (each optional, in that order, at least
// one), or P and weeks alone, such as P4W, PT1H0M0S or P3Y1M29DT4H35M59.14S.
// Only the last number may have a fraction. The alternative format of
// section 4.4.3.3 (P0003-01-29T04:35:59) is not allowed.
func IsDuration(s string) bool {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return false
	}
	if weeks, ok := strings.CutSuffix(rest, "W"); ok {
		return isDecimal(weeks, true)
	}
	date, clock, hasTime := strings.Cut(rest, "T")
	if hasTime && clock == "" {
		return false
	}
	return durationPart(date, "YMD", !hasTime) && durationPart(clock, "HMS", true)
}

// durationPart reports whether s is numbers each followed by one of
// designators, in their order, each at most once. A fraction is allowed on
// the last number only when last says s ends the duration.
func durationPart(s, designators string, last bool) bool {
	for s != "" {
		end := strings.IndexFunc(s, func(r rune) bool { return !isDigitRune(r) && r != '.' && r != ',' })
		if end <= 0 {
			return false
		}
		d := strings.IndexByte(designators, s[end])
		if d < 0 {
			return false
		}
		final := end+1 == len(s)
		if !isDecimal(s[:end], final && last) {
			return false
		}
		designators, s = designators[d+1:], s[end+1:]
	}
	return true
}

// isDecimal reports whether s is digits, optionally followed by a decimal
// sign ("." or ",") and more digits when fraction allows it.
func isDecimal(s string, fraction bool) bool {
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" || !isDigits(whole) {
		return false
	}
	return !hasFrac || fraction && frac != "" && isDigits(frac)
}

func isASCIILetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isDigitRune(r rune) bool { return '0' <= r && r <= '9' }

func isHexDigit(b byte) bool {
	return isDigit(b) || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// isAlpha reports whether s is ASCII letters only.
func isAlpha(s string) bool { return allBytes(s, isASCIILetter) }

// isDigits reports whether s is ASCII digits only.
func isDigits(s string) bool { return allBytes(s, isDigit) }

// isAlnum reports whether s is ASCII letters and digits only.
func isAlnum(s string) bool {
	return allBytes(s, func(b byte) bool { return isASCIILetter(b) || isDigit(b) })
}

// allBytes reports whether every byte of s satisfies ok.
func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
