package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"minyan/listserv"
	"minyan/listserv/testkit/chrome"
)

// notPages are the GET routes of listserv/web that are not HTML pages, so
// TestEveryPageAt320 does not open them in the browser; each says why.
var notPages = map[string]string{
	"GET /static/style.css":                                   "the stylesheet itself",
	"GET /favicon.ico":                                        "an icon",
	"GET /healthz":                                            "plain text for monitors",
	"GET /metrics":                                            "Prometheus text",
	"GET /lists/{name}/m/{seq}/raw":                           "the original message (message/rfc822)",
	"GET /lists/{name}/m/{seq}/att/{n}":                       "an attachment, downloaded",
	"GET /lists/{name}/feed.atom":                             "an Atom feed",
	"GET /lists/{name}/admin/members.csv":                     "a CSV file, downloaded",
	"GET /lists/{name}/admin/sessions/{id}/registrations.csv": "a CSV file, downloaded",
	"GET /me/calendar.ics":                                    "an iCalendar feed",
	"GET /me/certificates/{list}/{file}":                      "a PDF certificate",
}

// webGETRoutes reads the GET routes listserv/web registers (web.go's
// Handler and the *Routes funcs), so a new page cannot be added without
// this test visiting it or naming it in notPages.
func webGETRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "listserv", "web", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the web package's sources: %v", err)
	}
	re := regexp.MustCompile(`\.Handle(?:Func)?\("(GET [^"]+)"`)
	var routes []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(src, -1) {
			routes = append(routes, string(m[1]))
		}
	}
	slices.Sort(routes)
	return routes
}

// everyPageVisit is one page to open: as whom ("" for signed out), where,
// an element that shows the page is there, and optionally a text the
// page's main part must contain.
type everyPageVisit struct {
	who, path, sel, want string
}

