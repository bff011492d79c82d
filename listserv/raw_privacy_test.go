package listserv

import (
	"strings"
	"testing"
)

// TestRawHidesAddressesFromOutsiders: the raw download of a public
// archive's post shows outsiders (anonymous readers, signed-in people
// who are not on the list) every address as "name@…", as the page does;
// the list's members, site admins and the operator get the post as
// archived. Message-IDs stay whole, so threads still join.
func TestRawHidesAddressesFromOutsiders(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("open", "discussion", map[string]string{"ann@example.org": "member", "bob@example.org": "member"}, "archive=public")
	raw := "From: Ann Author <ann@example.org>\r\nTo: open@lists.example.org\r\nCc: carol@example.com,\r\n dave@example.net\r\n" +
		"Reply-To: ann.private@example.org\r\nSender: ann-bounces@example.org\r\nSubject: hello\r\n" +
		"Message-ID: <abc123@mail.example.org>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\nwrite to ann.home@example.org\r\n"
	e.send("ann@example.org", "open@lists.example.org", raw)
	seq := uint64(1)
	for _, a := range []Actor{{Door: DoorWeb}, Person("stranger@example.org", DoorWeb)} {
		got, err := e.svc.RawMessage(bg, a, "open", seq)
		if err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{"ann@example.org", "carol@example.com", "dave@example.net", "ann.private@example.org", "ann-bounces@example.org", "ann.home@example.org"} {
			if strings.Contains(string(got), addr) {
				t.Errorf("%v sees %s in the raw post", a, addr)
			}
		}
		if !strings.Contains(string(got), "ann@…") || !strings.Contains(string(got), "<abc123@mail.example.org>") {
			t.Errorf("%v: masked raw:\n%s", a, got)
		}
	}
	for _, a := range []Actor{Person("bob@example.org", DoorWeb), op} {
		got, err := e.svc.RawMessage(bg, a, "open", seq)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), "ann@example.org") || !strings.Contains(string(got), "dave@example.net") {
			t.Errorf("%v does not get the post as archived:\n%s", a, got)
		}
	}
}
