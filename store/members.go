package store

import (
	"bytes"
	"fmt"
	"strings"
)

func memberKey(list, addr string) []byte {
	return []byte(list + "\x00" + strings.ToLower(addr))
}

// Membership returns one membership, or ErrNotFound.
func (t *Tx) Membership(list, addr string) (Membership, error) {
	var m Membership
	if err := getJSON(t.tx.Bucket(bMembers), memberKey(list, addr), &m); err != nil {
		return m, fmt.Errorf("member %s of %s: %w", addr, list, err)
	}
	return m, nil
}

// PutMembership creates or replaces a membership. New memberships get
// their unsubscribe and bounce tokens here, in the same transaction.
func (t *Tx) PutMembership(m Membership) error {
	m.Address = strings.ToLower(m.Address)
	if m.UnsubToken == "" {
		tok, err := t.newMemberToken("unsub", m.List, m.Address)
		if err != nil {
			return err
		}
		m.UnsubToken = tok
	}
	if m.BounceToken == "" {
		tok, err := t.newMemberToken("bounce", m.List, m.Address)
		if err != nil {
			return err
		}
		m.BounceToken = tok
	}
	if err := t.tx.Bucket(bMemberOf).Put([]byte(m.Address+"\x00"+m.List), nil); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bMembers), memberKey(m.List, m.Address), m)
}

func (t *Tx) newMemberToken(kind, list, addr string) (string, error) {
	tok := NewToken()
	err := t.PutToken(Token{Token: tok, Kind: kind, List: list, Address: addr})
	return tok, err
}

// DeleteMembership removes a membership and its tokens.
func (t *Tx) DeleteMembership(list, addr string) error {
	m, err := t.Membership(list, addr)
	if err != nil {
		return err
	}
	for _, tok := range []string{m.UnsubToken, m.BounceToken} {
		if tok != "" {
			if err := t.DeleteToken(tok); err != nil {
				return err
			}
		}
	}
	if err := t.tx.Bucket(bMemberOf).Delete([]byte(m.Address + "\x00" + list)); err != nil {
		return err
	}
	if err := t.deleteMemberMutes(list, m.Address); err != nil {
		return err
	}
	return t.tx.Bucket(bMembers).Delete(memberKey(list, addr))
}

// Members returns a list's memberships in address order.
func (t *Tx) Members(list string) ([]Membership, error) {
	var out []Membership
	err := t.EachMember(list, func(m Membership) error {
		out = append(out, m)
		return nil
	})
	return out, err
}

// EachMember calls fn for every membership of a list, in address order,
// without holding them all in memory.
func (t *Tx) EachMember(list string, fn func(Membership) error) error {
	b := t.tx.Bucket(bMembers)
	prefix := []byte(list + "\x00")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var m Membership
		if err := getJSON(b, k, &m); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// ListsOf returns the names of the lists an address belongs to.
func (t *Tx) ListsOf(addr string) ([]string, error) {
	var out []string
	prefix := []byte(strings.ToLower(addr) + "\x00")
	c := t.tx.Bucket(bMemberOf).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, string(k[len(prefix):]))
	}
	return out, nil
}
