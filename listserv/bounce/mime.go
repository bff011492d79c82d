package bounce

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"regexp"
	"strings"
)

// entity is a leniently parsed MIME entity. Bounces are written by every
// kind of software, some of it broken, so nothing here fails: a header
// line without a colon is skipped, a multipart without its closing
// boundary ends where the data ends.
type entity struct {
	header map[string][]string // lowercase names
	// mediaType is the lowercased Content-Type without parameters
	// (text/plain when absent).
	mediaType string
	params    map[string]string
	body      []byte // raw, not decoded
	parts     []*entity
}

// Limits against hostile input.
const (
	maxDepth = 6
	maxParts = 64
)

func (e *entity) get(name string) string {
	if v := e.header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseEntity splits raw into header and body and, for multipart
// entities, into parts.
func parseEntity(raw []byte, depth int) *entity {
	head, body := splitHeader(raw)
	e := &entity{header: parseHeader(head), body: body, mediaType: "text/plain"}
	if ct := e.get("content-type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			// Lenient: take the type and a boundary if they can be seen.
			mt, _, _ = strings.Cut(ct, ";")
			params = map[string]string{}
			if m := boundaryRE.FindStringSubmatch(ct); m != nil {
				params["boundary"] = m[1]
			}
		}
		e.mediaType = strings.ToLower(strings.TrimSpace(mt))
		e.params = params
	}
	if strings.HasPrefix(e.mediaType, "multipart/") && depth < maxDepth {
		if b := e.params["boundary"]; b != "" {
			for _, p := range splitParts(body, b) {
				e.parts = append(e.parts, parseEntity(p, depth+1))
			}
		}
	}
	return e
}

var boundaryRE = regexp.MustCompile(`(?i)boundary\s*=\s*"?([^";\s]+)"?`)

// splitHeader cuts at the first empty line (CRLF or LF). A message
// without one is all header; one starting with an empty line is all body.
func splitHeader(raw []byte) (head, body []byte) {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw, nil
		}
		line := raw[i : i+j]
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return raw[:i], raw[i+j+1:]
		}
		i += j + 1
	}
	return raw, nil
}

// parseHeader reads header fields, unfolding continuation lines.
func parseHeader(head []byte) map[string][]string {
	h := map[string][]string{}
	var name string
	var val strings.Builder
	flush := func() {
		if name != "" {
			h[name] = append(h[name], strings.TrimSpace(val.String()))
		}
		name = ""
		val.Reset()
	}
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" {
				val.WriteByte(' ')
				val.WriteString(strings.TrimSpace(line))
			}
			continue
		}
		flush()
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(k, " \t") {
			continue
		}
		name = strings.ToLower(k)
		val.WriteString(v)
	}
	flush()
	return h
}

// splitParts returns the bodies between boundary delimiter lines.
func splitParts(body []byte, boundary string) [][]byte {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for i := 0; i <= len(body); {
		end := bytes.IndexByte(body[i:], '\n')
		next := len(body) + 1
		lineEnd := len(body)
		if end >= 0 {
			lineEnd = i + end
			next = lineEnd + 1
		}
		line := bytes.TrimRight(body[i:lineEnd], " \t\r")
		if bytes.HasPrefix(line, delim) {
			rest := line[len(delim):]
			if len(rest) == 0 || bytes.Equal(rest, []byte("--")) {
				if start >= 0 {
					parts = append(parts, trimEOL(body[start:i]))
					if len(parts) >= maxParts {
						return parts
					}
				}
				if len(rest) > 0 {
					return parts // closing delimiter
				}
				start = next
				if start > len(body) {
					start = len(body)
				}
			}
		}
		i = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// trimEOL drops the line break that belongs to the next delimiter.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// decoded returns the body with its Content-Transfer-Encoding undone;
// what cannot be decoded is returned as it is.
func (e *entity) decoded() []byte {
	switch strings.ToLower(strings.TrimSpace(e.get("content-transfer-encoding"))) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, e.body)
		clean = bytes.TrimRight(clean, "=")
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(e.body)))
		if err != nil && len(out) == 0 {
			return e.body
		}
		return out
	}
	return e.body
}

// walk gathers, from outside any returned message, the delivery-status
// bodies and the human-readable text.
type walk struct {
	dsn   [][]byte
	texts []string
	html  []string
}

func (w *walk) collect(e *entity, depth int) {
	switch {
	case e.mediaType == "message/delivery-status" || e.mediaType == "message/global-delivery-status":
		w.dsn = append(w.dsn, e.decoded())
	case strings.HasPrefix(e.mediaType, "multipart/"):
		for _, p := range e.parts {
			w.collect(p, depth+1)
		}
	case e.mediaType == "message/rfc822" || e.mediaType == "message/global" ||
		e.mediaType == "text/rfc822-headers" || e.mediaType == "message/global-headers":
		// The returned original: its words are not the bounce's.
	case e.mediaType == "text/plain":
		w.texts = append(w.texts, string(e.decoded()))
	case e.mediaType == "text/html":
		w.html = append(w.html, string(e.decoded()))
	}
}

// text is the explanation: the plain-text parts, or the HTML ones with
// tags removed when there is no plain text, up to the start of the
// returned original when it is inline.
func (w *walk) text() string {
	t := strings.Join(w.texts, "\n")
	if strings.TrimSpace(t) == "" && len(w.html) > 0 {
		t = stripTags(strings.Join(w.html, "\n"))
	}
	t = strings.ReplaceAll(t, "\r\n", "\n")
	if loc := originalRE.FindStringIndex(t); loc != nil {
		t = t[:loc[0]]
	}
	return t
}

// originalRE finds where a text bounce starts quoting the original.
var originalRE = regexp.MustCompile(`(?im)^[ \t]*(-{2,}[ \t]*(below this line is a copy|this is a copy of the message|original message|the original message|original mail|returned message|undelivered message|message headers follow)|original message follows|return-path:[ \t]*<|received:[ \t]+from[ \t])`)

var tagRE = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)

func stripTags(s string) string {
	s = tagRE.ReplaceAllString(s, "\n")
	r := strings.NewReplacer("&nbsp;", " ", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", `"`, "&#39;", "'")
	return r.Replace(s)
}

// decodeHeader decodes RFC 2047 words, keeping the raw text on error.
func decodeHeader(s string) string {
	d, err := (&mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil }}).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
