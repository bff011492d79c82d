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

// Decide applies a moderator's decision to a held post: approve
// (distribute as if accepted), approve-always (also let the sender post
// freely from now on), reject (tell the author why), discard, or ban.
// by names who decided, for the history.
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
	if action == "approve" || action == "approve-always" {
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
		m, err := parse(cur.Raw)
		if err != nil {
			return err
		}
		switch action {
		case "approve", "approve-always":
			if _, err := s.distribute(tx, list, m, munge); err != nil {
				return err
			}
			cur.Status = "approved"
			if mb, err := tx.Membership(list.Name, cur.From); err == nil {
				mb.Posts++
				mb.PostFreely = mb.PostFreely || action == "approve-always"
				if err := tx.PutMembership(mb); err != nil {
					return err
				}
			}
		case "reject":
			cur.Status = "rejected"
			if reason == "" {
				reason = "a moderator decided it is not right for this list"
			}
			if err := s.replyRejected(tx, list, m, Envelope{From: cur.EnvelopeFrom}, reason); err != nil {
				return err
			}
		case "discard":
			cur.Status = "discarded"
		case "ban":
			cur.Status = "discarded"
			mb, err := tx.Membership(list.Name, cur.From)
			if errors.Is(err, store.ErrNotFound) {
				mb = store.Membership{List: list.Name, Address: cur.From, Role: "member", Mode: "nomail", Joined: s.clock.Now()}
			} else if err != nil {
				return err
			}
			mb.Status = StatusBanned
			if err := tx.PutMembership(mb); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown decision %q (approve, approve-always, reject, discard or ban)", action)
		}
		cur.DecidedBy, cur.DecidedAt, cur.Note = by, s.clock.Now(), reason
		h = cur
		return tx.PutHeld(cur)
	})
	if err != nil {
		return h, err
	}
	s.log.Info("held item decided", "id", id, "list", h.List, "decision", h.Status, "by", by)
	if h.Status == "approved" {
		s.metrics.Posts.WithLabelValues("distributed").Inc()
	}
	return h, nil
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
		list, addr = t.List, t.Address
		if err := tx.DeleteMembership(t.List, t.Address); err != nil {
			return err
		}
		return s.promoteWaitlist(tx, t.List)
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", "", errors.New("this unsubscribe link is not valid any more; you may already be unsubscribed")
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
