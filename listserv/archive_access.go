package listserv

import (
	"errors"
	"sort"
	"strings"

	"minyan/store"
)

// Archive access: who may read which list's archive, for every door.

// The one archive access rule. IMAP, the web archive, search, feeds and
// the resource hub all ask archiveReadable, so a list's `archive` setting
// means the same through every door:
//
//   - an operator (command line, admin socket) reads every archive;
//   - anyone, also a visitor who is not signed in, reads `public`
//     archives, except a caucus list's, which stays members-only
//     whatever its setting says;
//   - `members` needs a membership that is not pending, waitlisted or
//     banned; `owners` needs the owner role; `off` is closed;
//   - a site admin reads every archive that is not `off`, except a
//     caucus archive, which only its own members read.
//
// An archive someone may not read answers ErrNotFound, exactly as a list
// that does not exist: a hidden list stays hidden.

// Anonymous is the actor of a visitor who has not signed in.
func Anonymous(door Door) Actor { return Actor{Door: door} }

// archiveReadable applies the rule to one list inside a transaction.
func archiveReadable(tx *store.Tx, l store.List, a Actor) (bool, error) {
	if a.Operator {
		return true, nil
	}
	addr := NormalizeAddress(a.Address)
	var mb *store.Membership
	if addr != "" {
		m, err := tx.Membership(l.Name, addr)
		switch {
		case err == nil:
			mb = &m
		case !errors.Is(err, store.ErrNotFound):
			return false, err
		}
	}
	if CanReadArchive(l, mb) {
		return true, nil
	}
	return a.SiteAdmin && l.Kind != KindCaucus && l.Settings.Archive != store.ArchiveOff, nil
}

// ReadableArchivesFor returns, in name order, the lists whose archive a
// may read.
func (s *Service) ReadableArchivesFor(a Actor) ([]store.List, error) {
	var out []store.List
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			if ok, err := archiveReadable(tx, l, a); err != nil {
				return err
			} else if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// ArchiveFor returns list name if a may read its archive, and ErrNotFound
// when the list does not exist or a may not.
func (s *Service) ArchiveFor(a Actor, name string) (store.List, error) {
	var l store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		l, err = s.archiveForTx(tx, a, name)
		return err
	})
	return l, err
}

func (s *Service) archiveForTx(tx *store.Tx, a Actor, name string) (store.List, error) {
	l, err := tx.List(strings.ToLower(name))
	if errors.Is(err, store.ErrNotFound) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, err
	}
	ok, err := archiveReadable(tx, l, a)
	if err != nil {
		return l, err
	}
	if !ok {
		return store.List{}, ErrNotFound
	}
	return l, nil
}

// displayName is how an author is shown on pages and feeds: the name
// they gave, else the part of their address before the @ — never the
// whole address.
func displayName(m store.ArchiveMeta) string {
	if n := strings.TrimSpace(m.FromName); n != "" {
		return n
	}
	local, _, _ := strings.Cut(m.From, "@")
	if local == "" {
		return "someone"
	}
	return local
}

// readableArchiveNames is ReadableArchivesFor's names, in order.
func (s *Service) readableArchiveNames(a Actor) ([]string, error) {
	ls, err := s.ReadableArchivesFor(a)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names, nil
}

// CanReadArchive applies a list's `archive` setting to one person: mb is
// their membership of the list, nil if they have none. `public` archives
// are open to every logged-in person except on caucus lists, whose
// archive stays members-only whatever the setting says; `members` needs
// a membership that is not pending, waitlisted or banned; `owners` needs
// the owner role; `off` is closed to everyone.
func CanReadArchive(l store.List, mb *store.Membership) bool {
	setting := l.Settings.Archive
	if setting == store.ArchivePublic && l.Kind == KindCaucus {
		setting = store.ArchiveMembers
	}
	member := mb != nil && mb.Status != StatusPending && mb.Status != StatusWaitlist && mb.Status != StatusBanned
	switch setting {
	case store.ArchivePublic:
		return true
	case store.ArchiveMembers:
		return member
	case store.ArchiveOwners:
		return member && RoleRank(mb.Role) >= RoleRank(ListOwner)
	}
	return false
}

// ErrNoArchive is the answer for an archive a person may not read: the
// same as for a list that does not exist, so a hidden list stays hidden.
var ErrNoArchive = errors.New("no such archive")

// ReadableArchives is ReadableArchivesFor the person addr (the IMAP
// door, which knows only the address that logged in).
func (s *Service) ReadableArchives(addr string) ([]store.List, error) {
	return s.ReadableArchivesFor(Actor{Address: NormalizeAddress(addr)})
}

// ReadableArchive is ArchiveFor the person addr, answering ErrNoArchive
// (the IMAP door's "no such mailbox") instead of ErrNotFound.
func (s *Service) ReadableArchive(addr, name string) (store.List, error) {
	l, err := s.ArchiveFor(Actor{Address: NormalizeAddress(addr)}, name)
	if errors.Is(err, ErrNotFound) {
		return store.List{}, ErrNoArchive
	}
	return l, err
}
