package listserv

import (
	"errors"

	"minyan/store"
)

// Messages returns up to limit archived posts of a list after seq since,
// for an actor who may read the list's archive.
func (s *Service) Messages(actor Actor, list string, since uint64, limit int) ([]store.ArchiveMeta, error) {
	var out []store.ArchiveMeta
	err := s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		if ok, err := archiveAllowed(tx, actor, l); err != nil || !ok {
			return errors.Join(err, ErrNotFound)
		}
		return tx.ScanArchive(list, since+1, 0, func(it *store.ArchiveItem) error {
			if len(out) >= limit {
				return errStop
			}
			m, err := it.Meta()
			if err != nil {
				return err
			}
			if m.Date.IsZero() {
				// Archived by a version that kept no Date for a post
				// without one: when it was archived is the best there is.
				m.Date = m.Archived
			}
			out = append(out, m)
			return nil
		})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, notFoundText(err, "no list named "+list)
}

var errStop = errors.New("stop")

// archiveAllowed is the one archive access rule (archive_access.go).
func archiveAllowed(tx *store.Tx, actor Actor, l store.List) (bool, error) {
	return archiveReadable(tx, l, actor)
}
