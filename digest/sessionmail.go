package digest

import (
	"fmt"
	"net/mail"
	"time"

	"minyan/listserv"
	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/store"
)

// sessionMembers are the members who get session mail: everyone
// deliverable and not in nomail (digest-mode members too).
func sessionMembers(tx *store.Tx, l store.List) ([]store.Membership, error) {
	var out []store.Membership
	err := tx.EachMember(l.Name, func(mb store.Membership) error {
		if listserv.Deliverable(mb) && mb.Mode != listserv.ModeNomail {
			out = append(out, mb)
		}
		return nil
	})
	return out, err
}

// invite renders a session's calendar object. Its SUMMARY and
// DESCRIPTION come from the session-invite template.
func (s *Scheduler) invite(l store.List, si SessionInfo, method string, now time.Time) ([]byte, error) {
	v := s.view(l, si)
	summary, desc, err := s.svc.RenderIn(listLang(l), l.Name, "session-invite", v)
	if err != nil {
		return nil, err
	}
	from := s.listFrom(l, listserv.RoleOwner)
	return ICS(Invite{
		Method: method, UID: SessionUID(l.Name, si.ID, s.svc.Domain()), Sequence: si.Sequence,
		Stamp: now, Start: si.Start, End: si.End, Summary: summary, Description: desc, Link: si.Link,
		Location: si.Location, AllDay: si.AllDay,
		Organizer: from.Address, OrganizerName: from.Name, Cancelled: method == MethodCancel,
		Zone: listZone(store.List{}, si.Zone), // the series' zone (UTC if unknown)
	})
}

// sessionMail says which session mail to write.
type sessionMail struct {
	kind     outbox.Kind
	template string
	method   string // iCalendar method
	// rsvp gives each recipient a Reply-To with their own RSVP token.
	rsvp bool
	key  string // idempotency key (and Message-ID)
	// was is the session's previous time, for the update mail.
	was SessionTime
	// registered sends only to the people registered for the session.
	registered bool
}

// sessionMailData is what reminder-session, session-moved and
// session-cancelled see.
type sessionMailData struct {
	SessionView
	Was  SessionTime
	RSVP bool
}

// queueSessionMail queues a reminder, update or cancellation to every
// member not in nomail, inside the caller's transaction. The message is
// rendered once; each recipient's RSVP Reply-To is spliced in with their
// unsubscribe header. It returns the number of recipients.
func (s *Scheduler) queueSessionMail(tx *store.Tx, l store.List, si SessionInfo, m sessionMail, now time.Time) (int, error) {
	members, err := sessionMembers(tx, l)
	if err == nil && (m.registered || m.kind == kindReminder && si.Registration()) {
		members, err = registeredMembers(tx, l, si, members) // the others had the announcement
	}
	if err != nil || len(members) == 0 {
		return 0, err
	}
	// One message for every member: in the list's language.
	subject, body, err := s.svc.RenderIn(listLang(l), l.Name, m.template, sessionMailData{s.view(l, si), m.was, m.rsvp})
	if err != nil {
		return 0, err
	}
	ics, err := s.invite(l, si, m.method, now)
	if err != nil {
		return 0, err
	}
	raw := s.sessionMessage(l, subject, mailcompose.StableID(m.key, s.svc.Domain()), now, body, ics, m.method, m.rsvp)
	rcpts, err := s.sessionRecipients(tx, l, si, members, m.rsvp, now)
	if err != nil {
		return 0, err
	}
	if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, rcpts, m.kind); err != nil {
		return 0, err
	}
	return len(rcpts), nil
}

// sessionMessage is a session mail: the text, its calendar alternative
// and the same calendar as invite.ics.
//
// A mail that asks for an RSVP is addressed To the member (spliced in per
// recipient with their RSVP Reply-To), not to the list: "reply all" to a
// reminder must not send "yes" to every member.
func (s *Scheduler) sessionMessage(l store.List, subject, msgID string, now time.Time, body string, ics []byte, method string, rsvp bool) []byte {
	from := s.listFrom(l, listserv.RoleOwner)
	var to []string
	if !rsvp {
		to = mailcompose.Addresses(&mail.Address{Name: from.Name, Address: s.svc.Address(l.Name, listserv.RolePost, "")})
	}
	return mailcompose.Compose(mailcompose.Header{
		From:          from.String(),
		To:            to,
		Subject:       subject,
		MessageID:     msgID,
		Date:          now,
		Extra:         s.svc.ListHeaders(l),
		AutoSubmitted: "auto-generated",
	}, mailcompose.Multipart("mixed",
		mailcompose.Multipart("alternative", mailcompose.Text(body), mailcompose.Calendar(ics, method)),
		mailcompose.CalendarFile(ics, method)))
}

