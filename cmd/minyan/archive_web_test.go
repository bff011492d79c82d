package main

import (
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestArchiveWebAccess asserts the access table over HTTP: every viewer
// × every list kind and archive setting, for every archive page, search
// results, the hub and the feed. A list the viewer may not read answers
// exactly what a list that does not exist answers.
func TestArchiveWebAccess(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	viewers := []string{"", awStranger, awMember, awOwner, awOutsider}
	for _, who := range viewers {
		name := who
		if name == "" {
			name = "anonymous"
		}
		t.Run(name, func(t *testing.T) {
			w := newWebClient(t, e)
			if who != "" {
				signIn(t, e, w, who, 0)
			}
			missingPages := map[string]string{}
			for _, p := range []string{"/archive", "/archive/2026-11", "/m/1", "/m/3", "/m/1/raw", "/m/1/att/1", "/resources", "/feed.atom"} {
				code, body := w.get("/lists/nosuchlist" + p)
				if code != 404 {
					t.Fatalf("missing list %s: %d", p, code)
				}
				missingPages[p] = body
			}
			_, search := w.get("/search?q=zebra")
			_, hub := w.get("/resources")
			for _, l := range awLists {
				may := slices.Contains(l.readers, who)
				for _, p := range []string{"/archive", "/archive/2026-11", "/m/1", "/m/3", "/m/1/raw", "/m/1/att/1", "/resources", "/feed.atom"} {
					code, body := w.get("/lists/" + l.name + p)
					want := 200
					if !may || p == "/feed.atom" && (l.archive != "public" || l.kind == "caucus") {
						want = 404
					}
					// Signed out, a list anyone may know of with an
					// archive: sign in and come back (not a caucus, not a
					// feed, which a feed reader cannot sign in to).
					signInFirst := who == "" && !may && l.kind != "caucus" && l.archive != "off" && p != "/feed.atom"
					if signInFirst {
						want = 200
						if !strings.Contains(body, `name="next" value="/lists/`+l.name+p+`"`) {
							t.Errorf("%s %s: not the sign-in form that comes back:\n%s", name, l.name+p, body)
						}
					}
					if code != want {
						t.Errorf("%s %s: %d, want %d", name, "/lists/"+l.name+p, code, want)
					}
					if want == 404 && body != missingPages[p] {
						t.Errorf("%s %s: the 404 differs from a missing list's:\n%s\n---\n%s", name, l.name+p, body, missingPages[p])
					}
					if want == 200 && strings.Contains(body, "rivka@example.org") && !strings.HasSuffix(p, "/raw") {
						t.Errorf("%s %s shows an author's address", name, l.name+p)
					}
				}
				code, _ := w.get("/search?list=" + l.name + "&q=zebra")
				if want := map[bool]int{true: 200, false: 404}[may]; code != want {
					t.Errorf("%s search in %s: %d, want %d", name, l.name, code, want)
				}
				if got := strings.Contains(search, `href="/lists/`+l.name+`/m/`); got != may {
					t.Errorf("%s: search results show %s: %v, want %v", name, l.name, got, may)
				}
				if got := strings.Contains(hub, "example.net/"+l.name+"/guide"); got != may {
					t.Errorf("%s: hub shows %s's link: %v, want %v", name, l.name, got, may)
				}
			}
			if !strings.Contains(search, "<mark>zebra</mark>") {
				t.Errorf("%s: no marked words in the results:\n%s", name, search)
			}
		})
	}
}

// TestArchiveWebPages checks what the pages show: threads, the message
// in its thread with quotes folded and the signature dimmed, links,
// names not addresses, the feed as Atom, the syntax help and the hub's
// filters.
func TestArchiveWebPages(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	w := newWebClient(t, e)
	code, body := w.get("/lists/pub/archive")
	if code != 200 || !strings.Contains(body, `href="/lists/pub/m/1"`) || !strings.Contains(body, "2 messages") ||
		!strings.Contains(body, `href="/lists/pub/archive/2026-11"`) {
		t.Fatalf("thread list: %d\n%s", code, body)
	}
	code, body = w.get("/lists/pub/m/1")
	if code != 200 {
		t.Fatalf("message page: %d", code)
	}
	for _, want := range []string{`<details class="quote"><summary>Quoted text</summary>`, `class="body sig"`,
		`<a href="https://example.net/pub/guide" rel="nofollow noreferrer">`, "Rivka Cohen", "rivka@…",
		`href="/lists/pub/m/1/att/1" download`, `href="/lists/pub/m/3"`, `href="/resources?tag=guides"`, `href="/lists/pub/m/1/raw"`} {
		if !strings.Contains(body, want) {
			t.Errorf("message page lacks %q", want)
		}
	}
	if strings.Contains(body, "rivka@example.org") || strings.Contains(body, "mailto:") {
		t.Errorf("message page shows an address")
	}
	if strings.Contains(body, "Remove this message") {
		t.Errorf("the redaction button is shown to a visitor")
	}
	resp, raw := w.getResp("/lists/pub/m/1/raw")
	if resp.Header.Get("Content-Type") != "message/rfc822" || resp.Header.Get("Content-Disposition") != "attachment; filename=1.eml" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(raw, "Message-ID: <first.pub@example.org>") {
		t.Errorf("raw message: %v", resp.Header)
	}
	resp, feed := w.getResp("/lists/pub/feed.atom")
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(feed), &f); err != nil || len(f.Entries) != 3 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Errorf("feed: %v %d %s", err, len(f.Entries), resp.Header.Get("Content-Type"))
	}
	_, body = w.get("/search")
	if !strings.Contains(body, "from:rivka") || !strings.Contains(body, `"study guide"`) {
		t.Errorf("search page does not explain the syntax")
	}
	_, body = w.get("/search?q=" + url.QueryEscape(`"zebra crossing"`))
	if !strings.Contains(body, "1 message found") && !strings.Contains(body, "About 1 message") {
		t.Errorf("phrase search: %s", body)
	}
	code, body = w.get("/search?q=" + url.QueryEscape(`after:soon`))
	if code != 200 || !strings.Contains(body, `class="problem"`) {
		t.Errorf("bad query: %d", code)
	}
	_, body = w.get("/resources?kind=document")
	if !strings.Contains(body, "plan.pdf") || strings.Contains(body, "example.net/pub/guide") {
		t.Errorf("kind filter: %s", body)
	}
	_, body = w.get("/resources?tag=%23guides")
	if !strings.Contains(body, "example.net/pub/guide") || !strings.Contains(body, "3 resources tagged #guides") {
		t.Errorf("tag filter: %s", body)
	}
	if _, body = w.get("/resources?tag=nothing"); !strings.Contains(body, "0 resources tagged #nothing") {
		t.Errorf("tag filter, no match: %s", body)
	}
	code, body = w.get("/resources?kind=nonsense")
	if code != 200 || !strings.Contains(body, "kind of resource is not known") {
		t.Errorf("bad kind: %d", code)
	}
	for _, bad := range []string{"/lists/pub/m/0", "/lists/pub/m/01", "/lists/pub/m/99", "/lists/pub/m/x", "/lists/pub/m/1/att/9",
		"/lists/pub/m/1/att/0", "/lists/pub/archive/2026-13", "/lists/pub/archive/26-11", "/lists/pub/archive?page=0", "/lists/pub/archive?page=99",
		"/lists/PUB/archive"} {
		if code, _ := w.get(bad); code != 404 {
			t.Errorf("%s: %d, want 404", bad, code)
		}
	}
	// The list page and /me link to the archive.
	if _, body := w.get("/lists/pub"); !strings.Contains(body, `href="/lists/pub/archive"`) || !strings.Contains(body, `action="/search"`) {
		t.Errorf("list page has no archive link or search box")
	}
	signIn(t, e, w, awMember, 0)
	if _, body := w.get("/me"); !strings.Contains(body, `href="/lists/mem/archive"`) || strings.Contains(body, `href="/lists/own/archive"`) {
		t.Errorf("/me archive links wrong")
	}
}

