package digest

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"minyan/digest/certificate"
	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/store"
)

// Events follow through (SPEC "Events follow-through"): "still coming?"
// before a session with seats (its "no" is an ordinary RSVP answer, so
// the seat goes to the waitlist by respond), attendance marked by the
// organizers, and a feedback mail after the end whose answer is kept on
// the person's RSVP record (events.go writes it).

// TokenFeedback is the token kind of the Reply-To of feedback mail: a
// reply to it is a rating and words.
const TokenFeedback = "feedback"

// feedbackWindow is how long after it falls due a feedback mail is still
// worth sending (after downtime), and how long its answer is taken.
const feedbackWindow = 14 * 24 * time.Hour

// AttendResult is what `minyan session attend` did.
type AttendResult struct {
	// Marked are the addresses now marked present; Refused says why the
	// others were not.
	Marked  []string
	Refused map[string]listserv.Said
}

// Attend marks people present at a session of a list. It needs
// PermSessions. A session with seats takes only people who answered
// it; one without takes any member.
func (s *Scheduler) Attend(ctx context.Context, a listserv.Actor, list string, id uint64, addrs []string) (AttendResult, error) {
	res := AttendResult{Refused: map[string]listserv.Said{}}
	now := s.svc.Now()
	err := s.st.Update(func(tx *store.Tx) error {
		res = AttendResult{Refused: map[string]listserv.Said{}}
		l, _, si, err := s.organizerSession(tx, a, list, id)
		if err != nil {
			return err
		}
		for _, addr := range addrs {
			addr = listserv.NormalizeAddress(addr)
			mb, err := tx.Membership(l.Name, addr)
			if err != nil || !(listserv.Counts(mb) || mb.Status == listserv.StatusAlumni) {
				res.Refused[addr] = listserv.Said{Key: "attend_err.not_member", Args: []any{l.Name}}
				continue
			}
			ok, first, err := s.markAttended(tx, l, si, addr, now)
			if err != nil {
				return err
			}
			if !ok {
				res.Refused[addr] = listserv.Said{Key: "attend_err.not_registered"}
				continue
			}
			res.Marked = append(res.Marked, addr)
			if first && (listserv.Deliverable(mb) || mb.Status == listserv.StatusAlumni) {
				if err := s.mailCertificate(tx, l, si, addr, now); err != nil {
					return err
				}
			}
		}
		if len(res.Marked) == 0 {
			return nil
		}
		return s.svc.AuditChange(tx, a, l.Name, fmt.Sprintf("marked present at session %d: %s", id, strings.Join(res.Marked, ", ")))
	})
	return res, err
}

// certificateData is what the certificate and certificate-mail
// templates see: the session and the person's name.
type certificateData struct {
	SessionView
	Person string
}

// certificate draws addr's certificate of completion for a session. Its
// words are the certificate template: the subject is the heading, the
// first line of the body the name, the other lines go below it.
func (s *Scheduler) certificate(tx *store.Tx, l store.List, si SessionInfo, addr string) ([]byte, error) {
	// In the person's language, like the mail around it: the
	// certificate package puts right-to-left lines in visual order.
	heading, body, err := s.svc.RenderTx(tx, addr, l.Name, "certificate", certificateData{SessionView: s.view(l, si), Person: personName(tx, addr)})
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, ln := range strings.Split(body, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			lines = append(lines, ln)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("the certificate template of %s has no name line", l.Name)
	}
	return certificate.Certificate{Heading: heading, Name: lines[0], Lines: lines[1:], Title: heading}.PDF()
}

// mailCertificate sends addr their certificate, attached to a short note.
func (s *Scheduler) mailCertificate(tx *store.Tx, l store.List, si SessionInfo, addr string, now time.Time) error {
	pdf, err := s.certificate(tx, l, si, addr)
	if err != nil {
		return err
	}
	data := certificateData{SessionView: s.view(l, si), Person: personName(tx, addr)}
	subject, body, err := s.svc.RenderTx(tx, addr, l.Name, "certificate-mail", struct {
		certificateData
		URL string
	}{data, fmt.Sprintf("%s/me/certificates/%s/%d.pdf", s.svc.PublicURL(), l.Name, si.ID)})
	if err != nil {
		return err
	}
	h := s.ownerMail(l, subject, fmt.Sprintf("certificate/%s/%d/%s", l.Name, si.ID, addr), now)
	h.To = mailcompose.Addresses(personAddress(tx, addr))
	raw := mailcompose.Compose(h, mailcompose.Multipart("mixed", mailcompose.Text(body), mailcompose.PDFFile(pdf, "certificate.pdf")))
	rcpt := store.QueuedRcpt{Address: addr, EnvelopeFrom: s.svc.Address(l.Name, listserv.RoleBounces, "")}
	_, err = s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, []store.QueuedRcpt{rcpt}, outbox.KindNotice)
	return err
}

// Certificate is the signed-in person's certificate of completion for a
// session they were marked present at. Anyone else, and any session
// that is not theirs, gets ErrNotFound (the web door's 404), so the
// answer tells nothing about the list or who attended.
func (s *Scheduler) Certificate(ctx context.Context, a listserv.Actor, list string, id uint64) ([]byte, error) {
	var pdf []byte
	err := s.st.View(func(tx *store.Tx) error {
		if a.Address == "" {
			return listserv.ErrNotFound
		}
		l, err := tx.List(list)
		if err != nil {
			return listserv.ErrNotFound
		}
		ss, err := tx.Session(l.Name, id)
		if err != nil || ss.ListUID != l.UIDValidity {
			return listserv.ErrNotFound
		}
		r, found, err := rsvpOf(tx, l.Name, id, listserv.NormalizeAddress(a.Address))
		if err != nil {
			return err
		}
		if !found || r.Attended.IsZero() {
			return listserv.ErrNotFound
		}
		si, err := sessionInfo(ss)
		if err != nil {
			return err
		}
		pdf, err = s.certificate(tx, l, si, r.Address)
		return err
	})
	return pdf, err
}