// TestEveryPageAt320 opens every page of the web, signed out, as a
// member, as the owner of lists with held posts, sessions, members, an
// alert and organizations, and as a site admin, in English and in Hebrew,
// in Chromium on a 320 px screen: no page may be wider than the screen
// (document.documentElement.scrollWidth <= innerWidth) or have a serious
// axe-core violation. It fails when a GET route of listserv/web is
// neither visited here nor named in notPages.
func TestEveryPageAt320(t *testing.T) {
	t.Parallel()
	const (
		ann   = "ann@example.org"  // a member
		bob   = "bob@example.org"  // a member with a listed profile
		fac   = "fac@example.org"  // owner of the lists
		root  = "root@example.org" // site admin
		alien = "zed@example.net"  // posts without being a member
	)
	began := time.Now()
	e := startEnv(t, func(c *Config) {
		c.Web.Archive = true
		c.Web.Admins = []string{root}
		c.Network.IntrosEvery = Duration{}
	})
	ctx, op := context.Background(), listserv.Operator(listserv.DoorCLI)
	svc := e.srv.App.Svc
	e.setup("circle", "community", map[string]string{fac: "owner", ann: "member", bob: "member"},
		"archive=members", "timezone=America/New_York", "title=Study circle", "description=We read together and meet on Tuesdays.")
	e.setup("act", "announce", map[string]string{fac: "owner", ann: "member"})
	e.setup("co", "coalition", map[string]string{fac: "owner"})
	e.setup("open", "discussion", map[string]string{fac: "owner"}, "subscribe=confirm", "archive=public")

	// A thread with a quote, a signature and an attachment; a held post;
	// an alert; a session series with questions.
	for _, m := range [][2]string{
		{ann, post("Ann <"+ann+">", "circle@lists.example.org", "Reading for Tuesday", "Chapter three, pages 40 to 62.\n\n-- \nAnn")},
		{bob, post("Bob <"+bob+">", "circle@lists.example.org", "Re: Reading for Tuesday", "Thanks!\n\n> Chapter three, pages 40 to 62.\n\nI will bring tea.",
			"In-Reply-To: <Reading.for.Tuesday.ann@example.net>")},
		{ann, "From: Ann <" + ann + ">\nTo: circle@lists.example.org\nSubject: Notes\nMessage-ID: <notes.ann@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nMy notes are attached.\n--b\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\nOne, two, three.\n--b--\n"},
		{alien, post("Zed <"+alien+">", "circle@lists.example.org", "May I join your circle?", "Hello, I heard of you from a friend.")},
	} {
		if err := e.send(m[0], []string{"circle@lists.example.org"}, m[1]); err != nil {
			t.Fatalf("sending as %s: %v", m[0], err)
		}
	}
	if err := e.send(fac, []string{"act@lists.example.org"}, post("Fac <"+fac+">", "act@lists.example.org", "Call the council #alert", "Call before Friday.")); err != nil {
		t.Fatal(err)
	}
	cliRun(t, e.srv.App, "session", "add", "--tz", "America/New_York", "--start", "2026-12-08 19:00", "--every", "weekly", "--count", "3",
		"--duration", "90m", "--location", "Room 2, Community House", "--seats", "12", "--question", "What brings you to the circle?", "--topic", "Opening", "circle").mustOK(t)
	yes := true
	name, about := "Bob Baker", "Cantor and organizer."
	if _, err := svc.SetProfile(ctx, op, bob, listserv.ProfileChange{Name: &name, About: &about, Listed: &yes}); err != nil {
		t.Fatal(err)
	}
	// Ann reads times in Jerusalem; the list's are in New York.
	jerusalem := "Asia/Jerusalem"
	if _, err := svc.SetProfile(ctx, op, ann, listserv.ProfileChange{Zone: &jerusalem}); err != nil {
		t.Fatal(err)
	}
	pv, err := svc.Profile(ctx, op, bob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddOrg(ctx, op, "co", listserv.OrgSpec{Slug: "ACME", Name: "Acme Tenants Union", Contacts: []string{fac}, Seats: 2}); err != nil {
		t.Fatal(err)
	}
	tpls, err := svc.MailTemplates(ctx, op, "circle")
	if err != nil || len(tpls) == 0 {
		t.Fatalf("mail templates: %v", err)
	}
	e.drained()

	// Tokens from the mail: ann's unsubscribe and mute links, her alert,
	// a join confirmation.
	annCopy := firstMailMatching(t, e, ann, "Reading for Tuesday")
	unsub := regexp.MustCompile(`/u/[A-Za-z0-9_-]+`).FindString(annCopy)
	mute := regexp.MustCompile(`/mute/[A-Za-z0-9_-]+/[A-Za-z0-9_.%-]+`).FindString(annCopy)
	if unsub == "" || mute == "" {
		t.Fatalf("ann's copy lacks the unsubscribe (%q) or mute (%q) link:\n%s", unsub, mute, annCopy)
	}
	var alertTok string
	for _, m := range e.to(ann) {
		if bytes.Contains(m.Data, []byte("Call the council")) {
			alertTok = alertTokens(t, m)
		}
	}
	base := "http://" + e.srv.HTTPAddr
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := func(path, sid, contentType string, body io.Reader) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if sid != "" {
			req.AddCookie(&http.Cookie{Name: "minyan_session", Value: sid})
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	form("/lists/open/join", "", "application/x-www-form-urlencoded", strings.NewReader("email=new%40example.org"))
	confirm := mailLink(t, e, "new@example.org", "confirm", 0)

	// Sessions of the four people, made as the sign-in link would.
	sids := map[string]string{}
	for i, who := range []string{ann, fac, root} {
		if err := svc.StartLogin(who, ""); err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimPrefix(mailLink(t, e, who, "login", 0), "/login/")
		sid, _, _, err := svc.FinishLogin(tok, false)
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		sids[who] = sid
	}
	if err := svc.StartLogin(bob, ""); err != nil {
		t.Fatal(err)
	}
	loginLink := mailLink(t, e, bob, "login", 0)

	// An import job of the owner.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	io.WriteString(fw, "email,name\ncat@example.org,Cat Cohen\nnot-an-address,Nobody\n")
	mw.Close()
	resp := form("/lists/circle/admin/members/import", sids[fac], mw.FormDataContentType(), &mp)
	importJob := resp.Header.Get("Location")
	if !strings.HasPrefix(importJob, "/lists/circle/admin/members/import/") {
		t.Fatalf("CSV import: %d, Location %q", resp.StatusCode, importJob)
	}

	visits := []everyPageVisit{
		{"", "/", "main h1", ""},
		{"", "/login", "#email", ""},
		{"", loginLink, "main form", ""},
		{"", "/lists/circle", "main h1", "(America/New_York)"},
		{"", "/lists/circle/archive", "main h1", ""},
		{"", "/lists/open/archive", "main h1", ""},
		{"", confirm, "main h1", ""},
		{"", unsub, "main h1", ""},
		{"", mute, "main h1", ""},
		{"", "/a/" + alertTok, "main h1", ""},
		{"", "/intros/not-now/notatoken", "main h1", ""},
		{"", "/no/such/page", "main h1", ""},
		{ann, "/me", "main h1", "(Asia/Jerusalem)"},
		{ann, "/me/profile", "#pf-name", ""},
		{ann, "/people", "main h1", ""},
		{ann, "/people/" + pv.ID, "main h1", ""},
		{ann, "/lists/circle", "main h1", ""},
		{ann, "/lists/circle/post", "#subject", ""},
		{ann, "/lists/circle/archive", "main h1", ""},
		{ann, "/lists/circle/archive/2026-11", "main h1", ""},
		{ann, "/lists/circle/m/2", "main h1", "(Asia/Jerusalem)"},
		{ann, "/lists/circle/m/3", "main h1", ""},
		{ann, "/search?q=tea", "main h1", ""},
		{ann, "/resources", "main h1", ""},
		{ann, "/lists/circle/resources", "main h1", ""},
		// The owner chose no zone: sessions in the list's.
		{fac, "/me", "main h1", "(America/New_York)"},
		{fac, "/lists/circle/admin", "main h1", ""},
		{fac, "/lists/circle/admin/held", "main h1", ""},
		{fac, "/lists/circle/admin/members", "main h1", ""},
		{fac, importJob, "main h1", ""},
		{fac, "/lists/circle/admin/sessions", "main h1", ""},
		{fac, "/lists/circle/admin/sessions/1", "main h1", ""},
		{fac, "/lists/circle/admin/pairs", "main h1", ""},
		{fac, "/lists/circle/admin/bounces", "main h1", ""},
		{fac, "/lists/circle/admin/history", "main h1", ""},
		{fac, "/lists/circle/admin/settings", "main h1", ""},
		{fac, "/lists/circle/admin/templates", "main h1", ""},
		{fac, "/lists/circle/admin/templates/" + tpls[0].Name, "main h1", ""},
		{fac, "/lists/act/admin/alerts", "main h1", ""},
		{fac, "/lists/act/admin/alerts/1", "main h1", ""},
		{fac, "/lists/co/orgs", "main h1", ""},
		{fac, "/lists/co/orgs/ACME", "main h1", ""},
		{root, "/admin", "main h1", ""},
		{root, "/admin/lists/open/remove", "main h1", ""},
	}

	// Every GET route is visited or excused.
	routes := webGETRoutes(t)
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.HandleFunc(r, func(http.ResponseWriter, *http.Request) {})
	}
	seen := map[string]bool{}
	for _, v := range visits {
		_, pat := mux.Handler(httptest.NewRequest("GET", v.path, nil))
		seen[pat] = true
	}
	for _, r := range routes {
		if _, excused := notPages[r]; !seen[r] && !excused {
			t.Errorf("route %q is neither visited by TestEveryPageAt320 nor named in notPages", r)
		}
	}
	for r := range notPages {
		if !slices.Contains(routes, r) {
			t.Errorf("notPages names %q, which listserv/web no longer registers", r)
		}
	}

	t.Logf("set up: %v", time.Since(began))

	// English in the light scheme and Hebrew (right to left) in the dark
	// one, side by side, each in its own browser.
	for _, run := range []struct{ lang, scheme string }{{"en", "light"}, {"he", "dark"}} {
		t.Run(run.lang+"-"+run.scheme, func(t *testing.T) {
			t.Parallel()
			b := chrome.Open(t, base, 320, 640)
			b.ColorScheme(run.scheme)
			setCookie := func(name, value string) {
				t.Helper()
				b.Do("cookie "+name, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					if value == "" {
						_, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: base})
						return err
					}
					_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: base, Path: "/"})
					return err
				}))
			}
			setCookie("minyan_lang", run.lang)
			who := "-"
			for i, v := range visits {
				if v.who != who {
					who = v.who
					setCookie("minyan_session", sids[who])
				}
				b.Visit(v.path+" as "+orNobody(who), v.path, v.sel)
				// MINYAN_SHOTS=DIR keeps a screenshot of every page.
				shot(b, fmt.Sprintf("%s-%s-%02d%s.png", run.lang, run.scheme, i, strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(v.path)))
				if v.want != "" && !strings.Contains(b.Text("main"), v.want) {
					t.Errorf("%s as %s does not say %q:\n%s", v.path, who, v.want, b.Text("main"))
				}
				// The page's language, and the icon it links (the 404
				// page too: every page shares the layout).
				want := run.lang + " /favicon.ico"
				if got := chrome.Eval[string](b, "lang and icon", `document.documentElement.lang + " " + (document.querySelector("link[rel=icon]") ? new URL(document.querySelector("link[rel=icon]").href).pathname : "no icon")`); got != want {
					t.Errorf("%s as %s: language and icon %q, want %q", v.path, who, got, want)
				}
			}
		})
	}
}

// firstMailMatching is the text of the first mail to rcpt containing s.
func firstMailMatching(t *testing.T, e *testEnv, rcpt, s string) string {
	t.Helper()
	for _, m := range e.to(rcpt) {
		body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
		if text := string(m.Data) + "\n" + string(body); strings.Contains(text, s) {
			return text
		}
	}
	t.Fatalf("no mail to %s with %q", rcpt, s)
	return ""
}

// orNobody names a visitor in a step's description.
func orNobody(who string) string {
	if who == "" {
		return "nobody"
	}
	return who
}
