package listserv

import (
	"context"
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
	Role         ListRole
	Mode         Mode
	GoodStanding *bool
}

func checkChoice[T ~string](what string, v T, allowed []T) error {
	if v == "" {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if v == a {
			return nil
		}
		names[i] = string(a)
	}
	return RefuseSaying(fmt.Sprintf("%s %q: must be one of %s", what, v, strings.Join(names, ", ")), "choice_err.one_of", string(v), strings.Join(names, ", "))
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
// plain members on the waitlist. It needs PermRoster; giving or changing
// a role other than member needs PermSettings (that row alone fails).
func (s *Service) AddMembers(ctx context.Context, a Actor, list string, specs []MemberSpec, update bool) ([]AddResult, error) {
	res := make([]AddResult, len(specs))
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, PermRoster)
		if err != nil {
			return err
		}
		seats, err := seatsTaken(tx, list)
		if err != nil {
			return err
		}
		return s.addMembersTx(tx, a, l, specs, update, &seats, res)
	})
	return res, err
}

// addMembersTx adds or updates specs on list l inside tx, writing each
// row's outcome to res; seats is the number of seats taken, carried from
// one call to the next so a batched import counts them once.
func (s *Service) addMembersTx(tx *store.Tx, a Actor, l store.List, specs []MemberSpec, update bool, seats *int, res []AddResult) error {
	list := l.Name
	mayRole := s.mayGiveRoles(tx, a, list)
	var whats []string
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
		mb, err := tx.Membership(list, sp.Address)
		exists := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if exists && !update {
			res[i].Err = fmt.Errorf("%s is already a member of %s", sp.Address, list)
			continue
		}
		cur := ListMember
		if exists {
			cur = mb.Role
		}
		if !mayRole && sp.Role != "" && sp.Role != cur {
			res[i].Err = fmt.Errorf("%s: %w (roles are the owners' to give)", sp.Address, ErrForbidden)
			continue
		}
		if exists && sp.Mode != "" && sp.Mode != mb.Mode {
			if err := mayChangeHolder(tx, a, mb); err != nil {
				res[i].Err = err
				continue
			}
		}
		if sp.GoodStanding != nil && !isSiteAdmin(tx, a) {
			res[i].Err = fmt.Errorf("%s: %w (good standing holds on every list; site admins set it)", sp.Address, ErrForbidden)
			continue
		}
		if err := s.upsertPerson(tx, sp); err != nil {
			return err
		}
		if exists {
			mode := sp.Mode
			if mode == mb.Mode {
				mode = "" // an import restating the mode does not re-enable bounced delivery
			}
			if mb, _, err = s.setRoleMode(tx, mb, sp.Role, mode); err != nil {
				return err
			}
			res[i].Status = "updated"
			whats = append(whats, "updated "+sp.Address+" (role "+string(mb.Role)+", mode "+string(mb.Mode)+")")
			continue
		}
		mb, err = s.admit(tx, l, store.Membership{List: list, Address: sp.Address, Role: sp.Role, Mode: sp.Mode}, seats)
		if err != nil {
			return err
		}
		res[i].Status = string(mb.Status)
		whats = append(whats, "added "+sp.Address+" (role "+string(mb.Role)+", mode "+string(mb.Mode)+", status "+string(mb.Status)+")")
	}
	return s.auditMany(tx, a, list, whats)
}

// auditBatchMax is how many changes of one call are recorded one by one;
// a larger batch (a roster import) is recorded as one summary entry.
const auditBatchMax = 20

// auditMany records the changes of one call.
func (s *Service) auditMany(tx *store.Tx, a Actor, list string, whats []string) error {
	if len(whats) > auditBatchMax {
		return s.AuditChange(tx, a, list, fmt.Sprintf("changed %d memberships in one batch (first: %s; last: %s)", len(whats), whats[0], whats[len(whats)-1]))
	}
	for _, w := range whats {
		if err := s.AuditChange(tx, a, list, w); err != nil {
			return err
		}
	}
	return nil
}

