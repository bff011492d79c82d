package listserv

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"minyan/store"
)

// CreateAPIToken makes a token for the JSON API and returns its secret,
// which is shown once: only its hash is stored.
func (s *Service) CreateAPIToken(name string, scope store.APIScope) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return "", fmt.Errorf("token name %q: use a short name without spaces, such as crm", name)
	}
	if scope == "" {
		scope = store.ScopeWrite
	}
	if scope != store.ScopeRead && scope != store.ScopeWrite {
		return "", fmt.Errorf("scope %q: must be read or write", scope)
	}
	secret := store.NewAPISecret()
	err := s.st.Update(func(tx *store.Tx) error {
		return tx.PutAPIToken(store.APIToken{Name: name, Scope: scope, Hash: store.HashAPISecret(secret), Created: s.clock.Now()})
	})
	if errors.Is(err, store.ErrExists) {
		return "", fmt.Errorf("a token named %s already exists (remove it first with 'minyan api token rm %s')", name, name)
	}
	return secret, err
}

// APITokens lists the tokens (never their secrets).
func (s *Service) APITokens() ([]store.APIToken, error) {
	var out []store.APIToken
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.APITokens()
		return err
	})
	return out, err
}

// RemoveAPIToken revokes a token at once.
func (s *Service) RemoveAPIToken(name string) error {
	err := s.st.Update(func(tx *store.Tx) error { return tx.DeleteAPIToken(name) })
	return notFoundText(err, "no API token named "+name)
}

// ErrBadAPIToken answers a request whose token is missing, unknown or
// revoked.
var ErrBadAPIToken = errors.New("a valid API token is required (Authorization: Bearer TOKEN; make one with 'minyan api token create NAME')")

// apiTouchEvery is how stale a token's last-use time may get before a
// request writes it again (one write per token per minute at most).
const apiTouchEvery = time.Minute

// AuthenticateAPIToken finds the token a secret belongs to and records
// its use.
func (s *Service) AuthenticateAPIToken(secret string) (store.APIToken, error) {
	var tok store.APIToken
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		tok, err = tx.APITokenBySecret(secret)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return tok, ErrBadAPIToken
	}
	if err != nil {
		return tok, err
	}
	now := s.clock.Now()
	if now.Sub(tok.LastUsed) >= apiTouchEvery {
		tok.LastUsed = now
		err := s.st.Batch(func(tx *store.Tx) error {
			err := tx.TouchAPIToken(tok.Name, now)
			if errors.Is(err, store.ErrNotFound) {
				return ErrBadAPIToken // revoked meanwhile
			}
			return err
		})
		if err != nil {
			return tok, err
		}
	}
	return tok, nil
}
