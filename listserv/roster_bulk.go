package listserv

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"minyan/store"
)

// Changing many members at once: the roster's ticked rows, a door's list
// of addresses. ChangeMembers is the one operation every door calls for
// it (and the console's one-person form too), so a moderator meets the
// same refusal for one person as for fifty. Each member is checked with
// the rules the one-person operations use (mayGiveRoles, mayChangeHolder,
// mayRemove, authorizeSite); the records change only through
// membership.go and setPersonTx; everything happens in one write
// transaction with its audit entries.

// ChangeAction is what ChangeMembers does to each member.
type ChangeAction string

// The changes.
const (
	// ChangeSet sets the role and/or the delivery mode ("" keeps each).
	ChangeSet ChangeAction = "set"
	// ChangeRemove takes the members off the list.
	ChangeRemove ChangeAction = "remove"
	// ChangeStanding marks the people in good standing or not (a fact
	// about the person, on every list: site admins only).
	ChangeStanding ChangeAction = "standing"
)

// MemberChange is one change for many members.
type MemberChange struct {
	Action ChangeAction
	// Role and Mode are ChangeSet's; "" keeps the member's own.
	Role ListRole
	Mode Mode
	// Good is ChangeStanding's.
	Good bool
}

// MaxChangeMembers bounds one call: twenty roster pages.
const MaxChangeMembers = 1000

// Validate checks a change before it touches the store.
func (c MemberChange) Validate() error {
	switch c.Action {
	case ChangeSet:
		if c.Role == "" && c.Mode == "" {
			return errors.New("nothing to change: give a role or a mode")
		}
		if err := checkChoice("role", c.Role, roles); err != nil {
			return err
		}
		return checkChoice("mode", c.Mode, modes)
	case ChangeRemove, ChangeStanding:
		return nil
	}
	return fmt.Errorf("change %q: must be one of set, remove, standing", c.Action)
}

// String says what the change does, for the audit and the command line.
func (c MemberChange) String() string {
	switch c.Action {
	case ChangeSet:
		s := "set"
		if c.Role != "" {
			s += " role " + string(c.Role)
		}
		if c.Mode != "" {
			s += " mode " + string(c.Mode)
		}
		return s
	case ChangeStanding:
		return "good_standing=" + strconv.FormatBool(c.Good)
	}
	return string(c.Action)
}

// Refusal says why one member of a batch was not changed.
type Refusal string

// The refusals.
const (
	// RefusedNotMember: the address is not on the list.
	RefusedNotMember Refusal = "not_member"
	// RefusedRoles: giving, changing or taking away a role above member
	// is the owners' (the right to change settings).
	RefusedRoles Refusal = "roles"
	// RefusedHolder: the member holds a role above the actor's right to
	// change them (a moderator changing an owner's delivery).
	RefusedHolder Refusal = "holder"
	// RefusedStanding: good standing holds on every list; site admins
	// set it.
	RefusedStanding Refusal = "standing"
)

// MemberOutcome is what ChangeMembers did to one address.
type MemberOutcome struct {
	Address string
	// Changed is false for a member who already was as asked, and for
	// a refused one.
	Changed bool
	// Refused is why the member was left alone ("" when not refused);
	// Err says it in words for the command line and the API.
	Refused Refusal
	Err     error
	// Role, Mode and Status are the membership after the change (empty
	// when removed or refused).
	Role   ListRole
	Mode   Mode
	Status Status
}

// ChangeResult is the outcome of ChangeMembers, one entry per address
// in the order given.
type ChangeResult struct {
	Outcomes                    []MemberOutcome
	Changed, Unchanged, Refused int
}

