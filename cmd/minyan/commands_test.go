package main

import (
	"context"
	"io"
	"minyan/listserv"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"minyan/store"
)

func (e *testEnv) status(list, addr string) string {
	ms, err := e.srv.App.Svc.Members(list)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range ms {
		if m.Address == addr {
			return string(m.Status) + "/" + string(m.Mode)
		}
	}
	return ""
}

func (e *testEnv) command(from, to, subject, body string) {
	e.t.Helper()
	if err := e.send(from, []string{to}, "From: "+from+"\nTo: "+to+"\nSubject: "+subject+"\n\n"+body+"\n"); err != nil {
		e.t.Fatalf("command mail from %s to %s: %v", from, to, err)
	}
}

func TestSubscribePolicies(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("open", "discussion", map[string]string{"own@example.net": "owner"}, "subscribe=open")
	e.setup("conf", "discussion", map[string]string{"own@example.net": "owner"})
	e.setup("appr", "caucus", map[string]string{"own@example.net": "owner"})
	e.setup("closed", "discussion", map[string]string{"own@example.net": "owner"}, "subscribe=closed")

	// open: in at once, welcomed.
	e.command("ann@example.com", "open-join@lists.example.org", "", "")
	e.mailTo("ann@example.com", "Welcome to open")
	if e.status("open", "ann@example.com") != "ok/each" {
		t.Fatalf("open join: %q", e.status("open", "ann@example.com"))
	}

	// confirm: pending until the address replies to the confirmation.
	e.command("ben@example.com", "conf-request@lists.example.org", "subscribe", "")
	c := e.mailTo("ben@example.com", "Please confirm: join conf")
	if e.status("conf", "ben@example.com") != "pending/each" {
		t.Fatalf("before confirming: %q", e.status("conf", "ben@example.com"))
	}
	// Someone else replying to the confirmation does not confirm it.
	e.reply("mallory@example.com", replyAddress(t, c), "Please confirm", "yes")
	e.mailTo("mallory@example.com", "Only ben@example.com can confirm")
	e.reply("ben@example.com", replyAddress(t, c), "Please confirm: join conf", "ok")
	e.mailTo("ben@example.com", "Welcome to conf")
	if e.status("conf", "ben@example.com") != "ok/each" {
		t.Fatalf("after confirming: %q", e.status("conf", "ben@example.com"))
	}

	// approve: confirm by the web button, then a moderator approves.
	e.command("cat@example.com", "appr-join@lists.example.org", "please add me", "")
	c = e.mailTo("cat@example.com", "Please confirm: join appr")
	link := regexp.MustCompile(`http://\S+/confirm/[a-z2-7]+`).FindString(string(c.Data))
	link = strings.Replace(link, "127.0.0.1:8080", e.srv.HTTPAddr, 1)
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "<button") || e.status("appr", "cat@example.com") != "pending/each" {
		t.Fatalf("GET confirm page: %d, status %q", resp.StatusCode, e.status("appr", "cat@example.com"))
	}
	resp, err = http.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	n := e.mailTo("own@example.net", "Join request from cat@example.com")
	if e.status("appr", "cat@example.com") != "pending/each" {
		t.Fatal("approve list let someone in before a moderator decided")
	}
	e.reply("own@example.net", replyAddress(t, n), "Join request", "approve")
	e.mailTo("cat@example.com", "Welcome to appr")
	if e.status("appr", "cat@example.com") != "ok/each" {
		t.Fatalf("after approval: %q", e.status("appr", "cat@example.com"))
	}
	// A used confirmation link says so.
	resp, _ = http.Post(link, "application/x-www-form-urlencoded", nil)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("reused confirmation: %d", resp.StatusCode)
	}

	// closed: refused with a kind answer.
	e.command("dan@example.com", "closed-request@lists.example.org", "subscribe", "")
	e.mailTo("dan@example.com", "does not take requests to join")
	if e.status("closed", "dan@example.com") != "" {
		t.Fatal("closed list took a member")
	}
}

