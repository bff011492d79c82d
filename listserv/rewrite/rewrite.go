package rewrite

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// strippedFields are removed from every post: list fields another list (or
// a forger) added, fields that only the delivering MTA may set, and
// approval passwords that must never reach members.
var strippedFields = []string{
	"List-Id", "List-Post", "List-Help", "List-Subscribe", "List-Unsubscribe",
	"List-Unsubscribe-Post", "List-Archive", "List-Owner", "Archived-At",
	"Precedence", "Return-Path", "Delivered-To", "X-Original-To",
	"Approved", "Approve", "Errors-To", "Sender", "X-Original-From",
	// Read receipts would make every member's mail program write to
	// the author (Mailman strips them too).
	"Disposition-Notification-To", "Return-Receipt-To", "X-Confirm-Reading-To",
}

// singleFields may occur once in a message (RFC 5322 §3.6) and are kept
// only once: the first, the one Parse read. DKIM signers and verifiers
// (libopendkim) refuse a message that repeats them.
var singleFields = []string{"Message-Id", "Date", "Subject", "In-Reply-To", "References"}

// Rewrite returns the post as the list distributes it (CRLF line endings),
// before any per-recipient field: list fields stripped and re-added,
// subject tagged, footer appended, From/Reply-To/Cc set by the rule in the
// package doc, and Message-ID and Date supplied when missing. m itself is
// not modified.
func Rewrite(m *Message, o Options) ([]byte, error) {
	if m == nil {
		return nil, errors.New("rewrite: no message")
	}
	c := *m
	c.Header = m.Header.Copy()
	if err := AddFooter(&c, o.Footer); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	if err := AddFooterPart(&c, o.Tail); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	h := &c.Header
	for _, k := range strippedFields {
		h.Del(k)
	}
	for _, k := range singleFields {
		if err := keepFirst(h, k); err != nil {
			return nil, fmt.Errorf("rewrite: %w", err)
		}
	}
	subject := m.Subject
	if o.Subject != "" {
		subject = o.Subject
		h.Del("Subject") // written afresh below
	}
	if err := setSubject(h, subject, o.Prefix); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	if err := setAddresses(h, m.From, o); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	if o.DropReplyTo {
		h.Del("Reply-To")
	}
	if err := setIDAndDate(h, m, o); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	addListFields(h, o)

	var buf bytes.Buffer
	if err := textproto.WriteHeader(&buf, *h); err != nil {
		return nil, fmt.Errorf("rewrite: writing header: %w", err)
	}
	body := toCRLF(c.Body)
	buf.Write(body)
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\r\n")) {
		buf.WriteString("\r\n")
	}
	return buf.Bytes(), nil
}

// setSubject tags the subject, leaving the field byte-exact when the tag
// changes nothing.
func setSubject(h *textproto.Header, subject, prefix string) error {
	tagged := oneLine(PrefixSubject(subject, prefix))
	if h.Has("Subject") && tagged == strings.TrimSpace(subject) {
		return nil
	}
	if tagged == "" {
		return nil
	}
	return setField(h, "Subject", encodeText(tagged))
}

// encodeText encodes a decoded header text so that it decodes back to
// itself. mime.QEncoding leaves printable ASCII alone, which is wrong when
// the text itself looks like an encoded word (a decoded subject may
// literally contain "=?utf-8?q?...?="): then every word is encoded.
func encodeText(s string) string {
	// A word longer than a header line would be split by folding (a
	// space inserted into the text); encoded words can be split safely.
	for _, w := range strings.Fields(s) {
		if len(w) > 900 {
			return encodeWords(s)
		}
	}
	if enc := mime.QEncoding.Encode("utf-8", s); decodeText(enc) == s {
		return enc
	}
	return encodeWords(s)
}

