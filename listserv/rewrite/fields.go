package rewrite

import (
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// readFields fills the decoded views of m.Header and refuses a message
// without exactly one usable From: the list routes, moderates and answers
// by the author's address, and a message with two From fields is a classic
// way to show one author to people and another to DMARC.
func (m *Message) readFields() *Problem {
	froms := m.Header.Values("From")
	switch {
	case len(froms) == 0:
		return unusable("the message has no From header; add one with your address")
	case len(froms) > 1:
		return unusable("the message has more than one From header; keep only one")
	}
	from, n := parseFrom(froms[0])
	if from == nil {
		return unusable("the From header has no valid address; use the form Name <you@example.org>")
	}
	m.From, m.FromAddresses = from, n
	m.Subject = decodeText(m.Header.Get("Subject"))
	if ids := msgIDs(m.Header.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := msgIDs(m.Header.Get("In-Reply-To")); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = msgIDs(m.Header.Get("References"))
	if d := m.Header.Get("Date"); d != "" {
		if t, err := mail.ParseDate(d); err == nil {
			m.Date = t
		}
	}
	m.ListIDs = listIDs(&m.Header)
	m.AutoSubmitted = firstToken(m.Header.Get("Auto-Submitted"))
	m.Precedence = firstToken(m.Header.Get("Precedence"))
	return nil
}

// wordDecoder decodes RFC 2047 encoded words in any charset go-message
// knows, not only the UTF-8 and Latin-1 the standard library handles.
func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charset.Reader}
}

// addressParser parses address lists with the full charset support.
func addressParser() *mail.AddressParser {
	return &mail.AddressParser{WordDecoder: wordDecoder()}
}

// decodeText decodes RFC 2047 words; on an unknown charset or a malformed
// word the raw value is kept, because losing the subject is worse than
// showing it encoded.
func decodeText(v string) string {
	d, err := wordDecoder().DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// msgIDRE finds the <...> ids in Message-ID, In-Reply-To and References.
var msgIDRE = regexp.MustCompile(`<([^<>]*)>`)

// msgIDs extracts message ids without angle brackets. It is lenient on
// purpose (threading should survive sloppy mailers): whitespace inside the
// brackets is dropped, and a bare value without brackets is taken whole.
func msgIDs(v string) []string {
	var ids []string
	for _, sm := range msgIDRE.FindAllStringSubmatch(v, -1) {
		id := strings.Join(strings.Fields(sm[1]), "")
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		if v = strings.TrimSpace(v); v != "" && !strings.ContainsAny(v, " \t<>") {
			ids = append(ids, v)
		}
	}
	return ids
}

// listIDs collects the lowercased ids of every List-Id field: a post that
// already carries this list's id has looped back.
func listIDs(h *textproto.Header) []string {
	var ids []string
	for _, v := range h.Values("List-Id") {
		for _, id := range msgIDs(v) {
			ids = append(ids, strings.ToLower(id))
		}
	}
	return ids
}

// commentRE matches one (non-nested) RFC 5322 comment.
var commentRE = regexp.MustCompile(`\([^()]*\)`)

// firstToken returns the lowercased first token of a structured value such
// as Auto-Submitted or Precedence, without comments or parameters.
func firstToken(v string) string {
	v = commentRE.ReplaceAllString(v, " ")
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// lastAngleAddr finds the last <local@domain> in a header value.
var lastAngleAddr = regexp.MustCompile(`<([^<>\s]+@[^<>\s]+)>\s*$`)

// parseFrom reads the author's address as leniently as is safe: the
// display name is only decoration, so a name in a charset nobody knows
// (=?unknown-8bit?...?=, =?cp949?...?=) or the common but invalid
// "addr@x <addr@x>" form must not cost the post. Only a From without any
// usable address is refused. It also counts the distinct addresses the
// field names (n), so that the sender check can refuse to judge a From
// that names several: the author is always the first one, and nothing
// else in minyan reads From for itself.
func parseFrom(v string) (author *mail.Address, n int) {
	if addrs, err := addressParser().ParseList(v); err == nil && len(addrs) > 0 {
		seen := map[string]bool{}
		for _, a := range addrs {
			seen[strings.ToLower(a.Address)] = true
		}
		return addrs[0], len(seen)
	}
	m := lastAngleAddr.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil, 0
	}
	a, err := mail.ParseAddress("<" + m[1] + ">")
	if err != nil {
		return nil, 0
	}
	name := strings.TrimSpace(v[:strings.LastIndex(v, "<")])
	name = strings.Trim(decodeText(name), `" `)
	if name != a.Address {
		a.Name = name
	}
	return a, countAddrs(v)
}

// addrSpecRE finds what looks like an address anywhere in a header value.
var addrSpecRE = regexp.MustCompile(`[^\s<>,;:"()]+@[^\s<>,;:"()]+`)

// countAddrs counts the distinct address-like words in a From value the
// address parser could not read (at least 1: the caller found one).
func countAddrs(v string) int {
	seen := map[string]bool{}
	for _, a := range addrSpecRE.FindAllString(v, -1) {
		seen[strings.ToLower(strings.TrimRight(a, "."))] = true
	}
	return max(len(seen), 1)
}
