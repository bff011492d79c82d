package listserv

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

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
			out = append(out, m)
			return nil
		})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, notFoundText(err, "no list named "+list)
}

// SearchHit is one post matching a search.
type SearchHit struct {
	List    string
	Meta    store.ArchiveMeta
	Snippet string
}

// Search finds up to limit posts whose subject, author or text contains
// q (ignoring case), in the archives actor may read, newest list order
// first by list name then sequence.
func (s *Service) Search(actor Actor, q string, limit int) ([]SearchHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, errors.New("give something to search for")
	}
	needle := bytes.ToLower([]byte(q))
	var out []SearchHit
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			if ok, err := archiveAllowed(tx, actor, l); err != nil {
				return err
			} else if !ok {
				continue
			}
			err := tx.ScanArchive(l.Name, 1, 0, func(it *store.ArchiveItem) error {
				if len(out) >= limit {
					return errStop
				}
				m, err := it.Meta()
				if err != nil {
					return err
				}
				raw := it.Raw()
				body := raw
				if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
					body = raw[i+4:]
				} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
					body = raw[i+2:]
				}
				low := bytes.ToLower(body)
				at := bytes.Index(low, needle)
				if at < 0 && !strings.Contains(strings.ToLower(m.Subject+" "+m.From+" "+m.FromName), string(needle)) {
					return nil
				}
				out = append(out, SearchHit{List: l.Name, Meta: m, Snippet: snippet(body, at, len(needle))})
				return nil
			})
			if errors.Is(err, errStop) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

var errStop = errors.New("stop")

// snippet is up to ~160 characters of text around a match.
func snippet(body []byte, at, n int) string {
	if at < 0 {
		at, n = 0, 0
	}
	from, to := max(0, at-60), min(len(body), at+n+100)
	for from > 0 && !utf8.RuneStart(body[from]) {
		from--
	}
	for to < len(body) && !utf8.RuneStart(body[to]) {
		to++
	}
	return strings.Join(strings.Fields(string(body[from:to])), " ")
}

// archiveAllowed tells whether actor may read l's archive: operators and
// site admins always; others by the list's archive setting.
func archiveAllowed(tx *store.Tx, actor Actor, l store.List) (bool, error) {
	if actor.Operator || actor.SiteAdmin {
		return true, nil
	}
	if actor.Address == "" {
		return l.Settings.Archive == "public", nil
	}
	return canRead(tx, l, actor.Address)
}