// feedbackData is what session-feedback sees.
type feedbackData struct {
	SessionView
	Person string
}

// queueFeedback asks each person marked present at a session for a
// rating and words, each with a Reply-To of their own.
func (s *Scheduler) queueFeedback(tx *store.Tx, l store.List, si SessionInfo, key string, now time.Time) (int, error) {
	rs, err := tx.RSVPs(l.Name, si.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if r.Attended.IsZero() {
			continue
		}
		mb, err := tx.Membership(l.Name, r.Address)
		if err != nil || !(listserv.Deliverable(mb) || mb.Status == listserv.StatusAlumni) {
			continue
		}
		subject, body, err := s.svc.RenderTx(tx, r.Address, l.Name, "session-feedback", feedbackData{SessionView: s.view(l, si), Person: personName(tx, r.Address)})
		if err != nil {
			return n, err
		}
		tok, err := s.svc.IssueToken(tx, TokenFeedback, l.Name, r.Address, si.ID, "", feedbackWindow)
		if err != nil {
			return n, err
		}
		h := s.ownerMail(l, subject, key+"/"+r.Address, now)
		h.To = mailcompose.Addresses(personAddress(tx, r.Address))
		h.ReplyTo = mailcompose.Addresses(&mail.Address{Address: s.svc.Address(l.Name, listserv.RoleConfirm, tok)})
		raw := mailcompose.Compose(h, mailcompose.Text(body))
		rcpt := store.QueuedRcpt{Address: r.Address, EnvelopeFrom: s.svc.Address(l.Name, listserv.RoleBounces, "")}
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, []store.QueuedRcpt{rcpt}, kindFeedback); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ParseFeedback reads a reply to the feedback mail: the first digit 1-5
// the person wrote is the rating, every other word the comment. rating
// is 0 when there is no such digit.
func ParseFeedback(lines []string) (rating int, comment string) {
	var words []string
	for _, ln := range lines {
		for _, w := range strings.Fields(ln) {
			t := strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) })
			if rating == 0 && len(t) == 1 && t[0] >= '1' && t[0] <= '5' {
				rating = int(t[0] - '0')
				continue
			}
			words = append(words, w)
		}
	}
	// "4 - great" and "4: great" leave a separator in front.
	comment = strings.TrimLeft(strings.Join(words, " "), " -–—:,.")
	if len(comment) > maxAnswer*4 {
		comment = strings.ToValidUTF8(comment[:maxAnswer*4], "")
	}
	return rating, comment
}

// handleFeedback records a reply to a feedback mail and thanks the
// person; a reply without a rating is asked again.
func (s *Scheduler) handleFeedback(ctx context.Context, r *listserv.Reply) (string, error) {
	tok := r.Token
	// The answer is in the language of whoever wrote.
	lang := s.svc.LanguageFor(r.From, tok.List)
	cat := i18n.Builtin()
	if r.From != tok.Address && listserv.NormalizeAddress(r.EnvelopeFrom) != tok.Address {
		return cat.T(lang, "feedback_go.only", tok.Address), nil
	}
	rating, comment := ParseFeedback(r.Lines)
	if rating == 0 {
		return cat.T(lang, "feedback_go.no_rating"), nil
	}
	var reply string
	err := s.st.Update(func(tx *store.Tx) error {
		rec, found, err := rsvpOf(tx, tok.List, tok.Ref, tok.Address)
		if err != nil {
			return err
		}
		if !found || rec.Attended.IsZero() {
			reply = cat.T(lang, "feedback_go.not_attended")
			return nil
		}
		if err := s.recordFeedback(tx, rec, rating, comment); err != nil {
			return err
		}
		reply = cat.T(lang, "feedback_go.thanks", rating)
		return nil
	})
	return reply, err
}

// Session conversations (NAME-sID@) open sessionConversationOpens before
// a session starts and close sessionConversationCloses after it ends.
const (
	sessionConversationOpens  = 48 * time.Hour
	sessionConversationCloses = 7 * 24 * time.Hour
)

// sessionAudience tells listserv who session id's conversation reaches:
// the people registered for it (a seat, or a "yes" where there is no
// cap), while it is open.
func (s *Scheduler) sessionAudience(tx *store.Tx, l store.List, id uint64, now time.Time) ([]string, listserv.Said, error) {
	ss, si, err := listSession(tx, l, id)
	if errors.Is(err, ErrNoSession) {
		return nil, listserv.Said{}, listserv.ErrNotFound
	}
	if err != nil {
		return nil, listserv.Said{}, err
	}
	v := s.view(l, si)
	switch {
	case ss.Status == store.SessionCancelled:
		return nil, listserv.Said{Key: "session_post.cancelled", Args: []any{v.Name}}, nil
	case now.Before(si.Start.Add(-sessionConversationOpens)):
		return nil, listserv.Said{Key: "session_post.not_open", Args: []any{v.Name, v.WhenShort}}, nil
	case !now.Before(si.End.Add(sessionConversationCloses)):
		return nil, listserv.Said{Key: "session_post.closed", Args: []any{v.Name}}, nil
	}
	rs, err := tx.RSVPs(l.Name, id)
	if err != nil {
		return nil, listserv.Said{}, err
	}
	var out []string
	for _, r := range rs {
		if standingOf(r) == StandingRegistered && counted(tx, l.Name, r.Address) {
			out = append(out, r.Address)
		}
	}
	return out, listserv.Said{}, nil
}
