package listserv

import (
	"errors"
	"strings"

	"minyan/store"
)

// Unsubscribe acts on a one-click unsubscribe token (RFC 8058). It returns
// the list and address it removed. The token dies with the membership, so
// a second click finds nothing.
func (s *Service) Unsubscribe(token string) (list, addr string, err error) {
	token = strings.ToLower(strings.TrimSpace(token))
	err = s.st.Update(func(tx *store.Tx) error {
		t, err := tx.Token(token)
		if err != nil || t.Kind != "unsub" {
			return store.ErrNotFound
		}
		if mb, err := tx.Membership(t.List, t.Address); err != nil || mb.Status == StatusBanned {
			return store.ErrNotFound // a ban is not lifted by leaving
		}
		list, addr = t.List, t.Address
		if _, err := s.removeMember(tx, t.List, t.Address); err != nil {
			return err
		}
		if err := s.AuditChange(tx, Person(t.Address, DoorWeb), t.List, "left by one-click unsubscribe"); err != nil {
			return err
		}
		return s.promoteWaitlist(tx, t.List)
	})
	if errors.Is(err, store.ErrNotFound) {
		//lint:ignore ST1005 the web page shows this error as its sentence
		return "", "", errors.New("This unsubscribe link is not valid any more. You are probably unsubscribed already.")
	}
	if err == nil {
		s.log.Info("unsubscribed by one-click", "list", list, "member", addr)
	}
	return list, addr, err
}

// UnsubscribeInfo tells what a one-click token would do, without doing it
// (for the confirm page a GET shows).
func (s *Service) UnsubscribeInfo(token string) (list, addr string, ok bool) {
	_ = s.st.View(func(tx *store.Tx) error {
		t, err := tx.Token(strings.ToLower(strings.TrimSpace(token)))
		if err == nil && t.Kind == "unsub" {
			list, addr, ok = t.List, t.Address, true
		}
		return nil
	})
	return
}
