package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Reading a large roster without decoding every record: a roster page of
// a 100,000-member list looks at each membership's role, mode and status
// and decodes only the rows it shows.

// EachMemberRaw calls fn for every membership of a list in address order
// with the address and the stored record, undecoded. raw is valid only
// during fn; DecodeMembership turns it into a Membership.
func (t *Tx) EachMemberRaw(list string, fn func(addr string, raw []byte) error) error {
	prefix := []byte(list + "\x00")
	c := t.tx.Bucket(bMembers).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(string(k[len(prefix):]), v); err != nil {
			return err
		}
	}
	return nil
}

// MemberCount is the number of memberships of a list (keys only).
func (t *Tx) MemberCount(list string) int {
	prefix := []byte(list + "\x00")
	c := t.tx.Bucket(bMembers).Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// PersonRaw is a person's stored record, undecoded (nil when there is
// none); it is valid for the transaction.
func (t *Tx) PersonRaw(addr string) []byte {
	return t.tx.Bucket(bPeople).Get([]byte(strings.ToLower(addr)))
}

// DecodeMembership decodes a record from EachMemberRaw.
func DecodeMembership(raw []byte) (Membership, error) {
	var m Membership
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("membership record: %w", err)
	}
	return m, nil
}

// DecodePerson decodes a record from PersonRaw.
func DecodePerson(raw []byte) (Person, error) {
	var p Person
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("person record: %w", err)
	}
	return p, nil
}

// RawString returns the value of a top-level string field of a stored
// record ("" when absent) without decoding the record. The records are
// flat JSON objects written by encoding/json, in which a quote inside a
// string is always escaped, so `"key":"` can only be a key.
func RawString(raw []byte, key string) string {
	pat := make([]byte, 0, len(key)+5)
	pat = append(append(append(pat, '"'), key...), `":"`...)
	i := bytes.Index(raw, pat)
	if i < 0 {
		return ""
	}
	rest := raw[i+len(pat):]
	end := 0
	escaped := false
	for ; end < len(rest); end++ {
		if rest[end] == '\\' {
			escaped = true
			end++
			continue
		}
		if rest[end] == '"' {
			break
		}
	}
	if end >= len(rest) {
		return ""
	}
	if !escaped {
		return string(rest[:end])
	}
	var s string
	if err := json.Unmarshal(raw[i+len(pat)-1:i+len(pat)+end+1], &s); err != nil {
		return ""
	}
	return s
}

// RawTrue tells whether a top-level boolean field of a stored record is
// true, without decoding the record.
func RawTrue(raw []byte, key string) bool {
	pat := make([]byte, 0, len(key)+8)
	pat = append(append(append(pat, '"'), key...), `":true`...)
	return bytes.Contains(raw, pat)
}

// EachMemberWithPerson is EachMemberRaw that also passes each member's
// person record, undecoded (nil when there is none, and always nil
// unless people is true), and the address as bytes: nothing is copied
// or allocated per member, for a pass over a roster of 100,000. People
// are kept in address order like a list's memberships, so one cursor
// walks along with the roster (a few steps forward, else one seek)
// instead of a lookup from the root for every member. addr, member and
// person are valid for the transaction.
func (t *Tx) EachMemberWithPerson(list string, people bool, fn func(addr, member, person []byte) error) error {
	prefix := []byte(list + "\x00")
	c := t.tx.Bucket(bMembers).Cursor()
	var pc *bolt.Cursor
	if people {
		pc = t.tx.Bucket(bPeople).Cursor()
	}
	var pk, pv []byte
	started := false
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		addr := k[len(prefix):]
		var person []byte
		if people {
			if !started {
				pk, pv = pc.Seek(addr)
				started = true
			} else {
				// A few steps forward find the next member's person
				// when most people of the site are on this list;
				// otherwise seek.
				for i := 0; pk != nil && bytes.Compare(pk, addr) < 0; i++ {
					if i == 4 {
						pk, pv = pc.Seek(addr)
						break
					}
					pk, pv = pc.Next()
				}
			}
			if pk != nil && bytes.Equal(pk, addr) {
				person = pv
			}
		}
		if err := fn(addr, v, person); err != nil {
			return err
		}
	}
	return nil
}

// RawBytes is RawString for a field whose value has no escapes (a
// role, a mode, a status, a time): the bytes inside the record, without
// a copy; nil when the field is absent or escaped. They are valid as
// long as raw is.
func RawBytes(raw []byte, key string) []byte {
	var pat [64]byte
	p := append(append(append(pat[:0], '"'), key...), `":"`...)
	i := bytes.Index(raw, p)
	if i < 0 {
		return nil
	}
	rest := raw[i+len(p):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return nil
	}
	return rest[:end]
}
