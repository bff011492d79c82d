package rewrite

import (
	"mime"
	"strings"
)

// ListIDValue formats a List-Id value (RFC 2919) as `"Title" <name.domain>`,
// so every part of the server spells a list's identity the same way and
// loop detection compares like with like. Quotes and backslashes in the
// title are escaped, a non-ASCII title becomes an RFC 2047 word, line
// breaks are dropped, and an empty title gives just `<name.domain>`. The
// id is lowercased: RFC 2919 ids compare case-insensitively.
func ListIDValue(title, name, domain string) string {
	id := "<" + strings.ToLower(oneLine(name)+"."+oneLine(domain)) + ">"
	title = oneLine(title)
	if title == "" {
		return id
	}
	if !isASCII(title) {
		// B encoding: a Q-encoded phrase may not carry '<', '"' or '('
		// (RFC 2047 §5(3)), and "Café <Paris>" would show a second id.
		if strings.ContainsAny(title, `<>"()\`) {
			return mime.BEncoding.Encode("utf-8", title) + " " + id
		}
		return mime.QEncoding.Encode("utf-8", title) + " " + id
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(title) + `" ` + id
}
