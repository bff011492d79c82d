package imapd

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
)

func rawLogin(t *testing.T, ts *testServer, addr, pw string) *rawConn {
	r, _ := dialRaw(t, ts)
	r.cmd("a0", "LOGIN "+addr+" "+pw)
	return r
}

// A post archived at 21:00 New York time on 5 Oct: INTERNALDATE says
// 5-Oct, but SEARCH compares the UTC date (6-Oct).
func TestRegressionSearchDateZone(t *testing.T) {
	ts := startTest(t, nil)
	ts.list(t, "team", "discussion", "alice@example.org:owner")
	ny, _ := time.LoadLocation("America/New_York")
	ts.clock.Set(time.Date(2026, 10, 5, 21, 0, 0, 0, ny))
	raw := "From: alice@example.org\r\nTo: team@lists.example.org\r\nSubject: evening\r\nMessage-ID: <e1@example.org>\r\nDate: Mon, 5 Oct 2026 21:00:00 -0400\r\n\r\nhi\r\n"
	if errs := ts.svc.Receive(context.Background(), listserv.Envelope{From: "alice@example.org", Rcpts: []string{"team@lists.example.org"}}, []byte(raw)); len(errs) > 0 && errs[0] != nil {
		t.Fatal(errs)
	}
	pw := ts.password(t, "alice@example.org")
	r := rawLogin(t, ts, "alice@example.org", pw)
	r.cmd("a1", "EXAMINE team")
	out := r.cmd("a2", "FETCH 1 (INTERNALDATE)")
	t.Logf("%s", out)
	out2 := r.cmd("a3", "SEARCH ON 5-Oct-2026")
	out3 := r.cmd("a4", "SEARCH BEFORE 6-Oct-2026")
	out4 := r.cmd("a5", "SEARCH SENTON 5-Oct-2026")
	t.Logf("ON 5-Oct: %q BEFORE 6-Oct: %q SENTON: %q", out2, out3, out4)
	if strings.Contains(out, "05-Oct-2026") || strings.Contains(out, " 5-Oct-2026") {
		if !strings.Contains(out2, "* SEARCH 1") {
			t.Errorf("INTERNALDATE is 5-Oct but SEARCH ON 5-Oct-2026 does not find it")
		}
	}
}

// A list named "inbox" could never be opened over IMAP (the name is
// the INBOX's), so the name is refused when the list is created.
func TestRegressionListNamedInbox(t *testing.T) {
	ts := startTest(t, nil)
	for _, name := range []string{"inbox"} {
		if _, err := ts.svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, "discussion", "", ""); err == nil {
			t.Fatalf("list %q created; its archive would be unreachable over IMAP", name)
		}
	}
}
