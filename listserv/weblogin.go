package listserv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"minyan/store"
)

// Sign-in by mail for the web. A person asks for a link; the link carries
// a random token (160 bits) that is stored only as its hash, works once
// and expires after LoginTTL. Opening it shows a button; pressing it
// makes a session, whose id (160 bits, stored hashed) lives in a cookie.
// Sessions end after SessionTTL, on sign-out, or when the person ends
// their other sessions.

// LoginTTL is how long a sign-in link works.
const LoginTTL = 30 * time.Minute

// SessionTTL is how long a web session lasts.
const SessionTTL = 30 * 24 * time.Hour

// ErrBadLogin answers a sign-in link that is unknown, used or expired.
var ErrBadLogin = errors.New("this sign-in link is not valid any more (it expired or was already used)")

// StartLogin mails a sign-in link to addr when addr is known here (a
// person or member of any list); for an unknown address it does nothing.
// Both cases return nil, so no caller can tell them apart. next is the
// page the person asked for before signing in: kept with the link (when
// SafeNext accepts it) so that using it lands them there.
func (s *Service) StartLogin(addr, next string) error {
	next = SafeNext(next)
	// (A site admin named only in the configuration, on no list yet, must
	// be able to sign in too: configuredAdmin.)
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return ErrBadAddress
	}
	now := s.clock.Now()
	sent := false
	err := s.st.Update(func(tx *store.Tx) error {
		_, perr := tx.Person(addr)
		lists, err := tx.ListsOf(addr)
		if err != nil {
			return err
		}
		if errors.Is(perr, store.ErrNotFound) && len(lists) == 0 && !s.configuredAdmin(addr) {
			return nil
		}
		if _, err := tx.PruneWebLogins(now); err != nil {
			return err
		}
		tok := store.NewToken()
		if err := tx.PutWebLogin(store.WebLogin{Hash: store.HashSecret(tok), Address: addr, Created: now, Expires: now.Add(LoginTTL), Next: next}); err != nil {
			return err
		}
		subj, body, err := s.renderTx(tx, addr, "", "web-login", map[string]any{
			"Domain": s.o.Domain, "Address": addr, "URL": s.o.PublicURL + "/login/" + tok,
		})
		if err != nil {
			return err
		}
		sent = true
		return s.queueNotice(tx, notice{To: []string{addr}, From: "minyan@" + s.o.Domain, Subject: subj, Body: body})
	})
	if err != nil {
		return fmt.Errorf("sign-in link for %s: %w", addr, err)
	}
	if sent {
		s.log.Info("sign-in link sent", "address", addr)
	}
	return nil
}

func (s *Service) validLogin(tx *store.Tx, token string) (store.WebLogin, error) {
	if len(token) < 16 || len(token) > 64 {
		return store.WebLogin{}, ErrBadLogin
	}
	l, err := tx.WebLogin(store.HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return l, ErrBadLogin
	} else if err != nil {
		return l, err
	}
	if !l.Used.IsZero() || !s.clock.Now().Before(l.Expires) {
		return l, ErrBadLogin
	}
	return l, nil
}

// LoginAddress tells the sign-in page whose link this is, without using it.
func (s *Service) LoginAddress(token string) (string, bool) {
	var addr string
	_ = s.st.View(func(tx *store.Tx) error {
		l, err := s.validLogin(tx, token)
		if err == nil {
			addr = l.Address
		}
		return nil
	})
	return addr, addr != ""
}

// FinishLogin uses a sign-in link: it marks the link used and starts a
// session, whose id it returns with the page to land on (next, "" for
// the person's own page). endOthers also ends every other session of
// the address (a lost phone, a shared computer).
func (s *Service) FinishLogin(token string, endOthers bool) (sid, addr, next string, err error) {
	now := s.clock.Now()
	ended := 0
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := s.validLogin(tx, token)
		if err != nil {
			return err
		}
		l.Used = now
		if err := tx.PutWebLogin(l); err != nil {
			return err
		}
		if endOthers {
			if ended, err = tx.DeleteWebSessionsOf(l.Address, ""); err != nil {
				return err
			}
		}
		sid, addr, next = store.NewToken(), l.Address, SafeNext(l.Next)
		return tx.PutWebSession(store.WebSession{Hash: store.HashSecret(sid), Address: l.Address, Created: now, Expires: now.Add(SessionTTL)})
	})
	if err != nil {
		return "", "", "", err
	}
	s.log.Info("signed in on the web", "address", addr, "ended_sessions", ended)
	return sid, addr, next, nil
}

