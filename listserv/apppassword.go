package listserv

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"minyan/store"
)

// App passwords: what people log in to the IMAP archive with.
//
// An app password is generated, never chosen: 128 random bits written
// as 26 characters from a 32-symbol alphabet without the look-alikes
// l/1 and o/0, in groups of four ("k7dm-3xqa-...-9v"). Only its bcrypt hash is
// stored (Person.PasswordHash). A password the operator makes replaces
// the old one at once; one a member asks for by email waits beside the
// old one (Person.NewPasswordHash) and replaces it at its first login, so
// a forged request can never lock anyone out or cut their sessions.
// Checking ignores case, spaces and dashes, so a password read aloud or
// retyped from a phone still works.

// appPasswordAlphabet has 32 symbols, so each character carries 5 bits.
const appPasswordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

var appPasswordEncoding = base32.NewEncoding(appPasswordAlphabet).WithPadding(base32.NoPadding)

// appPasswordBytes is 16 random bytes = 128 bits = 26 symbols (like
// every other secret here, at least 128 bits).
const appPasswordBytes = 16

// The bcrypt work factor (Options.AppPasswordCost, bcrypt.DefaultCost in
// production) makes a check take about 50 ms: slow for guessing, quick
// enough for a mail app logging in.

// NewAppPassword makes a new IMAP app password for addr, stores its hash
// (replacing any previous one at once; creating the person if needed) and
// returns the password, which is shown once and never stored in clear.
// It is the operator's reset (a leaked password stops working now).
func (s *Service) NewAppPassword(addr string) (string, error) {
	return s.issueAppPassword(addr, false)
}

// issueAppPassword makes a password; pending keeps the current one valid
// until the new one is used.
func (s *Service) issueAppPassword(addr string, pending bool) (string, error) {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return "", fmt.Errorf("%q is not an email address", addr)
	}
	raw := make([]byte, appPasswordBytes)
	rand.Read(raw) // never fails (crypto/rand contract since Go 1.24)
	plain := appPasswordEncoding.EncodeToString(raw)
	hash, err := bcrypt.GenerateFromPassword([]byte(plain), s.o.AppPasswordCost)
	if err != nil {
		return "", fmt.Errorf("hash the app password: %w", err)
	}
	err = s.st.Update(func(tx *store.Tx) error {
		p, err := tx.Person(addr)
		if errors.Is(err, store.ErrNotFound) {
			p = store.Person{Address: addr, Created: s.clock.Now()}
		} else if err != nil {
			return err
		}
		if pending && p.PasswordHash != "" {
			p.NewPasswordHash = string(hash)
		} else {
			p.PasswordHash, p.NewPasswordHash = string(hash), ""
		}
		return tx.PutPerson(p)
	})
	if err != nil {
		return "", err
	}
	return groupAppPassword(plain), nil
}

// groupAppPassword writes the symbols in dash-separated groups of four.
func groupAppPassword(plain string) string {
	var b strings.Builder
	for i := 0; i < len(plain); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(plain[i:min(i+4, len(plain))])
	}
	return b.String()
}

// canonicalAppPassword undoes the grouping and case a person may add.
func canonicalAppPassword(pw string) string {
	pw = strings.ToLower(pw)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, pw)
}

// CheckAppPassword tells whether pw is addr's current app password, or
// the new one waiting beside it (which then replaces it). A failed check
// costs two bcrypt comparisons whether or not the address exists.
func (s *Service) CheckAppPassword(addr, pw string) bool {
	addr = NormalizeAddress(addr)
	var p store.Person
	found := false
	if addr != "" && len(pw) <= 128 {
		if q, err := s.Person(addr); err == nil && q.PasswordHash != "" {
			p, found = q, true
		}
	}
	canon := []byte(canonicalAppPassword(pw))
	hash := s.dummyHash()
	if found {
		hash = []byte(p.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, canon) == nil && found {
		return true
	}
	hash = s.dummyHash()
	if found && p.NewPasswordHash != "" {
		hash = []byte(p.NewPasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, canon) != nil || !found || p.NewPasswordHash == "" {
		return false
	}
	err := s.st.Update(func(tx *store.Tx) error {
		q, err := tx.Person(addr)
		if err != nil || q.NewPasswordHash != p.NewPasswordHash {
			return err // changed meanwhile: this login still counts
		}
		q.PasswordHash, q.NewPasswordHash = q.NewPasswordHash, ""
		return tx.PutPerson(q)
	})
	if err != nil {
		s.log.Warn("could not make the new app password the current one", "err", err)
	}
	return true
}
