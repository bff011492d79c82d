package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"minyan/store"
)

// Token kinds for replies to NAME-confirm+TOKEN that listserv handles.
const (
	TokenModerate     = "moderate"
	TokenWithdraw     = "withdraw"
	TokenConfirmJoin  = "confirm-sub"
	TokenConfirmLeave = "confirm-unsub"
)

// notifyModerators sends the "held for approval" mail, with the held
// message attached and a Reply-To carrying the item's token.
func (s *Service) notifyModerators(tx *store.Tx, list store.List, h store.Held, reminder bool) error {
	return s.notifyModeratorsWhy(tx, list, h, reminder, HeldReason(h))
}

// notifyModeratorsWhy is notifyModerators with the reason the item was
// held as a sentence each moderator reads in their own language (a
// reminder reads it back from the held record, HeldReason).
func (s *Service) notifyModeratorsWhy(tx *store.Tx, list store.List, h store.Held, reminder bool, why Said) error {
	mods, err := moderatorAddresses(tx, list.Name, ListFacilitator)
	if err != nil {
		return err
	}
	if len(mods) == 0 {
		s.log.Warn("held item has nobody to moderate it; use `minyan held`", "list", list.Name, "id", h.ID)
		return nil
	}
	// Standing is "unknown" (no record), "good" (dues paid) or "not"
	// (a record not marked in good standing); each moderator reads it
	// in their own language.
	name, standing := "", "unknown"
	if p, err := tx.Person(h.From); err == nil {
		name, standing = p.Name, "not"
		if p.GoodStanding {
			standing = "good"
		}
	}
	data := func(l Lang) any {
		return map[string]any{
			"Standing": standing, "RequiresStanding": list.Settings.RequireGoodStanding,
			"List": list.Name, "Title": list.Settings.Title, "ListAddress": s.addr(list.Name, RolePost, ""),
			"Join": h.Kind == store.HeldJoin, "From": h.From, "Name": name, "Subject": h.Subject, "Reason": why.In(l),
			"Reminder": reminder, "Expires": h.Received.Add(list.Settings.HoldExpireAfter),
			"HeldURL": s.webURL("/lists/" + list.Name + "/admin/held"),
			// Deciders: everyone this notice goes to may decide (facilitators
			// included, SPEC "Roles"), so nobody waits for someone else.
			"Deciders": strings.Join(mods, ", "),
		}
	}
	tok := h.Token
	if reminder {
		// The store keeps only a reference to the first token's hash:
		// a reminder carries a new token for the same item (the first
		// one keeps working too).
		ttl := h.Received.Add(list.Settings.HoldExpireAfter).Sub(s.clock.Now())
		if list.Settings.HoldExpireAfter <= 0 {
			ttl = 14 * 24 * time.Hour
		}
		if tok, err = s.IssueToken(tx, TokenModerate, list.Name, "", h.ID, "", max(ttl, time.Hour)); err != nil {
			return err
		}
	}
	n := notice{List: list.Name, From: s.addr(list.Name, RoleRequest, ""), ReplyTo: s.addr(list.Name, RoleConfirm, tok)}
	if h.Kind == store.HeldPost {
		n.Attached = h.Raw
	}
	return s.queueNoticeIn(tx, list.Name, mods, "held-moderator", data, n)
}

