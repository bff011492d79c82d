package listserv

import (
	"context"
	"errors"
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
		l, err := tx.List(la.List)
		if err == nil && la.Role == RoleSession && !sessionExists(tx, l, la.Session) {
			return store.ErrNotFound
		}
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

// Receive handles one inbound message for each of its recipients, as
// LMTP does: one answer per recipient (nil = accepted), each given only
// after that recipient's effects (archive, held item, queued deliveries)
// are committed. It only routes by the address's role; posts go through
// post.go.
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
		out[i] = s.route(ctx, env, la, raw)
	}
	return out
}

// ReceiveSMTP handles one SMTP transaction, which has a single answer
// for all its recipients. A cross-post (several list addresses) is
// processed for every list: all posting addresses in one store commit,
// before the answer. A list that refuses the post while others take it
// tells the author by a notice, as the answer can only be one 250; a
// temporary failure fails the whole transaction (451) and the sender
// retries all of it. Mail for the lists' other addresses (-request,
// -owner, ...) in the same transaction is handled after the posts, each
// address in its own commit; should one of those fail temporarily, the
// retry finds the posts already archived and discards them as
// duplicates (by Message-ID).
func (s *Service) ReceiveSMTP(ctx context.Context, env Envelope, raw []byte) error {
	ctx = ctxOr(ctx)
	switch len(env.Rcpts) {
	case 0:
		return reject(503, [3]int{5, 5, 1}, "no valid recipients", nil)
	case 1:
		return s.Receive(ctx, env, raw)[0]
	}
	var posts []string
	var others []ListAddress
	var postmaster []string
	seen := map[string]bool{}
	for _, rcpt := range env.Rcpts {
		if IsPostmasterAddress(rcpt, s.o.Domain) {
			if !seen[strings.ToLower(rcpt)] {
				seen[strings.ToLower(rcpt)] = true
				postmaster = append(postmaster, rcpt)
			}
			continue
		}
		la, ok := ParseListAddress(rcpt, s.o.Domain)
		switch {
		case !ok:
			s.log.Info("cross-post recipient is no list address", "from", env.From)
		case la.Role == RolePost:
			if !seen[la.List] {
				seen[la.List] = true
				posts = append(posts, la.List)
			}
		default:
			others = append(others, la)
		}
	}
	var m *rewrite.Message
	if len(posts) > 0 {
		p, err := s.preparePost(ctx, env, raw)
		if err != nil {
			r := AsReject(err)
			s.log.Info("cross-post refused", "lists", posts, "from", env.From, "code", r.Code, "reason", r.Message)
			return r
		}
		m = p.m
		answers, _, err := s.commitPost(p, posts, true)
		if err != nil {
			r := AsReject(err)
			s.log.Error("cross-post failed", "lists", posts, "err", err)
			return r
		}
		for i, a := range answers {
			if a != nil {
				s.log.Info("cross-post refused by one list; author told", "list", posts[i], "from", env.From, "reason", AsReject(a).Message)
			}
		}
	}
	for _, la := range others {
		err := s.route(ctx, env, la, raw)
		if err == nil {
			continue
		}
		r := AsReject(err)
		if r.Code/100 == 4 {
			return r
		}
		if m == nil {
			if m, err = parse(raw); err != nil {
				continue // unreadable: nobody to tell
			}
		}
		if err := s.st.Update(func(tx *store.Tx) error {
			return s.noticeRefused(tx, la.List, la.Role, m, env, r.Message)
		}); err != nil {
			return tempFail(err)
		}
	}
	// Postmaster mail last, like the other addresses: a temporary
	// failure makes the sender retry, and the retry finds the posts
	// already archived.
	for _, rcpt := range postmaster {
		if err := s.receivePostmaster(ctx, env, rcpt, raw); err != nil {
			return err
		}
	}
	return nil
}

// route hands a message to the handler of its address's role.
func (s *Service) route(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	var err error
	switch la.Role {
	case RolePost:
		err = s.receivePost(ctx, env, la, raw)
	case RoleOwner:
		err = s.receiveOwner(ctx, env, la, raw)
	case RoleBounces:
		err = s.receiveBounce(ctx, env, la, raw)
	case RoleAct:
		err = s.receiveAlertReply(ctx, env, la, raw)
	case RoleHarvest:
		err = s.receiveHarvest(ctx, env, la, raw)
	case RoleSession:
		err = s.receiveSessionPost(ctx, env, la, raw)
	default:
		err = s.receiveCommand(ctx, env, la, raw)
	}
	if err == nil {
		return nil
	}
	// The list and the address's role, never the full recipient: confirm
	// and bounce addresses carry live tokens.
	r := AsReject(err)
	if r.Code/100 == 4 {
		s.log.Error("receive failed", "list", la.List, "role", la.Role, "err", err)
	} else {
		s.log.Info("receive refused", "list", la.List, "role", la.Role, "from", env.From, "code", r.Code, "reason", r.Message)
	}
	return r
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
