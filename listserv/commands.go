package listserv

import (
	"context"
	"fmt"
	"strings"

	"minyan/store"
)

// maxCommandLines bounds how many lines of a command email are read.
const maxCommandLines = 20

// commandResult is one command and what minyan did about it.
type commandResult struct {
	Line   string
	Answer string
}

// receiveCommand handles mail to NAME-request@ (commands, one per line,
// in the Subject or body), NAME-join@ and NAME-leave@ (shortcuts), and
// NAME-confirm+TOKEN (replies). Every command is answered in one reply;
// unknown lines are reported, quoted text below a reply is ignored.
func (s *Service) receiveCommand(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	if la.Role == RoleConfirm {
		return s.receiveConfirm(ctx, env, la, raw)
	}
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if looksAutomatic(m, env.From) {
		s.log.Info("automatic message to a command address ignored", "list", la.List, "role", la.Role, "from", m.From.Address)
		return nil
	}
	from := NormalizeAddress(m.From.Address)
	var cmds []Command
	var results []commandResult
	ignored := ""
	switch la.Role {
	case RoleJoin:
		cmds = []Command{{Name: "subscribe", Line: "(email to " + s.addr(la.List, RoleJoin, "") + ")"}}
	case RoleLeave:
		cmds = []Command{{Name: "unsubscribe", Line: "(email to " + s.addr(la.List, RoleLeave, "") + ")"}}
	default:
		if c, ok := ParseCommand(stripReplyPrefixes(m.Subject)); ok {
			cmds = append(cmds, c)
		}
		lines := AnswerLines(ReplyText(raw))
		for i, l := range lines {
			if i >= maxCommandLines {
				ignored = fmt.Sprintf("%d lines", maxCommandLines)
				break
			}
			c, ok := ParseCommand(l)
			if !ok {
				results = append(results, commandResult{Line: l, Answer: "I do not know this command, so I skipped it."})
				continue
			}
			if c.Name == "end" {
				break
			}
			cmds = append(cmds, c)
		}
		if len(cmds) == 0 && len(results) == 0 {
			cmds = []Command{{Name: "help", Line: "(empty message)"}}
		}
	}
	for _, c := range cmds {
		ans, err := s.runCommand(ctx, la.List, from, c)
		if err != nil {
			return tempFail(err)
		}
		results = append(results, commandResult{Line: c.Line, Answer: ans})
	}
	// Keep the order people wrote: commands were appended after unknown
	// lines; that is fine for a short answer.
	list, err := s.loadList(la.List)
	if err != nil {
		return err
	}
	subj, body, err := s.render(la.List, "command-results", map[string]any{
		"Subject": or(m.Subject, "your commands"), "RequestAddress": s.addr(la.List, RoleRequest, ""),
		"Results": results, "Ignored": ignored, "Title": list.Settings.Title,
	})
	if err != nil {
		return tempFail(err)
	}
	err = s.st.Update(func(tx *store.Tx) error {
		return s.queueNotice(tx, notice{List: la.List, To: []string{from}, From: s.addr(la.List, RoleRequest, ""),
			Subject: subj, Body: body, InReplyTo: m.MessageID})
	})
	if err != nil {
		return tempFail(err)
	}
	s.log.Info("email commands answered", "list", la.List, "from", from, "commands", len(cmds))
	return nil
}

