package store

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
)

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewToken returns 160 random bits as 32 lowercase base32 characters: safe
// in an email local part and a URL path, and case-insensitive as mail
// addresses may be.
func NewToken() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails (crypto/rand contract since Go 1.24)
	return strings.ToLower(tokenEncoding.EncodeToString(b))
}

// Token looks a token up by its clear value (stored as its keyed hash,
// tokenhash.go); a missing one is ErrNotFound. The record returned
// carries the clear value again, so PutToken can store it back.
func (t *Tx) Token(tok string) (Token, error) {
	var out Token
	if err := getJSON(t.tx.Bucket(bTokens), t.HashToken(tok), &out); err != nil {
		return out, fmt.Errorf("token: %w", err)
	}
	out.Token = strings.ToLower(tok)
	return out, nil
}

// PutToken stores or updates a token under its keyed hash, without the
// clear value.
func (t *Tx) PutToken(tok Token) error {
	key := t.HashToken(tok.Token)
	tok.Token = ""
	return putJSON(t.tx.Bucket(bTokens), key, tok)
}

// DeleteToken removes a token, named by its clear value.
func (t *Tx) DeleteToken(tok string) error {
	return t.tx.Bucket(bTokens).Delete(t.HashToken(tok))
}