// maxNext bounds the way back kept with a sign-in link.
const maxNext = 1024

// SafeNext is next when it is a path on this site, else "": it must
// start with one "/" (not "//", which browsers read as another host),
// hold no backslash, control character, scheme or host, and not lead
// back to the sign-in pages. Only such a path is kept with a sign-in
// link and followed after it, so a crafted link cannot send anyone to
// another site.
func SafeNext(next string) string {
	if next == "" || len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	if u.Path == "/login" || strings.HasPrefix(u.Path, "/login/") || u.Path == "/logout" {
		return ""
	}
	return next
}

// SessionAddress returns the address signed in with session id sid.
func (s *Service) SessionAddress(sid string) (string, bool) {
	if len(sid) < 16 || len(sid) > 64 {
		return "", false
	}
	var addr string
	_ = s.st.View(func(tx *store.Tx) error {
		ws, err := tx.WebSession(store.HashSecret(sid))
		if err == nil && s.clock.Now().Before(ws.Expires) {
			addr = ws.Address
		}
		return nil
	})
	return addr, addr != ""
}

// Logout ends session sid, and with everywhere every session of its
// address.
func (s *Service) Logout(sid string, everywhere bool) error {
	var addr string
	n := 0
	err := s.st.Update(func(tx *store.Tx) error {
		h := store.HashSecret(sid)
		ws, err := tx.WebSession(h)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		addr = ws.Address
		if everywhere {
			n, err = tx.DeleteWebSessionsOf(addr, "")
			return err
		}
		n = 1
		return tx.DeleteWebSession(h)
	})
	if err == nil && addr != "" {
		s.log.Info("signed out on the web", "address", addr, "ended_sessions", n)
	}
	return err
}

// NewCalendarKey makes a new personal calendar feed key for the actor,
// replacing the old one (whose feed URL stops working). The key is shown
// once; only its hash is kept.
func (s *Service) NewCalendarKey(ctx context.Context, a Actor) (string, error) {
	if a.Address == "" {
		return "", ErrForbidden
	}
	key := store.NewToken()
	err := s.st.Update(func(tx *store.Tx) error {
		return tx.SetCalKey(store.CalKey{Hash: store.HashSecret(key), Address: a.Address, Created: s.clock.Now()})
	})
	if err != nil {
		return "", fmt.Errorf("calendar key for %s: %w", a, err)
	}
	s.log.Info("calendar feed key made", "member", a.Address, "by", a.String())
	return key, nil
}

// CalendarKeyMade tells when the actor's current feed key was made.
func (s *Service) CalendarKeyMade(ctx context.Context, a Actor) (time.Time, bool) {
	var k store.CalKey
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		k, err = tx.CalKeyOf(a.Address)
		return err
	})
	return k.Created, err == nil
}

// CalendarOwner returns whose feed a key opens.
func (s *Service) CalendarOwner(key string) (string, bool) {
	if len(key) < 16 || len(key) > 64 {
		return "", false
	}
	var addr string
	_ = s.st.View(func(tx *store.Tx) error {
		addr = tx.CalKeyAddress(store.HashSecret(key))
		return nil
	})
	return addr, addr != ""
}

// configuredAdmin tells whether addr is one of the site admins named in
// the configuration ([web] admins), who may sign in before they are on
// any list.
func (s *Service) configuredAdmin(addr string) bool {
	for _, a := range s.o.Postmasters {
		if NormalizeAddress(a) == addr {
			return true
		}
	}
	return false
}
