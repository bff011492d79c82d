package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// storeHolds tells whether any key or value of the store's live
// records, in every bucket, contains s.
func storeHolds(t *testing.T, st *Store, s string) bool {
	t.Helper()
	found := false
	var walk func(b *bolt.Bucket)
	walk = func(b *bolt.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					walk(nb)
				}
			}
			if bytes.Contains(k, []byte(s)) || bytes.Contains(v, []byte(s)) {
				found = true
			}
			return nil
		})
	}
	st.View(func(tx *Tx) error {
		return tx.tx.ForEach(func(_ []byte, b *bolt.Bucket) error { walk(b); return nil })
	})
	return found
}

// TestMemberTokensNotInStore: a member's unsubscribe and VERP tokens are
// not kept in the store: the membership keeps a random nonce, the tokens
// are derived from it with a key kept beside the store file
// (member-tokens.key, not in minyan.db, so not in a backup), and only
// their keyed hashes are indexed. They still work, stay the same across
// reopening, and a copy of minyan.db without the key file gives nothing
// that unsubscribes anyone.
func TestMemberTokensNotInStore(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	var unsub, bounce string
	err = st.Update(func(tx *Tx) error {
		if err := tx.CreateList(List{Name: "team", Kind: "discussion", Created: now}); err != nil {
			return err
		}
		if err := tx.PutMembership(Membership{List: "team", Address: "ann@example.org", Role: "member", Mode: "each", Status: "ok", Joined: now}); err != nil {
			return err
		}
		mb, err := tx.Membership("team", "ann@example.org")
		unsub, bounce = mb.UnsubToken, mb.BounceToken
		return err
	})
	if err != nil || len(unsub) < 26 || len(bounce) < 26 || unsub == bounce {
		t.Fatalf("tokens %q %q: %v", unsub, bounce, err)
	}
	for _, tok := range []string{unsub, bounce} {
		if storeHolds(t, st, tok) {
			t.Errorf("the store holds the member token %s", tok)
		}
	}
	check := func(st *Store, round string) {
		st.View(func(tx *Tx) error {
			mb, err := tx.Membership("team", "ann@example.org")
			if err != nil || mb.UnsubToken != unsub || mb.BounceToken != bounce {
				t.Errorf("%s: tokens %q %q, want %q %q (%v)", round, mb.UnsubToken, mb.BounceToken, unsub, bounce, err)
			}
			if tk, err := tx.Token(unsub); err != nil || tk.Kind != "unsub" || tk.Address != "ann@example.org" {
				t.Errorf("%s: unsub token: %+v %v", round, tk, err)
			}
			tx.EachMember("team", func(m Membership) error {
				if m.UnsubToken != unsub {
					t.Errorf("%s: EachMember gives %q", round, m.UnsubToken)
				}
				return nil
			})
			return nil
		})
	}
	check(st, "open")
	// An update keeps the tokens.
	st.Update(func(tx *Tx) error {
		mb, _ := tx.Membership("team", "ann@example.org")
		mb.Mode = "digest"
		return tx.PutMembership(mb)
	})
	check(st, "after an update")
	st.Close()
	st, err = Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check(st, "reopened")
	st.Close()
	// A copy of minyan.db alone (a backup) gets a new key: the old
	// tokens are not derivable from it, new ones are indexed.
	other := t.TempDir()
	raw, _ := os.ReadFile(filepath.Join(dir, "minyan.db"))
	os.WriteFile(filepath.Join(other, "minyan.db"), raw, 0o600)
	st, err = Open(other, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(func(tx *Tx) error {
		mb, _ := tx.Membership("team", "ann@example.org")
		if mb.UnsubToken == unsub {
			t.Errorf("the copy without the key file derives the same unsubscribe token")
		}
		if tk, err := tx.Token(mb.UnsubToken); err != nil || tk.Address != "ann@example.org" {
			t.Errorf("the copy's new token does not work: %+v %v", tk, err)
		}
		return nil
	})
}
