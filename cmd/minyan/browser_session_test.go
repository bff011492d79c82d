package main

import (
	"strings"

	"github.com/chromedp/chromedp"

	"minyan/listserv/testkit/chrome"
)

// signInChrome signs addr in by mail in the browser b: the sign-in form, the
// link from the relay sink (the skip-th sign-in mail to addr), and its
// button. Every page on the way is checked (see chrome.Session.Check).
func signInChrome(b *chrome.Session, e *testEnv, addr string, skip int) {
	e.t.Helper()
	b.Visit("sign-in page", "/login", "#email")
	b.Follow("sign-in sent", "main h1", chromedp.SetValue(chromedp.CSS("#email"), addr), chromedp.Submit(chromedp.CSS("#email")))
	link := mailLink(e.t, e, addr, "login", skip)
	b.Visit("sign-in button", link, "#others")
	b.Follow("signed in", `a[href="/me"]`, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if h := b.Text("main h1"); !strings.Contains(h, "My lists") {
		e.t.Fatalf("after signing in as %s: %q", addr, h)
	}
}
