package listserv

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"minyan/store"
)

// reject is a DNS where example.net publishes DMARC p=reject and an SPF
// record that does not cover the test client: mail claiming example.net
// from here is forged.
var rejectDNS = doorDNS{
	"example.net":        {"v=spf1 ip4:192.0.2.0/24 -all"},
	"_dmarc.example.net": {"v=DMARC1; p=reject"},
}

// TestForgedPasswordCommand: a forged `password` command neither resets
// the member's app password nor cuts their sessions; the member is asked
// to confirm, and the new password replaces the old only once used.
func TestForgedPasswordCommand(t *testing.T) {
	e := newDoorEnv(t, nil) // nothing vouches for example.net
	e.list("team", "discussion", map[string]string{"ann@example.net": "member"})
	old, err := e.svc.NewAppPassword("ann@example.net")
	if err != nil {
		t.Fatal(err)
	}
	hash := func() string {
		p, _ := e.svc.Person("ann@example.net")
		return p.PasswordHash
	}
	before := hash()
	e.send("mallory@example.com", "team-request@lists.example.org", msg("ann@example.net", "team-request@lists.example.org", "password", ""))
	if hash() != before || !e.svc.CheckAppPassword("ann@example.net", old) {
		t.Fatal("a forged password command replaced the member's password")
	}
	var confirm *queuedMail
	for _, m := range e.mailsTo("ann@example.net") {
		if strings.Contains(m.body, `Please confirm: "password"`) {
			confirm = &m
		}
	}
	if confirm == nil {
		t.Fatalf("no confirmation mailed: %+v", e.mailsTo("ann@example.net"))
	}
	// Ann confirms: a new password is mailed, the old one still works.
	tok := confirmToken(t, e, "ann@example.net")
	if _, err := e.svc.Confirm(bg, tok); err != nil {
		t.Fatal(err)
	}
	if hash() != before || !e.svc.CheckAppPassword("ann@example.net", old) {
		t.Fatal("the old password stopped working before the new one was used")
	}
	p, _ := e.svc.Person("ann@example.net")
	if p.NewPasswordHash == "" {
		t.Fatal("no new password waiting")
	}
}

// confirmToken is the outstanding confirmation of addr on team.
func confirmToken(t *testing.T, e *doorEnv, addr string) string {
	t.Helper()
	mb, ok := e.member("team", addr)
	if !ok || mb.ConfirmToken == "" {
		t.Fatalf("no outstanding confirmation for %s: %+v", addr, mb)
	}
	// The store keeps only a reference to the token's hash: take the
	// token from the newest confirmation mailed to addr.
	tok := ""
	for _, m := range e.mailsTo(addr) {
		if l := confirmReplyRE.FindStringSubmatch(m.body); l != nil {
			tok = l[1]
		}
	}
	if tok == "" {
		t.Fatalf("no confirmation mailed to %s", addr)
	}
	return tok
}

var confirmReplyRE = regexp.MustCompile(`Reply-To: [a-z0-9-]+-confirm\+([a-z2-7]{32})@`)

// TestPendingPasswordReplacesOnFirstUse: the new password becomes the
// current one at its first login, and only then does the old one stop.
func TestPendingPasswordReplacesOnFirstUse(t *testing.T) {
	e := newDoorEnv(t, nil)
	old, _ := e.svc.NewAppPassword("ann@example.net")
	pw, err := e.svc.issueAppPassword("ann@example.net", true)
	if err != nil {
		t.Fatal(err)
	}
	if !e.svc.CheckAppPassword("ann@example.net", old) {
		t.Fatal("old password refused while the new one waits")
	}
	if !e.svc.CheckAppPassword("ann@example.net", pw) {
		t.Fatal("new password refused")
	}
	if e.svc.CheckAppPassword("ann@example.net", old) || !e.svc.CheckAppPassword("ann@example.net", pw) {
		t.Fatal("after the new password was used, the old one still works (or the new one stopped)")
	}
}

