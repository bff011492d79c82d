package listserv

import (
	"errors"
	"strconv"
	"strings"

	"minyan/store"
)

// Links to the web archive. When the web archive is on (Options.WebArchive),
// List-Archive and Archived-At name its pages, and digests link each
// thread to its page; when it is off these answer "" and mail keeps the
// IMAP URLs.

// ArchiveURL is the web page of post seq of list (it shows the post in
// its thread), or "" when the web archive is off.
func (s *Service) ArchiveURL(list string, seq uint64) string {
	if !s.o.WebArchive {
		return ""
	}
	return s.archiveBase() + "/lists/" + list + "/m/" + strconv.FormatUint(seq, 10)
}

// ArchiveListURL is the web page of list's archive, or "" when the web
// archive is off.
func (s *Service) ArchiveListURL(list string) string {
	if !s.o.WebArchive {
		return ""
	}
	return s.archiveBase() + "/lists/" + list + "/archive"
}

// CanRedact tells whether a may remove posts of list from its archive
// (the rule RedactMessage applies), so a page shows the button only to
// those who may use it.
func (s *Service) CanRedact(a Actor, list string) bool {
	ok := false
	err := s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(strings.ToLower(list))
		if err != nil {
			return err
		}
		if r, err := archiveReadable(tx, l, a); err != nil || !r {
			return errors.Join(err, ErrNotFound)
		}
		ok, err = mayRedact(tx, l, a)
		return err
	})
	return err == nil && ok
}
