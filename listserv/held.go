package listserv

import (
	"context"
	"errors"
	"fmt"

	"minyan/store"
)

// HeldItems returns pending held items of one list, or ("") of every
// list on which a may see them. Seeing held items needs PermSeeHeld.
func (s *Service) HeldItems(ctx context.Context, a Actor, list string) ([]store.Held, error) {
	return s.heldWhere(a, list, func(h store.Held) bool { return h.Status == "pending" })
}

// HeldHistory returns every held item of one list ("" = every list on
// which a may see them) with its decision, oldest first: who approved,
// rejected or withdrew what. It needs PermSeeHeld.
func (s *Service) HeldHistory(ctx context.Context, a Actor, list string) ([]store.Held, error) {
	return s.heldWhere(a, list, func(store.Held) bool { return true })
}

// heldWhere returns the held items that keep accepts, of one list or of
// all lists a may see held items of.
func (s *Service) heldWhere(a Actor, list string, keep func(store.Held) bool) ([]store.Held, error) {
	var out []store.Held
	err := s.st.View(func(tx *store.Tx) error {
		if list != "" {
			if _, err := s.authorize(tx, a, list, PermSeeHeld); err != nil {
				return err
			}
		}
		allowed := map[string]bool{}
		return tx.EachHeld(false, func(h store.Held) error {
			if list != "" && h.List != list {
				return nil
			}
			ok, seen := allowed[h.List]
			if !seen {
				_, err := s.authorize(tx, a, h.List, PermSeeHeld)
				ok = err == nil
				allowed[h.List] = ok
			}
			if ok && keep(h) {
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
// Deciding a held post needs PermModerate, a join request PermRoster; a
// withdrawal is the author's alone. The first decision wins: a later one
// gets ErrAlreadyDecided with the item as it was decided. Every moderator
// is told who decided.
func (s *Service) Decide(ctx context.Context, a Actor, id uint64, action, reason string) (store.Held, error) {
	by := actorName(a)
	var h store.Held
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		h, err = tx.Held(id)
		return err
	})
	if err != nil {
		return h, notFoundText(err, fmt.Sprintf("no held item #%d", id))
	}
	if err := s.st.View(func(tx *store.Tx) error {
		_, err := s.authorize(tx, a, h.List, PermSeeHeld)
		return err
	}); err != nil && !(action == DecideWithdraw && a.Address == h.From) {
		if errors.Is(err, ErrNotFound) {
			return store.Held{}, fmt.Errorf("no held item #%d", id)
		}
		return store.Held{}, err
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
		perm := PermModerate
		if cur.Kind == "join" || action == DecideBan {
			perm = PermRoster // a ban changes the roster
		}
		list, err := s.authorize(tx, a, cur.List, perm)
		if action == DecideWithdraw && !a.Operator {
			if a.Address == "" || a.Address != cur.From {
				return ErrForbidden
			}
			err = nil // the author takes back their own post
		}
		if err != nil {
			return err
		}
		if action == DecideBan && !isSiteAdmin(tx, a) && !RoleAllows(roleOn(tx, cur.List, a.Address), PermSettings) {
			// As with removing: someone holding a role above member
			// is the owners' to ban (a held post may be a forgery in
			// their name).
			if mb, err := tx.Membership(cur.List, cur.From); err == nil && mb.Role != string(ListMember) {
				return fmt.Errorf("%s is a %s: %w", cur.From, mb.Role, ErrForbidden)
			}
		}
		if cur.Status != "pending" {
			h = cur
			return fmt.Errorf("held #%d was %s by %s: %w", id, cur.Status, or(cur.DecidedBy, "someone"), ErrAlreadyDecided)
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
		if err := s.AuditChange(tx, a, list.Name, fmt.Sprintf("held #%d (%s from %s): %s", cur.ID, cur.Kind, cur.From, cur.Status)); err != nil {
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
	mb.Status = string(StatusBanned)
	// New tokens: the unsubscribe link and bounce address the person
	// already has must not act on the ban record.
	for _, tok := range []string{mb.UnsubToken, mb.BounceToken} {
		if tok != "" {
			if err := tx.DeleteToken(tok); err != nil {
				return err
			}
		}
	}
	mb.UnsubToken, mb.BounceToken, mb.TokenNonce = "", "", ""
	return tx.PutMembership(mb)
}

// actorName is how a decision names who made it, for the moderators'
// echo and `held ls --all`: the person's address, else the credential or
// command-line user, else "the operator".
func actorName(a Actor) string {
	switch {
	case a.Address != "":
		return a.Address
	case a.Via != "":
		return a.Via
	}
	return "the operator"
}
