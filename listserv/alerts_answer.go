package listserv

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"minyan/store"
)

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
		subj, body, err := s.renderTx(tx, r.Address, l.Name, "alert-thanks", map[string]any{"Title": listTitle(l), "Subject": a.Subject, "Already": !first})
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
		if l.Settings.Archive != store.ArchiveOff {
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
