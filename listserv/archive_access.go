package listserv

import (
	"errors"

	"minyan/store"
)

// Archive access: who may read which list's archive.

// CanReadArchive applies a list's `archive` setting to one person: mb is
// their membership of the list, nil if they have none. `public` archives
// are open to every logged-in person except on caucus lists, whose
// archive stays members-only whatever the setting says; `members` needs
// a membership that is not pending, waitlisted or banned; `owners` needs
// the owner role; `off` is closed to everyone.
func CanReadArchive(l store.List, mb *store.Membership) bool {
	setting := l.Settings.Archive
	if setting == "public" && l.Kind == "caucus" {
		setting = "members"
	}
	member := mb != nil && Status(mb.Status) != StatusPending && Status(mb.Status) != StatusWaitlist && Status(mb.Status) != StatusBanned
	switch setting {
	case "public":
		return true
	case "members":
		return member
	case "owners":
		return member && RoleRank(mb.Role) >= RoleRank("owner")
	}
	return false
}

// ErrNoArchive is the answer for an archive a person may not read: the
// same as for a list that does not exist, so a hidden list stays hidden.
var ErrNoArchive = errors.New("no such archive")

// ReadableArchives returns, in name order, the lists whose archive addr
// may read.
func (s *Service) ReadableArchives(addr string) ([]store.List, error) {
	addr = NormalizeAddress(addr)
	var out []store.List
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			if ok, err := canRead(tx, l, addr); err != nil {
				return err
			} else if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// ReadableArchive returns the list named name if addr may read its
// archive, and ErrNoArchive if the list does not exist or addr may not.
func (s *Service) ReadableArchive(addr, name string) (store.List, error) {
	addr = NormalizeAddress(addr)
	var l store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if l, err = tx.List(name); errors.Is(err, store.ErrNotFound) {
			return ErrNoArchive
		} else if err != nil {
			return err
		}
		ok, err := canRead(tx, l, addr)
		if err == nil && !ok {
			err = ErrNoArchive
		}
		return err
	})
	return l, err
}

// canRead applies the one archive access rule (archiveaccess.go) to the person addr.
func canRead(tx *store.Tx, l store.List, addr string) (bool, error) {
	return archiveReadable(tx, l, Actor{Address: addr})
}