// TestForgedModeCommands: forged `nomail on` / `digest on` do not
// silence a member; a sender the check vouches for acts at once.
func TestForgedModeCommands(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"ann@example.net": "member"})
	for _, c := range []string{"nomail on", "digest on"} {
		e.clock.Advance(25 * 60 * 60 * 1e9)
		e.send("mallory@example.com", "team-request@lists.example.org", msg("ann@example.net", "team-request@lists.example.org", c, ""))
		if mb, _ := e.member("team", "ann@example.net"); mb.Mode != "each" {
			t.Fatalf("forged %q changed the mode to %s", c, mb.Mode)
		}
	}
	// Confirming the last one applies it.
	if _, err := e.svc.Confirm(bg, confirmToken(t, e, "ann@example.net")); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "ann@example.net"); mb.Mode != "digest" {
		t.Fatalf("confirmed digest on: mode %s", mb.Mode)
	}
	// A vouched sender (SPF pass, aligned) acts at once.
	v := newDoorEnv(t, doorDNS{"example.net": {"v=spf1 ip4:127.0.0.0/8 -all"}})
	v.list("team", "discussion", map[string]string{"ann@example.net": "member"})
	v.send("ann@example.net", "team-request@lists.example.org", msg("ann@example.net", "team-request@lists.example.org", "nomail on", ""))
	if mb, _ := v.member("team", "ann@example.net"); mb.Mode != "nomail" {
		t.Fatalf("vouched nomail on: mode %s", mb.Mode)
	}
}

// TestJoinBombing: 15 forged mails to NAME-join@ send the victim one
// confirmation, no command results; a day later at most one more.
func TestJoinBombing(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", nil)
	for range 15 {
		e.send("mallory@example.com", "team-join@lists.example.org", msg("victim@example.com", "team-join@lists.example.org", "join", ""))
	}
	if n := len(e.mailsTo("victim@example.com")); n != 1 {
		t.Fatalf("15 forged join requests sent the victim %d mails, want 1", n)
	}
	// The web form's join is the same operation with the same limit, and
	// answers alike for everyone.
	for range 5 {
		if _, err := e.svc.SelfJoin(bg, Actor{Door: DoorWeb}, "team", "victim@example.com", ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.mailsTo("victim@example.com")); n != 1 {
		t.Fatalf("web joins added mail: %d", n)
	}
	e.clock.Advance(25 * 60 * 60 * 1e9)
	for range 5 {
		e.send("mallory@example.com", "team-join@lists.example.org", msg("victim@example.com", "team-join@lists.example.org", "join", ""))
	}
	if n := len(e.mailsTo("victim@example.com")); n != 2 {
		t.Fatalf("a day later: %d mails, want 2", n)
	}
	if _, err := e.svc.SelfJoin(bg, Actor{Door: DoorWeb}, "nosuch", "victim@example.com", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("join to a missing list: %v", err)
	}
}

// TestCaucusInfoHidden: `info` to a caucus's -request@ from an outsider
// says nothing about it; members still get the answer.
func TestCaucusInfoHidden(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "caucus", map[string]string{"mem@example.org": "member"})
	e.svc.SetList(bg, op, "team", []string{"title=Secret Circle"})
	e.send("spy@example.com", "team-request@lists.example.org", msg("spy@example.com", "team-request@lists.example.org", "info", ""))
	e.send("mem@example.org", "team-request@lists.example.org", msg("mem@example.org", "team-request@lists.example.org", "info", ""))
	spy := e.mailsTo("spy@example.com")
	if len(spy) != 1 {
		t.Fatalf("spy got %d mails", len(spy))
	}
	for _, leak := range []string{"Secret Circle", "description", "Members:"} {
		if strings.Contains(spy[0].body, leak) {
			t.Errorf("outsider learned %q:\n%s", leak, spy[0].body)
		}
	}
	if m := e.mailsTo("mem@example.org"); len(m) != 1 || !strings.Contains(m[0].body, "Secret Circle") {
		t.Errorf("member's info: %+v", m)
	}
}

