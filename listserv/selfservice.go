package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/store"
)

// Self-service: what a person may do about their own memberships, from
// the web (and any other door that identifies the person). Each operation
// takes the Actor and checks, here, that the actor may do it.

// ErrBadAddress answers a form whose address is not a plain email
// address. It says nothing about any list or member.
var ErrBadAddress = errors.New("that does not look like an email address")

// ErrNotMember answers a change to a membership the actor does not have.
var ErrNotMember = errors.New("you are not on this list")

// SelfJoin asks for addr to join list name on behalf of actor a (name is
// an optional display name). When a is signed in as addr, the join goes
// exactly as a mail to NAME-join@ would (an open list joins at once) and
// the answer is returned. For anyone else the join is always confirmed
// by mail to addr first, and the answer is "": whatever addr is (member,
// banned, unknown), the caller must show the same page, and only the
// owner of addr learns more, by mail. Lists a may not know of are
// ErrNotFound.
func (s *Service) SelfJoin(ctx context.Context, a Actor, name, addr, display string) (string, error) {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return "", ErrBadAddress
	}
	self := a.Address != "" && a.Address == addr
	var answer string
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(name)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := viewList(tx, a, l); err != nil {
			return err
		}
		if display = strings.TrimSpace(display); display != "" && len(display) <= 200 {
			if _, err := tx.Person(addr); errors.Is(err, store.ErrNotFound) {
				if _, err := s.ensurePerson(tx, addr, display); err != nil {
					return err
				}
			}
		}
		// The one join operation: it confirms by mail first whenever the
		// actor is not addr (even on an open list), and it limits how
		// often an address is mailed.
		// The answer is shown only to addr: in their language.
		msg, _, err := s.requestJoin(tx, a, l, addr)
		if self {
			answer = msg.In(languageFor(tx, addr, l.Name))
		}
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", err
		}
		return "", fmt.Errorf("join %s to %s for %s: %w", addr, name, a, err)
	}
	s.log.Info("join requested", "list", name, "address", addr, "by", a.String())
	return answer, nil
}

// MyList is one of a person's memberships, for their own page.
type MyList struct {
	ListCard
	Role           ListRole
	Mode           Mode
	Status         Status
	CanReadArchive bool
	// CanManage: the person may open this list's console.
	CanManage bool
}

// SelfLists returns the lists of the actor's own address, in name order.
func (s *Service) SelfLists(ctx context.Context, a Actor) ([]MyList, error) {
	if a.Address == "" {
		return nil, ErrForbidden
	}
	var out []MyList
	err := s.st.View(func(tx *store.Tx) error {
		names, err := tx.ListsOf(a.Address)
		if err != nil {
			return err
		}
		for _, n := range names {
			l, err := tx.List(n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			mb, err := tx.Membership(n, a.Address)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			card := s.card(l)
			if l.Kind == KindCaucus && !activeMember(&mb) {
				// A pending, waitlisted or banned person is outside
				// the caucus: its address only, never its title or
				// description.
				card.Title, card.Description = card.Address, ""
			}
			out = append(out, MyList{ListCard: card, Role: mb.Role, Mode: mb.Mode, Status: mb.Status,
				CanReadArchive: CanReadArchive(l, &mb), CanManage: activeMember(&mb) && RoleAllows(mb.Role, PermSeeHeld)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lists of %s: %w", a, err)
	}
	return out, nil
}

// ownMembership loads the actor's own active-or-bouncing membership of a
// list for a change they make to it. No membership is ErrNotMember, and
// for a list the actor may not know of, ErrNotFound.
func ownMembership(tx *store.Tx, a Actor, name string) (store.List, store.Membership, error) {
	if a.Address == "" {
		return store.List{}, store.Membership{}, ErrForbidden
	}
	l, err := tx.List(name)
	if errors.Is(err, store.ErrNotFound) {
		return l, store.Membership{}, ErrNotFound
	} else if err != nil {
		return l, store.Membership{}, err
	}
	mb, err := tx.Membership(name, a.Address)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (mb.Status == StatusBanned || mb.Status == StatusPending)) {
		if l.Kind == KindCaucus {
			return l, mb, ErrNotFound
		}
		return l, mb, ErrNotMember
	}
	return l, mb, err
}

// SelfSetMode changes how the actor gets a list's mail: each, digest or
// nomail.
func (s *Service) SelfSetMode(ctx context.Context, a Actor, name, mode string) error {
	if err := checkChoice("mode", Mode(mode), modes); err != nil || mode == "" {
		return fmt.Errorf("mode %q: must be one of each, digest, nomail", mode)
	}
	// Not a member (or a caucus the actor may not know of) answers as
	// ownMembership does; the change itself is the roster's one operation.
	if err := s.st.View(func(tx *store.Tx) error {
		_, _, err := ownMembership(tx, a, name)
		return err
	}); err != nil {
		return err
	}
	return s.SetMember(context.Background(), a, name, a.Address, "", mode)
}

// SelfLeave takes the actor off a list at once (a signed-in person has
// already proved they hold the address) and says goodbye by mail.
func (s *Service) SelfLeave(ctx context.Context, a Actor, name string) (string, error) {
	var answer string
	err := s.st.Update(func(tx *store.Tx) error {
		l, _, err := ownMembership(tx, a, name)
		if err != nil {
			return err
		}
		answer, err = s.leave(tx, l, a.Address)
		return err
	})
	if err != nil {
		return "", err
	}
	s.log.Info("left by request", "list", name, "member", a.Address, "by", a.String())
	return answer, nil
}

// SelfAppPassword makes a new IMAP app password for the actor's own
// address (replacing the old one) and returns it with the server mail
// apps connect to.
func (s *Service) SelfAppPassword(ctx context.Context, a Actor) (password, server string, err error) {
	if a.Address == "" {
		return "", "", ErrForbidden
	}
	pw, err := s.NewAppPassword(a.Address)
	if err != nil {
		return "", "", err
	}
	s.log.Info("app password made", "member", a.Address, "by", a.String())
	return pw, s.o.IMAPServer, nil
}
