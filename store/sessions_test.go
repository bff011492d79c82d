package store

import (
	"errors"
	"testing"
	"time"
)

func openScheduleStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSessionsAreKeptPerList(t *testing.T) {
	s := openScheduleStore(t)
	err := s.Update(func(tx *Tx) error {
		for _, list := range []string{"a", "ab", "a", "b"} {
			id, err := tx.NewSessionID()
			if err != nil {
				return err
			}
			if err := tx.PutSession(Session{ID: id, List: list, Zone: "UTC", Local: "2027-01-01 10:00", Status: SessionScheduled}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		var ids []uint64
		tx.EachSession("a", func(ss Session) error { ids = append(ids, ss.ID); return nil })
		if len(ids) != 2 || ids[0] != 1 || ids[1] != 3 {
			t.Errorf("sessions of a: %v (list ab must not leak in)", ids)
		}
		if _, err := tx.Session("b", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("session 1 found under list b: %v", err)
		}
		if ss, err := tx.Session("ab", 2); err != nil || ss.List != "ab" {
			t.Errorf("session 2 of ab: %+v %v", ss, err)
		}
		return nil
	})
}

func TestRSVPsReplaceAndList(t *testing.T) {
	s := openScheduleStore(t)
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Update(func(tx *Tx) error {
		tx.PutRSVP(RSVP{List: "a", Session: 1, Address: "Bob@Example.net", Answer: "yes", At: now})
		tx.PutRSVP(RSVP{List: "a", Session: 1, Address: "alice@example.net", Answer: "maybe", At: now})
		tx.PutRSVP(RSVP{List: "a", Session: 1, Address: "bob@example.net", Answer: "no", At: now})
		tx.PutRSVP(RSVP{List: "a", Session: 12, Address: "carol@example.net", Answer: "yes", At: now})
		return nil
	})
	s.View(func(tx *Tx) error {
		rs, err := tx.RSVPs("a", 1)
		if err != nil || len(rs) != 2 || rs[0].Address != "alice@example.net" || rs[1].Answer != "no" {
			t.Errorf("rsvps: %+v %v", rs, err)
		}
		return nil
	})
}

func TestPairHistoryAndDeleteListSchedule(t *testing.T) {
	s := openScheduleStore(t)
	s.Update(func(tx *Tx) error {
		if err := tx.PutPairing(Pairing{List: "a", Round: 1, Groups: [][]string{{"x@e.net", "y@e.net"}, {"z@e.net", "w@e.net", "v@e.net"}}}); err != nil {
			t.Fatal(err)
		}
		return tx.PutPairing(Pairing{List: "a", Round: 2, Groups: [][]string{{"y@e.net", "x@e.net"}}})
	})
	s.View(func(tx *Tx) error {
		if n := tx.TimesPaired("a", "Y@e.net", "x@e.net"); n != 2 {
			t.Errorf("x and y paired %d times, want 2", n)
		}
		if n := tx.TimesPaired("a", "w@e.net", "v@e.net"); n != 1 {
			t.Errorf("trio members paired %d times, want 1", n)
		}
		if n := tx.TimesPaired("b", "x@e.net", "y@e.net"); n != 0 {
			t.Errorf("history leaked to list b")
		}
		p, err := tx.Pairing("a")
		if err != nil || p.Round != 2 || len(p.Groups) != 1 {
			t.Errorf("current pairs %+v %v", p, err)
		}
		return nil
	})
	s.Update(func(tx *Tx) error {
		id, _ := tx.NewSessionID()
		tx.PutSession(Session{ID: id, List: "a"})
		tx.PutRSVP(RSVP{List: "a", Session: id, Address: "x@e.net", Answer: "yes"})
		tx.PutDigestState(DigestState{List: "a", LastSeq: 5})
		return tx.DeleteListSchedule("a")
	})
	s.View(func(tx *Tx) error {
		if _, err := tx.Pairing("a"); !errors.Is(err, ErrNotFound) {
			t.Error("pairs survived")
		}
		if _, err := tx.DigestState("a"); !errors.Is(err, ErrNotFound) {
			t.Error("digest state survived")
		}
		if tx.TimesPaired("a", "x@e.net", "y@e.net") != 0 {
			t.Error("pair history survived")
		}
		n := 0
		tx.EachSession("a", func(Session) error { n++; return nil })
		if rs, _ := tx.RSVPs("a", 1); n != 0 || len(rs) != 0 {
			t.Error("sessions or answers survived")
		}
		return nil
	})
}
