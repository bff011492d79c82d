package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Tokens are kept only as keyed hashes: HMAC-SHA256 with a random key of
// this store, made at the first open and kept in the meta bucket. A token
// is looked up, updated and deleted by its clear value (Tx.Token,
// PutToken, DeleteToken hash it); the tokens bucket holds neither the
// token as a key nor in its record. A copy of the tokens bucket (a
// backup, a leaked file) so gives no link that works: the token cannot
// be had back from its hash.
//
// Other records that keep tokens of their own (alert tokens, say) should
// use HashToken the same way: store the hash, look up by hashing what
// was presented.
//
// Stores written before this (main at 837ae7d and earlier) keep tokens in
// clear; Open hashes every one in one transaction (migrateTokenHashes).

var (
	kTokenKey     = []byte("token_hmac_key")
	kTokensHashed = []byte("tokens_hashed")
)

// hashedTokenKey marks a key of the tokens bucket that is a keyed hash
// (a clear token is 32 base32 characters and never starts with it).
const hashedTokenKey = 0x01

// HashToken is the keyed hash a token is stored under: the marker byte,
// then HMAC-SHA256(store key, lowercase token). Tokens are
// case-insensitive, as mail addresses carrying them may be.
func (t *Tx) HashToken(tok string) []byte {
	m := t.st.tokenMAC()
	io.WriteString(m, strings.ToLower(tok))
	out := m.Sum([]byte{hashedTokenKey})
	t.st.tokenMACs.Put(m)
	return out
}

// tokenMAC is a reset HMAC state keyed with the token key, from the pool
// (give it back with tokenMACs.Put).
func (s *Store) tokenMAC() hash.Hash {
	m, _ := s.tokenMACs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.tokenKey)
	}
	m.Reset()
	return m
}

// TokenMAC is HMAC-SHA256 with the store's key over purpose and parts,
// each ended by a zero byte: for values that bind a token to something
// (a mute link to its thread) without storing anything.
func (s *Store) TokenMAC(purpose string, parts ...string) []byte {
	m := s.tokenMAC()
	io.WriteString(m, purpose)
	m.Write([]byte{0})
	for _, p := range parts {
		io.WriteString(m, p)
		m.Write([]byte{0})
	}
	out := m.Sum(nil)
	s.tokenMACs.Put(m)
	return out
}

// prepareTokenKey loads the store's token key, making it on first open,
// and hashes the clear tokens of an older store, all in tx.
func (s *Store) prepareTokenKey(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	key := meta.Get(kTokenKey)
	if len(key) != 32 {
		key = make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand contract since Go 1.24)
		if err := meta.Put(kTokenKey, key); err != nil {
			return fmt.Errorf("store the token key: %w", err)
		}
	}
	s.tokenKey = append([]byte(nil), key...)
	if meta.Get(kTokensHashed) != nil {
		return nil
	}
	if err := migrateTokenHashes(&Tx{tx, s}); err != nil {
		return fmt.Errorf("hash the stored tokens: %w", err)
	}
	if err := migrateTokenRefs(&Tx{tx, s}); err != nil {
		return fmt.Errorf("hash the tokens named in held items: %w", err)
	}
	return meta.Put(kTokensHashed, []byte{1})
}

// migrateTokenHashes moves every clear token of the tokens bucket to its
// keyed hash, with the token taken out of its record.
func migrateTokenHashes(t *Tx) error {
	b := t.tx.Bucket(bTokens)
	var clear [][]byte
	if err := b.ForEach(func(k, _ []byte) error {
		if len(k) > 0 && k[0] != hashedTokenKey {
			clear = append(clear, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range clear {
		var tok Token
		if err := getJSON(b, k, &tok); err != nil {
			return err
		}
		tok.Token = ""
		if err := putJSON(b, t.HashToken(string(k)), tok); err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// tokenRefPrefix starts a record's reference to a token by its keyed
// hash: a record that must name a token (a membership's pending
// confirmation, a held item's moderation and withdrawal tokens) keeps
// "h:" and the hash in hex, never the token.
const tokenRefPrefix = "h:"

// TokenRef is the reference a record keeps for tok ("" stays "", a
// reference stays as it is).
func (t *Tx) TokenRef(tok string) string {
	if tok == "" || strings.HasPrefix(tok, tokenRefPrefix) {
		return tok
	}
	return tokenRefPrefix + hex.EncodeToString(t.HashToken(tok))
}

// refKey is the tokens-bucket key a reference names (nil: not one).
func refKey(ref string) []byte {
	h, ok := strings.CutPrefix(ref, tokenRefPrefix)
	if !ok {
		return nil
	}
	k, err := hex.DecodeString(h)
	if err != nil || len(k) != 1+sha256.Size || k[0] != hashedTokenKey {
		return nil
	}
	return k
}

// TokenByRef looks a token up by a record's reference to it (TokenRef),
// or, for a record from before references, by its clear value. The
// record returned carries the reference as its Token. Only references
// read from the store may be given: Token is for values from outside.
func (t *Tx) TokenByRef(ref string) (Token, error) {
	k := refKey(ref)
	if k == nil {
		return t.Token(ref)
	}
	var out Token
	if err := getJSON(t.tx.Bucket(bTokens), k, &out); err != nil {
		return out, fmt.Errorf("token: %w", err)
	}
	out.Token = ref
	return out, nil
}

// DeleteTokenByRef removes the token a record's reference names (or, for
// a record from before references, the clear token).
func (t *Tx) DeleteTokenByRef(ref string) error {
	if k := refKey(ref); k != nil {
		return t.tx.Bucket(bTokens).Delete(k)
	}
	return t.DeleteToken(ref)
}

// migrateTokenRefs turns the clear tokens named in held items into
// references (memberships' confirmations are turned by PutMembership
// when prepareMemberTokens migrates them).
func migrateTokenRefs(t *Tx) error {
	b := t.tx.Bucket(bHeld)
	var keys [][]byte
	if err := b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		var h Held
		if err := getJSON(b, k, &h); err != nil {
			return err
		}
		if h.Token == t.TokenRef(h.Token) && h.WithdrawToken == t.TokenRef(h.WithdrawToken) {
			continue
		}
		if err := t.PutHeld(h); err != nil {
			return err
		}
	}
	return nil
}
