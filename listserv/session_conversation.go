package listserv

import (
	"context"
	"errors"
	"sync"
	"time"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// A session's conversation (SPEC "Events follow-through"): mail to
// NAME-sID@ from a member of the list, from 48 hours before the session
// starts, is archived with the list and reaches only the people
// registered for session ID. Who they are and when the conversation is
// open is the scheduler's to say (it owns sessions and registrations):
// it registers a SessionAudience here.

// SessionAudience answers, inside the caller's transaction, who session
// id of list l reaches now. closed is a sentence for the sender when the
// session does not take mail now (unknown, cancelled, not yet open,
// over), written in the sender's language; ErrNotFound when there is no
// such session.
type SessionAudience func(tx *store.Tx, l store.List, id uint64, now time.Time) (audience []string, closed Said, err error)

type sessionAudienceHook struct {
	mu sync.RWMutex
	fn SessionAudience
}

// HandleSessionAudience registers the scheduler's answer; call it while
// wiring, before mail flows.
func (s *Service) HandleSessionAudience(fn SessionAudience) {
	s.audience.mu.Lock()
	defer s.audience.mu.Unlock()
	s.audience.fn = fn
}

func (s *Service) sessionAudience() SessionAudience {
	s.audience.mu.RLock()
	defer s.audience.mu.RUnlock()
	return s.audience.fn
}

// errNoSession answers mail for a session address that names no
// session of the list.
var errNoSession = reject(550, [3]int{5, 1, 1}, "no such session address", nil)

// sessionExists is RCPT's check of NAME-sID@: the session is the list's.
func sessionExists(tx *store.Tx, l store.List, id uint64) bool {
	ss, err := tx.Session(l.Name, id)
	return err == nil && ss.ListUID == l.UIDValidity
}

// receiveSessionPost takes a post to a session's conversation: from a
// member of the list (the author as the sender check found them; a
// forged or unverifiable author on a guarded list is refused), while the
// conversation is open, archived with the list and sent to the people
// registered for the session only.
func (s *Service) receiveSessionPost(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	p, err := s.preparePostTo(ctx, env, la.List, raw)
	if err != nil {
		return err
	}
	if p.robot != "" {
		s.log.Info("automatic mail to a session address ignored", "list", la.List, "session", la.Session, "why", p.robot)
		return nil
	}
	audienceOf := s.sessionAudience()
	if audienceOf == nil {
		return errNoSession
	}
	from := NormalizeAddress(p.m.From.Address)
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(la.List)
		if err != nil {
			return ErrNoSuchAddress
		}
		audience, closed, err := audienceOf(tx, l, la.Session, s.clock.Now())
		if errors.Is(err, ErrNotFound) {
			return errNoSession
		}
		if err != nil {
			return err
		}
		mb, err := tx.Membership(l.Name, from)
		member := err == nil && (Counts(mb) || mb.Status == StatusAlumni)
		switch {
		case !member:
			return s.refuseSessionPost(tx, l, la, p.m, env, say("session_post.not_member", from))
		case p.verdict.Unclear() != "" || p.verdict.Forged():
			return s.refuseSessionPost(tx, l, la, p.m, env, say("session_post.unverified", from, p.verdict.Unclear()))
		case !closed.IsZero():
			return s.refuseSessionPost(tx, l, la, p.m, env, closed)
		}
		if tx.ArchiveSeqByMessageID(l.Name, p.m.MessageID) != 0 && p.m.MessageID != "" {
			return nil // a retry of a post already taken
		}
		munge, _ := s.mungeFor(l, p.verdict)
		_, err = s.distributeTo(tx, l, p.m, munge, false, audience)
		return err
	})
	var r *Reject
	switch {
	case errors.As(err, &r):
		return r
	case err != nil:
		return tempFail(err)
	}
	return nil
}

// audienceRecipients is the delivery work for the people of a session's
// conversation who still get the list's mail (any mode but nomail: they
// registered, so the conversation comes one by one).
func (s *Service) audienceRecipients(tx *store.Tx, list store.List, audience []string) ([]store.QueuedRcpt, error) {
	var out []store.QueuedRcpt
	for _, a := range audience {
		mb, err := tx.Membership(list.Name, a)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !Deliverable(mb) || mb.Mode == ModeNomail {
			continue
		}
		out = append(out, s.MemberRecipient(list, mb))
	}
	return out, nil
}

// refuseSessionPost tells the author why the session's conversation did
// not take their message (nobody for the null sender).
func (s *Service) refuseSessionPost(tx *store.Tx, l store.List, la ListAddress, m *rewrite.Message, env Envelope, reason Said) error {
	if env.From == "" {
		return nil
	}
	// In the author's language: the reason is a Said, which {{t}}
	// writes in the text's language.
	subj, body, err := s.renderTx(tx, m.From.Address, l.Name, "post-rejected", map[string]any{
		"Name": m.From.Name, "Subject": m.Subject, "ListAddress": la.Address(s.o.Domain),
		"Reason": reason, "OwnerAddress": s.addr(l.Name, RoleOwner, ""),
		"Title": titleFor(tx, l, m.From.Address, s.addr(l.Name, RolePost, "")),
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{
		List: l.Name, To: []string{NormalizeAddress(m.From.Address)}, From: s.addr(l.Name, RoleOwner, ""),
		Subject: subj, Body: body, InReplyTo: m.MessageID,
	})
}
