package listserv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyan/listserv/mailcompose"
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
	return (mb.Mode == "each" || mb.Mode == "digest") && Deliverable(mb)
}

// alertLink is the "I did it" page of a token (or of the mark that
// stands for it in a shared body).
func (s *Service) alertLink(tok string) string { return s.o.PublicURL + "/a/" + tok }

// alertParts are the header line halves around a recipient's token: a
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
	_, part, err := s.render(list.Name, "alert-link", map[string]any{"Title": listTitle(list), "List": list.Name, "Link": s.alertLink(mark)})
	if err != nil {
		return err
	}
	o.Tail, o.DropReplyTo, o.ReplyToList = part, true, false
	out, err := rewrite.Rewrite(m, o)
	if err != nil {
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

// alertRecipient finds what a token names, if it is valid: well shaped,
// matching a stored hash, of a list that still exists, and not older
// than alertTokenTTL. Every failure is ErrBadAlertLink.
func (s *Service) alertRecipient(tx *store.Tx, tok string) (store.List, store.Alert, store.AlertRcpt, error) {
	var (
		l store.List
		a store.Alert
		r store.AlertRcpt
	)
	id, idx, ok := parseAlertToken(tok)
	if !ok {
		return l, a, r, ErrBadAlertLink
	}
	r, err := tx.AlertRcpt(id, idx)
	if err != nil || !alertTokenMatches(tok, r.Hashes) {
		return l, a, r, ErrBadAlertLink
	}
	if a, err = tx.Alert(id); err != nil {
		return l, a, r, ErrBadAlertLink
	}
	if s.clock.Now().Sub(a.Sent) > alertTokenTTL {
		return l, a, r, ErrBadAlertLink
	}
	if l, err = tx.List(a.List); err != nil {
		return l, a, r, ErrBadAlertLink
	}
	return l, a, r, nil
}

// markAlertDone records that a member acted. The first answer counts;
// later ones change nothing (first is false then).
func (s *Service) markAlertDone(tx *store.Tx, a store.Alert, r store.AlertRcpt, via AlertVia, note string) (first bool, err error) {
	if !r.Done.IsZero() {
		return false, nil
	}
	r.Done, r.Via, r.Note = s.clock.Now(), string(via), clipNote(note)
	a.Done++
	if err := s.saveAlert(tx, a, r); err != nil {
		return false, err
	}
	data := map[string]any{"alert": a.ID, "subject": a.Subject, "address": r.Address, "via": string(via), "note": r.Note}
	if err := s.emit(tx, EventAlertDone, a.List, data); err != nil {
		return false, err
	}
	tx.OnCommit(func() { s.log.Info("alert acted on", "list", a.List, "alert", a.ID, "via", via) })
	return true, nil
}

// clipNote keeps one line of at most maxAlertNote bytes, cut at a rune.
func clipNote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxAlertNote {
		return s
	}
	n := maxAlertNote
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// receiveAlertReply handles mail to NAME-act+TOKEN: a valid token marks
// its member as done with the reply's first line as the note and mails
// the member (at their address on the list, not the reply's From) a
// short thanks; the reply itself goes nowhere. An automatic reply
// (vacation, Auto-Submitted) is accepted and ignored. An invalid token
// records nothing and is refused with one generic 550.
func (s *Service) receiveAlertReply(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if why := robotReason(m); why != "" {
		s.log.Info("automatic mail to an alert reply address ignored", "list", la.List, "why", why)
		return nil
	}
	note := ""
	if lines := AnswerLines(ReplyText(raw)); len(lines) > 0 {
		note = lines[0]
	}
	err = s.st.Update(func(tx *store.Tx) error {
		l, a, r, err := s.alertRecipient(tx, la.Token)
		if err != nil || l.Name != la.List {
			return ErrBadAlertLink
		}
		first, err := s.markAlertDone(tx, a, r, AlertViaReply, note)
		if err != nil {
			return err
		}
		subj, body, err := s.render(l.Name, "alert-thanks", map[string]any{"Title": listTitle(l), "Subject": a.Subject, "Already": !first})
		if err != nil {
			return err
		}
		return s.queueNotice(tx, notice{List: l.Name, To: []string{r.Address}, From: s.addr(l.Name, RoleRequest, ""),
			Subject: subj, Body: body, InReplyTo: m.MessageID})
	})
	switch {
	case errors.Is(err, ErrBadAlertLink):
		return errBadAlertReply
	case err != nil:
		return tempFail(err)
	}
	return nil
}

// AlertAction is what the "I did it" page shows the holder of a link.
type AlertAction struct {
	List, Title, Subject string
	// Text is the alert's text as archived (its first text part).
	Text string
	// Archive is the alert's page in the web archive ("" when none).
	Archive string
	Sent    time.Time
	Address string
	// Done is when the member acted (zero: not yet).
	Done time.Time
	// First is set by ActOnAlert when this press was the one recorded.
	First bool
}

func (s *Service) alertAction(tx *store.Tx, l store.List, a store.Alert, r store.AlertRcpt) AlertAction {
	v := AlertAction{List: l.Name, Title: listTitle(l), Subject: a.Subject, Sent: a.Sent, Address: r.Address, Done: r.Done}
	if a.Seq != 0 {
		if raw, err := tx.ArchiveRaw(l.Name, a.Seq); err == nil {
			v.Text = withoutFooter(ReplyText(raw))
		}
		if l.Settings.Archive != "off" {
			v.Archive = s.ArchiveURL(l.Name, a.Seq)
		}
	}
	return v
}

// withoutFooter is a post's text up to its signature or footer
// separator ("-- " on a line of its own), which the list's footer (and
// its mute link) follows.
func withoutFooter(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if i := strings.Index("\n"+text, "\n-- \n"); i >= 0 {
		text = text[:i]
	}
	return strings.TrimSpace(text)
}

// AlertByToken is what GET /a/TOKEN shows; it changes nothing.
func (s *Service) AlertByToken(tok string) (AlertAction, error) {
	var v AlertAction
	err := s.st.View(func(tx *store.Tx) error {
		l, a, r, err := s.alertRecipient(tx, tok)
		if err != nil {
			return err
		}
		v = s.alertAction(tx, l, a, r)
		return nil
	})
	return v, err
}

// ActOnAlert records the press of the "I did it" button (POST /a/TOKEN):
// the holder of a valid link is marked done; pressing again changes
// nothing. An invalid link is ErrBadAlertLink and records nothing.
func (s *Service) ActOnAlert(ctx context.Context, tok string) (AlertAction, error) {
	var v AlertAction
	err := s.st.Update(func(tx *store.Tx) error {
		l, a, r, err := s.alertRecipient(tx, tok)
		if err != nil {
			return err
		}
		first, err := s.markAlertDone(tx, a, r, AlertViaWeb, "")
		if err != nil {
			return err
		}
		if first {
			r.Done = s.clock.Now()
		}
		v = s.alertAction(tx, l, a, r)
		v.First = first
		return nil
	})
	return v, err
}

// AlertSummary is one alert as the owners' views show it.
type AlertSummary struct {
	store.Alert
	// FollowupDue is when the follow-up goes (zero: never, or sent).
	FollowupDue time.Time
}

// Percent is the share of recipients who acted, rounded down.
func (a AlertSummary) Percent() int {
	if a.Recipients == 0 {
		return 0
	}
	return a.Done * 100 / a.Recipients
}

func alertSummary(l store.List, a store.Alert) AlertSummary {
	v := AlertSummary{Alert: a}
	if after := l.Settings.AlertFollowupAfter; after > 0 && a.FollowupSent.IsZero() {
		v.FollowupDue = a.Sent.Add(after)
	}
	return v
}

// ListAlerts returns a list's alerts, newest first, for its moderators
// and owners.
func (s *Service) ListAlerts(ctx context.Context, a Actor, list string) ([]AlertSummary, error) {
	var out []AlertSummary
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, permAlerts)
		if err != nil {
			return err
		}
		alerts, err := tx.Alerts(list)
		for _, al := range alerts {
			out = append(out, alertSummary(l, al))
		}
		return err
	})
	return out, err
}

