package store

import (
	"bytes"
	"encoding/hex"
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
	t.fillMemberTokens(&m)
	return m, nil
}

// PutMembership creates or replaces a membership. A new membership (or
// one whose UnsubToken and TokenNonce were cleared, to give it new
// tokens) gets a new nonce, from which its unsubscribe and bounce tokens
// are derived and indexed here, in the same transaction; the record keeps
// the nonce, never the tokens (membertokens.go).
func (t *Tx) PutMembership(m Membership) error {
	m.Address = strings.ToLower(m.Address)
	if m.TokenNonce == "" && m.UnsubToken != "" {
		// Built from a read record without its nonce (a roster sync
		// copies the tokens): the stored nonce still derives them.
		var old Membership
		if getJSON(t.tx.Bucket(bMembers), memberKey(m.List, m.Address), &old) == nil && old.TokenNonce != "" &&
			t.st.memberToken("unsub", m.List, strings.ToLower(m.Address), old.TokenNonce) == m.UnsubToken {
			m.TokenNonce = old.TokenNonce
		}
	}
	if m.TokenNonce == "" {
		if m.UnsubToken != "" || m.BounceToken != "" {
			// A record from before: keep its clear tokens' hashes
			// indexed (sent links still work) and remembered for
			// deletion.
			for _, tok := range []string{m.UnsubToken, m.BounceToken} {
				if tok != "" {
					m.LegacyTokens = append(m.LegacyTokens, hex.EncodeToString(t.HashToken(tok)))
				}
			}
		}
		m.TokenNonce = newTokenNonce()
		t.fillMemberTokens(&m)
		if err := t.indexMemberTokens(m); err != nil {
			return err
		}
	}
	m.UnsubToken, m.BounceToken = "", ""
	m.ConfirmToken = t.TokenRef(m.ConfirmToken)
	if err := t.tx.Bucket(bMemberOf).Put([]byte(m.Address+"\x00"+m.List), nil); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bMembers), memberKey(m.List, m.Address), m)
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
	for _, h := range m.LegacyTokens {
		if k, err := hex.DecodeString(h); err == nil {
			if err := t.tx.Bucket(bTokens).Delete(k); err != nil {
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
		t.fillMemberTokens(&m)
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
