package deliver

import (
	"bytes"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"minyan/listserv/mailcompose"
)

// SevenBit returns raw with every 8-bit body made 7-bit: a text part is
// re-encoded quoted-printable, any other part base64, a multipart or
// message/rfc822 part is converted part by part. A relay whose next hop
// lacks 8BITMIME converts 8-bit bodies itself, which changes the bytes a
// DKIM signature covers; converting before signing leaves it nothing to
// change. Header fields (which may hold raw UTF-8 in internationalized
// mail) are kept as they are, apart from the Content-Transfer-Encoding
// of converted parts. A message that is already 7-bit is returned as is.
// Bodies already labelled quoted-printable or base64 are left alone.
func SevenBit(raw []byte) []byte {
	if !hasEightBit(raw) {
		return raw
	}
	return convertEntity(raw, 0)
}

// maxMIMEDepth bounds the recursion into nested multiparts.
const maxMIMEDepth = 20

// convertEntity converts one MIME entity (header, blank line, body).
func convertEntity(ent []byte, depth int) []byte {
	head, body, nl, ok := splitEntity(ent)
	if !ok || !hasEightBit(body) || depth > maxMIMEDepth {
		return ent
	}
	ctype, params, err := mime.ParseMediaType(field(head, "Content-Type"))
	if err != nil {
		ctype, params = "text/plain", nil
	}
	cte := strings.ToLower(strings.TrimSpace(field(head, "Content-Transfer-Encoding")))
	switch cte {
	case "", "7bit", "8bit", "binary":
	default:
		return ent // already encoded; 8-bit bytes there are not ours to fix
	}
	var out []byte
	switch {
	case strings.HasPrefix(ctype, "multipart/") && params["boundary"] != "":
		out = convertMultipart(body, params["boundary"], depth)
	case ctype == "message/rfc822" || ctype == "message/global":
		out = convertEntity(body, depth+1)
	case strings.HasPrefix(ctype, "text/"):
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write(bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n")))
		w.Close()
		h := setCTE(head, nl, "quoted-printable")
		if strings.TrimSpace(field(head, "Content-Type")) == "" {
			// Without a Content-Type the encoded text would decode as
			// US-ASCII (RFC 2045 §5.2): say what the bytes are.
			h = append(h, "Content-Type: text/plain; charset="+eightBitCharset(body)+nl...)
		}
		return join(withMIMEVersion(h, nl, depth), nl, b.Bytes())
	default:
		return join(withMIMEVersion(setCTE(head, nl, "base64"), nl, depth), nl, mailcompose.Base64Lines(body))
	}
	if hasEightBit(out) {
		return join(head, nl, out) // could not convert all of it: keep the label
	}
	return join(withMIMEVersion(setCTE(head, nl, "7bit"), nl, depth), nl, out)
}

// eightBitCharset names the charset of 8-bit text that came without one:
// utf-8 when it is valid UTF-8, else unknown-8bit (RFC 1428), which
// tells readers the bytes are not ASCII without guessing which charset.
func eightBitCharset(text []byte) string {
	if utf8.Valid(text) {
		return "utf-8"
	}
	return "unknown-8bit"
}

// withMIMEVersion adds "MIME-Version: 1.0" to the header of the message
// itself (depth 0) when it lacks one: a Content-Transfer-Encoding the
// conversion wrote means nothing to a reader without it.
func withMIMEVersion(head []byte, nl string, depth int) []byte {
	if depth != 0 || strings.TrimSpace(field(head, "MIME-Version")) != "" {
		return head
	}
	return append(head, "MIME-Version: 1.0"+nl...)
}

// convertMultipart converts each body part between the boundary lines,
// keeping the preamble, the delimiters and the epilogue as they are.
func convertMultipart(body []byte, boundary string, depth int) []byte {
	delim := []byte("--" + boundary)
	var out []byte
	rest := body
	// Everything up to the first delimiter line is the preamble.
	i := delimiterAt(rest, delim)
	if i < 0 {
		return body
	}
	out = append(out, rest[:i]...)
	rest = rest[i:]
	for len(rest) > 0 {
		// rest starts at a delimiter line; copy that line.
		eol := bytes.IndexByte(rest, '\n')
		if eol < 0 {
			return append(out, rest...)
		}
		line := rest[:eol+1]
		out = append(out, line...)
		rest = rest[eol+1:]
		if bytes.HasPrefix(bytes.TrimRight(line, "\r\n"), append(append([]byte{}, delim...), '-', '-')) {
			return append(out, rest...) // the epilogue
		}
		next := delimiterAt(rest, delim)
		if next < 0 {
			return append(out, convertEntity(rest, depth+1)...)
		}
		// The line break before the delimiter belongs to the delimiter.
		part, brk := rest[:next], []byte{}
		if bytes.HasSuffix(part, []byte("\r\n")) {
			part, brk = part[:len(part)-2], []byte("\r\n")
		} else if bytes.HasSuffix(part, []byte("\n")) {
			part, brk = part[:len(part)-1], []byte("\n")
		}
		out = append(out, convertEntity(part, depth+1)...)
		out = append(out, brk...)
		rest = rest[next:]
	}
	return out
}

// delimiterAt is the index of the first line of b that starts with delim.
func delimiterAt(b, delim []byte) int {
	for off := 0; off <= len(b); {
		if bytes.HasPrefix(b[off:], delim) {
			return off
		}
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			return -1
		}
		off += nl + 1
	}
	return -1
}

// splitEntity cuts an entity at its first empty line. nl is the line
// break the header uses.
func splitEntity(ent []byte) (head, body []byte, nl string, ok bool) {
	if i := bytes.Index(ent, []byte("\r\n\r\n")); i >= 0 && (!bytes.Contains(ent, []byte("\n\n")) || i < bytes.Index(ent, []byte("\n\n"))) {
		return ent[:i+2], ent[i+4:], "\r\n", true
	}
	if i := bytes.Index(ent, []byte("\n\n")); i >= 0 {
		return ent[:i+1], ent[i+2:], "\n", true
	}
	if bytes.HasPrefix(ent, []byte("\r\n")) {
		return nil, ent[2:], "\r\n", true
	}
	return nil, nil, "", false
}

// field returns the unfolded value of the first header field name.
func field(head []byte, name string) string {
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		k, v, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), name) {
			continue
		}
		for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
			i++
			v += " " + strings.TrimSpace(lines[i])
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// setCTE drops the header's Content-Transfer-Encoding fields and adds
// one saying enc.
func setCTE(head []byte, nl, enc string) []byte {
	var out []byte
	skip := false
	for _, line := range bytes.SplitAfter(head, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if skip && (line[0] == ' ' || line[0] == '\t') {
			continue
		}
		skip = false
		if k, _, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(strings.TrimSpace(string(k)), "Content-Transfer-Encoding") {
			skip = true
			continue
		}
		out = append(out, line...)
	}
	return append(out, "Content-Transfer-Encoding: "+enc+nl...)
}

func join(head []byte, nl string, body []byte) []byte {
	out := make([]byte, 0, len(head)+len(nl)+len(body))
	out = append(out, head...)
	out = append(out, nl...)
	return append(out, body...)
}
