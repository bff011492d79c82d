package listserv

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// A post travels one straight line through this file:
//
//  1. check  (preparePost): the message is parsed once; the sender check
//     judges the author that parse found and the verdict is recorded in
//     the message (Authentication-Results). DNS only, no transaction.
//  2. decide (postTo): the facts (membership, duplicate, loop, verdict)
//     go through the posting chain (policy.go), one table, first match.
//  3. render and commit (postTo): an accepted post is rewritten for the
//     list, archived and queued for delivery (distribute), a held one
//     stored for moderators, a refused one answered; for every list the
//     message was addressed to, all in one store transaction, before
//     the SMTP or LMTP answer.

// inbound is a post after the check step.
type inbound struct {
	env Envelope
	// m is the one parse of the message; m.Raw carries the verdict.
	m *rewrite.Message
	// size is the message's size as received, for the lists' limits.
	size    int
	robot   string
	verdict SenderVerdict
	// alert is the door's request to make the post an action alert
	// (PostOptions.Alert); the author's role still decides.
	alert bool
}

// preparePost parses the message once and runs the sender check on the
// author that parse found. Automatic messages are not checked (the chain
// discards them first).
func (s *Service) preparePost(ctx context.Context, env Envelope, raw []byte) (*inbound, error) {
	m, err := parse(raw)
	if err != nil {
		return nil, err
	}
	p := &inbound{env: env, m: m, size: len(raw), robot: robotReason(m)}
	if p.robot == "" {
		p.verdict = s.checkSender(ctx, env, m)
		if err := p.verdict.Result.AddTo(m); err != nil {
			// Recording the verdict must never cost the post (a header
			// just under the size limit).
			s.log.Info("Authentication-Results not recorded", "message_id", m.MessageID, "err", err)
		}
	}
	return p, nil
}

// preparePostTo is preparePost for a post to list, refused with
// ErrTooBig first when it is over the list's max_message_bytes.
func (s *Service) preparePostTo(ctx context.Context, env Envelope, list string, raw []byte) (*inbound, error) {
	l, err := s.loadList(list)
	if err != nil {
		return nil, err
	}
	if max := l.Settings.MaxMessageBytes; max > 0 && int64(len(raw)) > max {
		return nil, ErrTooBig
	}
	return s.preparePost(ctx, env, raw)
}

// receivePost handles a message for one list's posting address.
func (s *Service) receivePost(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	return s.receivePostWith(ctx, env, la, raw, PostOptions{})
}

func (s *Service) receivePostWith(ctx context.Context, env Envelope, la ListAddress, raw []byte, o PostOptions) error {
	p, err := s.preparePostTo(ctx, env, la.List, raw)
	if err != nil {
		return err
	}
	p.alert = o.Alert
	_, _, err = s.commitPost(p, []string{la.List}, false)
	return err
}

