package listserv

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyan/listserv/outbox"
	"minyan/listserv/rewrite"
	"minyan/store"
)

// Action alerts count who acted, not who opened. A moderator's or
// owner's post whose Subject carries #alert (or that a door marks with
// PostOptions.Alert) goes out at once to every member in `each` or
// `digest` mode, and stays out of digests. The post is rendered once;
// on the way out each copy gets two personal parts, spliced in by the
// outbox: a Reply-To NAME-act+TOKEN@domain in front of the shared bytes,
// and the token over a placeholder (Mark) in the "I did it" link at the
// end of the shared body. A reply to that address, or the button behind
// the link, records the member as done. Nothing tracks opens: no pixels,
// no rewritten links. The archive keeps the post without the personal
// part.

// alertTag is the word in a Subject that makes a moderator's post an
// alert.
const alertTag = "#alert"

// alertTokenTTL is how long an alert's tokens count: an answer to an
// alert older than this records nothing, and no follow-up goes.
const alertTokenTTL = 90 * 24 * time.Hour

// maxAlertNote bounds the note kept from a reply's first line.
const maxAlertNote = 300

// permAlerts is the right to see who acted on a list's alerts: the
// spec gives it to moderators and owners, as the roster right is.
const permAlerts = PermRoster

// AlertVia says how a member told the list they acted.
type AlertVia string

// The ways to act on an alert.
const (
	AlertViaReply AlertVia = "reply"
	AlertViaWeb   AlertVia = "web"
)

// ErrBadAlertLink is the one answer to a token that is not (or no
// longer) valid, whatever the reason, so it confirms nothing.
var ErrBadAlertLink = errors.New("this link is not valid: it may be mistyped or too old, and nothing was recorded")

// errBadAlertReply answers mail to NAME-act+TOKEN whose token is not
// valid: the sending server tells its user, minyan itself writes to
// nobody (a forged reply earns no backscatter) and records nothing.
var errBadAlertReply = reject(550, [3]int{5, 1, 1}, "this alert reply address is not valid; nothing was recorded", nil)

// PostOptions are what a door that composes a post itself (the web
// compose form) may say about it beside its bytes.
type PostOptions struct {
	// Alert marks the post as an action alert (the compose form's alert
	// box). It takes effect only when the author is a moderator or owner
	// of the list, exactly like the #alert tag.
	Alert bool
}

// ReceivePostWith takes a post for list from a door other than SMTP,
// through the same pipeline as mail (policy, moderation, archive,
// fan-out), with the door's options.
func (s *Service) ReceivePostWith(ctx context.Context, env Envelope, list string, raw []byte, o PostOptions) error {
	return s.receivePostWith(ctxOr(ctx), env, ListAddress{List: list, Role: RolePost}, raw, o)
}

// StripAlertTag removes every #alert word (any case) from a subject and
// says whether there was one. A tag inside a word ("#alerts",
// "x#alert") does not count.
func StripAlertTag(subject string) (string, bool) {
	lower := asciiLowerString(subject)
	var b strings.Builder
	found := false
	i := 0
	for i < len(subject) {
		j := strings.Index(lower[i:], alertTag)
		if j < 0 {
			break
		}
		at, end := i+j, i+j+len(alertTag)
		if wordEdgeBefore(subject, at) && wordEdgeAfter(subject, end) {
			b.WriteString(subject[i:at])
			found = true
		} else {
			b.WriteString(subject[i:end])
		}
		i = end
	}
	if !found {
		return subject, false
	}
	b.WriteString(subject[i:])
	return strings.Join(strings.Fields(b.String()), " "), true
}

func asciiLowerString(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '#' || r == '-'
}

func wordEdgeBefore(s string, at int) bool {
	if at == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:at])
	return !isWordRune(r)
}

func wordEdgeAfter(s string, end int) bool {
	if end >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[end:])
	return !isWordRune(r)
}

// alertOf tells whether an accepted post is an action alert: its
// author is a moderator or owner of the list, and its subject carries
// #alert or the door asked for one. subject is what members see then.
func alertOf(tx *store.Tx, list store.List, m *rewrite.Message, asked bool) (subject string, ok bool) {
	subject, tagged := StripAlertTag(m.Subject)
	if !tagged && !asked {
		return "", false
	}
	if m.From == nil {
		return "", false
	}
	mb, err := tx.Membership(list.Name, NormalizeAddress(m.From.Address))
	if err != nil || RoleRank(mb.Role) < RoleRank("moderator") {
		return "", false
	}
	if strings.TrimSpace(subject) == "" {
		subject = "Action alert"
	}
	return subject, true
}

// alertReaches tells whether an alert goes to a member: `each` and
// `digest` (at once), never `nomail`, and only when delivery works.
func alertReaches(mb store.Membership) bool {
	return (mb.Mode == store.ModeEach || mb.Mode == store.ModeDigest) && Deliverable(mb)
}

// alertLink is the "I did it" page of a token (or of the mark that
// stands for it in a shared body).
func (s *Service) alertLink(tok string) string { return s.o.PublicURL + "/a/" + tok }

