package digest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"minyan/store"
)

// entity is a MIME entity being assembled: a leaf with an encoded body,
// or a multipart with parts. minyan writes its own mail by hand (as
// listserv's notices do) so the bytes are exactly what the RFCs ask for:
// CRLF everywhere, 7-bit-safe encodings for text and calendar parts.
type entity struct {
	header []string // "Name: value" lines
	body   []byte   // encoded body of a leaf
	// multipart is the subtype ("mixed", "alternative", "digest") of a
	// multipart entity; its parts follow.
	multipart string
	parts     []entity
	// eightBit marks content with bytes above 0x7F (labelled 8bit).
	eightBit bool
}

// textPart is UTF-8 text, quoted-printable.
func textPart(text string) entity {
	var b bytes.Buffer
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(crlf(text)))
	qp.Close()
	return entity{header: []string{
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
	}, body: b.Bytes()}
}

// calendarPart is an iCalendar object as the alternative of the text,
// with the method in the Content-Type as RFC 6047 §2.4 requires. Base64
// keeps the CRLF line folding intact through any relay.
func calendarPart(ics []byte, method string) entity {
	return entity{header: []string{
		"Content-Type: text/calendar; charset=utf-8; method=" + method,
		"Content-Transfer-Encoding: base64",
	}, body: base64Lines(ics)}
}

// icsAttachment is the same object as a file, for mail programs that
// only offer attachments to the calendar (Apple Mail, some webmail).
func icsAttachment(ics []byte, method string) entity {
	return entity{header: []string{
		`Content-Type: application/ics; name="invite.ics"; method=` + method,
		`Content-Disposition: attachment; filename="invite.ics"`,
		"Content-Transfer-Encoding: base64",
	}, body: base64Lines(ics)}
}

// rfc822Part wraps an archived message for a multipart/digest. A post
// with 8-bit bytes (raw UTF-8) is labelled 8bit, as RFC 2046 §5.2.1 asks;
// the label is carried up to the enclosing multiparts by write.
func rfc822Part(raw []byte) entity {
	e := entity{header: []string{"Content-Type: message/rfc822"}, body: []byte(crlf(string(raw)))}
	if has8bit(raw) {
		e.header = append(e.header, "Content-Transfer-Encoding: 8bit")
		e.eightBit = true
	}
	return e
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func multipart(sub string, parts ...entity) entity {
	e := entity{multipart: sub, parts: parts}
	for _, p := range parts {
		e.eightBit = e.eightBit || p.eightBit
	}
	if e.eightBit {
		e.header = append(e.header, "Content-Transfer-Encoding: 8bit")
	}
	return e
}

// write renders the entity's own header lines (then the blank line) and
// body.
func (e entity) write(b *bytes.Buffer) {
	if e.multipart != "" {
		boundary := "=_minyan_" + store.NewToken()
		fmt.Fprintf(b, "Content-Type: multipart/%s; boundary=\"%s\"\r\n", e.multipart, boundary)
		for _, h := range e.header {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\nThis is a MIME message.\r\n")
		for _, p := range e.parts {
			b.WriteString("\r\n--" + boundary + "\r\n")
			p.write(b)
		}
		b.WriteString("\r\n--" + boundary + "--\r\n")
		return
	}
	for _, h := range e.header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(e.body)
	if len(e.body) > 0 && !bytes.HasSuffix(e.body, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

// message is the header of a mail minyan writes.
type message struct {
	From      *mail.Address
	To        []*mail.Address
	ReplyTo   []*mail.Address
	Subject   string
	MessageID string
	Date      time.Time
	// Extra are complete header lines, each ending in CRLF (List-*).
	Extra string
	// AutoSubmitted marks robot mail (RFC 3834) so auto-responders stay
	// quiet; digests are list traffic and leave it out.
	AutoSubmitted bool
}

// render writes the whole message.
func (m message) render(body entity) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, oneLine(v)) }
	h("From", m.From.String())
	if len(m.To) > 0 {
		h("To", addrList(m.To)) // else spliced in per recipient
	}
	if len(m.ReplyTo) > 0 {
		h("Reply-To", addrList(m.ReplyTo))
	}
	h("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.MessageID+">")
	if m.AutoSubmitted {
		h("Auto-Submitted", "auto-generated")
	}
	b.WriteString(m.Extra)
	h("MIME-Version", "1.0")
	body.write(&b)
	return b.Bytes()
}

func addrList(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// oneLine keeps user-supplied text (topics, titles) from breaking a
// header.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// crlf gives text CRLF line endings (templates are written with LF).
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// base64Lines encodes b in lines of 76 characters (RFC 2045 §6.8).
func base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc + "\r\n")
	return out.Bytes()
}

// messageID makes a Message-ID from a job key, so the same scheduled mail
// always has the same ID: if a relay ever did deliver it twice, mail
// programs show it once.
func messageID(key, domain string) string {
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
