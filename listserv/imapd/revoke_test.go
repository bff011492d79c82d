package imapd

import (
	"context"
	"minyan/listserv"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// TestRemovedMemberStopsReading: mail apps keep a session open for days;
// a member taken off a caucus must stop seeing its archive at once, on
// the very next FETCH, not at their next login.
func TestRemovedMemberStopsReading(t *testing.T) {
	ts := startTest(t, nil)
	ts.list(t, "caucus", "caucus", "alice@example.org:owner", "bob@example.net")
	ts.importMsgs(t, "caucus", msgCurriculum, msgAgenda)
	c := ts.login(t, "bob@example.net", ts.password(t, "bob@example.net"))
	if _, err := c.Select("caucus", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true}).Collect(); err != nil || len(msgs) != 1 {
		t.Fatalf("before removal: %v %d", err, len(msgs))
	}
	if _, err := ts.svc.RemoveMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "caucus", []string{"bob@example.net"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err == nil || len(msgs) != 0 {
		t.Fatalf("after removal FETCH gave %d messages, err %v", len(msgs), err)
	}
}

// TestNewPasswordEndsSessions: rotating an app password (a lost phone)
// ends the sessions logged in with the old one.
func TestNewPasswordEndsSessions(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	ts.password(t, "alice@example.org")
	if _, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait(); err == nil {
		t.Fatal("SEARCH still works after the password changed")
	}
}