// commitPost runs decide → render → commit for each list in names, all
// in one store transaction. Alone (crossPost false) a list's refusal is
// the answer. In a cross-post a list's permanent refusal becomes a
// notice to the author and the others go ahead; answers then holds each
// list's refusal (nil when it took the post). A temporary failure of any
// list fails the whole transaction, so nothing is half done.
func (s *Service) commitPost(p *inbound, names []string, crossPost bool) (answers []error, decisions []Decision, err error) {
	type done struct {
		list string
		d    Decision
	}
	var decided []done
	for range names {
		s.metrics.Posts.WithLabelValues("received").Inc()
	}
	err = s.st.Batch(func(tx *store.Tx) error {
		// Batch may run this more than once: start afresh each time.
		answers, decided = make([]error, len(names)), decided[:0]
		for i, name := range names {
			d, err := s.postTo(tx, p, name)
			if err == nil {
				decided = append(decided, done{name, d})
				continue
			}
			var r *Reject
			if !errors.As(err, &r) || r.Code/100 != 5 {
				return err
			}
			if !crossPost {
				return r
			}
			answers[i] = r
			if err := s.noticeRefused(tx, name, RolePost, p.m, p.env, r.Message); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var r *Reject
		if errors.As(err, &r) {
			return nil, nil, r
		}
		return nil, nil, tempFail(err)
	}
	for _, dd := range decided {
		res := p.verdict.Result
		s.logDecision(s.log.With("list", dd.list, "message_id", p.m.MessageID, "from", p.m.From.Address,
			"spf", res.SPF, "dkim", res.DKIM, "dmarc", res.DMARC, "auth", res.Why), dd.d)
		decisions = append(decisions, dd.d)
	}
	return answers, decisions, nil
}

// postTo decides a post for one list and commits the decision's effects
// inside tx.
func (s *Service) postTo(tx *store.Tx, p *inbound, name string) (Decision, error) {
	list, err := tx.List(name) // fresh inside the transaction
	if errors.Is(err, store.ErrNotFound) {
		return Decision{}, ErrNoSuchAddress
	}
	if err != nil {
		return Decision{}, err
	}
	if max := list.Settings.MaxMessageBytes; max > 0 && int64(p.size) > max {
		return Decision{}, ErrTooBig
	}
	m := p.m
	f := postFacts{list: list, sender: NormalizeAddress(m.From.Address), robot: p.robot, verdict: p.verdict}
	listID := strings.ToLower(list.Name + "." + s.o.Domain)
	for _, id := range m.ListIDs {
		f.loop = f.loop || id == listID
	}
	f.member, f.viaEnvelope = lookupMember(tx, list.Name, f.sender, NormalizeAddress(p.env.From))
	if f.member != nil && (f.member.Status == StatusPending || f.member.Status == StatusWaitlist) {
		f.member, f.viaEnvelope = nil, false
	}
	if m.MessageID != "" && tx.ArchiveSeqByMessageID(list.Name, m.MessageID) != 0 {
		f.duplicate = true
	}
	d := decide(&f)
	switch d.Action {
	case Accept:
		munge, unknown := s.mungeFor(list, p.verdict)
		if unknown && munge {
			s.log.Warn("DMARC policy unknown; rewriting From to be safe", "list", list.Name, "message_id", m.MessageID)
		}
		// distribute renders a copy; m itself is never changed, so a
		// re-run of this transaction sees the same message.
		if _, err := s.distribute(tx, list, m, munge, p.alert); err != nil {
			return d, err
		}
		if f.member != nil {
			return d, s.countPost(tx, *f.member, false)
		}
	case Hold:
		h := store.Held{List: list.Name, Kind: store.HeldPost, EnvelopeFrom: p.env.From, From: f.sender,
			Subject: m.Subject, Raw: m.Raw}
		_, err := s.holdItem(tx, list, h, m.From.Name, d.Why)
		return d, err
	case Refuse:
		if d.Rule == RuleCohortFinished {
			return d, s.replyCohortFinished(tx, list, replyTarget(p.env, m), m.From.Name, m.Subject, m.MessageID)
		}
		return d, s.replyRejected(tx, list, m, p.env, d.Why.In(languageFor(tx, NormalizeAddress(m.From.Address), list.Name)))
	}
	return d, nil
}

func (s *Service) logDecision(log *slog.Logger, d Decision) {
	result := map[Action]string{Accept: "distributed", Hold: "held", Refuse: "rejected", Discard: "discarded"}[d.Action]
	s.metrics.Posts.WithLabelValues(result).Inc()
	log.Info("post "+result, "rule", d.Rule, "reason", d.Reason)
}

// lookupMember finds the membership a post claims: the author's, or else
// the envelope sender's (viaEnvelope), which the chain believes only when
// the envelope domain vouches for the message.
func lookupMember(tx *store.Tx, list, author, envFrom string) (m *store.Membership, viaEnvelope bool) {
	if author != "" {
		if mb, err := tx.Membership(list, author); err == nil {
			return &mb, false
		}
	}
	if envFrom != "" && envFrom != author {
		if mb, err := tx.Membership(list, envFrom); err == nil {
			return &mb, true
		}
	}
	return nil, false
}

// robotReason names why a message looks automatic, or "".
func robotReason(m *rewrite.Message) string {
	if m.AutoSubmitted != "" && m.AutoSubmitted != "no" {
		return "Auto-Submitted: " + m.AutoSubmitted
	}
	switch m.Precedence {
	case "bulk", "junk", "list":
		return "Precedence: " + m.Precedence
	}
	return ""
}

// replyRejected tells the author why a post was refused, unless it came
// from the null sender (no backscatter to bounces).
func (s *Service) replyRejected(tx *store.Tx, list store.List, m *rewrite.Message, env Envelope, reason string) error {
	return s.replyRefused(tx, list, RolePost, m, env, reason)
}

// replyRefused tells the author why the message sent to the list's role
// address was refused, unless it came from the null sender.
func (s *Service) replyRefused(tx *store.Tx, list store.List, role AddrRole, m *rewrite.Message, env Envelope, reason string) error {
	if env.From == "" {
		return nil
	}
	subj, body, err := s.renderTx(tx, m.From.Address, list.Name, "post-rejected", map[string]any{
		"Name": m.From.Name, "Subject": m.Subject, "ListAddress": s.addr(list.Name, role, ""),
		"Reason": reason, "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
		"Title": titleFor(tx, list, m.From.Address, s.addr(list.Name, RolePost, "")),
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{
		List: list.Name, To: []string{NormalizeAddress(m.From.Address)}, From: s.addr(list.Name, RoleOwner, ""),
		Subject: subj, Body: body, InReplyTo: m.MessageID,
	})
}

// noticeRefused tells the author of a cross-post that one of its list
// addresses refused it (the others took it, so the SMTP answer was 250).
func (s *Service) noticeRefused(tx *store.Tx, name string, role AddrRole, m *rewrite.Message, env Envelope, reason string) error {
	list, err := tx.List(name)
	if errors.Is(err, store.ErrNotFound) {
		s.log.Info("cross-post to a list that is gone", "list", name)
		return nil
	}
	if err != nil {
		return err
	}
	return s.replyRefused(tx, list, role, m, env, reason)
}
