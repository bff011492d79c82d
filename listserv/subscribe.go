package listserv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"minyan/store"
)

// confirmTTL is how long a join or leave confirmation stays valid.
const confirmTTL = 7 * 24 * time.Hour

// confirmResendAfter is how long a repeated join, leave or command
// request sends nothing more: one outstanding confirmation per address
// and list, re-sent at most once a day, so forged requests cannot flood
// someone's mailbox.
const confirmResendAfter = 24 * time.Hour

// requestJoin is the one join operation, inside the caller's
// transaction: the mail command (NAME-join@, "subscribe") and the web
// form (SelfJoin) both come here. It answers the same whether or not the
// address is known, a member, banned or already waiting, so the answer
// tells nothing about anyone: only the mail that addr receives does. It
// starts a subscription for addr by the list's `subscribe` policy: open joins at once (when the actor is addr), confirm and
// approve first ask the address to confirm (approve then asks the
// moderators), closed refuses. It returns the sentence that answers the
// request, to be written in the language of the person who asked.
func (s *Service) requestJoin(tx *store.Tx, a Actor, list store.List, addr string) (answer Said, mailed bool, err error) {
	set := list.Settings
	title := set.Title
	if !ValidAddress(addr) {
		return say("join_go.bad_address", strconv.QuoteToASCII(addr)), false, nil
	}
	mb, err := tx.Membership(list.Name, addr)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Said{}, false, err
	}
	switch {
	case exists && mb.Status == StatusBanned:
		return say("join_go.banned", title, s.addr(list.Name, RoleOwner, "")), false, nil
	case exists && mb.Status == StatusWaitlist:
		return say("join_go.on_waitlist", addr, title), false, nil
	case exists && mb.Status != StatusPending:
		return say("join_go.already_member", addr, title), false, nil
	case subscribePolicy(list) == SubscribeClosed:
		return say("join_go.closed", title, s.addr(list.Name, RoleOwner, "")), false, nil
	}
	if reason := s.standingProblem(tx, list, addr); !reason.IsZero() {
		return reason, false, nil
	}
	if subscribePolicy(list) == SubscribeOpen && a.Address == addr {
		mb = store.Membership{List: list.Name, Address: addr, Role: ListMember, Mode: ModeEach}
		status, err := s.activate(tx, list, mb)
		if err != nil {
			return Said{}, false, err
		}
		if err := s.AuditChange(tx, a, list.Name, addr+" joined ("+string(status)+")"); err != nil {
			return Said{}, false, err
		}
		if status == StatusWaitlist {
			return say("join_go.full", title, addr), true, nil
		}
		return say("join_go.welcome", addr, title), true, nil
	}
	sent := say("join_go.sent", addr)
	if !exists {
		mb = store.Membership{List: list.Name, Address: addr, Role: ListMember, Mode: ModeEach, Status: StatusPending, Joined: s.clock.Now()}
	}
	if s.confirmOutstanding(tx, mb) {
		return sent, true, nil
	}
	tok, err := s.newConfirmation(tx, &mb, TokenConfirmJoin, "")
	if err != nil {
		return Said{}, false, err
	}
	subj, body, err := s.renderTx(tx, addr, list.Name, "join-confirm", map[string]any{
		"Title": title, "Address": addr, "ListAddress": s.addr(list.Name, RolePost, ""), "URL": s.o.PublicURL + "/confirm/" + tok,
		"Approve": subscribePolicy(list) == SubscribeApprove, "Expires": s.clock.Now().Add(confirmTTL).Format("Mon 2 Jan 2006"),
		"ExpiresAt": s.clock.Now().Add(confirmTTL),
	})
	if err != nil {
		return Said{}, false, err
	}
	if err := s.queueNotice(tx, notice{List: list.Name, To: []string{addr}, From: s.addr(list.Name, RoleRequest, ""),
		ReplyTo: s.addr(list.Name, RoleConfirm, tok), Subject: subj, Body: body}); err != nil {
		return Said{}, false, err
	}
	return sent, true, nil
}

// confirmOutstanding tells whether mb has a usable confirmation that was
// mailed less than confirmResendAfter ago; then nothing more is sent.
func (s *Service) confirmOutstanding(tx *store.Tx, mb store.Membership) bool {
	if mb.ConfirmToken == "" {
		return false
	}
	t, err := tx.TokenByRef(mb.ConfirmToken)
	now := s.clock.Now()
	if err != nil || !t.Used.IsZero() || (!t.Expires.IsZero() && now.After(t.Expires)) {
		return false
	}
	return now.Sub(mb.ConfirmSent) < confirmResendAfter
}

