package imapd

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"minyan/listserv"
)

// A redacted post leaves open sessions with EXPUNGE: at once in IDLE, and
// after the next NOOP in another session; UIDVALIDITY does not change,
// the other UIDs stay, and the numbers of later posts move down.
func TestRedactionExpungesOpenSessions(t *testing.T) {
	ts, pw := teamServer(t) // UIDs 1, 2, 3
	expunged := make(chan uint32, 10)
	idler := ts.dial(t, &imapclient.UnilateralDataHandler{Expunge: func(seq uint32) { expunged <- seq }})
	if err := idler.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := idler.Select("team", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	validity := sel.UIDValidity

	other := make(chan uint32, 10)
	poller := ts.dial(t, &imapclient.UnilateralDataHandler{Expunge: func(seq uint32) { other <- seq }})
	if err := poller.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := poller.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}

	idle, err := idler.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.RedactMessage(context.Background(), listserv.Operator(listserv.DoorCLI), "team", 2, "phone number"); err != nil {
		t.Fatal(err)
	}
	select {
	case seq := <-expunged:
		if seq != 2 {
			t.Errorf("EXPUNGE %d in IDLE, want 2", seq)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no EXPUNGE during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}

	// The other session hears of it after its next command, and then of
	// a second redaction (UID 3 is now sequence number 2).
	if err := poller.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if len(other) != 1 || <-other != 2 {
		t.Fatalf("NOOP did not bring EXPUNGE 2")
	}
	if err := ts.svc.RedactMessage(context.Background(), listserv.Operator(listserv.DoorCLI), "team", 3, ""); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.RedactMessage(context.Background(), listserv.Operator(listserv.DoorCLI), "team", 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := poller.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	// Both, in the numbering the client holds at each step: UID 3 is 2,
	// then UID 1 is 1.
	got := []uint32{}
	for len(other) > 0 {
		got = append(got, <-other)
	}
	if len(got) != 2 || got[0] != 2 || got[1] != 1 {
		t.Errorf("EXPUNGEs %v, want [2 1]", got)
	}

	st, err := idler.Status("team", &imap.StatusOptions{NumMessages: true, UIDValidity: true, UIDNext: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.UIDValidity != validity || *st.NumMessages != 0 || st.UIDNext != 4 {
		t.Errorf("after redactions: UIDVALIDITY %d (was %d), %d messages, UIDNEXT %d", st.UIDValidity, validity, *st.NumMessages, st.UIDNext)
	}
	// A new post takes UID 4 and arrives as EXISTS 1.
	ts.importMsgs(t, "team", mboxMsg{day(2026, 11, 3), "From: d@example.org\nSubject: after\nMessage-ID: <after@example.org>\n\nhi\n"})
	if err := poller.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := poller.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != 4 {
		t.Errorf("after a new post: %v %v", msgs, err)
	}
}

// The map's arithmetic: removing UIDs from runs keeps sequence numbers
// consecutive.
func TestMailboxRemove(t *testing.T) {
	b := &mailbox{}
	for _, u := range []uint32{1, 2, 3, 4, 5, 8, 9} {
		b.addLocked(u)
	}
	for _, u := range []uint32{3, 8, 1, 6} {
		ok := b.removeLocked(u)
		if ok != (u != 6) {
			t.Fatalf("remove %d: %v", u, ok)
		}
	}
	want := []uint32{2, 4, 5, 9}
	if b.count != uint32(len(want)) {
		t.Fatalf("count %d", b.count)
	}
	for i, u := range want {
		if got := b.uidOfLocked(uint32(i + 1)); got != u {
			t.Errorf("seq %d: UID %d, want %d", i+1, got, u)
		}
		if got := b.countBelowLocked(u); got != uint32(i) {
			t.Errorf("below %d: %d", u, got)
		}
	}
}
