// Package bounce reads the mail that comes back to a list's bounce
// address and says what it means for the member it concerns.
//
// It understands RFC 3464 delivery status notifications (multipart/report
// with a message/delivery-status part, as Postfix, Exim, Gmail,
// Outlook/Exchange and Yahoo send them, and RFC 6533 global ones), the
// plain-text bounces of qmail, Yahoo's older servers, Postfix, Exim and
// sendmail, and auto-replies (out of office, vacation). It also
// classifies SMTP replies, so the relay's own 5xx answers are judged by
// the same rules as a DSN.
//
// Only Failed counts against a member: a permanent failure of the
// mailbox or address. Temporary failures (4.x.x, "delayed"), auto-replies
// and permanent rejections that blame the message or the sending system
// rather than the mailbox (5.7.x, DMARC, SPF, spam, size, blocklists:
// Policy) do not, because counting them would disable innocent members
// whenever the list itself has a deliverability problem.
//
// Parse never fails and never panics: mail it cannot read is
// Unrecognized.
package bounce

import (
	"strings"
)

// Kind is what a returned message means for the recipient it names.
// Kinds are ordered by severity: a report's Kind is the highest of its
// recipients'.
type Kind int

// The kinds, least severe first.
const (
	// Unrecognized: not a bounce this package understands (a person's
	// reply to the bounce address, spam).
	Unrecognized Kind = iota
	// Delivered: a success notice (Action: delivered, relayed,
	// expanded).
	Delivered
	// AutoReply: an out-of-office, vacation or other automatic answer.
	AutoReply
	// Delayed: a temporary failure; the sending server keeps trying.
	Delayed
	// Policy: a permanent rejection that blames the message or the
	// sending system (DMARC, SPF, spam, content, size, blocklists), not
	// the mailbox. Not counted; a deliverability problem for the owners.
	Policy
	// Failed: a permanent failure of the mailbox or address (unknown
	// user, disabled account, full mailbox, no such domain). Counted.
	Failed
)

var kindNames = [...]string{"unrecognized", "delivered", "auto-reply", "delayed", "policy", "failed"}

// String names the kind for logs.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Counts reports whether the kind raises the member's bounce score.
func (k Kind) Counts() bool { return k == Failed }

// Recipient is one recipient a bounce reports on.
type Recipient struct {
	// Address is the final recipient, lowercased, without angle
	// brackets.
	Address string
	// Original is the Original-Recipient of a DSN, if given.
	Original string
	// Action is the DSN action (failed, delayed, delivered, relayed,
	// expanded), "" for text bounces.
	Action string
	// Status is the enhanced status code such as "5.1.1", "" if unknown.
	Status string
	// Diagnostic is the remote server's words, on one line.
	Diagnostic string
	Kind       Kind
}

// Report is what Parse made of a returned message.
type Report struct {
	Kind Kind
	// Format names the shape recognized: dsn, qmail, postfix, exim,
	// sendmail, text, auto-reply, or "" when unrecognized.
	Format     string
	Recipients []Recipient
	// Subject is the bounce's own subject, for logs.
	Subject string
}

// Reason is one line for logs and owner notices: the status and the
// remote server's words of the most severe recipient, or the subject.
func (r *Report) Reason() string {
	var best *Recipient
	for i := range r.Recipients {
		if best == nil || r.Recipients[i].Kind > best.Kind {
			best = &r.Recipients[i]
		}
	}
	var parts []string
	if best != nil {
		if best.Status != "" && !strings.Contains(best.Diagnostic, best.Status) {
			parts = append(parts, best.Status)
		}
		if best.Diagnostic != "" {
			parts = append(parts, best.Diagnostic)
		}
	}
	if len(parts) == 0 && r.Subject != "" {
		parts = append(parts, r.Subject)
	}
	return clip(strings.Join(parts, " "), 300)
}

// KindFor returns the kind reported for addr (compared case-insensitively
// with Address and Original), and whether addr is among the recipients.
func (r *Report) KindFor(addr string) (Kind, bool) {
	addr = strings.ToLower(addr)
	found, k := false, Unrecognized
	for _, rc := range r.Recipients {
		if rc.Address == addr || rc.Original == addr {
			found = true
			k = max(k, rc.Kind)
		}
	}
	return k, found
}

// maxParse bounds how much of a returned message is read: the report
// and the explanation come first, the returned original (which may be
// large) last.
const maxParse = 1 << 20

// Parse reads a returned message.
func Parse(raw []byte) *Report {
	if len(raw) > maxParse {
		raw = raw[:maxParse]
	}
	e := parseEntity(raw, 0)
	r := &Report{Subject: clip(oneLine(decodeHeader(e.get("subject"))), 200)}

	var w walk
	w.collect(e, 0)

	for _, ds := range w.dsn {
		r.Recipients = append(r.Recipients, parseDSN(ds)...)
	}
	if len(r.Recipients) > 0 {
		r.Format = "dsn"
		r.Kind = maxKind(r.Recipients)
		// A DSN whose fields give no status words at all may still
		// explain itself in its text part.
		return r
	}

	text := w.text()
	if format, ok := looksLikeBounce(e, text); ok {
		r.Format = format
		r.Recipients = textRecipients(e, text)
		r.Kind = textKind(text, r.Recipients)
		return r
	}
	if isAutoReply(e, text) {
		r.Format = "auto-reply"
		r.Kind = AutoReply
		return r
	}
	return r
}

func maxKind(rs []Recipient) Kind {
	k := Unrecognized
	for _, r := range rs {
		k = max(k, r.Kind)
	}
	return k
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// oneLine joins a folded or multi-line text into one line with single
// spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
