package listserv

import (
	"context"

	"minyan/store"
)

// ConsoleRights says which parts of a list's console an actor may use.
// Each right is the domain's own permission check (RoleAllows, or a site
// admin), computed once so a front door can show only what is allowed.
type ConsoleRights struct {
	List store.List
	// Role is the actor's role on the list ("" for none: a site admin).
	Role      ListRole
	SiteAdmin bool
	// SeeHeld: held items and the history; Sessions: sessions and
	// pairs; Roster: members and decisions on joins; Settings: list
	// settings, mail texts and roles; Admin: remove the list.
	SeeHeld, Sessions, Roster, Settings, Admin bool
}

// Console returns what a may do on a list's console. Its least right is
// PermSeeHeld (facilitators): anyone below gets ErrForbidden, or
// ErrNotFound for a caucus they hold no role on, word for word as for a
// list that does not exist.
func (s *Service) Console(ctx context.Context, a Actor, name string) (ConsoleRights, error) {
	var r ConsoleRights
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, name, PermSeeHeld)
		if err != nil {
			return err
		}
		r.List = l
		r.SiteAdmin = isSiteAdmin(tx, a)
		r.Role = roleOn(tx, name, a.Address)
		may := func(p Permission) bool { return r.SiteAdmin || RoleAllows(r.Role, p) }
		r.SeeHeld, r.Sessions, r.Roster, r.Settings = may(PermSeeHeld), may(PermSessions), may(PermRoster), may(PermSettings)
		r.Admin = r.SiteAdmin
		return nil
	})
	return r, err
}

// IsSiteAdmin tells whether a holds every right on every list: the
// operator, a configured site admin, or a person marked admin in the
// store (`minyan person set --admin true`).
func (s *Service) IsSiteAdmin(a Actor) bool {
	ok := false
	s.st.View(func(tx *store.Tx) error {
		ok = isSiteAdmin(tx, a)
		return nil
	})
	return ok
}
