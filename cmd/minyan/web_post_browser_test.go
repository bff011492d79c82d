package main

import (
	"minyan/listserv/testkit/chrome"

	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebPostBrowser: a member starts a topic and replies from the
// browser on a phone-sized screen; the other member gets both as mail
// from the author, threaded, with ids at the list's domain. Every page
// is checked by axe-core and for width (chromeSession).
func TestWebPostBrowser(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Archive = true })
	ann, bob := "ann@example.org", "bob@example.org"
	e.setup("talk", "discussion", map[string]string{ann: "member", bob: "member"}, "archive=members")

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 375, 740)
	signInBrowser(b, e, ann, 0)
	b.Visit("list page", "/lists/talk", `a[href="/lists/talk/post"]`)
	if s := b.Text("main"); strings.Contains(s, "Members post by email") {
		t.Errorf("the list page still says members post by email:\n%s", s)
	}
	b.Follow("compose form", "#subject", chromedp.Click(chromedp.CSS(`a[href="/lists/talk/post"]`)))
	b.Follow("posted", "main h1", chromedp.SetValue(chromedp.CSS("#subject"), "Picnic on Saturday"),
		chromedp.SetValue(chromedp.CSS("#body"), "Who brings the bread?"), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if h := b.Text("main h1"); !strings.Contains(h, "on its way") {
		t.Fatalf("after posting: %q", h)
	}
	e.drained()
	got := e.to(bob)
	if len(got) != 1 {
		t.Fatalf("bob got %d mails, want the post", len(got))
	}
	first := string(got[0].Data)
	for _, want := range []string{"Picnic on Saturday", "From: <ann@example.org>", "auth=pass smtp.auth=ann@example.org", "@lists.example.org>", "Who brings the bread?"} {
		if !strings.Contains(first, want) {
			t.Errorf("bob's copy lacks %q:\n%s", want, first)
		}
	}

	b.Visit("the post in the archive", "/lists/talk/m/1", "#reply-body")
	b.Follow("replied", "main h1", chromedp.SetValue(chromedp.CSS("#reply-body"), "I will."), chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)))
	if h := b.Text("main h1"); !strings.Contains(h, "on its way") {
		t.Fatalf("after replying: %q", h)
	}
	e.drained()
	got = e.to(bob)
	if len(got) != 2 {
		t.Fatalf("bob got %d mails, want the post and the reply", len(got))
	}
	reply := string(got[1].Data)
	if !strings.Contains(reply, "Subject: Re: [talk] Picnic on Saturday") || !strings.Contains(reply, "In-Reply-To: <") || !strings.Contains(reply, "I will.") {
		t.Errorf("bob's copy of the reply:\n%s", reply)
	}
	b.Visit("the thread", "/lists/talk/m/2", "ol.inthread")
	if s := b.Text("ol.inthread"); !strings.Contains(s, "this message") || strings.Count(s, "\n") < 1 {
		t.Errorf("the reply is not in the post's thread:\n%s", s)
	}
	if s := b.Text("main"); strings.Contains(s, "Mute this thread") {
		t.Errorf("the message page shows the list's own footer:\n%s", s)
	}

	// Bob, not signed in, follows the reply's Archived-At link from his
	// mail: sign in, and the mailed link brings him to the message.
	link := archivedAt(t, reply)
	bb := chrome.Open(t, "http://"+e.srv.HTTPAddr, 375, 740)
	bb.Visit("archive link, signed out", link, "#email")
	if s := bb.Text("main"); !strings.Contains(s, "brings you back") {
		t.Errorf("the sign-in page does not say it brings him back:\n%s", s)
	}
	bb.Follow("sign-in sent", "main h1", chromedp.SetValue(chromedp.CSS("#email"), bob), chromedp.Submit(chromedp.CSS("#email")))
	bb.Visit("sign-in button", mailLink(t, e, bob, "login", 0), "#others")
	bb.Follow("back at the message", "#reply-body", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if s := bb.Text("main"); !strings.Contains(s, "I will.") {
		t.Errorf("after signing in, not on the message:\n%s", s)
	}
}

// archivedAt is the path of a mail's Archived-At link.
func archivedAt(t *testing.T, raw string) string {
	t.Helper()
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Archived-At: <"); ok {
			u := strings.TrimSuffix(v, ">")
			if i := strings.Index(u, "/lists/"); i >= 0 {
				return u[i:]
			}
		}
	}
	t.Fatalf("no Archived-At in:\n%s", raw)
	return ""
}
