package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestArchiveLinkThroughSignIn: a member who is not signed in follows
// an "In the archive" link to a members-only archive, is sent to sign
// in, and the mailed link lands them on the message. A caucus's message
// link still answers exactly as a missing list's.
func TestArchiveLinkThroughSignIn(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Archive = true })
	ann := "ann@example.org"
	e.setup("talk", "discussion", map[string]string{ann: "member"}, "archive=members")
	e.setup("inner", "caucus", map[string]string{ann: "member"}, "archive=members")
	for _, l := range []string{"talk", "inner"} {
		if err := e.send(ann, []string{l + "@lists.example.org"}, post("Ann <"+ann+">", l+"@lists.example.org", "Minutes of "+l, "The minutes are attached in spirit.")); err != nil {
			t.Fatal(err)
		}
	}
	e.drained()

	w := newWebClient(t, e)
	code, page := w.get("/lists/talk/m/1")
	if code != 200 || !strings.Contains(page, `name="next" value="/lists/talk/m/1"`) || !strings.Contains(page, "brings you back") {
		t.Fatalf("signed out, a members-only message: %d\n%s", code, page)
	}
	code1, missing := w.get("/lists/nosuchlist/m/1")
	code2, caucus := w.get("/lists/inner/m/1")
	if code1 != 404 || code2 != 404 || missing != caucus {
		t.Errorf("a caucus's message link (%d) differs from a missing list's (%d)", code2, code1)
	}

	if code, _ := w.post("/login", url.Values{"email": {ann}, "next": {"/lists/talk/m/1"}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	link := mailLink(t, e, ann, "login", 0)
	code, page = w.post(link, url.Values{})
	if code != 200 || !strings.Contains(page, "The minutes are attached in spirit.") {
		t.Fatalf("after the sign-in link: %d\n%s", code, page)
	}

	// A way back to another site is not kept: the link lands on /me.
	w2 := newWebClient(t, e)
	if code, _ := w2.post("/login", url.Values{"email": {ann}, "next": {"//evil.example/"}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	link = mailLink(t, e, ann, "login", 1)
	if code, page := w2.post(link, url.Values{}); code != 200 || !strings.Contains(page, "My lists") {
		t.Errorf("a foreign way back was followed: %d\n%s", code, page)
	}
}

// TestMeTopicsInDigestMode: saving topics on /me while in digest mode
// says they change nothing yet, instead of a bare "Saved".
func TestMeTopicsInDigestMode(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("talk", "discussion", map[string]string{"ann@example.org": "member"})
	w := newWebClient(t, e)
	signIn(t, e, w, "ann@example.org", 0)
	code, page := w.post("/me/lists/talk", url.Values{"mode": {"digest"}, "digest": {"weekly"}, "topics": {"housing"}})
	if code != 200 || !strings.Contains(page, "topics change nothing") {
		t.Errorf("digest mode with topics: %d\n%s", code, page)
	}
	code, page = w.post("/me/lists/talk", url.Values{"mode": {"each"}, "digest": {"weekly"}, "topics": {"housing"}})
	if code != 200 || !strings.Contains(page, "come one by one") {
		t.Errorf("each mode with topics: %d\n%s", code, page)
	}
}
