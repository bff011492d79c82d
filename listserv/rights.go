package listserv

import (
	"context"
	"errors"
	"sort"
	"time"

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

// ListSummary is one list on the site admins' overview.
type ListSummary struct {
	Name, Title string
	Kind        Kind
	Members     int
	Held        int
	LastPost    time.Time
	// Bouncing and Disabled count members whose mail bounces (counted,
	// or paused); Failed counts recipients the outbound queue gave up
	// on; Queued counts deliveries still waiting.
	Bouncing, Disabled, Failed, Queued int
}

// SiteOverview returns every list with its size, held items, last post
// and delivery problems. Only site admins (and the operator) may.
func (s *Service) SiteOverview(ctx context.Context, a Actor) ([]ListSummary, error) {
	var out []ListSummary
	err := s.st.View(func(tx *store.Tx) error {
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		at := map[string]int{}
		for _, l := range lists {
			sum := ListSummary{Name: l.Name, Kind: l.Kind, Title: l.Settings.Title}
			t, err := tallyMembers(tx, l.Name)
			if err != nil {
				return err
			}
			sum.Members, sum.Bouncing, sum.Disabled = t.Members, t.Bouncing, t.Disabled
			if _, next, err := tx.ArchiveStats(l.Name); err == nil && next > 1 {
				if m, err := tx.ArchiveMeta(l.Name, next-1); err == nil {
					sum.LastPost = m.Archived
				}
			}
			at[l.Name] = len(out)
			out = append(out, sum)
		}
		if err := tx.EachHeld(false, func(h store.Held) error {
			if i, ok := at[h.List]; ok && h.Status == store.HeldPending {
				out[i].Held++
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachFailed(func(m store.QueuedMessage, _ store.QueuedRcpt) error {
			if i, ok := at[m.List]; ok {
				out[i].Failed++
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.EachQueued(func(m store.QueuedMessage, _ store.QueuedRcpt) error {
			if i, ok := at[m.List]; ok {
				out[i].Queued++
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// errNoSuchTemplate answers a mail text name that is not one of ours.
var errNoSuchTemplate = errors.New("there is no mail text by that name")
