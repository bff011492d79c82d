package listserv

import (
	"context"
	"errors"
	"fmt"

	"minyan/store"
)

// Permission checks and the audit log: every state-changing domain
// operation, whichever front door asked (mail, command line, web, API),
// checks the actor's right inside its own transaction and records the
// change in that same transaction.

// noListError answers for a list that does not exist, and for a caucus
// list asked about by someone who holds no role on it: both read the same
// ("no list named NAME") and both match ErrNotFound.
type noListError struct{ name string }

func (e noListError) Error() string        { return "no list named " + e.name }
func (e noListError) Is(target error) bool { return target == ErrNotFound }

// isSiteAdmin tells whether a holds every right on every list: the
// operator, a person the adapter vouches for as a configured site admin,
// or a person whose record is marked admin.
func isSiteAdmin(tx *store.Tx, a Actor) bool {
	if a.Operator || a.SiteAdmin {
		return true
	}
	if a.Address == "" {
		return false
	}
	p, err := tx.Person(a.Address)
	return err == nil && p.Admin
}

// roleOn is the role a person holds on a list: "" when they hold none
// (no membership, or one that is pending, waitlisted or banned).
func roleOn(tx *store.Tx, list, addr string) ListRole {
	if addr == "" {
		return ""
	}
	mb, err := tx.Membership(list, addr)
	if err != nil || !holdsRole(mb) {
		return ""
	}
	return mb.Role
}

// holdsRole tells whether a membership carries its role's rights.
func holdsRole(mb store.Membership) bool {
	return mb.Status != StatusPending && mb.Status != StatusWaitlist && mb.Status != StatusBanned
}

// authorize checks that a may exercise p on the list named name, and
// returns the list. Operators and site admins pass; a person needs a role
// that RoleAllows p. A caucus's outsiders get the same error as for a
// missing list (ErrNotFound); everyone else lacking the right gets
// ErrForbidden.
func (s *Service) authorize(tx *store.Tx, a Actor, name string, p Permission) (store.List, error) {
	l, err := tx.List(name)
	if errors.Is(err, store.ErrNotFound) {
		return l, noListError{name}
	}
	if err != nil {
		return l, err
	}
	if isSiteAdmin(tx, a) {
		return l, nil
	}
	role := roleOn(tx, name, a.Address)
	if role == "" && l.Kind == KindCaucus {
		return l, noListError{name}
	}
	if !RoleAllows(role, p) {
		return l, ErrForbidden
	}
	return l, nil
}

// authorizeSite checks a right that no list role gives (creating lists,
// network-wide facts about people such as good standing, which every
// list with require_good_standing reads).
func authorizeSite(tx *store.Tx, a Actor) error {
	if !isSiteAdmin(tx, a) {
		return ErrForbidden
	}
	return nil
}

// mayChangeHolder checks, for an actor who already holds PermRoster on
// the list, that they may also change mb, someone else's membership:
// the delivery and settings of a person holding a role (facilitator,
// moderator, owner) are the owners' to change, as removing them is, so a
// moderator cannot silence an owner or a fellow moderator.
func mayChangeHolder(tx *store.Tx, a Actor, mb store.Membership) error {
	if mb.Role == ListMember || mb.Role == "" || (a.Address != "" && a.Address == mb.Address) || isSiteAdmin(tx, a) {
		return nil
	}
	if RoleAllows(roleOn(tx, mb.List, a.Address), PermSettings) {
		return nil
	}
	return fmt.Errorf("%s is a %s: %w", mb.Address, mb.Role, ErrForbidden)
}

// Authorize is authorize for neighbours that keep their own records in
// the store (sessions and pairs): call it inside the transaction that
// makes the change, then AuditChange in the same transaction.
func (s *Service) Authorize(tx *store.Tx, a Actor, list string, p Permission) (store.List, error) {
	return s.authorize(tx, a, list, p)
}

// AuditChange records a change inside the transaction that makes it: who
// (a.String()), when (the service's clock), through which door, on which
// list ("" for none) and what. It logs the change once the transaction
// commits.
func (s *Service) AuditChange(tx *store.Tx, a Actor, list, what string) error {
	e := store.AuditEntry{Time: s.clock.Now(), Who: a.String(), Door: string(a.Door), List: list, What: what}
	if err := tx.AddAudit(e); err != nil {
		return fmt.Errorf("record the change: %w", err)
	}
	tx.OnCommit(func() { s.log.Info("change", "list", list, "by", e.Who, "what", what) })
	return nil
}

// Audit returns up to limit recorded changes of a list, newest first
// (limit <= 0: all). It needs PermSeeHeld on the list. The list "" holds
// the changes that belong to no list (people, site admins), which only
// site admins see.
func (s *Service) Audit(ctx context.Context, a Actor, list string, limit int) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := s.st.View(func(tx *store.Tx) error {
		if list == "" {
			if err := authorizeSite(tx, a); err != nil {
				return err
			}
		} else if _, err := s.authorize(tx, a, list, PermSeeHeld); err != nil {
			return err
		}
		var err error
		out, err = tx.AuditLog(list, limit)
		return err
	})
	return out, err
}
