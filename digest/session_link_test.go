package digest

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
	"minyan/store"
)

// TestSessionLinksAreWebLinks: a session's meeting link must be an http
// or https URL: javascript:, data: and the like are refused when the
// session is made, and one stored before this rule never reaches a
// calendar or a mail.
func TestSessionLinksAreWebLinks(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", nil, "fay@example.net:facilitator")
	for _, link := range []string{"javascript:alert(document.cookie)", "JavaScript://x%0aalert(1)", "data:text/html,<b>x</b>",
		"vbscript:msgbox", "file:///etc/passwd", "ftp://files.example.org/x"} {
		if _, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), AddRequest{List: "circle", Start: "2026-11-05 19:00", Link: link}); err == nil {
			t.Errorf("link %q accepted", link)
		}
	}
	for _, link := range []string{"https://meet.example.org/abc", "http://meet.example.org/x?a=1"} {
		if _, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), AddRequest{List: "circle", Start: "2026-11-05 19:00", Link: link}); err != nil {
			t.Errorf("link %q refused: %v", link, err)
		}
	}
	// A session stored with a javascript: link (by an older version).
	ss := e.addSession(AddRequest{List: "circle", Start: "2026-11-06 19:00", Topic: "old"})[0]
	err := e.st.Update(func(tx *store.Tx) error {
		s, err := tx.Session("circle", ss.ID)
		if err != nil {
			return err
		}
		s.Link = "javascript:alert(1)"
		return tx.PutSession(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := e.s.Sessions(context.Background(), listserv.Operator(listserv.DoorCLI), "circle")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if strings.Contains(strings.ToLower(l.Link), "javascript") {
			t.Errorf("session %d offers the link %q", l.ID, l.Link)
		}
	}
}
