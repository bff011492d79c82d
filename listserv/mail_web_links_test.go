package listserv

import (
	"strings"
	"testing"
)

// TestMailPointsAtTheWeb: the held notice links to the console's held
// page, the welcome mail to /me and the list's page, and a moderator
// who decides gets no echo of their own decision while the others are
// told.
func TestMailPointsAtTheWeb(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator", "own@example.org": "owner", "ann@example.org": "member"}, "posting=moderated")
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "first", "one"))
	notices := e.mailsTo("mod@example.org")
	if len(notices) != 1 || !strings.Contains(notices[0].body, "https://lists.example.org/lists/team/admin/held") {
		t.Fatalf("held notice without the console link: %+v", notices)
	}

	held, _ := e.svc.HeldItems(bg, op, "team")
	ownBefore, modBefore := len(e.mailsTo("own@example.org")), len(e.mailsTo("mod@example.org"))
	if _, err := e.svc.Decide(bg, Person("own@example.org", DoorWeb), "team", held[0].ID, DecideApprove, ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.mailsTo("own@example.org")[ownBefore:] {
		if strings.Contains(m.body, "Approved by") {
			t.Errorf("the owner was told of their own decision:\n%s", m.body)
		}
	}
	echoed := false
	for _, m := range e.mailsTo("mod@example.org")[modBefore:] {
		echoed = echoed || strings.Contains(m.body, "Approved by own@example.org")
	}
	if !echoed {
		t.Errorf("the other moderator was not told who decided: %+v", e.mailsTo("mod@example.org")[modBefore:])
	}
	// Decided by reply: the same.
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "second", "two"))
	if held, _ = e.svc.HeldItems(bg, op, "team"); len(held) != 1 {
		t.Fatalf("second post: %d held, want 1", len(held))
	}
	ownBefore, modBefore = len(e.mailsTo("own@example.org")), len(e.mailsTo("mod@example.org"))
	e.replyTo("mod@example.org", "team", RoleConfirm, e.lastToken("mod@example.org", "team"), "discard")
	for _, m := range e.mailsTo("mod@example.org")[modBefore:] {
		if strings.Contains(m.body, "Discarded by") {
			t.Errorf("the moderator was told of their own decision by reply:\n%s", m.body)
		}
	}
	if got := e.mailsTo("own@example.org")[ownBefore:]; len(got) != 1 || !strings.Contains(got[0].body, "Discarded by mod@example.org") {
		t.Errorf("the owner was not told of the moderator's decision: %+v", got)
	}

	// The welcome mail.
	e.send("bea@example.net", "team-join@lists.example.org", msg("bea@example.net", "team-join@lists.example.org", "join", ""))
	e.replyTo("bea@example.net", "team", RoleConfirm, e.lastToken("bea@example.net", "team"), "yes")
	var welcome string
	for _, m := range e.mailsTo("bea@example.net") {
		if strings.Contains(m.body, "You are now a member") {
			welcome = m.body
		}
	}
	if !strings.Contains(welcome, "https://lists.example.org/me") || !strings.Contains(welcome, "https://lists.example.org/lists/team") {
		t.Errorf("welcome without the web links:\n%s", welcome)
	}
}
