package store

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Old archive URLs: when a list moves here from another server, links to
// its old archive pages (in mail, on the web, in bookmarks) keep working
// by redirecting to the same post here. The table maps the path of an
// old page to (list, seq).
//
// The bucket is created by the first write rather than by Open, so
// stores that never imported anything do not carry it.
var bOldURLs = []byte("old_archive_urls") // path -> list \x00 seq

// PutOldArchiveURL maps an old archive path to post seq of list. A path
// already mapped keeps the lower seq (for a thread page, the first post),
// and added tells whether anything changed.
func (t *Tx) PutOldArchiveURL(path, list string, seq uint64) (added bool, err error) {
	b, err := t.tx.CreateBucketIfNotExists(bOldURLs)
	if err != nil {
		return false, fmt.Errorf("old archive urls: %w", err)
	}
	if l, s, ok := decodeOldURL(b.Get([]byte(path))); ok && l == list && s <= seq {
		return false, nil
	}
	v := make([]byte, 0, len(list)+9)
	v = append(v, list...)
	v = append(v, 0)
	v = binary.BigEndian.AppendUint64(v, seq)
	return true, b.Put([]byte(path), v)
}

// OldArchiveURL returns where an old archive path went.
func (t *Tx) OldArchiveURL(path string) (list string, seq uint64, ok bool) {
	b := t.tx.Bucket(bOldURLs)
	if b == nil {
		return "", 0, false
	}
	return decodeOldURL(b.Get([]byte(path)))
}

func decodeOldURL(v []byte) (string, uint64, bool) {
	i := strings.IndexByte(string(v), 0)
	if i < 0 || len(v)-i-1 != 8 {
		return "", 0, false
	}
	return string(v[:i]), binary.BigEndian.Uint64(v[i+1:]), true
}