func TestEmailCommands(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "caucus", map[string]string{"mem@example.net": "member", "own@example.net": "owner"})
	e.srv.App.Svc.SetPerson(context.Background(), listserv.Operator(listserv.DoorCLI), "mem@example.net", listserv.PersonChange{Name: ptr("Miriam")})

	// Several commands in one message, an unknown line reported, the
	// quoted text below ignored.
	e.command("mem@example.net", "team-request@lists.example.org", "commands",
		"digest on\nplease help\nwho\n\nOn Mon someone wrote:\n> unsubscribe\n")
	r := e.mailTo("mem@example.net", "> digest on")
	body := string(r.Data)
	for _, want := range []string{"could not be verified", "> please help", "do not know this command", "Miriam <mem@example.net>", "own@example.net (owner)"} {
		if !strings.Contains(body, want) {
			t.Errorf("answer lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "> unsubscribe") || e.status("team", "mem@example.net") != "ok/each" {
		t.Fatalf("quoted command acted on, or digest set before confirming: %q", e.status("team", "mem@example.net"))
	}
	// The sender check cannot vouch for example.net here, so a change of
	// mode waits for a confirmation round trip.
	confirmCommand := func(line, answer string) {
		t.Helper()
		c := e.mailTo("mem@example.net", `Please confirm: "`+line+`"`)
		e.reply("mem@example.net", replyAddress(t, c), "Please confirm", "yes")
		e.mailTo("mem@example.net", answer)
	}
	confirmCommand("digest on", "weekly digest")
	if e.status("team", "mem@example.net") != "ok/digest" {
		t.Fatalf("digest not set after confirming: %q", e.status("team", "mem@example.net"))
	}
	e.command("mem@example.net", "team-request@lists.example.org", "nomail on", "")
	confirmCommand("nomail on", "is paused")
	if e.status("team", "mem@example.net") != "ok/nomail" {
		t.Fatalf("nomail: %q", e.status("team", "mem@example.net"))
	}
	e.command("mem@example.net", "team-request@lists.example.org", "nomail off", "")
	confirmCommand("nomail off", "every message as it is sent")
	e.command("mem@example.net", "team-request@lists.example.org", "", "digest plain")
	confirmCommand("digest plain", "plain text only")
	if ms, _ := e.srv.App.Svc.Members("team"); !slices.ContainsFunc(ms, func(m store.Membership) bool {
		return m.Address == "mem@example.net" && m.Format() == store.DigestPlain
	}) {
		t.Error("digest plain did not set the member's digest format")
	}

	// A caucus roster never reaches an outsider.
	e.command("spy@example.com", "team-request@lists.example.org", "who", "")
	a := e.mailTo("spy@example.com", "There is no list at team@lists.example.org")
	if strings.Contains(string(a.Data), "mem@example.net") {
		t.Fatal("caucus roster sent to a non-member")
	}

	// Leaving is confirmed by a reply.
	e.command("mem@example.net", "team-leave@lists.example.org", "", "")
	c := e.mailTo("mem@example.net", "Please confirm: leave team")
	e.reply("mem@example.net", replyAddress(t, c), "Please confirm: leave team", "yes")
	e.mailTo("mem@example.net", "You have left team")
	if e.status("team", "mem@example.net") != "" {
		t.Fatal("still a member after confirming leave")
	}

	// Mail to the owners reaches owners only, never the list.
	e.command("visitor@example.com", "team-owner@lists.example.org", "question", "who runs this?")
	e.mailTo("own@example.net", "[team owners] question")
}

func TestGoodStandingAndWaitlist(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("circle", "community", map[string]string{"fac@example.net": "facilitator", "m1@example.net": "member"},
		"subscribe=open", "capacity=1", "require_good_standing=true")
	// Not in good standing: refused with how to fix it.
	e.command("late@example.com", "circle-join@lists.example.org", "", "")
	e.mailTo("late@example.com", "good standing")
	if e.status("circle", "late@example.com") != "" {
		t.Fatal("joined without good standing")
	}
	// Paid up, but the circle is full: waitlisted, then promoted when a
	// seat frees, with a notice.
	e.srv.App.Svc.SetPerson(context.Background(), listserv.Operator(listserv.DoorCLI), "late@example.com", listserv.PersonChange{GoodStanding: ptr(true)})
	e.command("late@example.com", "circle-join@lists.example.org", "", "")
	e.mailTo("late@example.com", "waitlist")
	if e.status("circle", "late@example.com") != "waitlist/each" {
		t.Fatalf("at capacity: %q", e.status("circle", "late@example.com"))
	}
	if _, err := e.srv.App.Svc.RemoveMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", []string{"m1@example.net"}); err != nil {
		t.Fatal(err)
	}
	e.mailTo("late@example.com", "A seat opened for you")
	if e.status("circle", "late@example.com") != "ok/each" {
		t.Fatalf("after a seat freed: %q", e.status("circle", "late@example.com"))
	}
}

func ptr[T any](v T) *T { return &v }

// Answers follow the order of the lines, a command written twice is
// answered once, and a typo gets a suggestion.
func TestCommandAnswersInOrder(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"mem@example.net": "member"})
	e.command("mem@example.net", "team-request@lists.example.org", "help", "who\ndigets on\nhelp\ninfo\n")
	r := string(e.mailTo("mem@example.net", "> digets on").Data)
	iWho, iTypo, iInfo := strings.Index(r, "> who"), strings.Index(r, "> digets on"), strings.Index(r, "> info")
	if !(iWho < iTypo && iTypo < iInfo) {
		t.Errorf("answers out of order (who %d, typo %d, info %d):\n%s", iWho, iTypo, iInfo, r)
	}
	if strings.Count(r, "Commands for team") != 1 {
		t.Errorf("help answered %d times", strings.Count(r, "Commands for team"))
	}
	if !strings.Contains(r, `Did you mean "digest on"?`) {
		t.Errorf("no suggestion for the typo:\n%s", r)
	}
}
