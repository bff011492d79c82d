package store

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

func (t *Tx) archiveBucket(list string) (*bolt.Bucket, error) {
	b := t.tx.Bucket(bArchive).Bucket([]byte(list))
	if b == nil {
		return nil, fmt.Errorf("archive %s: %w", list, ErrNotFound)
	}
	return b, nil
}

// Archive appends a post to a list's archive and returns its sequence
// number, which is also its IMAP UID (1, 2, 3 ... never reused). The
// Message-ID index and the thread link are written in the same step.
func (t *Tx) Archive(list string, meta ArchiveMeta, raw []byte) (uint64, error) {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return 0, err
	}
	rawB, metaB, idB := ab.Bucket(subRaw), ab.Bucket(subMeta), ab.Bucket(subMsgID)
	seq, err := rawB.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("archive %s: %w", list, err)
	}
	meta.Seq = seq
	meta.Size = len(raw)
	meta.Thread = seq
	// A reply joins its parent's thread: In-Reply-To first, then the
	// nearest known References entry.
	parents := append([]string{meta.InReplyTo}, reverse(meta.References)...)
	for _, p := range parents {
		if p == "" {
			continue
		}
		if v := idB.Get([]byte(strings.ToLower(p))); len(v) == 8 {
			var pm ArchiveMeta
			if err := getJSON(metaB, v, &pm); err == nil {
				meta.Thread = pm.Thread
				break
			}
		}
	}
	rawB.FillPercent = 0.9
	metaB.FillPercent = 0.9
	if err := rawB.Put(u64(seq), raw); err != nil {
		return 0, fmt.Errorf("archive %s: %w", list, err)
	}
	if err := putJSON(metaB, u64(seq), meta); err != nil {
		return 0, fmt.Errorf("archive %s: %w", list, err)
	}
	if meta.MessageID != "" {
		key := []byte(strings.ToLower(meta.MessageID))
		if idB.Get(key) == nil {
			if err := idB.Put(key, u64(seq)); err != nil {
				return 0, fmt.Errorf("archive %s: %w", list, err)
			}
		}
	}
	return seq, nil
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// ArchiveSeqByMessageID finds a post by Message-ID (without <>), or 0.
func (t *Tx) ArchiveSeqByMessageID(list, msgid string) uint64 {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return 0
	}
	if v := ab.Bucket(subMsgID).Get([]byte(strings.ToLower(msgid))); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// ArchiveMeta returns the metadata of one post.
func (t *Tx) ArchiveMeta(list string, seq uint64) (ArchiveMeta, error) {
	var m ArchiveMeta
	ab, err := t.archiveBucket(list)
	if err != nil {
		return m, err
	}
	if err := getJSON(ab.Bucket(subMeta), u64(seq), &m); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", list, seq, err)
	}
	return m, nil
}

// ArchiveRaw returns a copy of the bytes of one post as distributed.
func (t *Tx) ArchiveRaw(list string, seq uint64) ([]byte, error) {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return nil, err
	}
	v := ab.Bucket(subRaw).Get(u64(seq))
	if v == nil {
		return nil, fmt.Errorf("archive %s #%d: %w", list, seq, ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

// EachArchived calls fn for posts with from <= seq <= to (to 0 = no end),
// in order. raw is only valid during the call.
func (t *Tx) EachArchived(list string, from, to uint64, fn func(m ArchiveMeta, raw []byte) error) error {
	return t.ScanArchive(list, from, to, func(it *ArchiveItem) error {
		m, err := it.Meta()
		if err != nil {
			return err
		}
		return fn(m, it.Raw())
	})
}

// ArchiveStats returns how many posts a list's archive holds and the next
// sequence number it will use.
func (t *Tx) ArchiveStats(list string) (count int, next uint64, err error) {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return 0, 0, err
	}
	rawB := ab.Bucket(subRaw)
	return rawB.Stats().KeyN, rawB.Sequence() + 1, nil
}

// subRedacted is archive/<list>/redacted: seq -> Redaction. A redacted
// post's bytes and metadata are gone; this record says who removed it,
// when and why. Its Message-ID stays in the index, so importing an old
// mbox that still holds the post does not bring it back.
var subRedacted = []byte("redacted")

// Redaction records the removal of one post from an archive.
type Redaction struct {
	Seq    uint64    `json:"seq"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// RedactArchived removes post seq of list's archive (its bytes and
// metadata) and records r. Its sequence number is never reused. It
// returns the metadata the post had; ErrNotFound if there is no such
// post (or it was redacted before).
func (t *Tx) RedactArchived(list string, seq uint64, r Redaction) (ArchiveMeta, error) {
	var m ArchiveMeta
	ab, err := t.archiveBucket(list)
	if err != nil {
		return m, err
	}
	metaB, rawB := ab.Bucket(subMeta), ab.Bucket(subRaw)
	if err := getJSON(metaB, u64(seq), &m); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", list, seq, ErrNotFound)
	}
	if err := metaB.Delete(u64(seq)); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", list, seq, err)
	}
	if err := rawB.Delete(u64(seq)); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", list, seq, err)
	}
	rb, err := ab.CreateBucketIfNotExists(subRedacted)
	if err != nil {
		return m, fmt.Errorf("archive %s: %w", list, err)
	}
	r.Seq = seq
	if err := putJSON(rb, u64(seq), r); err != nil {
		return m, fmt.Errorf("archive %s #%d: %w", list, seq, err)
	}
	return m, nil
}

// ArchiveRedactions returns the redactions of list's archive, oldest
// post first.
func (t *Tx) ArchiveRedactions(list string) ([]Redaction, error) {
	ab, err := t.archiveBucket(list)
	if err != nil {
		return nil, err
	}
	rb := ab.Bucket(subRedacted)
	if rb == nil {
		return nil, nil
	}
	var out []Redaction
	err = rb.ForEach(func(k, v []byte) error {
		var r Redaction
		if err := jsonUnmarshal(v, &r); err != nil {
			return fmt.Errorf("archive %s redaction: %w", list, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
