package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// tokenBucketHolds tells whether any key or record of the tokens bucket
// contains s.
func tokenBucketHolds(t *testing.T, st *Store, s string) bool {
	t.Helper()
	found := false
	err := st.View(func(tx *Tx) error {
		return tx.tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte(s)) || bytes.Contains(v, []byte(s)) {
				found = true
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestTokensStoredHashed: a token is kept only as a keyed hash (HMAC-
// SHA256 with the store's own key): the tokens bucket holds neither the
// token as a key nor in its record, yet the token is found, updated and
// deleted by its clear value.
func TestTokensStoredHashed(t *testing.T) {
	st, err := Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok := NewToken()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *Tx) error {
		return tx.PutToken(Token{Token: tok, Kind: "confirm-join", List: "team", Address: "ann@example.org", Created: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	if tokenBucketHolds(t, st, tok) {
		t.Errorf("the tokens bucket holds the token in clear")
	}
	err = st.Update(func(tx *Tx) error {
		got, err := tx.Token(tok)
		if err != nil || got.Kind != "confirm-join" || got.Token != tok {
			t.Errorf("lookup: %+v %v", got, err)
		}
		got.Used = now
		return tx.PutToken(got)
	})
	if err != nil {
		t.Fatal(err)
	}
	if tokenBucketHolds(t, st, tok) {
		t.Errorf("an update stored the token in clear")
	}
	st.Update(func(tx *Tx) error {
		if got, err := tx.Token(tok); err != nil || got.Used.IsZero() {
			t.Errorf("after update: %+v %v", got, err)
		}
		if _, err := tx.Token(NewToken()); err == nil {
			t.Errorf("an unknown token was found")
		}
		return tx.DeleteToken(tok)
	})
	st.View(func(tx *Tx) error {
		if _, err := tx.Token(tok); err == nil {
			t.Errorf("a deleted token was found")
		}
		return nil
	})
}

// TestTokensOfMainHashedAtOpen: a store written by main at 837ae7d
// (testdata/tokens-837ae7d.db, made by testdata/mkstore-837ae7d.go.txt)
// keeps its tokens in clear, in the tokens bucket and (the member's
// unsubscribe and bounce tokens) in the membership; opening it hashes
// every one in one transaction, and each still works by its clear value
// (links already sent keep working). Opening again changes nothing.
func TestTokensOfMainHashedAtOpen(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "tokens-837ae7d.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "minyan.db"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	clear := map[string]string{
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": "confirm-join",
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb": "moderate",
		"cccccccccccccccccccccccccccccccc": "rsvp",
		"3qojhmu3vzfkf7huejo7akh4wxf4apfn": "unsub",
		"uztj4bmbli5wygwielv6rikkzqqtk43i": "bounce",
	}
	// The copy is what main wrote: clear tokens as keys.
	db, err := bolt.Open(filepath.Join(dir, "minyan.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		for tok := range clear {
			if tx.Bucket(bTokens).Get([]byte(tok)) == nil {
				t.Errorf("the fixture lacks %s", tok)
			}
		}
		return nil
	})
	db.Close()
	for round := 0; round < 2; round++ {
		st, err := Open(dir, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		st.View(func(tx *Tx) error {
			return tx.tx.Bucket(bTokens).ForEach(func(_, _ []byte) error { n++; return nil })
		})
		// The five of main, and the member's two new derived tokens
		// (membertokens.go).
		if n != len(clear)+2 {
			t.Errorf("round %d: %d tokens, want %d", round, n, len(clear)+2)
		}
		for tok := range clear {
			if storeHolds(t, st, tok) {
				t.Errorf("round %d: %s is still in clear in the store", round, tok)
			}
		}
		for tok, kind := range clear {
			if tokenBucketHolds(t, st, tok) {
				t.Errorf("round %d: %s (%s) is still in clear in the tokens bucket", round, tok, kind)
			}
			st.View(func(tx *Tx) error {
				if got, err := tx.Token(tok); err != nil || got.Kind != kind {
					t.Errorf("round %d: %s: %+v %v", round, tok, got, err)
				}
				return nil
			})
		}
		st.Close()
	}
}

// TestRecordsNameTokensByHash: a membership's pending confirmation and a
// held item's moderation and withdrawal tokens are kept as references
// to the token's keyed hash ("h:" + hex), never in clear; the token is
// found by the reference, and the reference given as a token from
// outside finds nothing.
func TestRecordsNameTokensByHash(t *testing.T) {
	st, err := Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	confirm, mod, withdraw := NewToken(), NewToken(), NewToken()
	err = st.Update(func(tx *Tx) error {
		if err := tx.CreateList(List{Name: "team", Kind: "discussion", Created: now}); err != nil {
			return err
		}
		for tok, kind := range map[string]string{confirm: "confirm-leave", mod: "moderate", withdraw: "withdraw"} {
			if err := tx.PutToken(Token{Token: tok, Kind: kind, List: "team", Address: "ann@example.org", Created: now}); err != nil {
				return err
			}
		}
		if err := tx.PutMembership(Membership{List: "team", Address: "ann@example.org", Role: "member", Mode: "each", Status: "ok", ConfirmToken: confirm}); err != nil {
			return err
		}
		id, err := tx.Hold(Held{List: "team", Kind: "post", From: "bob@example.org", Subject: "s", Received: now})
		if err != nil {
			return err
		}
		return tx.PutHeld(Held{ID: id, List: "team", Kind: "post", From: "bob@example.org", Subject: "s", Received: now, Status: "pending", Token: mod, WithdrawToken: withdraw})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{confirm, mod, withdraw} {
		if storeHolds(t, st, tok) {
			t.Errorf("the store holds %s in clear", tok)
		}
	}
	st.View(func(tx *Tx) error {
		mb, _ := tx.Membership("team", "ann@example.org")
		if got, err := tx.TokenByRef(mb.ConfirmToken); err != nil || got.Kind != "confirm-leave" {
			t.Errorf("confirmation by its reference: %+v %v", got, err)
		}
		if _, err := tx.Token(mb.ConfirmToken); err == nil {
			t.Errorf("the reference works as a token")
		}
		h, _ := tx.Held(1)
		for _, ref := range []string{h.Token, h.WithdrawToken} {
			if _, err := tx.TokenByRef(ref); err != nil || !strings.HasPrefix(ref, "h:") {
				t.Errorf("held item's reference %q: %v", ref, err)
			}
		}
		return nil
	})
}
