package listserv

import (
	"errors"
	"fmt"
	"strings"

	"minyan/store"
)

// MemberSpec is one person to add or update on a roster. Empty fields keep
// existing values (or defaults for new members).
type MemberSpec struct {
	Address      string
	Name         string
	Role         string
	Mode         string
	GoodStanding *bool
}

func checkChoice(what, v string, allowed []string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s %q: must be one of %s", what, v, strings.Join(allowed, ", "))
}

// Validate checks a spec before it touches the store.
func (m MemberSpec) Validate() error {
	if !ValidAddress(m.Address) {
		return fmt.Errorf("%q is not an email address", m.Address)
	}
	if err := checkChoice("role", m.Role, roles); err != nil {
		return err
	}
	return checkChoice("mode", m.Mode, modes)
}

// AddResult says what happened to one address of an add or import.
type AddResult struct {
	Address string
	Status  string // ok | waitlist | updated
	Err     error
}

// AddMembers adds people to a list (update=false refuses existing members;
// update=true changes them, for imports). Each spec is checked alone, so
// one bad address does not stop the rest. A list at capacity puts new
// plain members on the waitlist.
func (s *Service) AddMembers(list string, specs []MemberSpec, update bool) ([]AddResult, error) {
	res := make([]AddResult, len(specs))
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		seats, err := seatsTaken(tx, list)
		if err != nil {
			return err
		}
		for i, sp := range specs {
			typed := sp.Address
			sp.Address = NormalizeAddress(sp.Address)
			res[i].Address = sp.Address
			if err := sp.Validate(); err != nil {
				if strings.ContainsAny(typed, "<>") || strings.Contains(strings.TrimSpace(typed), " ") {
					err = fmt.Errorf("%q is not a plain email address; give the name separately, e.g. --name %q %s", typed, nameHint(typed), bareAddress(typed))
				}
				res[i].Err = err
				continue
			}
			if err := s.upsertPerson(tx, sp); err != nil {
				return err
			}
			mb, err := tx.Membership(list, sp.Address)
			switch {
			case err == nil && !update:
				res[i].Err = fmt.Errorf("%s is already a member of %s", sp.Address, list)
				continue
			case err == nil:
				if sp.Role != "" {
					mb.Role = sp.Role
				}
				if sp.Mode != "" {
					mb.Mode = sp.Mode
				}
				res[i].Status = "updated"
			case errors.Is(err, store.ErrNotFound):
				mb = store.Membership{List: list, Address: sp.Address, Role: or(sp.Role, "member"),
					Mode: or(sp.Mode, "each"), Status: StatusOK, Joined: s.clock.Now()}
				if l.Settings.Capacity > 0 && mb.Role == "member" && seats >= l.Settings.Capacity {
					mb.Status = StatusWaitlist
				} else if mb.Role == "member" {
					seats++
				}
				res[i].Status = mb.Status
			default:
				return err
			}
			if err := tx.PutMembership(mb); err != nil {
				return err
			}
			if err := s.emitIf(tx, res[i].Status != "updated", EventMemberJoined, list, memberEvent(mb)); err != nil {
				return err
			}
		}
		return nil
	})
	return res, notFoundText(err, "no list named "+list)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (s *Service) upsertPerson(tx *store.Tx, sp MemberSpec) error {
	p, err := tx.Person(sp.Address)
	if errors.Is(err, store.ErrNotFound) {
		p = store.Person{Address: sp.Address, Created: s.clock.Now()}
	} else if err != nil {
		return err
	}
	if sp.Name != "" {
		p.Name = sp.Name
	}
	if sp.GoodStanding != nil {
		p.GoodStanding = *sp.GoodStanding
	}
	return tx.PutPerson(p)
}

// seatsTaken counts the plain members holding a seat (waitlisted, pending
// and banned people do not; facilitators and owners are not counted
// against capacity).
func seatsTaken(tx *store.Tx, list string) (int, error) {
	n := 0
	err := tx.EachMember(list, func(m store.Membership) error {
		if m.Role == "member" && m.Status != StatusWaitlist && m.Status != StatusPending && m.Status != StatusBanned {
			n++
		}
		return nil
	})
	return n, err
}

