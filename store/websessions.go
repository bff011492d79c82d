package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Buckets of the web face: sign-in links, signed-in sessions and personal
// calendar feed keys. Every secret is stored only as its SHA-256 hash, so
// a copy of the database signs nobody in.
var (
	bWebLogins   = []byte("web_logins")   // hash(token) -> WebLogin
	bWebSessions = []byte("web_sessions") // hash(id) -> WebSession
	bWebSessOf   = []byte("web_sess_of")  // addr \x00 hash(id) -> nil
	bCalKeys     = []byte("cal_keys")     // hash(key) -> addr
	bCalKeyOf    = []byte("cal_key_of")   // addr -> CalKey
)

// HashSecret is how tokens, session ids and feed keys are stored: the
// hex SHA-256 of the lowercase secret. The secrets are at least 128
// random bits, so a plain hash suffices (no salt or slow hash needed).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(secret)))
	return hex.EncodeToString(sum[:])
}

// WebLogin is a mailed sign-in link, waiting to be used.
type WebLogin struct {
	Hash    string    `json:"hash"`
	Address string    `json:"address"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
	// Next is the page of this site the person asked for before
	// signing in (a path, checked by listserv.SafeNext), where the link
	// lands them; "" for their own page.
	Next string `json:"next,omitempty"`
}

// WebSession is one signed-in browser.
type WebSession struct {
	Hash     string    `json:"hash"`
	Address  string    `json:"address"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// CalKey records that an address has a calendar feed key (its hash).
type CalKey struct {
	Hash    string    `json:"hash"`
	Address string    `json:"address"`
	Created time.Time `json:"created"`
}

// PutWebLogin stores a sign-in link by its hash.
func (t *Tx) PutWebLogin(l WebLogin) error {
	return putJSON(t.tx.Bucket(bWebLogins), []byte(l.Hash), l)
}

// WebLogin finds a sign-in link by its hash, or ErrNotFound.
func (t *Tx) WebLogin(hash string) (WebLogin, error) {
	var l WebLogin
	if err := getJSON(t.tx.Bucket(bWebLogins), []byte(hash), &l); err != nil {
		return l, fmt.Errorf("sign-in link: %w", err)
	}
	return l, nil
}

// PruneWebLogins removes sign-in links that expired before now.
func (t *Tx) PruneWebLogins(now time.Time) (int, error) {
	return deleteWhere(t.tx.Bucket(bWebLogins), func(_, v []byte) (bool, error) {
		var l WebLogin
		err := jsonUnmarshal(v, &l)
		return err != nil || now.After(l.Expires), nil
	})
}

// PutWebSession stores a signed-in session.
func (t *Tx) PutWebSession(s WebSession) error {
	s.Address = strings.ToLower(s.Address)
	if err := t.tx.Bucket(bWebSessOf).Put([]byte(s.Address+"\x00"+s.Hash), nil); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bWebSessions), []byte(s.Hash), s)
}

// WebSession finds a session by the hash of its id, or ErrNotFound.
func (t *Tx) WebSession(hash string) (WebSession, error) {
	var s WebSession
	if err := getJSON(t.tx.Bucket(bWebSessions), []byte(hash), &s); err != nil {
		return s, fmt.Errorf("web session: %w", err)
	}
	return s, nil
}

// DeleteWebSession ends one session.
func (t *Tx) DeleteWebSession(hash string) error {
	s, err := t.WebSession(hash)
	if err != nil {
		return nil
	}
	if err := t.tx.Bucket(bWebSessOf).Delete([]byte(s.Address + "\x00" + hash)); err != nil {
		return err
	}
	return t.tx.Bucket(bWebSessions).Delete([]byte(hash))
}

// DeleteWebSessionsOf ends every session of an address except keep (a
// hash, or ""), and returns how many ended.
func (t *Tx) DeleteWebSessionsOf(addr, keep string) (int, error) {
	prefix := []byte(strings.ToLower(addr) + "\x00")
	var hashes []string
	c := t.tx.Bucket(bWebSessOf).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if h := string(k[len(prefix):]); h != keep {
			hashes = append(hashes, h)
		}
	}
	for _, h := range hashes {
		if err := t.DeleteWebSession(h); err != nil {
			return 0, err
		}
		if err := t.tx.Bucket(bWebSessOf).Delete([]byte(string(prefix) + h)); err != nil {
			return 0, err
		}
	}
	return len(hashes), nil
}

// SetCalKey makes hash the address's only calendar feed key.
func (t *Tx) SetCalKey(k CalKey) error {
	k.Address = strings.ToLower(k.Address)
	var old CalKey
	if err := getJSON(t.tx.Bucket(bCalKeyOf), []byte(k.Address), &old); err == nil {
		if err := t.tx.Bucket(bCalKeys).Delete([]byte(old.Hash)); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bCalKeys).Put([]byte(k.Hash), []byte(k.Address)); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bCalKeyOf), []byte(k.Address), k)
}

// CalKeyOf returns the address's calendar key record, or ErrNotFound.
func (t *Tx) CalKeyOf(addr string) (CalKey, error) {
	var k CalKey
	if err := getJSON(t.tx.Bucket(bCalKeyOf), []byte(strings.ToLower(addr)), &k); err != nil {
		return k, fmt.Errorf("calendar key of %s: %w", addr, err)
	}
	return k, nil
}

// CalKeyAddress returns the address a calendar key hash belongs to, or "".
func (t *Tx) CalKeyAddress(hash string) string {
	return string(t.tx.Bucket(bCalKeys).Get([]byte(hash)))
}