// AlertDetail returns one alert of a list and every member it went to,
// in fan-out order (roster order), for its moderators and owners.
func (s *Service) AlertDetail(ctx context.Context, a Actor, list string, id uint64) (AlertSummary, []store.AlertRcpt, error) {
	var (
		sum   AlertSummary
		rcpts []store.AlertRcpt
	)
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, permAlerts)
		if err != nil {
			return err
		}
		al, err := tx.Alert(id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && al.List != list) {
			return fmt.Errorf("%s has no alert %d: %w", list, id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		sum = alertSummary(l, al)
		return tx.EachAlertRcpt(id, func(r store.AlertRcpt) error {
			r.Hashes = nil // never leaves the domain
			rcpts = append(rcpts, r)
			return nil
		})
	})
	return sum, rcpts, err
}

// maintainAlerts sends each alert's one follow-up when it falls due:
// alert_followup_after after the alert, to the members it went to who
// have not acted and whom list mail still reaches. Marking the alert and
// queueing the mail share one transaction, so it goes exactly once,
// also across restarts; an alert older than its tokens gets none.
func (s *Service) maintainAlerts(ctx context.Context, now time.Time) error {
	var due []uint64
	err := s.st.View(func(tx *store.Tx) error {
		alerts, err := tx.Alerts("")
		if err != nil {
			return err
		}
		for _, a := range alerts {
			if !a.FollowupSent.IsZero() || now.Sub(a.Sent) > alertTokenTTL {
				continue
			}
			l, err := tx.List(a.List)
			if err != nil {
				continue
			}
			if after := l.Settings.AlertFollowupAfter; after > 0 && !now.Before(a.Sent.Add(after)) {
				due = append(due, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range due {
		if err := s.st.Update(func(tx *store.Tx) error { return s.followUpAlert(tx, id, now) }); err != nil {
			return fmt.Errorf("alert %d follow-up: %w", id, err)
		}
	}
	return nil
}

// followUpAlert sends alert id's follow-up unless it went already.
func (s *Service) followUpAlert(tx *store.Tx, id uint64, now time.Time) error {
	a, err := tx.Alert(id)
	if err != nil || !a.FollowupSent.IsZero() {
		return err
	}
	l, err := tx.List(a.List)
	if err != nil {
		return nil // list gone
	}
	pending := map[string]store.AlertRcpt{}
	if err := tx.EachAlertRcpt(id, func(r store.AlertRcpt) error {
		if r.Done.IsZero() {
			pending[r.Address] = r
		}
		return nil
	}); err != nil {
		return err
	}
	mark := newAlertMark()
	archive := ""
	if a.Seq != 0 && l.Settings.Archive != "off" {
		archive = s.ArchiveURL(l.Name, a.Seq)
	}
	subj, body, err := s.render(l.Name, "alert-followup", map[string]any{"Title": listTitle(l), "Subject": a.Subject, "Link": s.alertLink(mark), "Archive": archive})
	if err != nil {
		return err
	}
	h := mailcompose.Header{
		From:    (&mail.Address{Name: listTitle(l), Address: s.addr(l.Name, RoleRequest, "")}).String(),
		To:      []string{s.addr(l.Name, RolePost, "")},
		Subject: rewrite.PrefixSubject(subj, l.Settings.SubjectPrefix), Date: now,
		MessageID: mailcompose.NewID(s.o.Domain), InReplyTo: a.MessageID,
		Extra: s.ListHeaders(l),
	}
	raw := mailcompose.Compose(h, mailcompose.Text(body))
	// Tokens are stored hashed, so the follow-up carries new ones, for
	// the same recipient records; the alert's own keep working.
	rcpts, fresh, err := s.alertRecipients(tx, l, id, func(mb store.Membership, _ uint32) (uint32, bool) {
		r, ok := pending[mb.Address]
		return r.Index, ok && alertReaches(mb)
	})
	if err != nil {
		return err
	}
	recs := make([]store.AlertRcpt, 0, len(fresh))
	for _, f := range fresh {
		r := pending[f.Address]
		r.Hashes = append(r.Hashes, f.Hashes...)
		recs = append(recs, r)
	}
	a.FollowupSent, a.FollowupCount = now, len(rcpts)
	if err := s.saveAlert(tx, a, recs...); err != nil {
		return err
	}
	if len(rcpts) > 0 {
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now, Mark: mark}, rcpts, outbox.KindAlertFollowup); err != nil {
			return err
		}
	}
	tx.OnCommit(func() { s.log.Info("alert follow-up sent", "list", l.Name, "alert", id, "recipients", len(rcpts)) })
	return nil
}

func listTitle(l store.List) string {
	if l.Settings.Title != "" {
		return l.Settings.Title
	}
	return l.Name
}
