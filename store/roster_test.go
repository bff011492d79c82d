package store

import (
	"fmt"
	"testing"
)

// RosterPage walks a roster in pages that join up exactly: every member
// once, in address order, with the name of the person where there is one,
// and nothing of another list (even one whose name is a prefix).
func TestRosterPagesJoinUp(t *testing.T) {
	s, _ := openTest(t)
	if err := s.Update(func(tx *Tx) error {
		for _, l := range []string{"a", "ab"} {
			if err := tx.CreateList(List{Name: l}); err != nil {
				return err
			}
		}
		for i := range 23 {
			addr := fmt.Sprintf("p%02d@example.org", i)
			if i%3 == 0 {
				if err := tx.PutPerson(Person{Address: addr, Name: fmt.Sprint("Name ", i)}); err != nil {
					return err
				}
			}
			if err := tx.PutMembership(Membership{List: "a", Address: addr, Role: "member", Mode: "each", Status: "ok"}); err != nil {
				return err
			}
			if err := tx.PutMembership(Membership{List: "ab", Address: addr, Role: "owner", Mode: "digest", Status: "ok"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []RosterRow
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		n := len(got)
		err := s.View(func(tx *Tx) error {
			var err error
			after, err = tx.RosterPage("a", after, 5, func(r RosterRow) error {
				got = append(got, r)
				return nil
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got)-n < 5 {
			break
		}
	}
	if len(got) != 23 {
		t.Fatalf("%d rows, want 23", len(got))
	}
	for i, r := range got {
		want := RosterRow{Address: fmt.Sprintf("p%02d@example.org", i), Role: "member", Mode: "each", Status: "ok"}
		if i%3 == 0 {
			want.Name = fmt.Sprint("Name ", i)
		}
		if r != want {
			t.Errorf("row %d: %+v, want %+v", i, r, want)
		}
	}
}