// echoDecision tells every moderator who decided what, so nobody acts
// twice; the one who decided (decider, "" for the operator or the
// clock) knows it already and gets no echo of their own decision.
func (s *Service) echoDecision(tx *store.Tx, list store.List, h store.Held, decider string) error {
	all, err := moderatorAddresses(tx, list.Name, ListFacilitator)
	if err != nil {
		return err
	}
	mods := all[:0:0]
	for _, m := range all {
		if decider == "" || NormalizeAddress(m) != NormalizeAddress(decider) {
			mods = append(mods, m)
		}
	}
	if len(mods) == 0 {
		return nil
	}
	// Outcome is the held item's status (approved, rejected, …): the
	// text names it in each moderator's language. ByAuthor is a
	// withdrawal, which the author made.
	by := h.DecidedBy
	if h.Status == store.HeldWithdrawn {
		by = ""
	}
	return s.queueNoticeIn(tx, list.Name, mods, "held-decided", map[string]any{
		"List": list.Name, "Outcome": string(h.Status), "By": by, "ByAuthor": h.Status == store.HeldWithdrawn,
		"Join": h.Kind == store.HeldJoin, "From": h.From, "Subject": h.Subject, "Note": h.Note,
	}, notice{List: list.Name, From: s.addr(list.Name, RoleRequest, "")})
}

// decideByReply handles a moderator's reply to a held-item notification.
// The decision counts only if the token is valid, unexpired and unused
// and the reply comes from someone who may moderate the list.
func (s *Service) decideByReply(ctx context.Context, r *Reply) (Said, error) {
	if r.Sender.Forged() {
		s.log.Warn("moderation reply refused: the sender check failed", "list", r.List, "from", r.From)
		return say("reply_go.mod_forged"), nil
	}
	if !r.Sender.Vouched() && r.EnvelopeFrom != "" && NormalizeAddress(r.EnvelopeFrom) != r.From && !s.isModerator(r.List, r.EnvelopeFrom) {
		s.log.Warn("moderation reply refused: envelope sender differs from From", "list", r.List, "from", r.From, "envelope", r.EnvelopeFrom)
		return say("reply_go.mod_envelope"), nil
	}
	decision, reason, ok := ParseDecision(r.Lines, r.Subject)
	if !ok || decision == DecideWithdraw {
		if !s.isModerator(r.List, r.From) {
			return notModerator(s, r), nil
		}
		return say("reply_go.no_decision"), nil
	}
	h, err := s.Decide(ctx, Person(r.From, DoorMail), r.Token.List, r.Token.Ref, decision, reason)
	switch {
	case errors.Is(err, ErrAlreadyDecided):
		return alreadyText(h), nil
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrNotFound):
		return notModerator(s, r), nil
	case err != nil:
		return Said{}, err
	}
	s.markTokenUsed(r.Token.Token, r.From)
	return Said{}, nil // the echo to all moderators confirms it
}

func notModerator(s *Service, r *Reply) Said {
	return say("reply_go.not_moderator", r.From, s.addr(r.List, RolePost, ""))
}

func alreadyText(h store.Held) Said {
	var by any = h.DecidedBy
	if h.Status == store.HeldWithdrawn {
		by = say("reply_go.the_author")
	} else if h.DecidedBy == "" {
		by = say("reply_go.nobody_in_time")
	}
	return say("reply_go.already", say("console_history.status_"+string(h.Status)), by, h.DecidedAt)
}

func (s *Service) isModerator(list, addr string) bool {
	ok := false
	_ = s.st.View(func(tx *store.Tx) error {
		mb, err := tx.Membership(list, NormalizeAddress(addr))
		ok = err == nil && mb.Status != StatusBanned && CanModerate(mb.Role)
		return nil
	})
	return ok
}

func (s *Service) markTokenUsed(token, by string) {
	err := s.st.Update(func(tx *store.Tx) error {
		t, err := tx.Token(token)
		if err != nil {
			return err
		}
		return s.useToken(tx, t, by)
	})
	if err != nil {
		s.log.Warn("could not mark token used", "err", err)
	}
}

