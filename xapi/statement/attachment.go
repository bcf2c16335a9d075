package statement

import "mime"

// SignatureUsageType is the usageType of the Attachment holding the JWS
// signature of a signed statement.
const SignatureUsageType = "http://adlnet.gov/expapi/attachments/signature"

var attachmentProperties = []string{
	"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl",
}

// attachments checks the array of a statement's Attachments.
func (c *checker) attachments(v any, p jsonPath) {
	list, ok := c.array(v, p)
	for i := 0; ok && i < len(list); i++ {
		c.attachment(list[i], p.index(i))
		ok = !c.failed()
	}
}

// attachment checks the description of one Attachment (its data, if sent,
// is the caller's to match against sha2 and length).
func (c *checker) attachment(v any, p jsonPath) {
	a := c.properties(v, p, "an Attachment", attachmentProperties)
	if c.failed() || !c.require(a, p, "usageType", "display", "contentType", "length", "sha2") {
		return
	}
	c.iri(a["usageType"], p.key("usageType"))
	c.languageMap(a["display"], p.key("display"))
	c.optional(a, p, "description", c.languageMap)
	c.mediaType(a["contentType"], p.key("contentType"))
	c.count(a["length"], p.key("length"))
	c.sha2(a["sha2"], p.key("sha2"))
	c.optional(a, p, "fileUrl", c.iri)
	if c.failed() || a["usageType"] != SignatureUsageType {
		return
	}
	contentType, _ := a["contentType"].(string)
	if t, _, _ := mime.ParseMediaType(contentType); t != "application/octet-stream" {
		c.fail(p.key("contentType"), "must be application/octet-stream: the attachment is a signature (usageType %s)", SignatureUsageType)
	}
}

// mediaType checks an Internet Media Type such as text/plain; charset=utf-8.
func (c *checker) mediaType(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !isMediaType(s) {
		c.fail(p, "must be an Internet Media Type such as text/plain, not %q", s)
	}
}

// sha2 checks the hex SHA-2 (224, 256, 384 or 512 bits) of attachment data.
func (c *checker) sha2(v any, p jsonPath) {
	if s, ok := c.str(v, p); ok && !isSHA2(s) {
		c.fail(p, "must be the SHA-2 of the attachment data in hexadecimal digits, not %q", s)
	}
}