// TestApprovalRechecksStanding: a join request approved after the
// person's dues lapsed does not add them; waitlist promotion skips them;
// the moderators' notice shows standing.
func TestApprovalRechecksStanding(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "caucus", map[string]string{"mod@example.org": "moderator"}, "require_good_standing=true")
	e.svc.SetPerson(bg, op, "ann@example.org", PersonChange{GoodStanding: ptrTo(true)})
	e.send("ann@example.org", "team-join@lists.example.org", msg("ann@example.org", "team-join@lists.example.org", "join", ""))
	if _, err := e.svc.Confirm(bg, confirmToken(t, e, "ann@example.org")); err != nil {
		t.Fatal(err)
	}
	notice := e.mailsTo("mod@example.org")
	if len(notice) != 1 || !strings.Contains(notice[0].body, "in good standing (dues paid)") {
		t.Fatalf("moderators' notice lacks standing: %+v", notice)
	}
	e.svc.SetPerson(bg, op, "ann@example.org", PersonChange{GoodStanding: ptrTo(false)})
	held, _ := e.svc.HeldItems(bg, op, "team")
	if _, err := e.svc.Decide(bg, Person("mod@example.org", DoorMail), "", held[0].ID, DecideApprove, ""); !errors.Is(err, ErrNotInGoodStanding) {
		t.Fatalf("approval without standing: %v", err)
	}
	if mb, _ := e.member("team", "ann@example.org"); Status(mb.Status) != StatusPending {
		t.Fatalf("approved without standing: %+v", mb)
	}

	// Waitlist promotion checks standing too.
	w := newDoorEnv(t, nil)
	w.list("team", "community", map[string]string{"m1@example.org": "member"}, "capacity=1", "require_good_standing=true")
	w.svc.AddMembers(bg, op, "team", []MemberSpec{{Address: "late@example.org"}}, false)
	if mb, _ := w.member("team", "late@example.org"); Status(mb.Status) != StatusWaitlist {
		t.Fatalf("not waitlisted: %+v", mb)
	}
	w.svc.RemoveMembers(bg, op, "team", []string{"m1@example.org"})
	if mb, _ := w.member("team", "late@example.org"); Status(mb.Status) != StatusWaitlist {
		t.Fatalf("promoted without good standing: %+v", mb)
	}
}

// TestForgedModeratorReply: a reply to NAME-confirm+TOKEN with a
// moderator's From whose domain's DMARC fails decides nothing.
func TestForgedModeratorReply(t *testing.T) {
	e := newDoorEnv(t, rejectDNS)
	e.list("team", "discussion", map[string]string{"mod@example.net": "moderator", "ann@example.org": "member"}, "posting=moderated")
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "hello", "hi"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	to := "team-confirm+" + held[0].Token + "@lists.example.org"
	e.send("mod@example.net", to, msg("mod@example.net", to, "Re: held", "approve"))
	var h store.Held
	e.st.View(func(tx *store.Tx) error { h, _ = tx.Held(held[0].ID); return nil })
	if h.Status != "pending" {
		t.Fatalf("a forged moderator reply decided: %s by %s", h.Status, h.DecidedBy)
	}
}

// TestCaucusCommandsHidden: no email command to a caucus's -request@,
// -join@ or -leave@ from an outsider mails back its title or
// description (only `info` and `who` were covered before).
func TestCaucusCommandsHidden(t *testing.T) {
	for _, c := range []struct{ rcpt, cmd string }{
		{"team-request", "help"}, {"team-request", "subscribe"}, {"team-request", "unsubscribe"},
		{"team-request", "digest on"}, {"team-request", "nomail on"}, {"team-request", "password"},
		{"team-request", "bogus"}, {"team-join", "join"}, {"team-leave", "leave"},
	} {
		t.Run(c.rcpt+" "+c.cmd, func(t *testing.T) {
			e := newDoorEnv(t, nil)
			e.list("team", "caucus", map[string]string{"mem@example.org": "member"})
			if _, err := e.svc.SetList(bg, op, "team", []string{"title=Secret Circle", "description=Plans of the inner circle"}); err != nil {
				t.Fatal(err)
			}
			rcpt := c.rcpt + "@lists.example.org"
			e.send("spy@example.com", rcpt, msg("spy@example.com", rcpt, c.cmd, ""))
			for _, m := range e.mailsTo("spy@example.com") {
				for _, leak := range []string{"Secret Circle", "inner circle"} {
					if strings.Contains(m.body, leak) {
						t.Errorf("outsider learned %q:\n%s", leak, m.body)
					}
				}
			}
		})
	}
}

