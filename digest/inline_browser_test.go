package digest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyan/listserv/testkit/chrome"
)

// The digest's HTML part is opened in headless Chromium and checked with
// axe-core (WCAG and best practices), in light and dark color schemes, at
// a phone's width (see minyan/listserv/testkit/chrome: without Chromium or
// axe-core the test skips, except under CI, where it fails).

// openBrowser opens the Chromium tab a test checks its digests in.
func openBrowser(t *testing.T) *chrome.Session {
	t.Helper()
	b := chrome.Open(t, "", 375, 740)
	b.Tags = append(b.Tags, "best-practice")
	return b
}

// checkInBrowser serves doc on 127.0.0.1, opens it in b and checks it in
// light and dark mode.
func checkInBrowser(t *testing.T, b *chrome.Session, name, doc string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(doc))
	}))
	defer srv.Close()
	for _, scheme := range []string{"light", "dark"} {
		b.ColorScheme(scheme)
		b.Step(name+" ("+scheme+")", chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("body"))
	}
}

func TestDigestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	b := openBrowser(t) // skips early (without CI), before building the digests
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := inlineWeek(t, e)
	e.run(slot.Add(time.Minute))
	checkInBrowser(t, b, "weekly digest", string(clientParts(t, e.ofKind(kindWeekly)[0].Raw)["text/html"][0]))

	// A long week, shortened.
	e2 := newEnv(t, t0)
	e2.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e2.run(t0)
	slot = longWeek(t, e2, "talk", 200)
	e2.run(slot.Add(time.Minute))
	checkInBrowser(t, b, "long weekly digest", string(clientParts(t, e2.ofKind(kindWeekly)[0].Raw)["text/html"][0]))
}