// mayGiveRoles tells whether a may give or change roles on list: the
// one rule for every path that writes a role (AddMembers, SyncRoster),
// the right to change settings.
func (s *Service) mayGiveRoles(tx *store.Tx, a Actor, list string) bool {
	return isSiteAdmin(tx, a) || RoleAllows(roleOn(tx, list, a.Address), PermSettings)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ensurePerson returns addr's person record, creating it (with name, if
// given) when there is none; an existing record is left as it is.
func (s *Service) ensurePerson(tx *store.Tx, addr, name string) (store.Person, error) {
	p, err := tx.Person(addr)
	if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	p = store.Person{Address: addr, Name: name, Created: s.clock.Now()}
	return p, tx.PutPerson(p)
}

// upsertPerson creates or updates the person of a roster entry: a name
// or a good standing given replaces the stored one.
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

// SetMember changes role and/or mode. Setting a mode re-enables a member
// whose delivery was disabled by bounces. Changing a role needs
// PermSettings; changing a mode needs PermRoster (PermSettings when the
// member holds a role), except that a person may always change their own
// mode.
func (s *Service) SetMember(ctx context.Context, a Actor, list, addr, role, mode string) error {
	if err := checkChoice("role", ListRole(role), roles); err != nil {
		return err
	}
	if err := checkChoice("mode", Mode(mode), modes); err != nil {
		return err
	}
	addr = NormalizeAddress(addr)
	return s.st.Update(func(tx *store.Tx) error {
		perm := PermRoster
		switch {
		case role != "":
			perm = PermSettings
		case a.Address != "" && a.Address == addr:
			perm = PermRead
		}
		if _, err := s.authorize(tx, a, list, perm); err != nil {
			return err
		}
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		if err := mayChangeHolder(tx, a, mb); err != nil {
			return err
		}
		return s.setMember(tx, a, mb, ListRole(role), Mode(mode))
	})
}

// setMember changes a membership's role and mode inside tx and records
// the change.
func (s *Service) setMember(tx *store.Tx, a Actor, mb store.Membership, role ListRole, mode Mode) error {
	mb, _, err := s.setRoleMode(tx, mb, role, mode)
	if err != nil {
		return err
	}
	return s.AuditChange(tx, a, mb.List, "changed "+mb.Address+" (role "+string(mb.Role)+", mode "+string(mb.Mode)+")")
}

// RemoveMembers takes people off a list; a freed seat promotes the first
// person on the waitlist, who is told. It needs PermRoster; removing
// someone who holds a role above member needs PermSettings (that address
// alone fails).
func (s *Service) RemoveMembers(ctx context.Context, a Actor, list string, addrs []string) ([]AddResult, error) {
	res := make([]AddResult, len(addrs))
	err := s.st.Update(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, list, PermRoster); err != nil {
			return err
		}
		mayRole := s.mayGiveRoles(tx, a, list)
		var whats []string
		for i, addr := range addrs {
			addr = NormalizeAddress(addr)
			res[i].Address = addr
			mb, err := tx.Membership(list, addr)
			if err != nil {
				res[i].Err = notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
				continue
			}
			if err := mayRemove(mayRole, mb); err != nil {
				res[i].Err = err
				continue
			}
			if _, err := s.removeMember(tx, list, addr); err != nil {
				return err
			}
			whats = append(whats, "removed "+addr)
			res[i].Status = "removed"
		}
		if err := s.auditMany(tx, a, list, whats); err != nil {
			return err
		}
		return s.promoteWaitlist(tx, list)
	})
	return res, err
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
			if m.Status != StatusWaitlist || !s.standingProblem(tx, l, m.Address).IsZero() {
				return nil // dues lapsed while waiting: they keep their place, not a seat
			}
			if first == nil || m.Joined.Before(first.Joined) {
				c := m
				first = &c
			}
			return nil
		})
		if err != nil || first == nil {
			return err
		}
		if err := s.giveSeat(tx, *first); err != nil {
			return err
		}
		seats++
		subj, body, err := s.renderTx(tx, first.Address, list, "waitlist-promoted", map[string]any{
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

// PersonChange is what SetPerson changes; nil fields stay as they are.
type PersonChange struct {
	Name         *string
	GoodStanding *bool
	// Admin makes the person a site admin (every list, list creation).
	Admin *bool
}

// SetPerson changes network-wide facts about a person, creating the
// record if needed (dues can be recorded before someone joins a list).
// Only site admins (and the operator) may.
func (s *Service) SetPerson(ctx context.Context, a Actor, addr string, c PersonChange) error {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return fmt.Errorf("%q is not an email address", addr)
	}
	return s.st.Update(func(tx *store.Tx) error {
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		sp := MemberSpec{Address: addr, GoodStanding: c.GoodStanding}
		var what []string
		if c.Name != nil {
			sp.Name = *c.Name
			what = append(what, fmt.Sprintf("name=%q", *c.Name))
		}
		if c.GoodStanding != nil {
			what = append(what, fmt.Sprintf("good_standing=%t", *c.GoodStanding))
		}
		if err := s.setPersonTx(tx, sp); err != nil { // applies lapsed_members when standing changes
			return err
		}
		if c.Admin != nil {
			p, err := tx.Person(addr)
			if err != nil {
				return err
			}
			p.Admin = *c.Admin
			if err := tx.PutPerson(p); err != nil {
				return err
			}
			what = append(what, fmt.Sprintf("admin=%t", *c.Admin))
		}
		return s.AuditChange(tx, a, "", "set "+addr+": "+strings.Join(what, " "))
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