// encodeWords encodes all of s as base64 encoded words of at most 45
// input bytes (72 characters each), cut at rune boundaries; the spaces
// between adjacent encoded words vanish when they are decoded.
func encodeWords(s string) string {
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if n == 0 {
			n = min(len(s), 45)
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// setAddresses applies DMARC mitigation and the Reply-To rule.
func setAddresses(h *textproto.Header, author *mail.Address, o Options) error {
	if !o.MungeFrom && !o.ReplyToList {
		return nil
	}
	list, err := mail.ParseAddress(oneLine(o.ListAddress))
	if err != nil {
		return fmt.Errorf("list address %q: %w", o.ListAddress, err)
	}
	listOnly := (&mail.Address{Address: list.Address}).String()
	if !o.MungeFrom {
		return setFieldAfter(h, "Reply-To", listOnly, "From")
	}
	if author == nil {
		return errors.New("munging From: the message has no author")
	}
	a := &mail.Address{Name: oneLine(author.Name), Address: oneLine(author.Address)}
	authorSetReplyTo := strings.TrimSpace(h.Get("Reply-To")) != ""
	from := &mail.Address{Name: viaName(a, o.AuthorOrg, o.ListName, list.Address), Address: list.Address}
	if err := setField(h, "From", from.String()); err != nil {
		return err
	}
	// The author's own Reply-To may hide their address; keep it on record
	// for readers, archives and moderators.
	if err := setFieldAfter(h, "X-Original-From", a.String(), "From"); err != nil {
		return err
	}
	switch {
	case o.ReplyToList:
		if err := setFieldAfter(h, "Reply-To", listOnly, "From"); err != nil {
			return err
		}
		return addCc(h, a)
	case !authorSetReplyTo:
		return setFieldAfter(h, "Reply-To", a.String(), "From")
	}
	return nil
}

// viaName is the display name of a munged From: "Alice via team", or
// "alice at example.org via team" when the author gave no name (an
// address-like display name would be confusing and is flagged by some
// clients); "Alice (ACME) via team" when she speaks for an organization.
func viaName(author *mail.Address, org, listName, listAddr string) string {
	if listName = oneLine(listName); listName == "" {
		listName, _, _ = strings.Cut(listAddr, "@")
	}
	who := author.Name
	if who == "" {
		who = strings.Replace(author.Address, "@", " at ", 1)
	}
	if org = oneLine(org); org != "" {
		who += " (" + org + ")"
	}
	return who + " via " + listName
}

// addCc adds the author to Cc unless already among the To or Cc
// recipients, merging several Cc fields into one.
func addCc(h *textproto.Header, author *mail.Address) error {
	want := strings.ToLower(author.Address)
	var ccs []string
	for _, k := range []string{"To", "Cc"} {
		for _, v := range h.Values(k) {
			if k == "Cc" && strings.TrimSpace(v) != "" {
				ccs = append(ccs, strings.TrimSpace(v))
			}
			addrs, err := addressParser().ParseList(v)
			if err != nil {
				if strings.Contains(strings.ToLower(v), want) {
					return nil
				}
				continue
			}
			for _, a := range addrs {
				if strings.ToLower(a.Address) == want {
					return nil
				}
			}
		}
	}
	ccs = append(ccs, author.String())
	return setFieldAfter(h, "Cc", oneLine(strings.Join(ccs, ", ")), "To")
}

// setIDAndDate supplies Message-ID and Date when the post lacks a usable
// one: archives index by Message-ID and clients sort by Date.
func setIDAndDate(h *textproto.Header, m *Message, o Options) error {
	if m.MessageID == "" {
		id := strings.Trim(oneLine(o.MessageID), "<>")
		if id == "" {
			domain := oneLine(o.Domain)
			if domain == "" {
				_, domain, _ = strings.Cut(oneLine(o.ListAddress), "@")
			}
			if domain == "" {
				return errors.New("the post has no Message-ID and Options gives neither MessageID, Domain nor ListAddress")
			}
			id = strings.ToLower(rand.Text()) + "@" + domain
		}
		if err := setField(h, "Message-ID", "<"+id+">"); err != nil {
			return err
		}
	}
	if m.Date.IsZero() {
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		if err := setField(h, "Date", now.Format(time.RFC1123Z)); err != nil {
			return err
		}
	}
	return nil
}

// addListFields puts Sender, the RFC 2369/2919/8058 list fields and
// Precedence at the top of the header, in this order. Header.Add inserts
// at the top, so they are added bottom-up.
func addListFields(h *textproto.Header, o Options) {
	unsubPost := ""
	if o.UnsubscribePost && oneLine(o.Unsubscribe) != "" {
		unsubPost = "List-Unsubscribe=One-Click"
	}
	top := []struct{ k, v string }{
		{"Sender", o.Sender},
		{"List-Id", o.ListID},
		{"List-Help", o.Help},
		{"List-Post", o.Post},
		{"List-Subscribe", o.Subscribe},
		{"List-Unsubscribe", o.Unsubscribe},
		{"List-Unsubscribe-Post", unsubPost},
		{"List-Archive", o.Archive},
		{"Archived-At", o.ArchivedAt},
		{"Precedence", "list"},
	}
	for i := len(top) - 1; i >= 0; i-- {
		if v := oneLine(top[i].v); v != "" {
			h.Add(top[i].k, v)
		}
	}
}
