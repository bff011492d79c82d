package listserv

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// Envelope is the SMTP envelope of an inbound message.
type Envelope struct {
	// From is MAIL FROM; "" is the null sender of bounces.
	From       string
	Rcpts      []string
	RemoteAddr string
	Helo       string
}

// CheckRecipient answers RCPT TO: only addresses of existing lists at the
// list domain are accepted, so the server is never an open relay.
func (s *Service) CheckRecipient(addr string) error {
	if IsPostmasterAddress(addr, s.o.Domain) {
		return nil
	}
	la, ok := ParseListAddress(addr, s.o.Domain)
	if !ok {
		return ErrNoSuchAddress
	}
	err := s.st.View(func(tx *store.Tx) error {
		_, err := tx.List(la.List)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSuchAddress
	}
	if err != nil {
		return tempFail(err)
	}
	return nil
}

// MaxMessageBytes is the largest message any list accepts (the SMTP SIZE).
func (s *Service) MaxMessageBytes() int64 { return s.o.Defaults.MaxMessageBytes }

// Receive handles one inbound message for its recipients. It returns one
// answer per recipient (nil = accepted), and accepts only after every
// effect (archive, held item, queued deliveries) is committed.
func (s *Service) Receive(ctx context.Context, env Envelope, raw []byte) []error {
	ctx = ctxOr(ctx)
	out := make([]error, len(env.Rcpts))
	for i, rcpt := range env.Rcpts {
		if IsPostmasterAddress(rcpt, s.o.Domain) {
			out[i] = s.receivePostmaster(ctx, env, rcpt, raw)
			continue
		}
		la, ok := ParseListAddress(rcpt, s.o.Domain)
		if !ok {
			out[i] = ErrNoSuchAddress
			continue
		}
		var err error
		switch la.Role {
		case RolePost:
			err = s.receivePost(ctx, env, la, raw)
		case RoleOwner:
			err = s.receiveOwner(ctx, env, la, raw)
		case RoleBounces:
			err = s.receiveBounce(ctx, env, la, raw)
		default:
			err = s.receiveCommand(ctx, env, la, raw)
		}
		if err != nil {
			// The list and the address's role, never the full recipient:
			// confirm and bounce addresses carry live tokens.
			r := AsReject(err)
			if r.Code/100 == 4 {
				s.log.Error("receive failed", "list", la.List, "role", la.Role, "err", err)
			} else {
				s.log.Info("receive refused", "list", la.List, "role", la.Role, "from", env.From, "code", r.Code, "reason", r.Message)
			}
			err = r
		}
		out[i] = err
	}
	return out
}

// parse validates a message; problems become 5xx answers with the
// parser's plain-words reason.
func parse(raw []byte) (*rewrite.Message, error) {
	m, err := rewrite.Parse(raw, rewrite.DefaultLimits())
	if err != nil {
		var p *rewrite.Problem
		if errors.As(err, &p) {
			return nil, reject(p.Code, p.Enhanced, p.Reason, nil)
		}
		return nil, reject(554, [3]int{5, 6, 0}, "the message could not be read", err)
	}
	return m, nil
}

func (s *Service) receivePost(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	list, err := s.loadList(la.List)
	if err != nil {
		return err
	}
	if max := list.Settings.MaxMessageBytes; max > 0 && int64(len(raw)) > max {
		return ErrTooBig
	}
	m, err := parse(raw)
	if err != nil {
		return err
	}
	s.metrics.Posts.WithLabelValues("received").Inc()
	log := s.log.With("list", list.Name, "message_id", m.MessageID, "from", m.From.Address)

	// Loops and robots are never redistributed (SPEC step 2).
	listID := strings.ToLower(list.Name + "." + s.o.Domain)
	for _, id := range m.ListIDs {
		if id == listID {
			log.Warn("post dropped: it already carries this list's List-Id (mail loop)")
			s.metrics.Posts.WithLabelValues("discarded").Inc()
			return nil
		}
	}
	if robot := robotReason(m); robot != "" {
		log.Info("post dropped: automatic message", "why", robot)
		s.metrics.Posts.WithLabelValues("discarded").Inc()
		return nil
	}

	// Who really sent it (SPF, DKIM, DMARC): DNS only, before any
	// transaction. The verdict is recorded in the archived and held copies.
	authRes := s.authenticate(ctx, env, raw)
	if withAR := authRes.Prepend(raw); withAR != nil {
		// Recording the verdict must never cost the post (a header just
		// under the size limit): keep it only if the result still parses.
		if _, err := parse(withAR); err == nil {
			raw = withAR
		}
	}

	munge, err := s.shouldMunge(ctx, list, m.From.Address)
	if err != nil {
		log.Warn("DMARC lookup failed; rewriting From to be safe", "err", err)
	}

	var d Decision
	err = s.st.Batch(func(tx *store.Tx) error {
		list, err := tx.List(list.Name) // fresh inside the transaction
		if err != nil {
			return err
		}
		f := postFacts{list: list, sender: NormalizeAddress(m.From.Address)}
		f.member = lookupMember(tx, list.Name, f.sender, NormalizeAddress(env.From))
		if f.member != nil && f.member.Status == StatusBanned {
			// keep banned visible to the chain
		} else if f.member != nil && (f.member.Status == StatusPending || f.member.Status == StatusWaitlist) {
			f.member = nil
		}
		if m.MessageID != "" && tx.ArchiveSeqByMessageID(list.Name, m.MessageID) != 0 {
			f.duplicate = true
		}
		d = decide(&f)
		if d.Action == Accept || d.Action == Hold {
			// A post claiming a member's address must prove it on
			// members-only, announce and caucus lists.
			if hold, reason := s.authHold(list, f.member != nil, authRes); hold {
				d = Decision{Action: Hold, Rule: "sender-check", Reason: reason}
			}
		}
		switch d.Action {
		case Accept:
			msg, err := parse(raw) // Rewrite mutates; Batch may run this twice
			if err != nil {
				return err
			}
			if _, err := s.distribute(tx, list, msg, munge); err != nil {
				return err
			}
			if f.member != nil {
				f.member.Posts++
				return tx.PutMembership(*f.member)
			}
		case Hold:
			h := store.Held{List: list.Name, Kind: "post", EnvelopeFrom: env.From, From: f.sender,
				Subject: m.Subject, Reason: d.Reason, Raw: raw}
			if robotReason(m) != "" {
				h.EnvelopeFrom = "" // never answer robots
			}
			_, err := s.holdItem(tx, list, h, m.From.Name)
			return err
		case Refuse:
			return s.replyRejected(tx, list, m, env, d.Reason)
		}
		return nil
	})
	if err != nil {
		var r *Reject
		if errors.As(err, &r) {
			return r
		}
		return tempFail(err)
	}
	s.logDecision(log.With("spf", authRes.SPF, "dkim", authRes.DKIM, "dmarc", authRes.DMARC, "auth", authRes.Why), d)
	return nil
}

func (s *Service) logDecision(log *slog.Logger, d Decision) {
	result := map[Action]string{Accept: "distributed", Hold: "held", Refuse: "rejected", Discard: "discarded"}[d.Action]
	s.metrics.Posts.WithLabelValues(result).Inc()
	log.Info("post "+result, "rule", d.Rule, "reason", d.Reason)
}

// lookupMember finds the sender's membership by From, then by envelope
// sender (SPEC step 3).
func lookupMember(tx *store.Tx, list string, addrs ...string) *store.Membership {
	for _, a := range addrs {
		if a == "" {
			continue
		}
		if m, err := tx.Membership(list, a); err == nil {
			return &m
		}
	}
	return nil
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

func (s *Service) loadList(name string) (store.List, error) {
	var l store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		l, err = tx.List(name)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return l, ErrNoSuchAddress
	}
	if err != nil {
		return l, tempFail(err)
	}
	return l, nil
}

// replyRejected tells the author why the post was refused, unless the
// message came from a robot or the null sender (no backscatter to bounces).
func (s *Service) replyRejected(tx *store.Tx, list store.List, m *rewrite.Message, env Envelope, reason string) error {
	if env.From == "" {
		return nil
	}
	subj, body, err := renderTemplate("post-rejected", map[string]any{
		"Name": m.From.Name, "Subject": m.Subject, "ListAddress": s.addr(list.Name, RolePost, ""),
		"Reason": reason, "OwnerAddress": s.addr(list.Name, RoleOwner, ""), "Title": list.Settings.Title,
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{
		List: list.Name, To: []string{NormalizeAddress(m.From.Address)}, From: s.addr(list.Name, RoleOwner, ""),
		Subject: subj, Body: body, InReplyTo: m.MessageID,
	})
}
