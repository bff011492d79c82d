// Package mailcompose writes the mail minyan itself authors — notices,
// RSVP answers, pair reminders, bounce probes, session mail and digests —
// as one header and a tree of MIME parts.
//
// minyan writes these bytes by hand so they are exactly right: CRLF
// everywhere, every header on one line, UTF-8 subjects as encoded words,
// text in quoted-printable and calendars in base64 so nothing a relay does
// to long lines or 8-bit bytes can change them. Posts from members are
// never composed here; they are rewritten by listserv/rewrite.
package mailcompose

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Header is the top of a composed message. Addresses are rendered
// address strings ("a@example.org" or `"Name" <a@example.org>`).
type Header struct {
	From string
	// To may be empty when the delivery splices a To in per recipient.
	To      []string
	Cc      []string
	ReplyTo []string
	Subject string
	Date    time.Time
	// MessageID is the id without angle brackets (see NewID, StableID).
	MessageID string
	// InReplyTo, when set, is written as In-Reply-To and References.
	InReplyTo string
	// AutoSubmitted is the Auto-Submitted value ("auto-replied",
	// "auto-generated") that keeps other robots from answering; empty
	// leaves the field out (list traffic such as digests).
	AutoSubmitted string
	// Extra are further header lines, "Name: value" (List-*, Precedence).
	Extra []string
}

// Part is a MIME entity: a leaf with an encoded body, or a multipart with
// parts beneath it. Build one with Text, Calendar, CalendarFile, Message
// and Multipart.
type Part struct {
	header []string // "Name: value" lines
	body   []byte   // encoded body of a leaf
	// multipart is the subtype ("mixed", "alternative", "digest").
	multipart string
	parts     []Part
	// eightBit marks content with bytes above 0x7F (labelled 8bit).
	eightBit bool
}

// Text is UTF-8 text, quoted-printable.
func Text(text string) Part {
	var b bytes.Buffer
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(CRLF(text)))
	qp.Close()
	return Part{header: []string{
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
	}, body: b.Bytes()}
}

// HTML is a UTF-8 HTML document, quoted-printable (the formatted
// alternative of a digest's text).
func HTML(doc string) Part {
	var b bytes.Buffer
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(CRLF(doc)))
	qp.Close()
	return Part{header: []string{
		"Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
	}, body: b.Bytes()}
}

// Calendar is an iCalendar object meant as the alternative of a text,
// with its method (REQUEST, CANCEL, PUBLISH) in the Content-Type where
// calendar programs look for it. Base64 keeps the CRLF line folding of
// the object intact through any relay.
func Calendar(ics []byte, method string) Part {
	return Part{header: []string{
		"Content-Type: text/calendar; charset=utf-8; method=" + method,
		"Content-Transfer-Encoding: base64",
	}, body: Base64Lines(ics)}
}

// CalendarFile is the same object as an attachment named invite.ics, for
// mail programs that only offer attachments to the calendar.
func CalendarFile(ics []byte, method string) Part {
	return Part{header: []string{
		`Content-Type: application/ics; name="invite.ics"; method=` + method,
		`Content-Disposition: attachment; filename="invite.ics"`,
		"Content-Transfer-Encoding: base64",
	}, body: Base64Lines(ics)}
}

// Message wraps a whole message (a post in a digest, the original of a
// held or rejected post) as message/rfc822. One with 8-bit bytes is
// labelled 8bit, and the label is carried up to every enclosing multipart,
// since a message/rfc822 part may not itself be re-encoded.
func Message(raw []byte) Part {
	p := Part{header: []string{"Content-Type: message/rfc822"}, body: []byte(CRLF(string(raw)))}
	if has8bit(raw) {
		p.header = append(p.header, "Content-Transfer-Encoding: 8bit")
		p.eightBit = true
	}
	return p
}

// WithHeader returns the part with one more header line ("Name: value"),
// such as a Content-Disposition.
func (p Part) WithHeader(line string) Part {
	p.header = append(append([]string{}, p.header...), OneLine(line))
	return p
}

// Multipart groups parts under a multipart subtype: "mixed",
// "alternative" or "digest".
func Multipart(subtype string, parts ...Part) Part {
	p := Part{multipart: subtype, parts: parts}
	for _, c := range parts {
		p.eightBit = p.eightBit || c.eightBit
	}
	if p.eightBit {
		p.header = append(p.header, "Content-Transfer-Encoding: 8bit")
	}
	return p
}

