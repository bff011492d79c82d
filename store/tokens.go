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

// Token looks a token up; a missing one is ErrNotFound.
func (t *Tx) Token(tok string) (Token, error) {
	var out Token
	if err := getJSON(t.tx.Bucket(bTokens), []byte(strings.ToLower(tok)), &out); err != nil {
		return out, fmt.Errorf("token: %w", err)
	}
	return out, nil
}

// PutToken stores or updates a token.
func (t *Tx) PutToken(tok Token) error {
	return putJSON(t.tx.Bucket(bTokens), []byte(tok.Token), tok)
}

// DeleteToken removes a token.
func (t *Tx) DeleteToken(tok string) error {
	return t.tx.Bucket(bTokens).Delete([]byte(tok))
}
