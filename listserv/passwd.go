package listserv

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"minyan/store"
)

// Archive access (SPEC "Archive access"): who may read which list's
// archive, and the app passwords people log in to the IMAP archive with.
//
// An app password is generated, never chosen: 120 random bits written
// as six groups of four characters from a 32-symbol alphabet without the
// look-alikes l/1 and o/0 ("k7dm-3xqa-..."). Only its bcrypt hash is
// stored (Person.PasswordHash); a new password replaces the old one.
// Checking ignores case, spaces and dashes, so a password read aloud or
// retyped from a phone still works.

// appPasswordAlphabet has 32 symbols, so each character carries 5 bits.
const appPasswordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

var appPasswordEncoding = base32.NewEncoding(appPasswordAlphabet).WithPadding(base32.NoPadding)

// appPasswordBytes is 15 random bytes = 120 bits = 24 symbols.
const appPasswordBytes = 15

// appPasswordCost is the bcrypt work factor: about 50 ms per check here,
// slow for guessing, quick enough for a mail app logging in.
const appPasswordCost = bcrypt.DefaultCost

// dummyHash is compared against when an address has no password, so a
// failed login takes as long whether or not the address exists. It is
// made on first use, not at start (every CLI run would pay for it).
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no password is set for this address"), appPasswordCost)
	return h
})

// NewAppPassword makes a new IMAP app password for addr, stores its hash
// (replacing any previous one; creating the person if needed) and returns
// the password, which is shown once and never stored in clear.
func (s *Service) NewAppPassword(addr string) (string, error) {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return "", fmt.Errorf("%q is not an email address", addr)
	}
	raw := make([]byte, appPasswordBytes)
	rand.Read(raw) // never fails (crypto/rand contract since Go 1.24)
	plain := appPasswordEncoding.EncodeToString(raw)
	hash, err := bcrypt.GenerateFromPassword([]byte(plain), appPasswordCost)
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
		p.PasswordHash = string(hash)
		return tx.PutPerson(p)
	})
	if err != nil {
		return "", err
	}
	return groupAppPassword(plain), nil
}

// groupAppPassword writes 24 symbols as six dash-separated groups of four.
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

// CheckAppPassword tells whether pw is addr's current app password. It
// costs one bcrypt comparison whether or not the address exists.
func (s *Service) CheckAppPassword(addr, pw string) bool {
	addr = NormalizeAddress(addr)
	var hash []byte
	found := false
	if addr != "" && len(pw) <= 128 {
		if p, err := s.Person(addr); err == nil && p.PasswordHash != "" {
			hash, found = []byte(p.PasswordHash), true
		}
	}
	if !found {
		hash = dummyHash()
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(canonicalAppPassword(pw)))
	return found && err == nil
}

// CanReadArchive applies a list's `archive` setting to one person: mb is
// their membership of the list, nil if they have none. `public` archives
// are open to every logged-in person except on caucus lists, whose
// archive stays members-only whatever the setting says; `members` needs
// a membership that is not pending, waitlisted or banned; `owners` needs
// the owner role; `off` is closed to everyone.
func CanReadArchive(l store.List, mb *store.Membership) bool {
	setting := l.Settings.Archive
	if setting == "public" && l.Kind == "caucus" {
		setting = "members"
	}
	member := mb != nil && mb.Status != StatusPending && mb.Status != StatusWaitlist && mb.Status != StatusBanned
	switch setting {
	case "public":
		return true
	case "members":
		return member
	case "owners":
		return member && RoleRank(mb.Role) >= RoleRank("owner")
	}
	return false
}

// ErrNoArchive is the answer for an archive a person may not read: the
// same as for a list that does not exist, so a hidden list stays hidden.
var ErrNoArchive = errors.New("no such archive")

// ReadableArchives returns, in name order, the lists whose archive addr
// may read.
func (s *Service) ReadableArchives(addr string) ([]store.List, error) {
	addr = NormalizeAddress(addr)
	var out []store.List
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			if ok, err := canRead(tx, l, addr); err != nil {
				return err
			} else if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// ReadableArchive returns the list named name if addr may read its
// archive, and ErrNoArchive if the list does not exist or addr may not.
func (s *Service) ReadableArchive(addr, name string) (store.List, error) {
	addr = NormalizeAddress(addr)
	var l store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if l, err = tx.List(name); errors.Is(err, store.ErrNotFound) {
			return ErrNoArchive
		} else if err != nil {
			return err
		}
		ok, err := canRead(tx, l, addr)
		if err == nil && !ok {
			err = ErrNoArchive
		}
		return err
	})
	return l, err
}

// canRead applies the archive access rule (archiveaccess.go) to the
// person addr.
func canRead(tx *store.Tx, l store.List, addr string) (bool, error) {
	return archiveReadable(tx, l, Actor{Address: addr})
}
