package store

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// RosterRow is what a roster listing shows of one membership: the
// membership's address, role, mode and status with the person's name.
type RosterRow struct {
	Address, Name string
	Role          ListRole
	Mode          Mode
	Status        Status
}

// rosterFields are the only fields a roster listing decodes of a
// membership record; the rest (tokens, bounces) is skipped.
type rosterFields struct {
	Address string   `json:"address"`
	Role    ListRole `json:"role"`
	Mode    Mode     `json:"mode"`
	Status  Status   `json:"status"`
}

// RosterPage calls fn with up to n memberships of list, in address
// order, starting after the address after ("" starts at the beginning).
// Names are joined from the people records, which are kept in the same
// address order. It returns the last address passed to fn ("" when there
// was none), from which the next page starts.
func (t *Tx) RosterPage(list, after string, n int, fn func(RosterRow) error) (string, error) {
	mb := t.tx.Bucket(bMembers)
	prefix := []byte(list + "\x00")
	start := prefix
	if after != "" {
		start = memberKey(list, after)
	}
	people := t.tx.Bucket(bPeople).Cursor()
	c := mb.Cursor()
	last := ""
	k, v := c.Seek(start)
	if after != "" && k != nil && bytes.Equal(k, start) {
		k, v = c.Next()
	}
	for i := 0; i < n && k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var f rosterFields
		if err := json.Unmarshal(v, &f); err != nil {
			return last, fmt.Errorf("decode member %q: %w", k, err)
		}
		row := RosterRow{Address: f.Address, Role: f.Role, Mode: f.Mode, Status: f.Status}
		addr := k[len(prefix):]
		if pk, pv := people.Seek(addr); pk != nil && bytes.Equal(pk, addr) {
			var p struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(pv, &p); err == nil {
				row.Name = p.Name
			}
		}
		if err := fn(row); err != nil {
			return last, err
		}
		last = string(addr)
		i++
	}
	return last, nil
}

// PutAudit replaces an audit entry made earlier (same List and Seq): a
// change made in several transactions, such as a roster import, keeps one
// entry that each transaction brings up to date, so the record always
// says what has been committed.
func (t *Tx) PutAudit(e AuditEntry) error {
	b := t.tx.Bucket(bAudit)
	k := auditKey(e.List, e.Seq)
	if b.Get(k) == nil {
		return fmt.Errorf("audit %s #%d: %w", e.List, e.Seq, ErrNotFound)
	}
	return putJSON(b, k, e)
}

// AddAuditSeq is AddAudit that also returns the new entry's Seq, for a
// later PutAudit.
func (t *Tx) AddAuditSeq(e AuditEntry) (uint64, error) {
	b := t.tx.Bucket(bAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	e.Seq = seq
	return seq, putJSON(b, auditKey(e.List, seq), e)
}
