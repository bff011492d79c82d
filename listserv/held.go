package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/store"
)

// HeldItems returns pending held items, of one list or ("" ) all lists.
func (s *Service) HeldItems(list string) ([]store.Held, error) {
	var out []store.Held
	err := s.st.View(func(tx *store.Tx) error {
		return tx.EachHeld(false, func(h store.Held) error {
			if h.Status == "pending" && (list == "" || h.List == list) {
				out = append(out, h)
			}
			return nil
		})
	})
	return out, err
}

// ErrAlreadyDecided is returned when a held item was handled before; the
// first decision wins.
var ErrAlreadyDecided = errors.New("already handled")

// Decide applies a decision to a held item. For posts: approve
// (distribute as if accepted), approve-always (also let the sender post
// freely from now on), reject (tell the author why), discard, ban (also
// block the sender), withdraw (the author takes it back). For join
// requests: approve adds the person (or waitlists them at capacity),
// reject tells them why, discard drops the request, ban blocks them.
// by names who decided; every moderator is told.
func (s *Service) Decide(ctx context.Context, id uint64, action, reason, by string) (store.Held, error) {
	var h store.Held
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		h, err = tx.Held(id)
		return err
	})
	if err != nil {
		return h, notFoundText(err, fmt.Sprintf("no held item #%d", id))
	}
	list, err := s.loadList(h.List)
	if err != nil {
		return h, fmt.Errorf("held #%d: its list %s is gone", id, h.List)
	}
	var munge bool
	if h.Kind == "post" && (action == DecideApprove || action == DecideApproveAlways) {
		if munge, err = s.shouldMunge(ctx, list, h.From); err != nil {
			s.log.Warn("DMARC lookup failed; rewriting From to be safe", "err", err)
		}
	}
	err = s.st.Update(func(tx *store.Tx) error {
		cur, err := tx.Held(id)
		if err != nil {
			return err
		}
		if cur.Status != "pending" {
			h = cur
			return fmt.Errorf("held #%d was %s by %s: %w", id, cur.Status, or(cur.DecidedBy, "someone"), ErrAlreadyDecided)
		}
		list, err := tx.List(cur.List)
		if err != nil {
			return err
		}
		if cur.Kind == "join" {
			err = s.decideJoin(tx, list, &cur, action, reason)
		} else {
			err = s.decidePost(tx, list, &cur, action, reason, munge)
		}
		if err != nil {
			return err
		}
		cur.DecidedBy, cur.DecidedAt, cur.Note = by, s.clock.Now(), reason
		h = cur
		if err := tx.PutHeld(cur); err != nil {
			return err
		}
		return s.echoDecision(tx, list, cur)
	})
	if err != nil {
		return h, err
	}
	s.log.Info("held item decided", "id", id, "list", h.List, "kind", h.Kind, "decision", h.Status, "by", by)
	if h.Kind == "post" && h.Status == "approved" {
		s.metrics.Posts.WithLabelValues("distributed").Inc()
	}
	return h, nil
}

func (s *Service) decidePost(tx *store.Tx, list store.List, h *store.Held, action, reason string, munge bool) error {
	m, err := parse(h.Raw)
	if err != nil {
		return err
	}
	switch action {
	case DecideApprove, DecideApproveAlways:
		if _, err := s.distribute(tx, list, m, munge); err != nil {
			return err
		}
		h.Status = "approved"
		if mb, err := tx.Membership(list.Name, h.From); err == nil {
			mb.Posts++
			mb.PostFreely = mb.PostFreely || action == DecideApproveAlways
			return tx.PutMembership(mb)
		}
	case DecideReject:
		h.Status = "rejected"
		if reason == "" {
			reason = "a moderator decided it is not right for this list"
		}
		return s.replyRejected(tx, list, m, Envelope{From: h.EnvelopeFrom}, reason)
	case DecideDiscard:
		h.Status = "discarded"
	case DecideWithdraw:
		h.Status = "withdrawn"
	case DecideBan:
		h.Status = "banned"
		return s.ban(tx, list.Name, h.From)
	default:
		return fmt.Errorf("unknown decision %q (approve, approve-always, reject, discard or ban)", action)
	}
	return nil
}

// ban blocks an address from posting and joining a list.
func (s *Service) ban(tx *store.Tx, list, addr string) error {
	mb, err := tx.Membership(list, addr)
	if errors.Is(err, store.ErrNotFound) {
		mb = store.Membership{List: list, Address: addr, Role: "member", Mode: "nomail", Joined: s.clock.Now()}
	} else if err != nil {
		return err
	}
	mb.Status = StatusBanned
	// New tokens: the unsubscribe link and bounce address the person
	// already has must not act on the ban record.
	for _, tok := range []string{mb.UnsubToken, mb.BounceToken} {
		if tok != "" {
			if err := tx.DeleteToken(tok); err != nil {
				return err
			}
		}
	}
	mb.UnsubToken, mb.BounceToken = "", ""
	return tx.PutMembership(mb)
}

// Unsubscribe acts on a one-click unsubscribe token (RFC 8058). It returns
// the list and address it removed. The token dies with the membership, so
// a second click finds nothing.
func (s *Service) Unsubscribe(token string) (list, addr string, err error) {
	token = strings.ToLower(strings.TrimSpace(token))
	err = s.st.Update(func(tx *store.Tx) error {
		t, err := tx.Token(token)
		if err != nil || t.Kind != "unsub" {
			return store.ErrNotFound
		}
		if mb, err := tx.Membership(t.List, t.Address); err != nil || mb.Status == StatusBanned {
			return store.ErrNotFound // a ban is not lifted by leaving
		}
		list, addr = t.List, t.Address
		if err := s.emitLeaving(tx, t.List, t.Address); err != nil {
			return err
		}
		if err := tx.DeleteMembership(t.List, t.Address); err != nil {
			return err
		}
		return s.promoteWaitlist(tx, t.List)
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", "", errors.New("This unsubscribe link is not valid any more. You are probably unsubscribed already.")
	}
	if err == nil {
		s.log.Info("unsubscribed by one-click", "list", list, "member", addr)
	}
	return list, addr, err
}

// UnsubscribeInfo tells what a one-click token would do, without doing it
// (for the confirm page a GET shows).
func (s *Service) UnsubscribeInfo(token string) (list, addr string, ok bool) {
	_ = s.st.View(func(tx *store.Tx) error {
		t, err := tx.Token(strings.ToLower(strings.TrimSpace(token)))
		if err == nil && t.Kind == "unsub" {
			list, addr, ok = t.List, t.Address, true
		}
		return nil
	})
	return
}

// HeldHistory returns every held item of a list ("" = all lists) with its
// decision, oldest first: who approved, rejected or withdrew what.
func (s *Service) HeldHistory(list string) ([]store.Held, error) {
	var out []store.Held
	err := s.st.View(func(tx *store.Tx) error {
		return tx.EachHeld(false, func(h store.Held) error {
			if list == "" || h.List == list {
				out = append(out, h)
			}
			return nil
		})
	})
	return out, err
}
