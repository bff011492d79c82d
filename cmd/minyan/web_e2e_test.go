package main

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// webClient is a browser-like client of the running server: cookies, no
// redirects followed automatically unless asked.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebClient(t *testing.T, e *testEnv) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: "http://" + e.srv.HTTPAddr, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (w *webClient) get(path string) (int, string) {
	w.t.Helper()
	resp, err := w.c.Get(w.base + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form as the site's own page would (same-origin).
func (w *webClient) post(path string, form url.Values, header ...string) (int, string) {
	w.t.Helper()
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var linkRE = regexp.MustCompile(`/(login|confirm)/[a-z2-7]{32}`)

// mailLink waits for a message to rcpt whose text has a /KIND/TOKEN link
// and returns the path.
func mailLink(t *testing.T, e *testEnv, rcpt, kind string, skip int) string {
	t.Helper()
	var path string
	waitFor(t, kind+" link mailed to "+rcpt, func() bool {
		seen := 0
		for _, m := range e.sink.Messages() {
			if len(m.Rcpts) != 1 || m.Rcpts[0] != rcpt {
				continue
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
			for _, l := range linkRE.FindAllString(string(body), -1) {
				if strings.HasPrefix(l, "/"+kind+"/") {
					if seen == skip {
						path = l
						return true
					}
					seen++
				}
			}
		}
		return false
	})
	return path
}

func mailsTo(e *testEnv, rcpt string) int {
	n := 0
	for _, m := range e.sink.Messages() {
		for _, r := range m.Rcpts {
			if r == rcpt {
				n++
			}
		}
	}
	return n
}

// signIn goes through sign-in by mail for addr.
func signIn(t *testing.T, e *testEnv, w *webClient, addr string, skip int) {
	t.Helper()
	if code, _ := w.post("/login", url.Values{"email": {addr}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	link := mailLink(t, e, addr, "login", skip)
	if code, body := w.get(link); code != 200 || !strings.Contains(body, "Sign in as") {
		t.Fatalf("GET %s: %d %s", link, code, body)
	}
	if code, body := w.post(link, url.Values{}); code != 200 || !strings.Contains(body, "My lists") {
		t.Fatalf("POST %s: %d %s", link, code, body)
	}
}

func webEnv(t *testing.T) *testEnv {
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"ana@example.org": "member"})
	e.setup("circle", "caucus", map[string]string{"bea@example.org": "member"})
	e.setup("quiet", "discussion", nil, "advertised=false")
	return e
}

func TestWebCaucusInvisible(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	anon := newWebClient(t, e)
	ana := newWebClient(t, e)
	signIn(t, e, ana, "ana@example.org", 0)
	bea := newWebClient(t, e)
	signIn(t, e, bea, "bea@example.org", 0)

	for who, c := range map[string]*webClient{"anonymous": anon, "non-member": ana} {
		_, dir := c.get("/")
		if !strings.Contains(dir, "/lists/team") || strings.Contains(dir, "circle") || strings.Contains(dir, "quiet") {
			t.Errorf("%s directory shows the wrong lists:\n%s", who, dir)
		}
		code1, missing := c.get("/lists/nosuchlist")
		code2, caucus := c.get("/lists/circle")
		if code1 != 404 || code2 != 404 || missing != caucus {
			t.Errorf("%s: caucus page %d differs from a missing list %d:\n%s\n---\n%s", who, code2, code1, caucus, missing)
		}
		j1, jm := c.post("/lists/nosuchlist/join", url.Values{"email": {"zed@example.org"}})
		j2, jc := c.post("/lists/circle/join", url.Values{"email": {"zed@example.org"}})
		if j1 != 404 || j2 != 404 || jm != jc {
			t.Errorf("%s: caucus join %d differs from a missing list %d", who, j2, j1)
		}
		if code, _ := c.get("/lists/quiet"); code != 200 {
			t.Errorf("%s: an unadvertised list's page should open by its link, got %d", who, code)
		}
	}
	if code, body := bea.get("/lists/circle"); code != 200 || !strings.Contains(body, "circle@") {
		t.Errorf("caucus member cannot see her list: %d", code)
	}
	if _, me := bea.get("/me"); !strings.Contains(me, "/lists/circle") {
		t.Errorf("/me of a caucus member does not show the caucus")
	}
	if _, me := ana.get("/me"); strings.Contains(me, "circle") {
		t.Errorf("/me of a non-member mentions the caucus")
	}
}

func TestWebSameAnswerForAnyAddress(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	c := newWebClient(t, e)
	norm := func(s, addr string) string { return strings.ReplaceAll(s, addr, "ADDR") }
	c1, known := c.post("/login", url.Values{"email": {"ana@example.org"}})
	c2, unknown := c.post("/login", url.Values{"email": {"nobody@example.org"}})
	if c1 != c2 || norm(known, "ana@example.org") != norm(unknown, "nobody@example.org") {
		t.Errorf("/login answers differ: %d %d\n%s\n---\n%s", c1, c2, known, unknown)
	}
	j1, member := c.post("/lists/team/join", url.Values{"email": {"ana@example.org"}})
	j2, stranger := c.post("/lists/team/join", url.Values{"email": {"new@example.org"}})
	if j1 != j2 || norm(member, "ana@example.org") != norm(stranger, "new@example.org") {
		t.Errorf("join answers differ: %d %d\n%s\n---\n%s", j1, j2, member, stranger)
	}
	mailLink(t, e, "new@example.org", "confirm", 0)
	mailLink(t, e, "ana@example.org", "login", 0)
	if n := mailsTo(e, "nobody@example.org"); n != 0 {
		t.Errorf("an unknown address got %d sign-in mails", n)
	}
}

func TestWebCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	c := newWebClient(t, e)
	code, body := c.post("/lists/team/join", url.Values{"email": {"new@example.org"}}, "Sec-Fetch-Site", "cross-site")
	if code != http.StatusForbidden || !strings.Contains(body, "another web site") {
		t.Errorf("cross-site join: %d %s", code, body)
	}
	code, _ = c.post("/login", url.Values{"email": {"ana@example.org"}}, "Sec-Fetch-Site", "", "Origin", "https://evil.example")
	if code != http.StatusForbidden {
		t.Errorf("cross-origin login: %d", code)
	}
	// A same-site join afterwards is mailed; the refused one never was.
	c.post("/lists/team/join", url.Values{"email": {"later@example.org"}})
	mailLink(t, e, "later@example.org", "confirm", 0)
	for _, m := range e.sink.Messages() {
		if len(m.Rcpts) == 1 && (m.Rcpts[0] == "new@example.org") {
			t.Errorf("a refused cross-site join mailed the address")
		}
	}
}

func TestWebLoginTokens(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	c := newWebClient(t, e)
	c.post("/login", url.Values{"email": {"ana@example.org"}})
	link := mailLink(t, e, "ana@example.org", "login", 0)
	// A guessed token.
	if code, _ := c.post("/login/abcdefghijklmnopqrstuvwxyz234567", url.Values{}); code != 404 {
		t.Errorf("guessed token: %d", code)
	}
	// Used once, then refused.
	if code, _ := c.post(link, url.Values{}); code != 200 {
		t.Fatalf("first use: %d", code)
	}
	if code, _ := newWebClient(t, e).post(link, url.Values{}); code != 404 {
		t.Errorf("reused token: %d", code)
	}
	// Expired after 30 minutes.
	c.post("/login", url.Values{"email": {"ana@example.org"}})
	link2 := mailLink(t, e, "ana@example.org", "login", 1)
	e.clock.Advance(31 * time.Minute)
	if code, _ := newWebClient(t, e).get(link2); code != 404 {
		t.Errorf("expired token GET: %d", code)
	}
	if code, _ := newWebClient(t, e).post(link2, url.Values{}); code != 404 {
		t.Errorf("expired token POST: %d", code)
	}
	// Sign-out ends the session: /me sends to sign-in again.
	if code, body := c.get("/me"); code != 200 || !strings.Contains(body, "ana@example.org") {
		t.Fatalf("/me signed in: %d", code)
	}
	c.post("/logout", url.Values{})
	c.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, _ := c.get("/me"); code != http.StatusSeeOther {
		t.Errorf("/me after sign-out: %d", code)
	}
}

func TestWebRateLimits(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	c := newWebClient(t, e)
	var codes []int
	for range 5 {
		code, _ := c.post("/lists/team/join", url.Values{"email": {"target@example.org"}})
		codes = append(codes, code)
	}
	if codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Errorf("per-address limit: %v", codes)
	}
	// The client limit: 10 in the window, whatever the addresses.
	n := 0
	var last int
	for i := range 11 {
		last, _ = c.post("/login", url.Values{"email": {"p" + string(rune('a'+i)) + "@example.org"}})
		n++
	}
	if last != 429 {
		t.Errorf("per-client limit not reached after %d requests: %d", n, last)
	}
	e.clock.Advance(16 * time.Minute)
	if code, _ := c.post("/login", url.Values{"email": {"ana@example.org"}}); code != 200 {
		t.Errorf("after the window: %d", code)
	}
	waitFor(t, "the join mails", func() bool { return mailsTo(e, "target@example.org") >= 1 })
	if n := mailsTo(e, "target@example.org"); n > 3 {
		t.Errorf("target got %d mails", n)
	}
}