// withdrawByReply lets an author take back a held post by replying
// "withdraw" to the notice they got.
func (s *Service) withdrawByReply(ctx context.Context, r *Reply) (Said, error) {
	if r.From != r.Token.Address && NormalizeAddress(r.EnvelopeFrom) != r.Token.Address {
		return say("reply_go.only_author"), nil
	}
	if d, _, ok := ParseDecision(r.Lines, r.Subject); !ok || d != DecideWithdraw {
		return say("reply_go.withdraw_how"), nil
	}
	h, err := s.Decide(ctx, Person(r.Token.Address, DoorMail), r.Token.List, r.Token.Ref, DecideWithdraw, "")
	if errors.Is(err, ErrAlreadyDecided) {
		return alreadyText(h), nil
	}
	if err != nil {
		return Said{}, err
	}
	s.markTokenUsed(r.Token.Token, r.From)
	list, _ := s.loadList(h.List)
	subj, body, err := s.renderTo(r.From, h.List, "held-withdrawn", map[string]any{
		"Subject": h.Subject, "ListAddress": s.addr(h.List, RolePost, ""), "Title": list.Settings.Title})
	if err != nil {
		return Said{}, err
	}
	return Said{}, s.st.Update(func(tx *store.Tx) error {
		return s.queueNotice(tx, notice{List: h.List, To: []string{r.From}, From: s.addr(h.List, RoleRequest, ""), Subject: subj, Body: body})
	})
}

// maintainHeld re-sends notifications for items nobody decided within
// hold_remind_after and drops items older than hold_expire_after, telling
// the author.
func (s *Service) maintainHeld(ctx context.Context, now time.Time) error {
	var due []store.Held
	err := s.st.View(func(tx *store.Tx) error {
		return tx.EachHeld(false, func(h store.Held) error {
			if h.Status == store.HeldPending {
				due = append(due, h)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, h := range due {
		err := s.st.Update(func(tx *store.Tx) error {
			h, err := tx.Held(h.ID)
			if err != nil || h.Status != store.HeldPending {
				return err
			}
			list, err := tx.List(h.List)
			if err != nil {
				return nil // list gone
			}
			set := list.Settings
			switch {
			case set.HoldExpireAfter > 0 && now.Sub(h.Received) >= set.HoldExpireAfter:
				if err := s.expireHeld(tx, &h, now); err != nil {
					return err
				}
				s.log.Info("held item expired", "list", h.List, "id", h.ID)
				return s.tellExpired(tx, list, h)
			case set.HoldRemindAfter > 0 && now.Sub(later(h.Received, h.Reminded)) >= set.HoldRemindAfter:
				if err := s.remindedHeld(tx, &h, now); err != nil {
					return err
				}
				s.log.Info("held item reminder sent", "list", h.List, "id", h.ID)
				return s.notifyModerators(tx, list, h, true)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("maintain held #%d: %w", h.ID, err)
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *Service) tellExpired(tx *store.Tx, list store.List, h store.Held) error {
	if h.Kind == store.HeldJoin {
		if err := s.dropPending(tx, list.Name, h.From); err != nil {
			return err
		}
		return s.refuseJoin(tx, list, h.From, "Your request to join "+list.Settings.Title+" waited for a moderator and nobody decided in time, so it lapsed. You are welcome to ask again.")
	}
	if h.EnvelopeFrom == "" {
		return nil
	}
	subj, body, err := s.renderTx(tx, h.From, list.Name, "held-expired", map[string]any{
		"Name": "", "Subject": h.Subject, "ListAddress": s.addr(list.Name, RolePost, ""), "Title": list.Settings.Title,
		"Days": int(list.Settings.HoldExpireAfter.Hours() / 24), "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{List: list.Name, To: []string{h.From}, From: s.addr(list.Name, RoleRequest, ""), Subject: subj, Body: body})
}

// displayAddress is "Name <addr>" or addr, for people reading a notice.
func displayAddress(name, addr string) string {
	if strings.TrimSpace(name) == "" {
		return addr
	}
	return name + " <" + addr + ">"
}

// webURL is the address of a page of the web pages (path under
// PublicURL), or "" when no public URL is configured, so a mail leaves
// the link out rather than print a half address.
func (s *Service) webURL(path string) string {
	if s.o.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.o.PublicURL, "/") + path
}