// TestArchiveWebHostile: an HTML post with scripts, handlers,
// javascript: links, CSS tricks and tracking images shows nothing that
// runs or loads from elsewhere; SVG and HTML attachments are downloads of
// a safe type; the page's policy forbids inline script.
func TestArchiveWebHostile(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	w := newWebClient(t, e)
	resp, body := w.getResp("/lists/pub/m/2")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "img-src") {
		t.Errorf("CSP: %s", csp)
	}
	low := strings.ToLower(body)
	for _, bad := range []string{"<script", "onload", "onclick", "onerror", "javascript:", "style=", "<style", "<iframe", "<form action=\"https://evil",
		"tracker.example.com", "<img", "data:text/html", "<svg"} {
		if strings.Contains(low, bad) {
			t.Errorf("hostile post page contains %q", bad)
		}
	}
	if !strings.Contains(body, `href="https://example.net/ok"`) || !strings.Contains(body, `href="/lists/pub/m/2?images=1"`) ||
		!strings.Contains(body, `href="https://images.example.com/photo.jpg"`) {
		t.Errorf("safe link or the image link missing:\n%s", body)
	}
	resp, body = w.getResp("/lists/pub/m/2?images=1")
	if !strings.Contains(body, `<img src="https://images.example.com/photo.jpg"`) || strings.Contains(body, "tracker.example.com") ||
		strings.Contains(strings.ToLower(body), "onerror") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src 'self' https:") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'none'") {
		t.Errorf("images on request: %s\n%s", resp.Header.Get("Content-Security-Policy"), body)
	}
	for n, want := range map[string]string{"1": "application/pdf", "2": "application/octet-stream", "3": "application/octet-stream"} {
		resp, _ := w.getResp("/lists/pub/m/1/att/" + n)
		if resp.Header.Get("Content-Type") != want || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("attachment %s: %v", n, resp.Header)
		}
	}
}

