package listserv

import (
	"regexp"
	"strings"
	"testing"
)

var confirmLinkRE = regexp.MustCompile(`/confirm/([a-z2-7]{16,64})`)

// TestOwnCommandGetsOwnConfirmation: after a forged command (from an
// unverified sender) the member's own command is not answered "a
// confirmation was already sent": it gets a confirmation of its own that
// names it, the forged one's link stops working, and confirming applies
// the member's command, never the forged one.
func TestOwnCommandGetsOwnConfirmation(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"ann@example.org": "member"})
	command := func(line string) {
		e.send("ann@example.org", "disc-request@lists.example.org", msg("ann@example.org", "disc-request@lists.example.org", "cmd", line))
	}
	links := func() []string {
		var out []string
		for _, m := range e.mailsTo("ann@example.org") {
			for _, l := range confirmLinkRE.FindAllStringSubmatch(m.body, -1) {
				if len(out) == 0 || out[len(out)-1] != l[1] {
					out = append(out, l[1])
				}
			}
		}
		return out
	}
	command("nomail on") // the forged one
	forged := links()
	if len(forged) != 1 {
		t.Fatalf("confirmation links after the forged command: %v", forged)
	}
	command("digest on") // the member's own
	all := links()
	if len(all) != 2 {
		for _, m := range e.mailsTo("ann@example.org") {
			t.Logf("mail:\n%s", m.body)
		}
		t.Fatalf("the member's own command got no confirmation of its own: %v", all)
	}
	own := all[1]
	var ownMail string
	for _, m := range e.mailsTo("ann@example.org") {
		if strings.Contains(m.body, own) {
			ownMail = m.body
		}
	}
	if !strings.Contains(ownMail, "digest on") {
		t.Errorf("the confirmation does not name the command it confirms:\n%s", ownMail)
	}
	if _, err := e.svc.Confirm(bg, forged[0]); err == nil {
		t.Errorf("the forged command's link still works")
	}
	if mb, _ := e.member("disc", "ann@example.org"); mb.Mode != "each" {
		t.Fatalf("mode %q after the forged link", mb.Mode)
	}
	if _, err := e.svc.Confirm(bg, own); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("disc", "ann@example.org"); mb.Mode != "digest" {
		t.Errorf("mode %q after confirming the member's own command, want digest", mb.Mode)
	}
	// The same command twice the same day is answered with the pending
	// confirmation, not a new mail.
	n := len(e.mailsTo("ann@example.org"))
	command("nomail on")
	command("nomail on")
	if got := len(links()); got != 3 {
		t.Errorf("%d confirmation links after the same command twice, want 3", got)
	}
	if len(e.mailsTo("ann@example.org")) != n+3 { // the confirmation, the answer saying so, the "already sent" answer
		for _, m := range e.mailsTo("ann@example.org")[n:] {
			t.Logf("mail:\n%s", m.body)
		}
		t.Errorf("%d mails after the same command twice", len(e.mailsTo("ann@example.org"))-n)
	}
}