// SetMember changes role and/or mode. Setting a mode re-enables a member
// whose delivery was disabled by bounces (SPEC "Bounces").
func (s *Service) SetMember(list, addr, role, mode string) error {
	if err := checkChoice("role", role, roles); err != nil {
		return err
	}
	if err := checkChoice("mode", mode, modes); err != nil {
		return err
	}
	err := s.st.Update(func(tx *store.Tx) error {
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return err
		}
		if role != "" {
			mb.Role = role
		}
		if mode != "" {
			mb.Mode = mode
			if mb.Status == StatusDisabled || mb.Status == StatusBouncing {
				mb.Status = StatusOK
				mb.Bounces = nil
			}
		}
		return tx.PutMembership(mb)
	})
	return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
}

// RemoveMembers takes people off a list; a freed seat promotes the first
// person on the waitlist, who is told.
func (s *Service) RemoveMembers(list string, addrs []string) ([]AddResult, error) {
	res := make([]AddResult, len(addrs))
	err := s.st.Update(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		for i, a := range addrs {
			res[i].Address = NormalizeAddress(a)
			if err := s.emitLeaving(tx, list, a); err != nil {
				return err
			}
			if err := tx.DeleteMembership(list, a); err != nil {
				res[i].Err = notFoundText(err, fmt.Sprintf("%s is not a member of %s", a, list))
				continue
			}
			res[i].Status = "removed"
		}
		return s.promoteWaitlist(tx, list)
	})
	return res, notFoundText(err, "no list named "+list)
}

// promoteWaitlist fills free seats from the waitlist, earliest first.
func (s *Service) promoteWaitlist(tx *store.Tx, list string) error {
	l, err := tx.List(list)
	if err != nil || l.Settings.Capacity == 0 {
		return err
	}
	seats, err := seatsTaken(tx, list)
	if err != nil {
		return err
	}
	for seats < l.Settings.Capacity {
		var first *store.Membership
		err := tx.EachMember(list, func(m store.Membership) error {
			if m.Status == StatusWaitlist && (first == nil || m.Joined.Before(first.Joined)) {
				c := m
				first = &c
			}
			return nil
		})
		if err != nil || first == nil {
			return err
		}
		first.Status = StatusOK
		if err := tx.PutMembership(*first); err != nil {
			return err
		}
		seats++
		subj, body, err := renderTemplate("waitlist-promoted", map[string]any{
			"ListAddress": s.addr(list, RolePost, ""), "Title": l.Settings.Title,
		})
		if err != nil {
			return err
		}
		if err := s.queueNotice(tx, notice{List: list, To: []string{first.Address}, From: s.addr(list, RoleOwner, ""),
			Subject: subj, Body: body}); err != nil {
			return err
		}
		s.log.Info("waitlist promoted", "list", list, "member", first.Address)
	}
	return nil
}

// Members returns a list's roster.
func (s *Service) Members(list string) ([]store.Membership, error) {
	var out []store.Membership
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		var err error
		out, err = tx.Members(list)
		return err
	})
	return out, notFoundText(err, "no list named "+list)
}

// SetPerson changes network-wide facts about a person, creating the
// record if needed (dues can be recorded before someone joins a list).
func (s *Service) SetPerson(addr string, name *string, goodStanding *bool) error {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return fmt.Errorf("%q is not an email address", addr)
	}
	return s.st.Update(func(tx *store.Tx) error {
		sp := MemberSpec{Address: addr, GoodStanding: goodStanding}
		if name != nil {
			sp.Name = *name
		}
		return s.setPersonTx(tx, sp) // applies lapsed_members when standing changes
	})
}

// Person returns a person's record.
func (s *Service) Person(addr string) (store.Person, error) {
	var p store.Person
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		p, err = tx.Person(addr)
		return err
	})
	return p, err
}

// nameHint is the display-name part of `Name <addr>`, for the advice
// after a mistyped address.
func nameHint(typed string) string {
	if i := strings.IndexByte(typed, '<'); i > 0 {
		return strings.Trim(strings.TrimSpace(typed[:i]), `"`)
	}
	return "Their Name"
}
