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

// RosterEntry is one line of a roster with the person's name.
type RosterEntry struct {
	Address, Name string
	Role          ListRole
	Mode          Mode
	Status        Status
}

// Roster returns a list's members with their names, in address order.
func (s *Service) Roster(list string) ([]RosterEntry, error) {
	var out []RosterEntry
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		return tx.EachMember(list, func(mb store.Membership) error {
			e := RosterEntry{Address: mb.Address, Role: mb.Role, Mode: mb.Mode, Status: mb.Status}
			if p, err := tx.Person(mb.Address); err == nil {
				e.Name = p.Name
			}
			out = append(out, e)
			return nil
		})
	})
	return out, notFoundText(err, "no list named "+list)
}

// rosterPage is how many entries EachRosterPage reads per transaction.
const rosterPage = 2000

// EachRosterPage gives a list's members with their names, in address
// order, to fn a page at a time, reading each page in its own short read
// transaction: a roster of any size goes out in constant memory, and no
// transaction stays open while fn writes to a slow client. Each member
// appears once; a change made while a long roster is read shows only in
// the pages read after it. A missing list is an error before fn is
// called. fn must not keep the slice, which is reused.
func (s *Service) EachRosterPage(list string, fn func([]RosterEntry) error) error {
	page := make([]RosterEntry, 0, rosterPage)
	after := ""
	for first := true; ; first = false {
		page = page[:0]
		err := s.st.View(func(tx *store.Tx) error {
			if first {
				if _, err := tx.List(list); err != nil {
					return notFoundText(err, "no list named "+list)
				}
			}
			var err error
			after, err = tx.RosterPage(list, after, rosterPage, func(r store.RosterRow) error {
				page = append(page, RosterEntry(r))
				return nil
			})
			return err
		})
		if err != nil {
			return err
		}
		if len(page) > 0 || first {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < rosterPage {
			return nil
		}
	}
}

// Member returns one roster entry.
func (s *Service) Member(list, addr string) (RosterEntry, error) {
	var e RosterEntry
	addr = NormalizeAddress(addr)
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return notFoundText(err, "no list named "+list)
		}
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		e = RosterEntry{Address: mb.Address, Role: mb.Role, Mode: mb.Mode, Status: mb.Status}
		if p, err := tx.Person(addr); err == nil {
			e.Name = p.Name
		}
		return nil
	})
	return e, err
}

// PersonMemberships returns a person's record and every membership.
func (s *Service) PersonMemberships(addr string) (store.Person, []store.Membership, error) {
	var p store.Person
	var out []store.Membership
	addr = NormalizeAddress(addr)
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if p, err = tx.Person(addr); err != nil {
			return notFoundText(err, "no person with the address "+addr)
		}
		lists, err := tx.ListsOf(addr)
		if err != nil {
			return err
		}
		for _, l := range lists {
			if mb, err := tx.Membership(l, addr); err == nil {
				out = append(out, mb)
			}
		}
		return nil
	})
	return p, out, err
}
