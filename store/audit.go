package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// AuditEntry records one change made through any front door: who made it,
// when, through which door, on which list ("" for changes that belong to
// no list, such as a person's good standing) and what changed.
type AuditEntry struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Who  string    `json:"who"`
	Door string    `json:"door"`
	List string    `json:"list,omitempty"`
	What string    `json:"what"`
}

// auditKey is list \x00 seq (big-endian), so one list's entries are one
// key range in the order they were made.
func auditKey(list string, seq uint64) []byte {
	k := make([]byte, 0, len(list)+9)
	k = append(k, list...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// AddAudit appends an entry inside the transaction that makes the change
// it describes, so a change and its record commit together.
func (t *Tx) AddAudit(e AuditEntry) error {
	b := t.tx.Bucket(bAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e.Seq = seq
	return putJSON(b, auditKey(e.List, seq), e)
}

// AuditLog returns up to limit entries of one list ("" = changes that
// belong to no list), newest first. limit <= 0 returns all of them.
func (t *Tx) AuditLog(list string, limit int) ([]AuditEntry, error) {
	prefix := append([]byte(list), 0)
	c := t.tx.Bucket(bAudit).Cursor()
	// Start at the list's newest entry: the last key before the range's end.
	end := auditKey(list, ^uint64(0))
	k, v := c.Seek(end)
	switch {
	case k == nil:
		k, v = c.Last()
	case !bytes.Equal(k, end):
		k, v = c.Prev()
	}
	var out []AuditEntry
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		var e AuditEntry
		if err := jsonUnmarshal(v, &e); err != nil {
			return out, fmt.Errorf("audit %s #%d: %w", list, binary.BigEndian.Uint64(k[len(prefix):]), err)
		}
		out = append(out, e)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}