// runCommand carries out one email command for the sender and says what
// happened.
func (s *Service) runCommand(ctx context.Context, listName, from string, c Command) (string, error) {
	var answer string
	var wantPassword bool
	err := s.st.Update(func(tx *store.Tx) error {
		list, err := tx.List(listName)
		if err != nil {
			return err
		}
		title := list.Settings.Title
		mb, merr := tx.Membership(listName, from)
		member := merr == nil && mb.Status != StatusBanned && mb.Status != StatusPending && mb.Status != StatusWaitlist
		switch c.Name {
		case "subscribe":
			answer, err = s.requestJoin(tx, list, from)
		case "unsubscribe":
			answer, err = s.requestLeave(tx, list, from)
		case "digest", "nomail":
			if !member {
				answer = from + " is not a member of " + title + "."
				return nil
			}
			switch {
			case c.Arg == "on":
				mb.Mode = c.Name
			case mb.Mode == c.Name:
				mb.Mode = "each"
			}
			answer = map[string]string{
				"digest": "You will now get one weekly digest instead of every message.",
				"nomail": "Your mail from " + title + " is paused. Send \"nomail off\" to resume.",
				"each":   "You will now get every message as it is sent.",
			}[mb.Mode]
			err = tx.PutMembership(mb)
		case "password":
			if !member {
				answer = "Only members can get an archive password."
				return nil
			}
			wantPassword = true
		case "help":
			_, answer, err = s.render(listName, "help", s.helpData(list))
		case "info":
			answer, err = s.info(tx, list)
		case "who":
			if !member && !s.isModeratorTx(tx, listName, from) {
				answer = "The member list of " + title + " is only shown to its members."
				return nil
			}
			answer, err = s.who(tx, list)
		}
		return err
	})
	if err == nil && wantPassword {
		answer, err = s.mailPassword(listName, from)
	}
	return answer, err
}

func (s *Service) isModeratorTx(tx *store.Tx, list, addr string) bool {
	mb, err := tx.Membership(list, addr)
	return err == nil && mb.Status != StatusBanned && CanModerate(mb.Role)
}

func (s *Service) helpData(list store.List) map[string]any {
	return map[string]any{
		"Title": list.Settings.Title, "RequestAddress": s.addr(list.Name, RoleRequest, ""),
		"JoinAddress": s.addr(list.Name, RoleJoin, ""), "LeaveAddress": s.addr(list.Name, RoleLeave, ""),
		"OwnerAddress": s.addr(list.Name, RoleOwner, ""),
	}
}

func (s *Service) info(tx *store.Tx, list store.List) (string, error) {
	set := list.Settings
	n := 0
	if err := tx.EachMember(list.Name, func(m store.Membership) error {
		if Deliverable(m) {
			n++
		}
		return nil
	}); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", set.Title, s.addr(list.Name, RolePost, ""))
	if set.Description != "" {
		fmt.Fprintf(&b, "%s\n", set.Description)
	}
	who := map[string]string{"members": "members", "moderated": "members, after a moderator's review", "open": "anyone",
		"announce": "the moderators and owners"}[set.Posting]
	join := map[string]string{"open": "anyone can join", "confirm": "anyone can join after confirming by email",
		"approve": "joining needs a moderator's approval", "closed": "the owners add members"}[set.Subscribe]
	fmt.Fprintf(&b, "Who can post: %s. How to join: %s.\n", who, join)
	if set.Capacity > 0 {
		fmt.Fprintf(&b, "Seats: %d.\n", set.Capacity)
	}
	if set.RequireGoodStanding {
		b.WriteString("Open to members of the network in good standing (dues paid).\n")
	}
	fmt.Fprintf(&b, "Members: %d. Questions: %s", n, s.addr(list.Name, RoleOwner, ""))
	return b.String(), nil
}

// who lists the roster for a member who asked. It is only ever mailed to
// the member's own address (the From of the request), so even a forged
// request never shows a caucus roster to an outsider.
func (s *Service) who(tx *store.Tx, list store.List) (string, error) {
	var b strings.Builder
	n := 0
	err := tx.EachMember(list.Name, func(m store.Membership) error {
		if !Deliverable(m) && m.Status != StatusDisabled {
			return nil
		}
		name := ""
		if p, err := tx.Person(m.Address); err == nil {
			name = p.Name
		}
		n++
		role := ""
		if m.Role != "member" {
			role = " (" + m.Role + ")"
		}
		fmt.Fprintf(&b, "  %s%s\n", displayAddress(name, m.Address), role)
		return nil
	})
	return fmt.Sprintf("%d members of %s:\n%s", n, list.Settings.Title, strings.TrimRight(b.String(), "\n")), err
}
