package main

import (
	"minyan/listserv/testkit/chrome"

	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCoalitionBrowser walks the organization pages in Chromium at
// 320 px, every page checked by axe-core and for width: the owner adds
// an organization with a seat cap of 1 and sees it; its contact, on the
// organization's page, names a delegate (pending until they confirm),
// is refused a second one over the cap, and removes the first; the
// owner removes the organization.
func TestCoalitionBrowser(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	own, contact := "own@example.org", "ca@acme.example"
	e.setup("co", "coalition", map[string]string{own: "owner"})

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 320, 640)
	signInBrowser(b, e, own, 0)
	b.Visit("console", "/lists/co/admin", `a[href="/lists/co/orgs"]`)
	b.Follow("organizations (empty)", "#org-slug", chromedp.Click(chromedp.CSS(`a[href="/lists/co/orgs"]`)))
	b.Follow("organization added", "main .notice", chromedp.SetValue(chromedp.CSS("#org-slug"), "ACME"),
		chromedp.SetValue(chromedp.CSS("#org-name"), "Acme Immigrant Alliance"), chromedp.SetValue(chromedp.CSS("#org-contact"), contact),
		chromedp.SetValue(chromedp.CSS("#org-seats"), "1"), chromedp.SetValue(chromedp.CSS("#org-type"), "immigrant-led"),
		chromedp.SetValue(chromedp.CSS("#org-note"), "met at the vigil"), chromedp.Submit(chromedp.CSS("#org-slug")))
	if s := b.Text("main"); !strings.Contains(s, "ACME is saved") || !strings.Contains(s, "met at the vigil") || !strings.Contains(s, "of 1 seats") {
		t.Fatalf("organizations page after adding:\n%s", s)
	}

	c := chrome.Open(t, "http://"+e.srv.HTTPAddr, 320, 640)
	signInBrowser(c, e, contact, 0)
	c.Visit("contact's own page", "/me", `a[href="/lists/co/orgs/ACME"]`)
	c.Follow("organization page", "#delegate-email", chromedp.Click(chromedp.CSS(`a[href="/lists/co/orgs/ACME"]`)))
	if s := c.Text("main"); strings.Contains(s, "met at the vigil") {
		t.Fatalf("the contact sees the owners' note:\n%s", s)
	}
	c.Follow("delegate named", "main .notice", chromedp.SetValue(chromedp.CSS("#delegate-email"), "d1@acme.example"), chromedp.Submit(chromedp.CSS("#delegate-email")))
	if s := c.Text("main"); !strings.Contains(s, "asked to confirm") {
		t.Fatalf("after naming a delegate:\n%s", s)
	}
	e.mailTo("d1@acme.example", "Please confirm: delegate of ACME")
	c.Follow("over the cap", "main .problem", chromedp.SetValue(chromedp.CSS("#delegate-email"), "d2@acme.example"), chromedp.Submit(chromedp.CSS("#delegate-email")))
	if s := c.Text("main .problem"); !strings.Contains(s, "1 of 1 seats filled") {
		t.Fatalf("over the cap: %s", s)
	}
	c.Follow("delegate removed", "main .notice", chromedp.Click(chromedp.CSS(`main ul.cards form button[type=submit]`)))
	if s := c.Text("main"); !strings.Contains(s, "no longer a delegate") || !strings.Contains(s, "No delegates yet") {
		t.Fatalf("after removing:\n%s", s)
	}
	// The contact is no owner: the list of every organization is not theirs.
	c.Visit("organizations as a contact", "/lists/co/orgs", "main h1")
	if s := c.Text("main"); strings.Contains(s, "met at the vigil") {
		t.Fatalf("a contact sees the owners' page:\n%s", s)
	}

	b.Visit("organizations", "/lists/co/orgs", "#org-slug")
	b.Follow("organization removed", "main .notice", chromedp.Click(chromedp.CSS(`main ul.cards form button[type=submit]`)))
	if s := b.Text("main"); !strings.Contains(s, "ACME was removed") || !strings.Contains(s, "No organizations yet") {
		t.Fatalf("after removing the organization:\n%s", s)
	}
}
