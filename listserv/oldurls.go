package listserv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"minyan/store"
)

// Old archive URLs of an imported list (see store.PutOldArchiveURL):
// the importer records, for each post, the path its page had on the old
// server; the web answers a request for that path with a permanent
// redirect to the post's page here.

// OldURL is one page of a list's previous archive and the post it
// showed, named by what the import kept of it.
type OldURL struct {
	// Path is the old page's path, such as
	// /pipermail/NAME/2019-March/000123.html.
	Path string
	// MessageID identifies the post (without <>); "" when it had none.
	MessageID string
	// Digest identifies a post without Message-ID as ImportArchive does
	// (the first 16 bytes of the SHA-256 of its bytes).
	Digest []byte
}

// MapOldArchiveURLs records where each old page went. Posts not found in
// the archive (unreadable in the import) are counted as missing. It
// needs PermSettings on list; mapping the same URLs again adds nothing.
func (s *Service) MapOldArchiveURLs(ctx context.Context, a Actor, list string, urls []OldURL) (added, missing int, err error) {
	err = s.st.Update(func(tx *store.Tx) error {
		added, missing = 0, 0
		if _, err := s.authorize(tx, a, list, PermSettings); err != nil {
			return err
		}
		for _, u := range urls {
			path := normalizeOldPath(u.Path)
			if path == "" {
				continue
			}
			var seq uint64
			if u.MessageID != "" {
				seq = tx.ArchiveSeqByMessageID(list, u.MessageID)
			} else if u.Digest != nil {
				seq = tx.ArchiveSeqByDigest(list, u.Digest)
			}
			if seq == 0 {
				missing++
				continue
			}
			ok, err := tx.PutOldArchiveURL(path, list, seq)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		if added == 0 {
			return nil
		}
		return s.AuditChange(tx, a, list, fmt.Sprintf("mapped %d old archive URLs to posts", added))
	})
	return added, missing, err
}

// normalizeOldPath is the key of an old page: its path without query and
// trailing slash (archives link both "/x/" and "/x").
func normalizeOldPath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	p, _, _ = strings.Cut(p, "#")
	p = strings.TrimRight(p, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	return p
}

// OldArchiveTarget answers where an old archive page went: the path of
// the post's page here. A link to one message of a thread page
// (".../THREAD/m/MESSAGE") that was not mapped itself falls back to its
// thread. A caucus list's posts are found only by its readers, so the
// redirect never reveals the list; anything not found is ErrNotFound.
func (s *Service) OldArchiveTarget(a Actor, path string) (string, error) {
	key := normalizeOldPath(path)
	var target string
	err := s.st.View(func(tx *store.Tx) error {
		list, seq, ok := tx.OldArchiveURL(key)
		if !ok {
			if i := strings.LastIndex(key, "/m/"); i > 0 {
				list, seq, ok = tx.OldArchiveURL(key[:i])
			}
		}
		if !ok {
			return ErrNotFound
		}
		l, err := tx.List(list)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if l.Kind == KindCaucus {
			if readable, err := archiveReadable(tx, l, a); err != nil {
				return err
			} else if !readable {
				return ErrNotFound
			}
		}
		target = "/lists/" + list + "/m/" + strconv.FormatUint(seq, 10)
		return nil
	})
	return target, err
}
