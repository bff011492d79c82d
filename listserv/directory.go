package listserv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"minyan/store"
)

// The web's view of lists: which lists the directory shows, and what a
// list's page may show to whom. The adapter (package web) only renders
// what these operations return; every decision about visibility is here.

// advertisedSetting is the `advertised` list setting: whether the web
// directory shows the list. Lists made before the setting existed have no
// value and follow their kind's default (hidden for caucus lists).
var advertisedSetting = setting{
	get: func(s *store.Settings) string {
		if s.Advertised == nil {
			return "default"
		}
		return strconv.FormatBool(*s.Advertised)
	},
	set: func(s *store.Settings, v string, _ ServerDefaults) error {
		b, err := ParseBool(v)
		if err != nil {
			return err
		}
		s.Advertised = &b
		return nil
	},
}

// Advertised tells whether the web directory may show a list. A caucus
// is never shown, whatever its setting says.
func Advertised(l store.List) bool {
	if l.Kind == KindCaucus {
		return false
	}
	if l.Settings.Advertised == nil {
		return true
	}
	return *l.Settings.Advertised
}

// ListCard is what the directory and a list's page say about a list.
type ListCard struct {
	Name        string
	Kind        Kind
	Title       string
	Description string
	// Subscribe is the join policy: open, confirm, approve or closed.
	Subscribe SubscribePolicy
	// Posting is who may post: members, moderated, open or announce.
	Posting        store.PostingPolicy
	Archive        store.ArchivePolicy
	Capacity       int
	Address        string // NAME@domain
	JoinAddress    string
	RequestAddress string
	OwnerAddress   string
}

func (s *Service) card(l store.List) ListCard {
	title := l.Settings.Title
	if title == "" {
		title = l.Name
	}
	return ListCard{
		Name: l.Name, Kind: l.Kind, Title: title, Description: l.Settings.Description,
		Subscribe: l.Settings.Subscribe, Posting: l.Settings.Posting, Archive: l.Settings.Archive,
		Capacity: l.Settings.Capacity, Address: s.addr(l.Name, RolePost, ""),
		JoinAddress: s.addr(l.Name, RoleJoin, ""), RequestAddress: s.addr(l.Name, RoleRequest, ""),
		OwnerAddress: s.addr(l.Name, RoleOwner, ""),
	}
}

// directoryCards are the directory's cards as of one version of the
// lists (store.Tx.ListsVersion): any change to any list makes a new
// version, so a setting change shows at once.
type directoryCards struct {
	version uint64
	cards   []ListCard
}

// Directory returns the advertised lists in name order, the same for
// every actor: it never depends on who asks, so it never tells anyone
// more than the public already knows. The slice is shared between
// callers (built once per lists version); callers must not change it.
func (s *Service) Directory(ctx context.Context, a Actor) ([]ListCard, error) {
	var out []ListCard
	err := s.st.View(func(tx *store.Tx) error {
		v := tx.ListsVersion()
		if d := s.directory.Load(); d != nil && d.version == v {
			out = d.cards
			return nil
		}
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			if Advertised(l) {
				out = append(out, s.card(l))
			}
		}
		s.directory.Store(&directoryCards{version: v, cards: slices.Clip(out)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("directory for %s: %w", a, err)
	}
	return out, nil
}

// ListView is a list's page for one viewer.
type ListView struct {
	ListCard
	// Member: the viewer is an active member (sees meeting links).
	Member bool
	// Role, Mode and Status are the viewer's membership ("" for none).
	Role   ListRole
	Mode   Mode
	Status Status
	// CanReadArchive: the viewer may read the archive (the archive link).
	CanReadArchive bool
	// SignedIn: the viewer is a known person (not anonymous).
	SignedIn bool
	// CanManage: the viewer may open the list's console (facilitators and
	// above, site admins): the page links to it.
	CanManage bool
	// CanPost: the viewer is signed in and may post (MayPost): the page
	// offers "Start a topic".
	CanPost bool
	// CohortFinished is the last day of a community whose cohort ended
	// and closed ("" otherwise); CohortNext names the next cohort's list.
	CohortFinished string
	CohortNext     string
}

// activeMember tells whether a membership counts as being on the list:
// not pending, waitlisted or banned.
func activeMember(mb *store.Membership) bool {
	return mb != nil && mb.Status != StatusPending && mb.Status != StatusWaitlist && mb.Status != StatusBanned
}

// viewList decides what actor a may know of list l. It returns
// ErrNotFound when a may not know the list exists: a caucus, for anyone
// but its members, site admins and the operator.
func viewList(tx *store.Tx, a Actor, l store.List) (ListView, error) {
	var mb *store.Membership
	if a.Address != "" {
		m, err := tx.Membership(l.Name, a.Address)
		if err == nil {
			mb = &m
		} else if !errors.Is(err, store.ErrNotFound) {
			return ListView{}, err
		}
	}
	if l.Kind == KindCaucus && !activeMember(mb) && !a.Operator && !a.SiteAdmin {
		return ListView{}, ErrNotFound
	}
	v := ListView{SignedIn: a.Address != ""}
	if mb != nil {
		v.Role, v.Mode, v.Status = mb.Role, mb.Mode, mb.Status
	}
	v.Member = activeMember(mb) || a.Operator || a.SiteAdmin
	v.CanReadArchive = CanReadArchive(l, mb) && (a.Address != "" || a.Operator || l.Settings.Archive == store.ArchivePublic)
	if a.Operator || a.SiteAdmin {
		v.CanReadArchive = l.Settings.Archive != store.ArchiveOff
	}
	v.CanManage = (activeMember(mb) && RoleAllows(mb.Role, PermSeeHeld)) || isSiteAdmin(tx, a)
	v.CanPost = a.Address != "" && MayPost(l, mb)
	if CohortClosed(l) {
		v.CohortFinished, v.CohortNext = l.Cohort.Finished, l.Cohort.Next
	}
	return v, nil
}

// ListPage returns what list name's page shows to a. A list a may not
// know of is ErrNotFound, exactly as a list that does not exist.
func (s *Service) ListPage(ctx context.Context, a Actor, name string) (ListView, error) {
	var v ListView
	err := s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(name)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if v, err = viewList(tx, a, l); err != nil {
			return err
		}
		v.ListCard = s.card(l)
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return v, fmt.Errorf("page of %s for %s: %w", name, a, err)
	}
	return v, err
}

// titleFor is how a mail to addr names list: its title, except that a
// caucus is named by its address (post) to anyone without a role on it.
func titleFor(tx *store.Tx, l store.List, addr, post string) string {
	if l.Kind == KindCaucus && roleOn(tx, l.Name, NormalizeAddress(addr)) == "" {
		return post
	}
	return l.Settings.Title
}
