package main

import (
	"minyan/listserv/testkit/chrome"

	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
)

// TestPeopleBrowserWalkThrough drives headless Chromium on a 320 px
// phone screen through /me/profile (filling the profile and joining the
// directory), /people (a search), a profile page and its "write to"
// form; axe-core and the width check run on every page. It fails, never
// skips, when CI is set and Chromium or axe-core is missing.
func TestPeopleBrowserWalkThrough(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Network.IntrosEvery = Duration{} })
	e.setup("north", "discussion", map[string]string{"ann@example.org": "member", "bob@example.org": "member"})
	e.setup("quiet", "caucus", map[string]string{"ann@example.org": "member", "bob@example.org": "member"}, "title="+e2eCaucusTitle)
	yes := true
	name, region, about := "Bob Baker", "Oregon", "Cantor and organizer; I have led Tisha b'Av actions."
	if _, err := e.srv.App.Svc.SetProfile(context.Background(), listserv.Operator(listserv.DoorCLI), "bob@example.org",
		listserv.ProfileChange{Name: &name, Region: &region, About: &about, Listed: &yes}); err != nil {
		t.Fatal(err)
	}
	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 320, 640)
	signInBrowser(b, e, "ann@example.org", 0)

	b.Visit("my profile", "/me/profile", "#pf-name")
	b.Follow("profile saved", "p.notice",
		chromedp.SetValue(chromedp.CSS("#pf-name"), "Ann Arbor"),
		chromedp.SetValue(chromedp.CSS("#pf-pronouns"), "she/her"),
		chromedp.SetValue(chromedp.CSS("#pf-region"), "Columbus, Ohio"),
		chromedp.Click(chromedp.CSS("#pf-role-organizer")),
		chromedp.SetValue(chromedp.CSS("#pf-about"), "Organizer of a synagogue's climate team."),
		chromedp.SetValue(chromedp.CSS("#pf-offers"), "Phone banking, one-to-ones"),
		chromedp.Click(chromedp.CSS("#pf-listed")),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if got := b.Text("p.notice"); !strings.Contains(got, "in the people directory") {
		t.Fatalf("after saving: %q", got)
	}

	b.Visit("people directory", "/people", "#pp-q")
	b.Follow("people search", "ul.cards a",
		chromedp.SetValue(chromedp.CSS("#pp-q"), "tisha"),
		chromedp.Submit(chromedp.CSS("#pp-q")))
	if got := b.Text("ul.cards"); !strings.Contains(got, "Bob Baker") || strings.Contains(got, "Ann Arbor") {
		t.Fatalf("search for tisha: %q", got)
	}
	b.Follow("a profile", "#msg-body", chromedp.Click(chromedp.CSS("ul.cards a")))
	if got := b.Text("main"); strings.Contains(got, e2eCaucusTitle) || !strings.Contains(got, "List north") && !strings.Contains(got, "north") {
		t.Errorf("profile page: %q", got)
	}
	b.Follow("message sent", "main h1",
		chromedp.SetValue(chromedp.CSS("#msg-body"), "Hello Bob, could we talk about your action?"),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if got := b.Text("main h1"); got != "Message sent" {
		t.Errorf("after writing: %q", got)
	}
	// And on a wide screen.
	b.Viewport(1280, 800)
	b.Visit("people directory, wide", "/people?role=organizer", "#pp-role")
	if got := b.Text("main"); strings.Contains(got, e2eCaucusTitle) || !strings.Contains(got, "Ann Arbor") {
		t.Errorf("directory by role: %q", got)
	}
}
