package main

import (
	"context"
	"minyan/listserv"
	"strings"
	"testing"
)

// TestSpoofedPostHeld: a post whose From claims a member of a caucus but
// comes from a host the member's domain does not allow (SPF -all, no
// DKIM) is held as "could not verify the sender", not distributed; the
// same member posting through an allowed host goes out, and the archive
// records the verdict.
func TestSpoofedPostHeld(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.dns.SetTXT("example.net", "v=spf1 ip4:192.0.2.10 -all")
	e.setup("caucus", "caucus", map[string]string{"mem@example.net": "member", "mod@example.org": "moderator", "reader@example.org": "member"})

	forged := "Received: from evil.example (evil.example [198.51.100.66]) by mx.lists.example.org\n" +
		post("mem@example.net", "caucus@lists.example.org", "Forged", "I am not who I say.")
	if err := e.send("mem@example.net", []string{"caucus@lists.example.org"}, forged); err != nil {
		t.Fatal(err)
	}
	held, _ := e.srv.App.Svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), "caucus")
	if len(held) != 1 || held[0].Reason != "could not verify the sender" {
		t.Fatalf("held = %+v", held)
	}
	raw := string(heldRaw(t, e, held[0].ID))
	if !strings.HasPrefix(raw, "Authentication-Results: lists.example.org;") || !strings.Contains(raw, "spf=fail") {
		t.Fatalf("held copy lacks the verdict:\n%.300s", raw)
	}

	genuine := "Received: from mail.example.net (mail.example.net [192.0.2.10]) by mx.lists.example.org\n" +
		post("mem@example.net", "caucus@lists.example.org", "Genuine", "It is me.")
	if err := e.send("mem@example.net", []string{"caucus@lists.example.org"}, genuine); err != nil {
		t.Fatal(err)
	}
	e.mailTo("reader@example.org", "Subject: [caucus] Genuine")
	e.drained()
	if n := e.countTo("reader@example.org", "Subject: [caucus] Forged"); n != 0 {
		t.Fatal("the forged post was distributed")
	}
	a, err := archived(e, "caucus", 1)
	if err != nil || !strings.Contains(string(a), "spf=pass") {
		t.Fatalf("archived genuine post: %v\n%.400s", err, a)
	}
}

func heldRaw(t *testing.T, e *testEnv, id uint64) []byte {
	t.Helper()
	var raw []byte
	e.srv.App.Store.View(func(tx *storeTx) error {
		h, err := tx.Held(id)
		raw = h.Raw
		return err
	})
	return raw
}
