package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// APIScope is what an API token may do.
type APIScope string

// The scopes of API tokens.
const (
	ScopeRead  APIScope = "read"  // GET requests only
	ScopeWrite APIScope = "write" // every request
)

// APIToken is a stored API token. Only the SHA-256 of the secret is kept:
// the secret itself is shown once, when it is created, and a copy of the
// database does not let anyone call the API.
type APIToken struct {
	Name     string    `json:"name"`
	Scope    APIScope  `json:"scope"`
	Hash     string    `json:"hash"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// apiTokenPrefix marks minyan API tokens, so secret scanners and people
// recognize one.
const apiTokenPrefix = "myn_"

// NewAPISecret returns a new token secret: 256 random bits.
func NewAPISecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return apiTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashAPISecret is the stored form of a secret.
func HashAPISecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// PutAPIToken stores a new token; a token of the same name is ErrExists.
func (t *Tx) PutAPIToken(tok APIToken) error {
	b := t.tx.Bucket(bAPITokens)
	if b.Get([]byte(tok.Name)) != nil {
		return fmt.Errorf("api token %s: %w", tok.Name, ErrExists)
	}
	if err := t.tx.Bucket(bAPITokenHash).Put([]byte(tok.Hash), []byte(tok.Name)); err != nil {
		return err
	}
	return putJSON(b, []byte(tok.Name), tok)
}

// APITokens returns every token, by name.
func (t *Tx) APITokens() ([]APIToken, error) {
	var out []APIToken
	err := t.tx.Bucket(bAPITokens).ForEach(func(k, v []byte) error {
		var tok APIToken
		if err := getJSON(t.tx.Bucket(bAPITokens), k, &tok); err != nil {
			return err
		}
		out = append(out, tok)
		return nil
	})
	return out, err
}

// APITokenBySecret finds the token a presented secret belongs to
// (ErrNotFound when none does).
func (t *Tx) APITokenBySecret(secret string) (APIToken, error) {
	h := HashAPISecret(secret)
	name := t.tx.Bucket(bAPITokenHash).Get([]byte(h))
	if name == nil {
		return APIToken{}, ErrNotFound
	}
	var tok APIToken
	if err := getJSON(t.tx.Bucket(bAPITokens), name, &tok); err != nil {
		return tok, err
	}
	if subtle.ConstantTimeCompare([]byte(tok.Hash), []byte(h)) != 1 {
		return APIToken{}, ErrNotFound
	}
	return tok, nil
}

// TouchAPIToken records a use of the named token.
func (t *Tx) TouchAPIToken(name string, at time.Time) error {
	b := t.tx.Bucket(bAPITokens)
	var tok APIToken
	if err := getJSON(b, []byte(name), &tok); err != nil {
		return err
	}
	tok.LastUsed = at
	return putJSON(b, []byte(name), tok)
}

// DeleteAPIToken revokes the named token (ErrNotFound when none).
func (t *Tx) DeleteAPIToken(name string) error {
	b := t.tx.Bucket(bAPITokens)
	var tok APIToken
	if err := getJSON(b, []byte(name), &tok); err != nil {
		return err
	}
	if err := t.tx.Bucket(bAPITokenHash).Delete([]byte(tok.Hash)); err != nil {
		return err
	}
	return b.Delete([]byte(name))
}

// Buckets of API tokens (name -> APIToken, hash -> name), webhooks
// (id -> Webhook) and their waiting deliveries (seq -> WebhookDelivery).
var (
	bAPITokens    = []byte("api_tokens")
	bAPITokenHash = []byte("api_token_hash")
	bWebhooks     = []byte("webhooks")
	bWebhookQueue = []byte("webhook_queue")
)
