package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
	"minyan/listserv/testkit/chrome"
)

// TestWebBrowserWalkThrough drives headless Chromium through the member
// pages: directory, list page, join form, the confirmation mail's link,
// sign-in by mail, /me, switching to the digest, and leaving; axe-core
// checks every page on the way.
func TestWebBrowserWalkThrough(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"ana@example.org": "owner"})
	if _, err := e.srv.App.Svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "team", []string{"title=Organizers' team", "description=Where organizers share what works."}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + e.srv.HTTPAddr

	b := chrome.Open(t, base, 390, 844)
	step, text := b.Step, b.Text
	me := "new.person@example.org"

	step("directory", chromedp.Navigate(base+"/"), chrome.Shown("main h1"))
	if !strings.Contains(text("main"), "Organizers' team") {
		t.Fatalf("directory does not list the team: %s", text("main"))
	}
	b.Follow("list page", "#email", chromedp.Click(chromedp.CSS(`a[href="/lists/team"]`)))
	b.Follow("join sent", `a[href="/lists/team"]`, chromedp.SendKeys(chromedp.CSS("#email"), me), chromedp.SendKeys(chromedp.CSS("#name"), "New Person"),
		chromedp.Submit(chromedp.CSS("#email")))
	if !strings.Contains(text("main"), "a message is on its way") {
		t.Fatalf("join answer: %s", text("main"))
	}
	confirm := mailLink(t, e, me, "confirm", 0)
	step("confirm page", chromedp.Navigate(base+confirm), chrome.Shown("main button"))
	step("confirmed", chromedp.Click(chromedp.CSS("main button")), chromedp.WaitNotPresent(chromedp.CSS("main form button")))
	if !strings.Contains(text("main"), "now a member") {
		t.Fatalf("confirmation answer: %s", text("main"))
	}
	step("sign-in page", chromedp.Navigate(base+"/login"), chrome.Shown("#email"))
	step("sign-in sent", chromedp.SendKeys(chromedp.CSS("#email"), me), chromedp.Submit(chromedp.CSS("#email")),
		chromedp.WaitNotPresent(chromedp.CSS("#email")))
	login := mailLink(t, e, me, "login", 0)
	step("sign-in button", chromedp.Navigate(base+login), chrome.Shown("#others"))
	b.Follow("my lists", "#m-team-digest", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	b.Follow("digest saved", ".notice", chromedp.Click(chromedp.CSS("#m-team-digest")),
		chromedp.Click(chromedp.CSS(`form[action="/me/lists/team"] fieldset button`)))
	if !strings.Contains(text(".notice"), "digest") {
		t.Fatalf("mode answer: %s", text(".notice"))
	}
	var mode string
	e.srv.App.Store.View(func(tx *storeTx) error {
		mb, err := tx.Membership("team", me)
		mode = string(mb.Mode) + " " + string(mb.Status)
		return err
	})
	if mode != "digest ok" {
		t.Fatalf("membership after switching: %q", mode)
	}
	b.Follow("left", ".notice", chromedp.Click(chromedp.CSS(`form[action="/me/lists/team"] button.secondary`)))
	if !strings.Contains(text(".notice"), "has left") {
		t.Fatalf("leave answer: %s", text(".notice"))
	}
	if err := e.srv.App.Store.View(func(tx *storeTx) error { _, err := tx.Membership("team", me); return err }); err == nil {
		t.Fatalf("still a member after leaving")
	}
}
