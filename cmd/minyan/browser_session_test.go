package main

import (
	"strings"

	"minyan/listserv/testkit/chrome"
)

// signInBrowser starts b signed in as addr without the sign-in pages: the
// domain mails the link (the skip-th sign-in mail to addr is used) and
// the session it starts is put in b's cookie, as the web door's sign-in
// button does. Navigating and checking the four sign-in pages costs about
// a second of CPU; a walk-through that is not about signing in uses this.
// The sign-in pages stay walked by the tests about signing in
// (TestWebBrowserWalkThrough, TestHebrewPagesInBrowser, TestWebPostBrowser
// and the archive walk-through) and checked at 320 px in both directions
// by TestEveryPageAt320.
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
