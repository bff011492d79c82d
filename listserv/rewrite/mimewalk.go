package rewrite

import (
	"bufio"
	"bytes"
	"mime"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// mimeWalker checks the MIME structure against the limits without decoding
// any body: it only follows boundaries and encapsulated messages.
type mimeWalker struct {
	lim   Limits
	parts int
}

// walk visits the entity with header h and raw body at the given depth
// (the top-level message is depth 0).
func (w *mimeWalker) walk(h textproto.Header, body []byte, depth int) *Problem {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil && mt == "" {
		return nil // treated as an opaque leaf, as readers will
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		// A multipart without parts has nothing to show: pages showed an
		// empty post and IMAP has no way to describe it (RFC 3501 asks for
		// at least one part), so it is refused rather than archived.
		boundary := params["boundary"]
		if boundary == "" {
			return unusable("the message is %s but has no parts (its Content-Type names no boundary); send it again from your mail program", mt)
		}
		if depth+1 > w.lim.MaxMIMEDepth {
			return w.tooDeep()
		}
		parts := splitMultipart(body, boundary).parts
		if len(parts) == 0 {
			return unusable("the message is %s but has no parts; send it again from your mail program", mt)
		}
		for _, p := range parts {
			if prob := w.count(); prob != nil {
				return prob
			}
			ph, pbody, ok := splitEntity(p)
			if !ok {
				continue
			}
			if prob := w.walk(ph, pbody, depth+1); prob != nil {
				return prob
			}
		}
	case mt == "message/rfc822" || mt == "message/global":
		if !identityEncoding(h.Get("Content-Transfer-Encoding")) {
			return nil
		}
		if depth+1 > w.lim.MaxMIMEDepth {
			return w.tooDeep()
		}
		if prob := w.count(); prob != nil {
			return prob
		}
		if ih, ibody, ok := splitEntity(body); ok {
			return w.walk(ih, ibody, depth+1)
		}
	}
	return nil
}

func (w *mimeWalker) count() *Problem {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return tooBig("the message has more than %d MIME parts; send fewer attachments", w.lim.MaxParts)
	}
	return nil
}

func (w *mimeWalker) tooDeep() *Problem {
	return unusable("the MIME structure is nested more than %d levels deep; send a simpler message", w.lim.MaxMIMEDepth)
}

// identityEncoding reports whether a Content-Transfer-Encoding leaves the
// bytes as they are (so an encapsulated message can be read in place).
func identityEncoding(cte string) bool {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		return true
	}
	return false
}

// splitEntity splits a MIME entity into its parsed header and raw body.
// ok is false when the header does not parse; callers treat such a part as
// opaque rather than refusing real-world mail over a sloppy part header.
func splitEntity(b []byte) (h textproto.Header, body []byte, ok bool) {
	end, start := headerBounds(b)
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b[:end])))
	if err != nil {
		return textproto.Header{}, nil, false
	}
	return h, b[start:], true
}

// headerBounds finds the blank line ending the header of an entity: end is
// where the blank line starts, start where the body starts. Without a blank
// line the whole entity is header.
func headerBounds(b []byte) (end, start int) {
	for pos := 0; pos < len(b); {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			break
		}
		line := b[pos : pos+nl]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return pos, pos + nl + 1
		}
		pos += nl + 1
	}
	return len(b), len(b)
}

// multipartLayout is a multipart body cut at its delimiter lines.
type multipartLayout struct {
	// parts are the raw body parts (header and body), each without the
	// line break that belongs to the following delimiter.
	parts [][]byte
	// closeAt is the offset of the line break before the close delimiter
	// (or of the close delimiter itself if it starts the body), -1 when
	// the close delimiter is missing.
	closeAt int
}

// splitMultipart cuts body at the delimiter lines of boundary (RFC 2046
// §5.1.1): "--boundary" or "--boundary--", optionally followed by spaces
// and tabs, each on a line of its own; the line break before a delimiter
// belongs to the delimiter.
func splitMultipart(body []byte, boundary string) multipartLayout {
	lay := multipartLayout{closeAt: -1}
	dash := "--" + boundary
	inPart := false
	partStart := 0
	for pos := 0; pos < len(body); {
		end, next := len(body), len(body)
		if nl := bytes.IndexByte(body[pos:], '\n'); nl >= 0 {
			end, next = pos+nl, pos+nl+1
		}
		line := bytes.TrimRight(body[pos:end], "\r")
		if bytes.HasPrefix(line, []byte(dash)) {
			rest := line[len(dash):]
			isClose := bytes.HasPrefix(rest, []byte("--"))
			if isClose {
				rest = rest[2:]
			}
			if len(bytes.Trim(rest, " \t")) == 0 {
				brk := lineBreakBefore(body, pos)
				if inPart {
					lay.parts = append(lay.parts, body[partStart:max(brk, partStart)])
				}
				if isClose {
					lay.closeAt = brk
					return lay
				}
				inPart, partStart = true, next
			}
		}
		pos = next
	}
	if inPart {
		lay.parts = append(lay.parts, body[partStart:])
	}
	return lay
}

// lineBreakBefore returns the offset of the CRLF or LF that ends the line
// before pos (pos itself when pos starts the body).
func lineBreakBefore(b []byte, pos int) int {
	if pos == 0 {
		return 0
	}
	if pos >= 2 && b[pos-2] == '\r' {
		return pos - 2
	}
	return pos - 1
}