// sessionRecipients is the delivery work for members, each with an RSVP
// token of their own when rsvp is set (valid until a day after the
// session ends).
func (s *Scheduler) sessionRecipients(tx *store.Tx, l store.List, si SessionInfo, members []store.Membership, rsvp bool, now time.Time) ([]store.QueuedRcpt, error) {
	out := make([]store.QueuedRcpt, 0, len(members))
	for _, mb := range members {
		r := s.svc.MemberRecipient(l, mb)
		if rsvp {
			tok, err := s.svc.IssueToken(tx, TokenRSVP, l.Name, mb.Address, si.ID, "", si.End.Sub(now)+24*time.Hour)
			if err != nil {
				return nil, err
			}
			r.Header += "To: <" + mb.Address + ">\r\n" +
				"Reply-To: <" + s.svc.Address(l.Name, listserv.RoleConfirm, tok) + ">\r\n"
		}
		out = append(out, r)
	}
	return out, nil
}

// sessionDigestData is what session-digest sees.
type sessionDigestData struct {
	SessionView
	// SinceSession is the start of the previous session, where the
	// thread list starts; zero when there was none and the list covers
	// the last four weeks. The template words it in the list's language.
	SinceSession time.Time
	Threads      []ThreadView
	MoreThreads  int
	// Pairs are the current chevruta pairs, "Alice and Bob" each.
	Pairs []string
	RSVP  RSVPSummary
	// Staff is true in the copy for facilitators, moderators and owners,
	// which names who answered.
	Staff bool
}

// sessionDigestWindow is how far back a list's first session digest
// looks for threads.
const sessionDigestWindow = 28 * 24 * time.Hour

// queueSessionDigest queues the session digest: one copy for the
// organizers (with the names behind the RSVP counts), one for everyone
// else, both under the same job.
func (s *Scheduler) queueSessionDigest(tx *store.Tx, l store.List, si SessionInfo, key string, now time.Time) (int, error) {
	members, err := sessionMembers(tx, l)
	if err == nil && si.Registration() {
		members, err = registeredMembers(tx, l, si, members)
	}
	if err != nil || len(members) == 0 {
		return 0, err
	}
	sessions, err := loadSessions(tx, l, nil)
	if err != nil {
		return 0, err
	}
	loc := listZone(l, si.Zone)
	since, sinceSession := now.Add(-sessionDigestWindow), time.Time{}
	for _, o := range sessions {
		if o.Status == store.SessionScheduled && o.ID != si.ID && o.Start.Before(si.Start) {
			since, sinceSession = o.Start, o.Start.In(loc)
		}
	}
	threads, more, err := summarizeThreads(tx, l.Name, since, now)
	if err != nil {
		return 0, err
	}
	s.sessionLinks(l, threads)
	var pairs []string
	if p, err := tx.Pairing(l.Name); err == nil && p.ListUID == l.UIDValidity {
		for _, g := range p.Groups {
			names := make([]string, len(g))
			for i, a := range g {
				names[i] = personName(tx, a)
			}
			pairs = append(pairs, listserv.JoinNames(names))
		}
	}
	rsvp, err := rsvpSummary(tx, l.Name, si.ID)
	if err != nil {
		return 0, err
	}
	var staff, others []store.Membership
	for _, mb := range members {
		if listserv.CanModerate(mb.Role) {
			staff = append(staff, mb)
		} else {
			others = append(others, mb)
		}
	}
	ics, err := s.invite(l, si, MethodPublish, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, audience := range []struct {
		members []store.Membership
		staff   bool
		id      string
	}{{staff, true, key + "/staff"}, {others, false, key}} {
		if len(audience.members) == 0 {
			continue
		}
		data := sessionDigestData{SessionView: s.view(l, si), SinceSession: sinceSession, Threads: threads, MoreThreads: more,
			Pairs: pairs, RSVP: rsvp, Staff: audience.staff}
		subject, body, err := s.svc.RenderIn(listLang(l), l.Name, "session-digest", data)
		if err != nil {
			return 0, err
		}
		copies, err := s.sessionDigestCopies(l, audience.members, audience.id, subject, body, data, ics, now)
		if err != nil {
			return 0, err
		}
		for _, c := range copies {
			rcpts, err := s.sessionRecipients(tx, l, si, c.members, true, now)
			if err != nil {
				return 0, err
			}
			if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: c.raw, At: now}, rcpts, outbox.KindSessionDigest); err != nil {
				return 0, fmt.Errorf("queue session digest: %w", err)
			}
			n += len(rcpts)
		}
	}
	return n, nil
}