// TestArchiveWebConditional: public pages answer conditional requests
// with 304; pages for a signed-in viewer are private and never cached.
func TestArchiveWebConditional(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	w := newWebClient(t, e)
	for _, p := range []string{"/lists/pub/archive", "/lists/pub/m/1", "/lists/pub/feed.atom", "/resources", "/search?q=zebra", "/lists/pub/archive/2026-11"} {
		resp, _ := w.getResp(p)
		etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != 200 || etag == "" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public") {
			t.Errorf("%s: %d etag %q cache %q", p, resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
			continue
		}
		if r2, b := w.getResp(p, "If-None-Match", etag); r2.StatusCode != 304 || b != "" {
			t.Errorf("%s If-None-Match: %d", p, r2.StatusCode)
		}
		if r2, _ := w.getResp(p, "If-None-Match", `"other"`); r2.StatusCode != 200 {
			t.Errorf("%s other ETag: %d", p, r2.StatusCode)
		}
		if lm != "" {
			if r2, _ := w.getResp(p, "If-Modified-Since", lm); r2.StatusCode != 304 {
				t.Errorf("%s If-Modified-Since: %d", p, r2.StatusCode)
			}
			if r2, _ := w.getResp(p, "If-Modified-Since", "Mon, 02 Nov 2020 10:00:00 GMT"); r2.StatusCode != 200 {
				t.Errorf("%s old If-Modified-Since: %d", p, r2.StatusCode)
			}
		} else if p != "/resources" && !strings.HasPrefix(p, "/search") {
			t.Errorf("%s: no Last-Modified", p)
		}
	}
	signIn(t, e, w, awMember, 0)
	for _, p := range []string{"/lists/pub/archive", "/lists/mem/m/1", "/resources"} {
		resp, _ := w.getResp(p)
		if resp.Header.Get("Cache-Control") != "private, no-store" || resp.Header.Get("ETag") != "" {
			t.Errorf("%s signed in: %q %q", p, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
		}
		if r2, _ := w.getResp(p, "If-Modified-Since", "Mon, 02 Nov 2099 10:00:00 GMT"); r2.StatusCode != 200 {
			t.Errorf("%s signed in answered %d to a conditional request", p, r2.StatusCode)
		}
	}
}

// TestArchiveWebRedact: the button shows to owners only; POST redacts
// (gone from the page, search and the hub); others get 403, or 404 on a
// list they may not know.
func TestArchiveWebRedact(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	member := newWebClient(t, e)
	signIn(t, e, member, awMember, 0)
	if _, body := member.get("/lists/mem/m/1"); strings.Contains(body, "Remove this message") {
		t.Errorf("button shown to a member")
	}
	if code, _ := member.post("/lists/mem/m/1/redact", url.Values{"reason": {"x"}}); code != 403 {
		t.Errorf("member redacting: %d", code)
	}
	outsider := newWebClient(t, e)
	signIn(t, e, outsider, awOutsider, 0)
	if code, _ := outsider.post("/lists/cau/m/1/redact", url.Values{"reason": {"x"}}); code != 404 {
		t.Errorf("caucus outsider redacting: %d", code)
	}
	anon := newWebClient(t, e)
	if code, _ := anon.post("/lists/cau/m/1/redact", url.Values{"reason": {"x"}}); code != 404 {
		t.Errorf("visitor redacting in a caucus: %d", code)
	}
	owner := newWebClient(t, e)
	signIn(t, e, owner, awOwner, 0)
	if _, body := owner.get("/lists/pub/m/1"); !strings.Contains(body, `action="/lists/pub/m/1/redact"`) {
		t.Fatalf("no button for the owner")
	}
	if code, body := owner.post("/lists/pub/m/1/redact", url.Values{"reason": {strings.Repeat("x", 501)}}); code != 400 {
		t.Errorf("long reason: %d %s", code, body)
	}
	if code, body := owner.post("/lists/pub/m/1/redact", url.Values{"reason": {"phone number"}}); code != 200 || !strings.Contains(body, "removed") {
		t.Fatalf("owner redacting: %d %s", code, body)
	}
	for _, p := range []string{"/lists/pub/m/1", "/lists/pub/m/1/raw", "/lists/pub/m/1/att/1"} {
		if code, _ := anon.get(p); code != 404 {
			t.Errorf("%s after redaction: %d", p, code)
		}
	}
	if _, body := anon.get("/search?q=crossing&list=pub"); strings.Contains(body, `href="/lists/pub/m/1"`) {
		t.Errorf("redacted post still found")
	}
	if _, body := anon.get("/resources?list=pub"); strings.Contains(body, "plan.pdf") {
		t.Errorf("redacted post's file still in the hub")
	}
	if code, _ := owner.post("/lists/pub/m/1/redact", url.Values{"reason": {"again"}}); code != 404 {
		t.Errorf("redacting twice: %d", code)
	}
}

// TestArchiveLinksInMail: with the web archive on, List-Archive and
// Archived-At are the pages' URLs.
func TestArchiveLinksInMail(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Archive = true; c.Server.PublicURL = "https://lists.example.org" })
	e.setup("team", "discussion", map[string]string{"ana@example.org": "member", "bo@example.org": "member"})
	if err := e.send("ana@example.org", []string{"team@lists.example.org"}, post("ana@example.org", "team@lists.example.org", "Links", "hello")); err != nil {
		t.Fatal(err)
	}
	var got string
	waitFor(t, "the post delivered", func() bool {
		for _, m := range e.sink.Messages() {
			if slices.Contains(m.Rcpts, "bo@example.org") {
				got = string(m.Data)
				return true
			}
		}
		return false
	})
	if !strings.Contains(got, "List-Archive: <https://lists.example.org/lists/team/archive>") ||
		!strings.Contains(got, "Archived-At: <https://lists.example.org/lists/team/m/1>") {
		t.Errorf("headers:\n%s", got)
	}
	if url := e.srv.App.Svc.ArchiveURL("team", 7); url != "https://lists.example.org/lists/team/m/7" {
		t.Errorf("ArchiveURL: %s", url)
	}
}