// ChangeMembers applies one change to the members addrs of list, in one
// write transaction, and says for each what changed or why not. It needs
// PermRoster on the list (else nothing happens: ErrForbidden, or a
// caucus's not-found); then each member is checked alone with the rules
// of the one-person operations: a role change needs the right to give
// roles (mayGiveRoles) and a role equal to the member's is no change; a
// mode change on someone holding a role needs mayChangeHolder; removing
// a role holder needs mayRemove; good standing needs a site admin. A
// removal that frees a seat promotes from the waitlist once. Repeated
// addresses count once.
func (s *Service) ChangeMembers(ctx context.Context, a Actor, list string, addrs []string, c MemberChange) (ChangeResult, error) {
	var res ChangeResult
	if err := c.Validate(); err != nil {
		return res, err
	}
	if len(addrs) == 0 {
		return res, errors.New("no members chosen")
	}
	if len(addrs) > MaxChangeMembers {
		return res, fmt.Errorf("%d members at once is too many (%d at most)", len(addrs), MaxChangeMembers)
	}
	seen := make(map[string]bool, len(addrs))
	for _, addr := range addrs {
		addr = NormalizeAddress(addr)
		if !seen[addr] {
			seen[addr] = true
			res.Outcomes = append(res.Outcomes, MemberOutcome{Address: addr})
		}
	}
	err := s.st.Update(func(tx *store.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.authorize(tx, a, list, PermRoster); err != nil {
			return err
		}
		mayRole := s.mayGiveRoles(tx, a, list)
		site := isSiteAdmin(tx, a)
		var whats []string
		removed := false
		for i := range res.Outcomes {
			o := &res.Outcomes[i]
			o.Changed, o.Refused, o.Err = false, "", nil // a retried transaction starts again
			what, err := s.changeMember(tx, a, list, o, c, mayRole, site)
			if err != nil {
				return err
			}
			if what != "" {
				whats = append(whats, what)
				removed = removed || c.Action == ChangeRemove
			}
		}
		if err := s.auditMany(tx, a, list, whats); err != nil {
			return err
		}
		if removed {
			return s.promoteWaitlist(tx, list)
		}
		return nil
	})
	if err != nil {
		return ChangeResult{}, err
	}
	for _, o := range res.Outcomes {
		switch {
		case o.Refused != "":
			res.Refused++
		case o.Changed:
			res.Changed++
		default:
			res.Unchanged++
		}
	}
	return res, nil
}

// changeMember applies c to one member inside tx, filling o; it returns
// the audit line of a change ("" when nothing changed). An error is the
// store's and ends the transaction; a refusal is o's.
func (s *Service) changeMember(tx *store.Tx, a Actor, list string, o *MemberOutcome, c MemberChange, mayRole, site bool) (string, error) {
	refuse := func(r Refusal, err error) (string, error) {
		o.Refused, o.Err = r, err
		return "", nil
	}
	mb, err := tx.Membership(list, o.Address)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(RefusedNotMember, fmt.Errorf("%s is not a member of %s", o.Address, list))
	}
	if err != nil {
		return "", err
	}
	o.Role, o.Mode, o.Status = mb.Role, mb.Mode, mb.Status
	switch c.Action {
	case ChangeSet:
		role := c.Role
		if role == mb.Role {
			role = "" // the member's own role is not a change
		}
		if role != "" && !mayRole {
			return refuse(RefusedRoles, fmt.Errorf("%s: %w (roles are the owners' to give)", o.Address, ErrForbidden))
		}
		if err := mayChangeHolder(tx, a, mb); err != nil {
			return refuse(RefusedHolder, err)
		}
		mb, changed, err := s.setRoleMode(tx, mb, role, c.Mode)
		if err != nil || !changed {
			return "", err
		}
		o.Changed, o.Role, o.Mode, o.Status = true, mb.Role, mb.Mode, mb.Status
		return "changed " + o.Address + " (role " + string(mb.Role) + ", mode " + string(mb.Mode) + ")", nil
	case ChangeRemove:
		if err := mayRemove(mayRole, mb); err != nil {
			return refuse(RefusedRoles, err)
		}
		if _, err := s.removeMember(tx, list, o.Address); err != nil {
			return "", err
		}
		o.Changed, o.Role, o.Mode, o.Status = true, "", "", ""
		return "removed " + o.Address, nil
	case ChangeStanding:
		if !site {
			return refuse(RefusedStanding, fmt.Errorf("%s: %w (good standing holds on every list; site admins set it)", o.Address, ErrForbidden))
		}
		if p, err := tx.Person(o.Address); err == nil && p.GoodStanding == c.Good {
			return "", nil
		}
		good := c.Good
		if err := s.setPersonTx(tx, MemberSpec{Address: o.Address, GoodStanding: &good}); err != nil {
			return "", err
		}
		if mb, err := tx.Membership(list, o.Address); err == nil {
			o.Mode, o.Status = mb.Mode, mb.Status // a lapse may pause delivery
		}
		o.Changed = true
		return fmt.Sprintf("set %s: good_standing=%t", o.Address, good), nil
	}
	return "", fmt.Errorf("change %q not known", c.Action)
}

// mayRemove is the one rule for taking someone off a list
// (RemoveMembers, ChangeMembers): a role holder above member goes only
// by someone who may give roles (mayGiveRoles).
func mayRemove(mayRole bool, mb store.Membership) error {
	if !mayRole && mb.Role != ListMember {
		return fmt.Errorf("%s is a %s: %w", mb.Address, mb.Role, ErrForbidden)
	}
	return nil
}
