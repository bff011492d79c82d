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

// signInBrowser starts b signed in as addr without the sign-in pages: the
// domain mails the link (the skip-th sign-in mail to addr is used, as in
// signInChrome) and the session it starts is put in b's cookie, as the
// web door's sign-in button does. Navigating and checking the four
// sign-in pages costs about a second of CPU; a walk-through that is not
// about signing in uses this; the sign-in pages stay checked by the
// tests that walk them (TestWebBrowserWalkThrough, TestHebrewPagesInBrowser,
// TestPeopleBrowserWalkThrough at 320 px, TestWebPostBrowser).
func signInBrowser(b *chrome.Session, e *testEnv, addr string, skip int) {
	e.t.Helper()
	svc := e.srv.App.Svc
	if err := svc.StartLogin(addr, ""); err != nil {
		e.t.Fatalf("sign-in link for %s: %v", addr, err)
	}
	token, ok := strings.CutPrefix(mailLink(e.t, e, addr, "login", skip), "/login/")
	if !ok {
		e.t.Fatalf("sign-in link for %s: not a /login/ link", addr)
	}
	sid, got, _, err := svc.FinishLogin(token, false)
	if err != nil || got != addr {
		e.t.Fatalf("sign in as %s: %q, %v", addr, got, err)
	}
	b.SetCookie("minyan_session", sid)
}