// Compose writes the whole message: the header, MIME-Version, and the
// body part with its own Content-* fields.
func Compose(h Header, body Part) []byte {
	var b bytes.Buffer
	field := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, OneLine(v)) }
	field("From", h.From)
	if len(h.To) > 0 {
		field("To", strings.Join(h.To, ", "))
	}
	if len(h.Cc) > 0 {
		field("Cc", strings.Join(h.Cc, ", "))
	}
	if len(h.ReplyTo) > 0 {
		field("Reply-To", strings.Join(h.ReplyTo, ", "))
	}
	field("Subject", mime.QEncoding.Encode("utf-8", OneLine(h.Subject)))
	field("Date", h.Date.Format(time.RFC1123Z))
	field("Message-ID", "<"+h.MessageID+">")
	if h.InReplyTo != "" {
		field("In-Reply-To", "<"+h.InReplyTo+">")
		field("References", "<"+h.InReplyTo+">")
	}
	if h.AutoSubmitted != "" {
		field("Auto-Submitted", h.AutoSubmitted)
	}
	for _, x := range h.Extra {
		b.WriteString(OneLine(x) + "\r\n")
	}
	field("MIME-Version", "1.0")
	body.write(&b)
	return b.Bytes()
}

// write renders the part's own header lines, the blank line and the body.
func (p Part) write(b *bytes.Buffer) {
	if p.multipart != "" {
		boundary := "=_minyan_" + randomHex()
		fmt.Fprintf(b, "Content-Type: multipart/%s; boundary=\"%s\"\r\n", p.multipart, boundary)
		for _, h := range p.header {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\nThis is a MIME message.\r\n")
		for _, c := range p.parts {
			b.WriteString("\r\n--" + boundary + "\r\n")
			c.write(b)
		}
		b.WriteString("\r\n--" + boundary + "--\r\n")
		return
	}
	for _, h := range p.header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(p.body)
	if len(p.body) > 0 && !bytes.HasSuffix(p.body, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

// Addresses renders parsed addresses for a Header field.
func Addresses(as ...*mail.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

// NewID is a fresh random Message-ID (without angle brackets) in domain.
func NewID(domain string) string {
	return randomHex() + "@" + domain
}

// StableID makes a Message-ID from a job key, so the same scheduled mail
// always has the same id: if a relay ever did deliver it twice, mail
// programs show it once.
func StableID(key, domain string) string {
	var b strings.Builder
	b.WriteString("minyan.")
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	return b.String() + "@" + domain
}

// OneLine keeps user-supplied text (topics, titles, names) from breaking
// a header: every line break becomes a space.
func OneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// CRLF gives text CRLF line endings (templates are written with LF).
func CRLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// Base64Lines encodes b in lines of 76 characters, the longest MIME
// allows, each ended by CRLF.
func Base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc + "\r\n")
	return out.Bytes()
}

// randomHex is 128 random bits for boundaries and Message-IDs.
func randomHex() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// maxFileName bounds an attachment's name in bytes.
const maxFileName = 120

// File is an attachment a person added to a post written on the web:
// its bytes in base64 under its name and type. The name is written with
// RFC 2231 parameters (mime.FormatMediaType) when it is not plain ASCII;
// a type that does not parse becomes application/octet-stream.
func File(name, contentType string, data []byte) Part {
	name = strings.TrimSpace(OneLine(strings.ToValidUTF8(name, "_")))
	// A name is kept to maxFileName bytes (whole characters), so its
	// header line stays far below 998 octets even percent-encoded.
	if len(name) > maxFileName {
		cut := maxFileName
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	if name == "" {
		name = "attachment"
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		mt = "application/octet-stream"
	}
	ct := mime.FormatMediaType(mt, map[string]string{"name": name})
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if ct == "" || cd == "" {
		ct, cd = "application/octet-stream", "attachment"
	}
	return Part{header: []string{
		"Content-Type: " + ct,
		"Content-Disposition: " + cd,
		"Content-Transfer-Encoding: base64",
	}, body: Base64Lines(data)}
}

// PDFFile is a PDF attachment (a certificate) named filename, which
// must be plain ASCII without quotes.
func PDFFile(pdf []byte, filename string) Part {
	return Part{header: []string{
		`Content-Type: application/pdf; name="` + filename + `"`,
		`Content-Disposition: attachment; filename="` + filename + `"`,
		"Content-Transfer-Encoding: base64",
	}, body: Base64Lines(pdf)}
}
