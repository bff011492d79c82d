package rewrite

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// WithFooter returns a post as Rewrite wrote it (CRLF, the list's fields
// in place) with footer added as AddFooter adds it. The archive keeps the
// post without the footer; the copies sent to members get it here, once
// per post, so every member's copy shares the same bytes. raw itself is
// not modified; an empty footer returns raw.
func WithFooter(raw []byte, footer string) ([]byte, error) {
	if normalizeFooter(footer) == "" {
		return raw, nil
	}
	headerEnd, bodyStart := len(raw), len(raw)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		headerEnd, bodyStart = i+4, i+4
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw[:headerEnd])))
	if err != nil {
		return nil, fmt.Errorf("adding footer: reading the rewritten header: %w", err)
	}
	m := &Message{Header: h, Body: raw[bodyStart:]}
	if err := AddFooter(m, footer); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) + len(footer) + 256)
	if err := textproto.WriteHeader(&buf, m.Header); err != nil {
		return nil, fmt.Errorf("adding footer: writing header: %w", err)
	}
	body := toCRLF(m.Body)
	buf.Write(body)
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\r\n")) {
		buf.WriteString("\r\n")
	}
	return buf.Bytes(), nil
}

// AddFooter appends footer (UTF-8 text, possibly several lines) to the
// post without breaking its MIME structure, choosing the least intrusive
// way that works:
//
//   - a single text/plain part (or no Content-Type) in us-ascii or UTF-8,
//     or in any ASCII-compatible charset when the footer is ASCII, encoded
//     7bit, 8bit, binary, quoted-printable or base64, gets "-- " and the
//     footer appended to its text, re-encoded the same way (a non-ASCII
//     footer turns 7bit into quoted-printable and us-ascii into utf-8);
//   - a multipart/mixed gets a new inline text/plain part at the end;
//   - multipart/signed, multipart/encrypted and S/MIME (pkcs7-mime)
//     messages are left unchanged, since any change would break them;
//   - anything else (multipart/alternative, text/html, other charsets with
//     a non-ASCII footer, undecodable bodies) is wrapped: a new top-level
//     multipart/mixed holds the original entity, its Content-* fields
//     moved into the part, and then the footer part.
//
// m.Body is rewritten with CRLF line endings whenever it changes. An empty
// (all-whitespace) footer changes nothing. AddFooter never modifies the
// bytes m.Body pointed to before the call.
func AddFooter(m *Message, footer string) error {
	footer = normalizeFooter(footer)
	if footer == "" {
		return nil
	}
	ct := m.Header.Get("Content-Type")
	mt, params := "text/plain", map[string]string{}
	var err error
	if strings.TrimSpace(ct) != "" {
		mt, params, err = mime.ParseMediaType(ct)
	}
	if err == nil {
		switch {
		case isSecured(mt):
			return nil
		case mt == "text/plain" && !isAttachment(m, params):
			done, err := appendToText(m, ct, params, footer)
			if err != nil || done {
				return err
			}
		case mt == "multipart/mixed":
			done, err := appendPart(m, params["boundary"], footer)
			if err != nil || done {
				return err
			}
		}
	}
	return wrapWithFooter(m, footer)
}

