package store

import (
	"errors"
	"testing"
	"time"
)

func readList(t *testing.T, s *Store, name string) (List, error) {
	t.Helper()
	var l List
	err := s.View(func(tx *Tx) error {
		var err error
		l, err = tx.List(name)
		return err
	})
	return l, err
}

// The decoded-list snapshot never shows anything but the committed
// records: a change is seen by the next reader, a rolled-back change is
// never seen, a deleted list is gone, and changing a returned copy
// changes nothing stored.
func TestListSnapshotFollowsCommits(t *testing.T) {
	s, _ := openTest(t)
	yes := true
	if err := s.Update(func(tx *Tx) error {
		return tx.CreateList(List{Name: "a", Kind: "discussion", Settings: Settings{Title: "A", Advertised: &yes, ReminderOffsets: []time.Duration{time.Hour}}})
	}); err != nil {
		t.Fatal(err)
	}
	l, err := readList(t, s, "a")
	if err != nil || l.Settings.Title != "A" {
		t.Fatalf("first read: %+v %v", l, err)
	}
	// Changing the copy must not reach the snapshot.
	*l.Settings.Advertised = false
	l.Settings.ReminderOffsets[0] = time.Minute
	l.Settings.Title = "changed in memory"
	if l2, _ := readList(t, s, "a"); l2.Settings.Title != "A" || !*l2.Settings.Advertised || l2.Settings.ReminderOffsets[0] != time.Hour {
		t.Fatalf("a caller's change reached the snapshot: %+v", l2.Settings)
	}

	// A committed change is visible at once.
	if err := s.Update(func(tx *Tx) error {
		l, err := tx.List("a")
		if err != nil {
			return err
		}
		l.Settings.Title = "B"
		return tx.PutList(l)
	}); err != nil {
		t.Fatal(err)
	}
	if l, _ := readList(t, s, "a"); l.Settings.Title != "B" {
		t.Fatalf("after commit: title %q, want B", l.Settings.Title)
	}

	// A rolled-back change is never seen, not even by a later commit of
	// the same version number.
	boom := errors.New("roll back")
	if err := s.Update(func(tx *Tx) error {
		l, _ := tx.List("a")
		l.Settings.Title = "rolled back"
		if err := tx.PutList(l); err != nil {
			return err
		}
		if l, _ := tx.List("a"); l.Settings.Title != "rolled back" {
			t.Errorf("inside the writer: title %q, want its own change", l.Settings.Title)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if l, _ := readList(t, s, "a"); l.Settings.Title != "B" {
		t.Fatalf("after rollback: title %q, want B", l.Settings.Title)
	}
	if err := s.Update(func(tx *Tx) error {
		l, _ := tx.List("a")
		l.Settings.Title = "C"
		return tx.PutList(l)
	}); err != nil {
		t.Fatal(err)
	}
	if l, _ := readList(t, s, "a"); l.Settings.Title != "C" {
		t.Fatalf("after second commit: title %q, want C", l.Settings.Title)
	}

	// New and deleted lists.
	if err := s.Update(func(tx *Tx) error { return tx.CreateList(List{Name: "b", Kind: "caucus"}) }); err != nil {
		t.Fatal(err)
	}
	var names []string
	s.View(func(tx *Tx) error {
		ls, err := tx.Lists()
		for _, l := range ls {
			names = append(names, l.Name)
		}
		return err
	})
	if len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Fatalf("lists %v, want [a b]", names)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteList("a") }); err != nil {
		t.Fatal(err)
	}
	if _, err := readList(t, s, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted list: %v, want ErrNotFound", err)
	}
}
