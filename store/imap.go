package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Archive access for the IMAP face and mbox imports. An archive is
// append-only: sequence numbers (IMAP UIDs) only grow and are never
// reused, so readers can cache the seq list and refresh it from the last
// one they know with a single cursor seek.

// subDigest is archive/<list>/digest: sha256 prefix -> seq, for imported
// messages that carry no Message-ID (so re-importing the same file skips
// them too). Created on first use; it dies with the list's archive.
var subDigest = []byte("digest")

// ArchiveItem is one archived post as ScanArchive sees it. Its metadata
// is decoded and its bytes are looked up only when asked for, so a scan
// that needs neither touches nothing but the small metadata pages.
type ArchiveItem struct {
	Seq   uint64
	key   []byte
	meta  []byte
	rawB  *bolt.Bucket
	list  string
	dmeta *ArchiveMeta
}

// Meta decodes the post's metadata (once per item).
func (a *ArchiveItem) Meta() (ArchiveMeta, error) {
	if a.dmeta != nil {
		return *a.dmeta, nil
	}
	var m ArchiveMeta
	if err := jsonUnmarshal(a.meta, &m); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", a.list, a.Seq, err)
	}
	a.dmeta = &m
	return m, nil
}

// Raw returns the post's bytes as distributed. They are the store's own
// memory: valid only inside the transaction and never to be modified;
// copy what must outlive it.
func (a *ArchiveItem) Raw() []byte { return a.rawB.Get(a.key) }

// ScanArchive calls fn for every post with from <= seq <= to (to 0 = no
// end), in order, with one cursor over the metadata bucket: a range
// costs a seek plus the posts in it, never a walk of the whole archive.
func (t *Tx) ScanArchive(list string, from, to uint64, fn func(*ArchiveItem) error) error {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return err
	}
	metaB, rawB := ab.Bucket(subMeta), ab.Bucket(subRaw)
	c := metaB.Cursor()
	for k, v := c.Seek(u64(from)); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		if to != 0 && seq > to {
			break
		}
		if err := fn(&ArchiveItem{Seq: seq, key: k, meta: v, rawB: rawB, list: list}); err != nil {
			return err
		}
	}
	return nil
}

// ArchiveSeqs calls fn with the sequence number of every post from `from`
// on, in order, reading only keys (no metadata is decoded, no message
// bytes are touched).
func (t *Tx) ArchiveSeqs(list string, from uint64, fn func(seq uint64) error) error {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return err
	}
	c := ab.Bucket(subMeta).Cursor()
	for k, _ := c.Seek(u64(from)); k != nil; k, _ = c.Next() {
		if err := fn(binary.BigEndian.Uint64(k)); err != nil {
			return err
		}
	}
	return nil
}

// ArchiveNext returns the sequence number the next post will get (the
// IMAP UIDNEXT), without counting the archive as ArchiveStats does.
func (t *Tx) ArchiveNext(list string) (uint64, error) {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return 0, err
	}
	return ab.Bucket(subRaw).Sequence() + 1, nil
}

// ArchiveSeqByDigest finds an imported post by the digest of its bytes
// (see PutArchiveDigest), or 0.
func (t *Tx) ArchiveSeqByDigest(list string, digest []byte) uint64 {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return 0
	}
	db := ab.Bucket(subDigest)
	if db == nil {
		return 0
	}
	if v := db.Get(digest); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// PutArchiveDigest records the digest of an imported post that has no
// Message-ID, so the next import of the same file recognises it.
func (t *Tx) PutArchiveDigest(list string, digest []byte, seq uint64) error {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return err
	}
	db, err := ab.CreateBucketIfNotExists(subDigest)
	if err != nil {
		return fmt.Errorf("archive %s: %w", list, err)
	}
	return db.Put(digest, u64(seq))
}