// normalizeFooter gives the footer CRLF line endings, no trailing
// whitespace on its lines (so format=flowed readers do not join them) and
// no trailing blank lines; "" means there is no footer.
func normalizeFooter(footer string) string {
	footer = strings.ReplaceAll(footer, "\x00", "")
	footer = strings.ReplaceAll(footer, "\r\n", "\n")
	footer = strings.ReplaceAll(footer, "\r", "\n")
	lines := strings.Split(footer, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	return strings.Join(lines, "\r\n")
}

// isSecured reports whether the media type is a signed or encrypted
// container whose bytes the list must not touch.
func isSecured(mt string) bool {
	switch mt {
	case "multipart/signed", "multipart/encrypted",
		"application/pkcs7-mime", "application/x-pkcs7-mime":
		return true
	}
	return false
}

// appendToText appends the footer to a single text/plain body in its own
// transfer encoding. done is false (and m untouched) when the body cannot
// take the footer that way and must be wrapped instead.
func appendToText(m *Message, ct string, params map[string]string, footer string) (done bool, err error) {
	asciiFooter := isASCII(footer)
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	if cs == "" {
		cs = "us-ascii"
	}
	utf8ish := cs == "utf-8" || cs == "utf8"
	usASCII := cs == "us-ascii" || cs == "ascii"
	if !asciiCompatible(cs) || (!asciiFooter && !utf8ish && !usASCII) {
		return false, nil
	}
	cte := strings.ToLower(strings.TrimSpace(m.Header.Get("Content-Transfer-Encoding")))
	if cte == "" {
		cte = "7bit"
	}
	var text []byte
	switch cte {
	case "7bit", "8bit", "binary":
		text = toCRLF(m.Body)
	case "quoted-printable":
		if text, err = decodeQP(m.Body); err != nil {
			return false, nil
		}
		text = toCRLF(text)
	case "base64":
		if text, err = decodeBase64(m.Body); err != nil {
			return false, nil
		}
		text = toCRLF(text)
	default:
		return false, nil
	}
	newCT := ""
	if usASCII && !asciiFooter {
		if !utf8.Valid(text) {
			return false, nil // mislabelled 8-bit text: relabelling would garble it
		}
		if strings.TrimSpace(ct) == "" {
			newCT = "text/plain; charset=utf-8"
		} else {
			p := make(map[string]string, len(params))
			for k, v := range params {
				p[k] = v
			}
			p["charset"] = "utf-8"
			if newCT = mime.FormatMediaType("text/plain", p); newCT == "" {
				return false, nil
			}
		}
	}

	full := make([]byte, 0, len(text)+len(footer)+8)
	full = append(full, text...)
	full = append(full, "\r\n-- \r\n"...)
	full = append(full, footer...)
	full = append(full, "\r\n"...)

	newCTE := ""
	var body []byte
	switch {
	case cte == "base64":
		body = encodeBase64(full)
	case cte == "quoted-printable":
		body = encodeQP(full)
	case (cte == "7bit" && !asciiFooter) || hasLongLine(footer):
		body, newCTE = encodeQP(full), "quoted-printable"
	default:
		body = full
	}

	if newCT != "" {
		if err := setField(&m.Header, "Content-Type", newCT); err != nil {
			return false, fmt.Errorf("adding footer: %w", err)
		}
	}
	if newCTE != "" {
		if err := setFieldAfter(&m.Header, "Content-Transfer-Encoding", newCTE, "Content-Type"); err != nil {
			return false, fmt.Errorf("adding footer: %w", err)
		}
	}
	if newCT != "" || newCTE != "" {
		if err := ensureMIMEVersion(m); err != nil {
			return false, fmt.Errorf("adding footer: %w", err)
		}
	}
	m.Body = body
	return true, nil
}

// asciiCompatible reports whether ASCII text appended to text in charset
// cs stays readable; UTF-16/32 and UTF-7 encode ASCII differently.
func asciiCompatible(cs string) bool {
	for _, p := range []string{"utf-16", "utf16", "utf-32", "utf32", "ucs-", "ucs2", "ucs4", "utf-7", "utf7"} {
		if strings.HasPrefix(cs, p) {
			return false
		}
	}
	return true
}

// hasLongLine reports whether some line of s is too long to send
// unencoded (RFC 5322's 998 octets).
func hasLongLine(s string) bool {
	for _, l := range strings.Split(s, "\r\n") {
		if len(l) > RFC5322LineLimit {
			return true
		}
	}
	return false
}

// footerPart renders the footer as a MIME part (header, blank line,
// encoded text), without a trailing line break: the break before the next
// delimiter belongs to the delimiter.
func footerPart(footer string) []byte {
	var b bytes.Buffer
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	if isASCII(footer) && !hasLongLine(footer) {
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n")
		b.WriteString("Content-Disposition: inline\r\n\r\n")
		b.WriteString(footer)
	} else {
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n")
		b.WriteString("Content-Disposition: inline\r\n\r\n")
		b.Write(bytes.TrimRight(encodeQP([]byte(footer)), "\r\n"))
	}
	return b.Bytes()
}

// appendPart inserts the footer part before the close delimiter of a
// multipart/mixed body; done is false when there is no usable boundary or
// close delimiter.
func appendPart(m *Message, boundary, footer string) (done bool, err error) {
	if boundary == "" {
		return false, nil
	}
	body := toCRLF(m.Body)
	lay := splitMultipart(body, boundary)
	if lay.closeAt < 0 {
		return false, nil
	}
	part := footerPart(footer)
	out := make([]byte, 0, len(body)+len(part)+len(boundary)+8)
	out = append(out, body[:lay.closeAt]...)
	if lay.closeAt > 0 {
		out = append(out, "\r\n"...)
	}
	out = append(out, "--"+boundary+"\r\n"...)
	out = append(out, part...)
	if lay.closeAt == 0 {
		out = append(out, "\r\n"...)
	}
	out = append(out, body[lay.closeAt:]...)
	m.Body = out
	return true, nil
}

// wrapWithFooter makes the message a multipart/mixed of the original
// entity and the footer part.
func wrapWithFooter(m *Message, footer string) error {
	fields, err := fieldsOf(&m.Header)
	if err != nil {
		return fmt.Errorf("adding footer: %w", err)
	}
	body := toCRLF(m.Body)
	part := footerPart(footer)
	boundary := newBoundary(body, part)

	outerCT, err := formatField("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary}))
	if err != nil {
		return fmt.Errorf("adding footer: %w", err)
	}
	outer := []rawField{outerCT}
	switch cte := strings.ToLower(strings.TrimSpace(m.Header.Get("Content-Transfer-Encoding"))); cte {
	case "8bit", "binary":
		f, err := formatField("Content-Transfer-Encoding", cte)
		if err != nil {
			return fmt.Errorf("adding footer: %w", err)
		}
		outer = append(outer, f)
	}

	var inner bytes.Buffer
	var kept []rawField
	placed := false
	for _, f := range fields {
		if !strings.HasPrefix(f.key, "Content-") {
			kept = append(kept, f)
			continue
		}
		inner.Write(f.raw)
		if !placed {
			kept = append(kept, outer...)
			placed = true
		}
	}
	if !placed {
		kept = append(kept, outer...)
	}

	var b bytes.Buffer
	b.Grow(len(body) + len(part) + inner.Len() + 3*len(boundary) + 32)
	b.WriteString("--" + boundary + "\r\n")
	b.Write(inner.Bytes())
	b.WriteString("\r\n")
	b.Write(body)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.Write(part)
	b.WriteString("\r\n--" + boundary + "--\r\n")

	m.Header = headerFrom(kept)
	m.Body = b.Bytes()
	if err := ensureMIMEVersion(m); err != nil {
		return fmt.Errorf("adding footer: %w", err)
	}
	return nil
}

// newBoundary returns a random boundary that occurs in none of the given
// contents (128 random bits make a clash practically impossible, but the
// check costs little).
func newBoundary(contents ...[]byte) string {
	for {
		b := "minyan-" + rand.Text()
		clash := false
		for _, c := range contents {
			if bytes.Contains(c, []byte("--"+b)) {
				clash = true
				break
			}
		}
		if !clash {
			return b
		}
	}
}

// ensureMIMEVersion adds "MIME-Version: 1.0" when MIME fields were added
// to a message that had none.
func ensureMIMEVersion(m *Message) error {
	if m.Header.Has("Mime-Version") {
		return nil
	}
	return setFieldAfter(&m.Header, "MIME-Version", "1.0", "Content-Type")
}

// isAttachment tells a text file sent as the whole message (a log, a
// .txt) from a text to read: the footer must not change the file, so such
// a message is wrapped instead.
func isAttachment(m *Message, ctParams map[string]string) bool {
	if ctParams["name"] != "" {
		return true
	}
	disp, dparams, err := mime.ParseMediaType(m.Header.Get("Content-Disposition"))
	return err == nil && (disp == "attachment" || dparams["filename"] != "")
}