// TestCaucusPendingSelfLists: an outsider who asked to join a caucus (a
// pending request) does not learn its title or description from their
// own page's list of memberships; members still do.
func TestCaucusPendingSelfLists(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "caucus", map[string]string{"mem@example.org": "member"})
	if _, err := e.svc.SetList(bg, op, "team", []string{"title=Secret Circle", "description=Plans of the inner circle"}); err != nil {
		t.Fatal(err)
	}
	e.send("spy@example.com", "team-join@lists.example.org", msg("spy@example.com", "team-join@lists.example.org", "join", ""))
	if mb, ok := e.member("team", "spy@example.com"); !ok || Status(mb.Status) != StatusPending {
		t.Fatalf("no pending request: %+v", mb)
	}
	answer, err := e.svc.Confirm(bg, confirmToken(t, e, "spy@example.com"))
	if err != nil || strings.Contains(answer, "Secret Circle") {
		t.Errorf("confirming the request names the caucus: %q %v", answer, err)
	}
	for _, m := range e.mailsTo("spy@example.com") {
		if strings.Contains(m.body, "Secret Circle") || strings.Contains(m.body, "inner circle") {
			t.Errorf("mail to the pending outsider names the caucus:\n%s", m.body)
		}
	}
	mine, err := e.svc.SelfLists(bg, Person("spy@example.com", DoorWeb))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mine {
		if m.Title == "Secret Circle" || strings.Contains(m.Description, "inner circle") {
			t.Errorf("a pending outsider sees the caucus: %+v", m.ListCard)
		}
	}
	mine, _ = e.svc.SelfLists(bg, Person("mem@example.org", DoorWeb))
	if len(mine) != 1 || mine[0].Title != "Secret Circle" {
		t.Errorf("member's own lists: %+v", mine)
	}

	held, _ := e.svc.HeldItems(bg, op, "team")
	if len(held) != 1 {
		t.Fatalf("held: %+v", held)
	}
	if _, err := e.svc.Decide(bg, op, "", held[0].ID, DecideReject, "not now"); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.mailsTo("spy@example.com") {
		if strings.Contains(m.body, "Secret Circle") || strings.Contains(m.body, "inner circle") {
			t.Errorf("mail to the refused outsider names the caucus:\n%s", m.body)
		}
	}
}

