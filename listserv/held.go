package listserv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"minyan/store"
)

// HeldItems returns pending held items of one list, or ("") of every
// list on which a may see them. Seeing held items needs PermSeeHeld.
func (s *Service) HeldItems(ctx context.Context, a Actor, list string) ([]store.Held, error) {
	return s.heldWhere(a, list, func(h store.Held) bool { return h.Status == store.HeldPending })
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

// Decide applies a decision to a held item: the one decide operation,
// for every door (the CLI, a moderator's reply, the console, the API).
// For posts: approve (distribute as if accepted), approve-always (also
// let the sender post freely from now on), reject (tell the author why),
// discard, ban (also block the sender), withdraw (the author takes it
// back). For join requests: approve adds the person (or waitlists them
// at capacity), reject tells them why, discard drops the request, ban
// blocks them. Deciding a held post needs PermModerate, a join request
// PermDecideJoin (facilitators too), a ban PermRoster; a withdrawal is
// the author's alone. A door that
// names the list (list != "") gets ErrNoHeld for an item of another
// list, so a console address never acts across lists. The first
// decision wins: a later one gets ErrAlreadyDecided with the item as it
// was decided. Every moderator is told who decided.
//
// The decision is one write transaction that authorizes once. Only an
// approval of a post reads the item before it, for the DMARC look-up of
// its author's domain, which must not wait on DNS inside a write; that
// read answers nothing by itself.
func (s *Service) Decide(ctx context.Context, a Actor, list string, id uint64, action, reason string) (store.Held, error) {
	by := actorName(a)
	var munge bool
	if action == DecideApprove || action == DecideApproveAlways {
		var h store.Held
		var l store.List
		_ = s.st.View(func(tx *store.Tx) error {
			var err error
			if h, err = tx.Held(id); err == nil {
				l, err = tx.List(h.List)
			}
			return err
		})
		if h.Kind == store.HeldPost && l.Name != "" {
			var err error
			if munge, err = s.shouldMunge(ctx, l, h.From); err != nil {
				s.log.Warn("DMARC lookup failed; rewriting From to be safe", "err", err)
			}
		}
	}
	var h store.Held
	err := s.st.Update(func(tx *store.Tx) error {
		cur, err := tx.Held(id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		missing := err != nil || (list != "" && cur.List != list)
		target := list
		if target == "" {
			if missing {
				return fmt.Errorf("no held item #%d", id)
			}
			target = cur.List
		}
		perm := PermModerate
		switch {
		case missing:
			perm = PermSeeHeld
		case action == DecideBan:
			perm = PermRoster // a ban changes the roster
		case cur.Kind == store.HeldJoin:
			perm = PermDecideJoin
		}
		l, err := s.authorize(tx, a, target, perm)
		if !missing && action == DecideWithdraw && !a.Operator {
			if a.Address == "" || a.Address != cur.From {
				return ErrForbidden
			}
			if l.Name != "" {
				err = nil // the author takes back their own post
			}
		}
		if errors.Is(err, ErrNotFound) && list == "" {
			return fmt.Errorf("no held item #%d", id)
		}
		if err != nil {
			return err
		}
		if missing {
			return fmt.Errorf("held #%d on %s: %w", id, list, ErrNoHeld)
		}
		if action == DecideBan && !s.mayGiveRoles(tx, a, cur.List) {
			// As with removing: someone holding a role above member
			// is the owners' to ban (a held post may be a forgery in
			// their name).
			if mb, err := tx.Membership(cur.List, cur.From); err == nil && mb.Role != ListMember {
				return fmt.Errorf("%s is a %s: %w", cur.From, mb.Role, ErrForbidden)
			}
		}
		h = cur
		if cur.Status != store.HeldPending {
			return fmt.Errorf("held #%d was %s by %s: %w", id, cur.Status, or(cur.DecidedBy, "someone"), ErrAlreadyDecided)
		}
		if cur.Kind == store.HeldJoin {
			err = s.decideJoin(tx, l, &cur, action, reason)
		} else {
			err = s.decidePost(tx, l, &cur, action, reason, munge)
		}
		if err != nil {
			return err
		}
		cur.DecidedBy, cur.DecidedAt, cur.Note = by, s.clock.Now(), reason
		h = cur
		if err := tx.PutHeld(cur); err != nil {
			return err
		}
		if err := s.AuditChange(tx, a, l.Name, fmt.Sprintf("held #%d (%s from %s): %s", cur.ID, cur.Kind, cur.From, cur.Status)); err != nil {
			return err
		}
		return s.echoDecision(tx, l, cur, a.Address)
	})
	if err != nil {
		return h, err
	}
	s.log.Info("held item decided", "id", id, "list", h.List, "kind", h.Kind, "decision", h.Status, "by", by)
	if h.Kind == store.HeldPost && h.Status == store.HeldApproved {
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
		if _, err := s.distribute(tx, list, m, munge, false); err != nil {
			return err
		}
		h.Status = store.HeldApproved
		if mb, err := tx.Membership(list.Name, h.From); err == nil {
			return s.countPost(tx, mb, action == DecideApproveAlways)
		}
	case DecideReject:
		h.Status = store.HeldRejected
		if reason == "" {
			reason = "a moderator decided it is not right for this list"
		}
		return s.replyRejected(tx, list, m, Envelope{From: h.EnvelopeFrom}, reason)
	case DecideDiscard:
		h.Status = store.HeldDiscarded
	case DecideWithdraw:
		h.Status = store.HeldWithdrawn
	case DecideBan:
		h.Status = store.HeldBanned
		return s.ban(tx, list.Name, h.From)
	default:
		return fmt.Errorf("unknown decision %q (approve, approve-always, reject, discard or ban)", action)
	}
	return nil
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

// holdItem stores a held post or join request and tells the moderators
// (and, for posts, the author) in the same transaction, so a held item
// never exists without its notification.
// The reason is a sentence of the catalogue, so the author's notice and
// the moderators' are each in their reader's language; the record keeps
// it in English and as its key (keepReason).
func (s *Service) holdItem(tx *store.Tx, list store.List, h store.Held, authorName string, why Said) (store.Held, error) {
	keepReason(&h, why)
	ttl := list.Settings.HoldExpireAfter
	if ttl <= 0 {
		ttl = 14 * 24 * time.Hour
	}
	h.Received = s.clock.Now()
	id, err := tx.Hold(h)
	if err != nil {
		return h, err
	}
	h.ID, h.Status = id, "pending"
	if h.Token, err = s.IssueToken(tx, TokenModerate, list.Name, "", id, "", ttl); err != nil {
		return h, err
	}
	if h.Kind == store.HeldPost && h.EnvelopeFrom != "" && h.From != "" {
		if h.WithdrawToken, err = s.IssueToken(tx, TokenWithdraw, list.Name, h.From, id, "", ttl); err != nil {
			return h, err
		}
	}
	if err := tx.PutHeld(h); err != nil {
		return h, err
	}
	if err := s.emitIf(tx, h.Kind == store.HeldPost, EventPostHeld, list.Name, heldEvent(h)); err != nil {
		return h, err
	}
	if err := s.notifyModeratorsWhy(tx, list, h, false, why); err != nil {
		return h, err
	}
	if h.WithdrawToken != "" {
		mb, err := tx.Membership(list.Name, h.From)
		nonMember := err != nil || !Deliverable(mb)
		subj, body, err := s.renderTx(tx, h.From, list.Name, "held-author", map[string]any{
			"Name": authorName, "Subject": h.Subject, "ListAddress": s.addr(list.Name, RolePost, ""),
			"Title": titleFor(tx, list, h.From, s.addr(list.Name, RolePost, "")), "Reason": why.In(languageFor(tx, h.From, list.Name)),
			"NonMember": nonMember && list.Settings.Subscribe != SubscribeClosed, "JoinAddress": s.addr(list.Name, RoleJoin, ""),
		})
		if err != nil {
			return h, err
		}
		if err := s.queueNotice(tx, notice{List: list.Name, To: []string{h.From}, From: s.addr(list.Name, RoleRequest, ""),
			ReplyTo: s.addr(list.Name, RoleConfirm, h.WithdrawToken), Subject: subj, Body: body}); err != nil {
			return h, err
		}
	}
	return h, nil
}

// expireHeld closes a held item nobody decided in time.
func (s *Service) expireHeld(tx *store.Tx, h *store.Held, now time.Time) error {
	h.Status, h.DecidedAt, h.DecidedBy = store.HeldExpired, now, "nobody in time"
	return tx.PutHeld(*h)
}

// remindedHeld records that the moderators were reminded of a held item.
func (s *Service) remindedHeld(tx *store.Tx, h *store.Held, now time.Time) error {
	h.Reminded = now
	return tx.PutHeld(*h)
}