// standingProblem explains why a person may not join a list that requires
// good standing (dues paid), or returns "".
func (s *Service) standingProblem(tx *store.Tx, list store.List, addr string) Said {
	if !list.Settings.RequireGoodStanding {
		return Said{}
	}
	if p, err := tx.Person(addr); err == nil && p.GoodStanding {
		return Said{}
	}
	return say("join_go.standing", list.Settings.Title, addr, s.addr(list.Name, RoleOwner, ""))
}

// activate makes a membership active, or puts it on the waitlist when a
// list with a capacity is full, and sends the matching welcome. It
// returns the status given.
func (s *Service) activate(tx *store.Tx, list store.List, mb store.Membership) (Status, error) {
	mb.SelfJoined = true // a roster sync keeps people who asked to join (see roster_sync.go)
	mb, err := s.admit(tx, list, mb, nil)
	if err != nil {
		return "", err
	}
	p, err := s.ensurePerson(tx, mb.Address, "")
	name := p.Name
	if err != nil {
		return "", err
	}
	tmpl := "welcome"
	if mb.Status == StatusWaitlist {
		tmpl = "waitlisted"
	}
	subj, body, err := s.renderTx(tx, mb.Address, list.Name, tmpl, map[string]any{
		"Title": list.Settings.Title, "Name": name, "Description": list.Settings.Description,
		"ListAddress": s.addr(list.Name, RolePost, ""), "RequestAddress": s.addr(list.Name, RoleRequest, ""),
		"Capacity": list.Settings.Capacity,
		"ListURL":  s.webURL("/lists/" + list.Name), "MeURL": s.webURL("/me"),
	})
	if err != nil {
		return "", err
	}
	s.log.Info("member joined", "list", list.Name, "member", mb.Address, "status", mb.Status)
	return mb.Status, s.queueNotice(tx, notice{List: list.Name, To: []string{mb.Address}, From: s.addr(list.Name, RoleRequest, ""), Subject: subj, Body: body})
}