// TestBanNeedsRosterRights: banning the author of a held post changes the
// roster, so it needs the roster right (a facilitator may approve or
// reject, not ban), and banning someone who holds a role above member
// needs the owners' right: a forged post "from" an owner, held for its
// failed sender check, must not let a moderator strip the owner.
func TestBanNeedsRosterRights(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner", "mod@example.org": "moderator",
		"fac@example.org": "facilitator", "ann@example.org": "member"}, "posting=moderated")
	heldFrom := func(from string) store.Held {
		t.Helper()
		e.send(from, "team@lists.example.org", msg(from, "team@lists.example.org", "hello from "+from, "hi"))
		items, err := e.svc.HeldItems(bg, op, "team")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range items {
			if h.From == from && h.Status == "pending" {
				return h
			}
		}
		t.Fatalf("no held post from %s: %+v", from, items)
		return store.Held{}
	}
	h := heldFrom("ann@example.org")
	if _, err := e.svc.Decide(bg, Person("fac@example.org", DoorWeb), "", h.ID, DecideBan, ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("a facilitator banned the author: %v", err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status == StatusBanned {
		t.Fatalf("ann banned by a facilitator")
	}
	if _, err := e.svc.Decide(bg, Person("fac@example.org", DoorWeb), "", h.ID, DecideReject, "no"); err != nil {
		t.Errorf("a facilitator may still reject: %v", err)
	}

	// A forgery in the owner's name, held (its sender check failed).
	if err := e.st.Update(func(tx *store.Tx) error {
		l, err := tx.List("team")
		if err != nil {
			return err
		}
		raw := msg("own@example.org", "team@lists.example.org", "forged", "hi")
		_, err = e.svc.holdItem(tx, l, store.Held{List: "team", Kind: "post", From: "own@example.org", Subject: "forged",
			Raw: []byte(raw)}, "", say("hold_go.unverified"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	items, _ := e.svc.HeldItems(bg, op, "team")
	for _, it := range items {
		if it.From == "own@example.org" {
			h = it
		}
	}
	if _, err := e.svc.Decide(bg, Person("mod@example.org", DoorMail), "", h.ID, DecideBan, ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("a moderator banned an owner: %v", err)
	}
	if mb, _ := e.member("team", "own@example.org"); mb.Status == StatusBanned || mb.Role != "owner" {
		t.Fatalf("the owner lost their place: %+v", mb)
	}

	h = heldFrom("ann@example.org")
	if _, err := e.svc.Decide(bg, Person("mod@example.org", DoorWeb), "", h.ID, DecideBan, ""); err != nil {
		t.Fatalf("a moderator may ban a member's post: %v", err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusBanned {
		t.Errorf("ann not banned: %+v", mb)
	}
}

// TestTemplateRangeOverNumberRefused: a list owner's mail text cannot
// range over a number: rendering it (a preview, or any mail of the list)
// would keep the daemon counting with its store locked.
func TestTemplateRangeOverNumberRefused(t *testing.T) {
	for _, src := range []string{
		"Subject: hi\n{{range 100000000000}}{{end}}",
		"Subject: hi\n{{if .Title}}{{range $i, $x := 99999999999}}x{{end}}{{end}}",
		"Subject: hi\n{{define \"x\"}}{{range 99999999999}}{{end}}{{end}}{{template \"x\"}}",
	} {
		if err := CheckTemplate("welcome", src); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
	if t.Failed() {
		return // a preview would count to the end
	}
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner"})
	if _, _, err := e.svc.PreviewMailTemplate(bg, Person("own@example.org", DoorWeb), "team", "welcome",
		"Subject: hi\n{{range 100000000000}}{{end}}"); err == nil {
		t.Errorf("previewed a range over a number")
	}
	if err := CheckTemplate("welcome", "Subject: Welcome to {{.Title}}\n{{range .Results}}{{.Line}}{{end}}"); err != nil {
		t.Errorf("a range over a value refused: %v", err)
	}
}

// TestCaucusPostByOutsider: an outsider's post to a caucus, held or
// refused, is answered without the caucus's title.
func TestCaucusPostByOutsider(t *testing.T) {
	for _, action := range []string{"hold", "reject"} {
		e := newDoorEnv(t, nil)
		e.list("team", "caucus", map[string]string{"mem@example.org": "member"})
		if _, err := e.svc.SetList(bg, op, "team", []string{"title=Secret Circle", "nonmember_action=" + action}); err != nil {
			t.Fatal(err)
		}
		e.send("spy@example.com", "team@lists.example.org", msg("spy@example.com", "team@lists.example.org", "hello", "hi"))
		mails := e.mailsTo("spy@example.com")
		if len(mails) == 0 {
			t.Fatalf("%s: no answer to the outsider", action)
		}
		for _, m := range mails {
			if strings.Contains(m.body, "Secret Circle") {
				t.Errorf("%s: the outsider learned the title:\n%s", action, m.body)
			}
		}
	}
}
