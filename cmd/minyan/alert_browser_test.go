package main

import (
	"minyan/listserv/testkit/chrome"

	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAlertBrowser walks the alert pages in Chromium on a phone-sized
// screen: a member's I-did-it page and its button, then the owner's
// console pages with the count. Every page is checked by axe-core and
// for width (see chrome.Session).
func TestAlertBrowser(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	own := "own@example.org"
	e.setup("act", "announce", map[string]string{own: "owner", "ann@example.org": "member", "bob@example.org": "member"}, "alert_followup_after=48h")
	if err := e.send(own, []string{"act@lists.example.org"}, post("Owner <"+own+">", "act@lists.example.org", "Testify at the hearing #alert", "Come at 10.\n\nBring a friend.")); err != nil {
		t.Fatal(err)
	}
	e.drained()
	got := e.to("ann@example.org")
	if len(got) != 1 {
		t.Fatalf("ann got %d mails", len(got))
	}
	tok := alertTokens(t, got[0])

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 320, 640)
	b.Visit("I-did-it page", "/a/"+tok, "main form button[type=submit]")
	if s := b.Text("main"); !strings.Contains(s, "Testify at the hearing") || !strings.Contains(s, "Bring a friend.") {
		t.Errorf("the page does not show the alert:\n%s", s)
	}
	b.Follow("I did it", "main p", chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	if s := b.Text("main"); !strings.Contains(s, "has noted that you acted") {
		t.Errorf("after the button: %s", s)
	}
	b.Visit("I-did-it page again", "/a/"+tok, "main time")

	b.Viewport(1024, 768)
	signInBrowser(b, e, own, 0)
	b.Visit("alerts", "/lists/act/admin/alerts", `a[href="/lists/act/admin/alerts/1"]`)
	if s := b.Text("main"); !strings.Contains(s, "to 3 members · done: 1 (33%)") || !strings.Contains(s, "Follow-up: due") {
		t.Errorf("alerts page:\n%s", s)
	}
	b.Viewport(320, 640)
	b.Follow("alert", "main table", chromedp.Click(chromedp.CSS(`a[href="/lists/act/admin/alerts/1"]`)))
	if s := b.Text("main table"); !strings.Contains(s, "ann@example.org") || !strings.Contains(s, "with the button") || !strings.Contains(s, "not yet") {
		t.Errorf("alert page:\n%s", s)
	}
}