// alertReplyParts are the header line halves around a recipient's token: a
// personal Reply-To NAME-act+TOKEN@domain.
func (s *Service) alertReplyParts(list string) (head, tail string) {
	a := s.addr(list, RoleAct, "TOKEN")
	i := strings.Index(a, "TOKEN")
	return "Reply-To: " + a[:i], a[i+len("TOKEN"):] + "\r\n"
}

// fanOutAlert sends an accepted alert: the list's copy o describes,
// with the "I did it" part added and no shared Reply-To, to every member
// alertReaches, each with a personal token; and it stores the alert and
// its recipients. It runs in the post's transaction, after the archive.
func (s *Service) fanOutAlert(tx *store.Tx, list store.List, m *rewrite.Message, o rewrite.Options, meta store.ArchiveMeta) error {
	now := s.clock.Now()
	id, err := tx.NextAlertID()
	if err != nil {
		return err
	}
	mark := newAlertMark()
	// The part is the same in every copy: in the list's language.
	_, part, err := s.renderIn(Lang(list.Settings.Language), list.Name, "alert-link", map[string]any{"Title": listTitle(list), "List": list.Name, "Link": s.alertLink(mark)})
	if err != nil {
		return err
	}
	o.Tail, o.DropReplyTo, o.ReplyToList = part, true, false
	out, err := rewrite.Rewrite(m, o)
	if err != nil {
		return reject(554, [3]int{5, 6, 0}, "the message could not be prepared for the list", err)
	}
	if out, err = rewrite.WithFooter(out, s.PostFooter(list, meta.Subject, meta.MessageID)); err != nil {
		return reject(554, [3]int{5, 6, 0}, "the message could not be prepared for the list", err)
	}
	if !bytes.Contains(out, []byte(mark)) {
		// A signed or encrypted post cannot take the part; replies to
		// the personal Reply-To still count.
		s.log.Warn("alert sent without its I-did-it link (the post cannot take a part)", "list", list.Name, "message_id", meta.MessageID)
	}
	a := store.Alert{ID: id, List: list.Name, Seq: meta.Seq, MessageID: meta.MessageID, Subject: meta.Subject, Author: meta.From, Sent: now}
	rcpts, recs, err := s.alertRecipients(tx, list, id, func(mb store.Membership, next uint32) (uint32, bool) {
		return next, alertReaches(mb)
	})
	if err != nil {
		return err
	}
	a.Recipients = len(rcpts)
	if err := s.saveAlert(tx, a, recs...); err != nil {
		return err
	}
	if len(rcpts) > 0 {
		msg := outbox.Message{List: list.Name, Raw: out, At: now, Mark: mark}
		if _, err := s.outbox.Enqueue(tx, msg, rcpts, outbox.KindAlert); err != nil {
			return err
		}
	}
	tx.OnCommit(func() { s.log.Info("alert sent", "list", list.Name, "alert", id, "recipients", len(rcpts)) })
	return nil
}

// alertRecipients makes the delivery work and the alert records for
// every member pick accepts, each with a fresh token naming the index
// pick gives (next is the count so far: a new alert numbers its
// recipients in roster order).
func (s *Service) alertRecipients(tx *store.Tx, list store.List, id uint64, pick func(mb store.Membership, next uint32) (uint32, bool)) ([]store.QueuedRcpt, []store.AlertRcpt, error) {
	var (
		rcpts []store.QueuedRcpt
		recs  []store.AlertRcpt
	)
	replyHead, replyTail := s.alertReplyParts(list.Name)
	unsubHead, unsubTail := s.unsubscribeParts(list.Name)
	bounces := s.addr(list.Name, RoleBounces, "")
	err := tx.EachMember(list.Name, func(mb store.Membership) error {
		idx, ok := pick(mb, uint32(len(rcpts)))
		if !ok {
			return nil
		}
		tok := newAlertToken(id, idx)
		r := store.QueuedRcpt{Address: mb.Address, EnvelopeFrom: bounces, Fill: tok, Header: replyHead + tok + replyTail}
		if list.Settings.Personalize {
			r.EnvelopeFrom = s.addr(list.Name, RoleBounces, mb.BounceToken)
			r.Header = unsubHead + mb.UnsubToken + unsubTail + r.Header
		}
		rcpts = append(rcpts, r)
		recs = append(recs, store.AlertRcpt{Alert: id, Index: idx, Address: mb.Address, Hashes: [][]byte{hashAlertToken(tok)}})
		return nil
	})
	return rcpts, recs, err
}

// saveAlert is the one writer of alert records: an alert and any of its
// recipients, as sent, acted on, or followed up.
func (s *Service) saveAlert(tx *store.Tx, a store.Alert, rcpts ...store.AlertRcpt) error {
	if err := tx.PutAlert(a); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := tx.PutAlertRcpt(r); err != nil {
			return err
		}
	}
	return nil
}

func listTitle(l store.List) string {
	if l.Settings.Title != "" {
		return l.Settings.Title
	}
	return l.Name
}