// refuseJoin tells someone their join request was turned down.
func (s *Service) refuseJoin(tx *store.Tx, list store.List, addr, reason string) error {
	title := list.Settings.Title
	if list.Kind == KindCaucus {
		// They stay outside the caucus: its address only, never its title.
		title = s.addr(list.Name, RolePost, "")
		if list.Settings.Title != "" {
			reason = strings.ReplaceAll(reason, list.Settings.Title, title)
		}
	}
	subj, body, err := s.renderTx(tx, addr, list.Name, "join-refused", map[string]any{
		"Title": title, "Name": "", "Reason": reason, "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{List: list.Name, To: []string{addr}, From: s.addr(list.Name, RoleRequest, ""), Subject: subj, Body: body})
}

// requestLeave asks a member to confirm leaving (at most once a day).
func (s *Service) requestLeave(tx *store.Tx, list store.List, addr string) (answer Said, mailed bool, err error) {
	mb, err := tx.Membership(list.Name, addr)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (mb.Status == StatusBanned || mb.Status == StatusPending)) {
		return say("join_go.not_member_leave", addr, list.Settings.Title), false, nil
	}
	if err != nil {
		return Said{}, false, err
	}
	sent := say("join_go.sent_leave", addr)
	if s.confirmOutstanding(tx, mb) {
		return sent, true, nil
	}
	tok, err := s.newConfirmation(tx, &mb, TokenConfirmLeave, "")
	if err != nil {
		return Said{}, false, err
	}
	subj, body, err := s.renderTx(tx, addr, list.Name, "leave-confirm", map[string]any{
		"Title": list.Settings.Title, "Address": addr, "ListAddress": s.addr(list.Name, RolePost, ""), "URL": s.o.PublicURL + "/confirm/" + tok,
	})
	if err != nil {
		return Said{}, false, err
	}
	if err := s.queueNotice(tx, notice{List: list.Name, To: []string{addr}, From: s.addr(list.Name, RoleRequest, ""),
		ReplyTo: s.addr(list.Name, RoleConfirm, tok), Subject: subj, Body: body}); err != nil {
		return Said{}, false, err
	}
	return sent, true, nil
}

// ErrBadToken is what a person sees for a confirmation link or reply
// that is unknown, expired or used.
var ErrBadToken = errors.New("this confirmation is not valid any more (it expired or was already used); nothing was changed")

// confirm acts on a join, leave or command confirmation token, from a
// reply or the web page. It returns what happened, in words for the
// person.
func (s *Service) confirm(ctx context.Context, tok string, door Door) (string, error) {
	var answer string
	var password *store.Token
	err := s.st.Update(func(tx *store.Tx) error {
		t, err := tx.Token(tok)
		if err != nil || (t.Kind != TokenConfirmJoin && t.Kind != TokenConfirmLeave && t.Kind != TokenConfirmCommand) {
			return ErrBadToken
		}
		now := s.clock.Now()
		if !t.Used.IsZero() || (!t.Expires.IsZero() && now.After(t.Expires)) {
			return ErrBadToken
		}
		if err := s.useToken(tx, t, t.Address+" via "+string(door)); err != nil {
			return err
		}
		list, err := tx.List(t.List)
		if err != nil {
			return ErrBadToken
		}
		a := Person(t.Address, door)
		switch t.Kind {
		case TokenConfirmLeave:
			answer, err = s.leave(tx, list, t.Address)
			if err == nil {
				err = s.AuditChange(tx, a, list.Name, t.Address+" left")
			}
			return err
		case TokenConfirmCommand:
			c, ok := ParseCommand(t.Data)
			if !ok {
				return ErrBadToken
			}
			if c.Name == cmdPassword {
				password = &t
				return nil
			}
			if orgCommand(c) {
				answer, err = s.runOrgCommand(tx, a, list, c)
				return err
			}
			answer, err = s.runConfirmedCommand(tx, a, list, c)
			return err
		}
		answer, err = s.confirmedJoin(tx, list, t.Address, t.Data == dataInvited)
		if err == nil && list.Kind == KindCaucus && list.Settings.Title != "" && roleOn(tx, list.Name, t.Address) == "" {
			// Still outside the caucus (a moderator decides): its
			// address only, never its title.
			answer = strings.ReplaceAll(answer, list.Settings.Title, s.addr(list.Name, RolePost, ""))
		}
		if err == nil {
			err = s.AuditChange(tx, a, list.Name, t.Address+" confirmed joining")
		}
		return err
	})
	if err == nil && password != nil {
		answer, err = s.mailPassword(password.List, password.Address)
	}
	return answer, err
}

// confirmedJoin continues a join after the address confirmed: straight
// in, or to the moderators on an approve list.
// invited: an owner invited addr (the next cohort's waitlist), so an
// approve list does not ask the moderators again.
func (s *Service) confirmedJoin(tx *store.Tx, list store.List, addr string, invited bool) (string, error) {
	mb, err := tx.Membership(list.Name, addr)
	if list.Kind == KindCoalition && (err != nil || mb.Org == "") {
		// A coalition's members are its organizations' delegates: a
		// confirmation outliving the delegate's naming admits nobody.
		return addr + " is not named a delegate of any organization on " + list.Settings.Title + " (any more). Nothing changed.", nil
	}
	if errors.Is(err, store.ErrNotFound) {
		mb = store.Membership{List: list.Name, Address: addr, Role: ListMember, Mode: ModeEach, Status: StatusPending}
	} else if err != nil {
		return "", err
	} else if mb.Status != StatusPending {
		return addr + " is already a member of " + list.Settings.Title + ".", nil
	}
	if reason := s.standingProblem(tx, list, addr); !reason.IsZero() {
		return reason.In(languageFor(tx, addr, list.Name)), nil
	}
	if subscribePolicy(list) == SubscribeApprove && !invited {
		if err := s.keepPending(tx, mb); err != nil {
			return "", err
		}
		_, err := s.holdItem(tx, list, store.Held{List: list.Name, Kind: store.HeldJoin, From: addr, Subject: "join request from " + addr},
			"", say("held_reason.asks_to_join"))
		if err != nil {
			return "", err
		}
		return "Thank you, " + addr + " is confirmed. A moderator of " + list.Settings.Title + " will review the request; you will hear back by email.", nil
	}
	status, err := s.activate(tx, list, mb)
	if err != nil {
		return "", err
	}
	if status == StatusWaitlist {
		return list.Settings.Title + " is full, so " + addr + " is on the waitlist; you will be told when a seat opens.", nil
	}
	return addr + " is now a member of " + list.Settings.Title + ". Welcome!", nil
}

// ErrNotInGoodStanding refuses to approve a join request on a list that
// requires good standing while the person is not marked so; the request
// stays pending until their record is updated or it is rejected.
var ErrNotInGoodStanding = errors.New("mark them in good standing first (minyan person set --good-standing true), or reject the request")

// decideJoin applies a moderator's decision to a join request.
func (s *Service) decideJoin(tx *store.Tx, list store.List, h *store.Held, action, reason string) error {
	switch action {
	case DecideApprove, DecideApproveAlways:
		h.Status = store.HeldApproved
		mb, err := tx.Membership(list.Name, h.From)
		if errors.Is(err, store.ErrNotFound) {
			mb = store.Membership{List: list.Name, Address: h.From, Role: ListMember, Mode: ModeEach}
		} else if err != nil {
			return err
		} else if mb.Status != StatusPending {
			return nil // joined some other way meanwhile
		}
		if !s.standingProblem(tx, list, h.From).IsZero() {
			return fmt.Errorf("%s is not marked in good standing, which %s requires: %w", h.From, list.Settings.Title, ErrNotInGoodStanding)
		}
		_, err = s.activate(tx, list, mb)
		return err
	case DecideReject, DecideDiscard:
		h.Status = map[string]store.HeldStatus{DecideReject: store.HeldRejected, DecideDiscard: store.HeldDiscarded}[action]
		if err := s.dropPending(tx, list.Name, h.From); err != nil {
			return err
		}
		if action == DecideReject {
			text := "A moderator of " + list.Settings.Title + " did not approve your request to join."
			if reason != "" {
				text += " Their note: " + reason
			}
			return s.refuseJoin(tx, list, h.From, text)
		}
	case DecideBan:
		h.Status = store.HeldBanned
		return s.ban(tx, list.Name, h.From)
	default:
		return fmt.Errorf("unknown decision %q for a join request (approve, reject, discard or ban)", action)
	}
	return nil
}

// leave removes a member after a confirmed request, says goodbye and
// gives the seat to the first person waiting.
func (s *Service) leave(tx *store.Tx, list store.List, addr string) (string, error) {
	mb, err := tx.Membership(list.Name, addr)
	if err != nil || mb.Status == StatusBanned {
		return addr + " is not a member of " + list.Settings.Title + " any more.", nil
	}
	if _, err := s.removeMember(tx, list.Name, addr); err != nil {
		return "", err
	}
	subj, body, err := s.renderTx(tx, addr, list.Name, "goodbye", map[string]any{
		"Title": list.Settings.Title, "Address": addr, "JoinAddress": s.addr(list.Name, RoleJoin, ""),
	})
	if err != nil {
		return "", err
	}
	if err := s.queueNotice(tx, notice{List: list.Name, To: []string{addr}, From: s.addr(list.Name, RoleRequest, ""), Subject: subj, Body: body}); err != nil {
		return "", err
	}
	s.log.Info("member left", "list", list.Name, "member", addr)
	return addr + " has left " + list.Settings.Title + ".", s.promoteWaitlist(tx, list.Name)
}

// The actions ConfirmInfo names besides an email command's text (whose
// command names are never these words).
const (
	ConfirmActionJoin  = "join"
	ConfirmActionLeave = "leave"
)

// ConfirmInfo tells the web page what a confirmation token is for,
// without using it.
func (s *Service) ConfirmInfo(token string) (action, list, addr string, ok bool) {
	_ = s.st.View(func(tx *store.Tx) error {
		t, err := tx.Token(strings.ToLower(strings.TrimSpace(token)))
		if err != nil || !t.Used.IsZero() || (!t.Expires.IsZero() && s.clock.Now().After(t.Expires)) {
			return nil
		}
		switch t.Kind {
		case TokenConfirmJoin:
			action = ConfirmActionJoin
		case TokenConfirmLeave:
			action = ConfirmActionLeave
		case TokenConfirmCommand:
			action = t.Data
		default:
			return nil
		}
		list, addr, ok = t.List, t.Address, true
		return nil
	})
	return
}

// Confirm uses a join or leave confirmation from the web page's button.
func (s *Service) Confirm(ctx context.Context, token string) (string, error) {
	return s.confirm(ctx, strings.ToLower(strings.TrimSpace(token)), DoorWeb)
}
