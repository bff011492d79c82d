package listserv

import (
	"strings"
	"testing"

	"minyan/store"
)

// TestMuteLinkOpensOnlyItsThread: a one-click mute link is bound to the
// thread it was made for. The member's unsubscribe token alone no longer
// opens /mute/TOKEN/N for any N (which listed every thread's subject,
// a caucus's too), and a thread's link does not open another thread.
func TestMuteLinkOpensOnlyItsThread(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("circle", "caucus", map[string]string{"ann@example.org": "member", "bob@example.org": "member"}, "personalize=true")
	e.send("bob@example.org", "circle@lists.example.org", msg("bob@example.org", "circle@lists.example.org", "first secret", "a"))
	e.send("bob@example.org", "circle@lists.example.org", msg("bob@example.org", "circle@lists.example.org", "second secret", "b"))
	mb, _ := e.member("circle", "ann@example.org")
	link1 := e.svc.muteToken(mb.UnsubToken, 1)
	if _, _, subj, _, err := e.svc.MuteLinkInfo(link1, 1); err != nil || subj != "first secret" {
		t.Fatalf("the thread's own link: %q %v", subj, err)
	}
	for _, c := range []struct {
		tok    string
		thread uint64
	}{{link1, 2}, {mb.UnsubToken, 1}, {mb.UnsubToken, 2}, {mb.UnsubToken + strings.Repeat("a", 26), 1}} {
		if _, _, subj, _, err := e.svc.MuteLinkInfo(c.tok, c.thread); err == nil {
			t.Errorf("/mute/%s/%d opens %q", c.tok, c.thread, subj)
		}
		if _, err := e.svc.MuteByLink(c.tok, c.thread, true); err == nil {
			t.Errorf("/mute/%s/%d mutes", c.tok, c.thread)
		}
	}
	// The link each copy of a post carries is the thread's own.
	err := e.st.View(func(tx *store.Tx) error {
		l, _ := tx.List("circle")
		rs, err := e.svc.postRecipients(tx, l, 2, "x")
		for _, r := range rs {
			if r.Address == "ann@example.org" && !strings.Contains(r.Header, "/mute/"+e.svc.muteToken(mb.UnsubToken, 2)+"/2>") {
				t.Errorf("ann's copy carries %q", r.Header)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
