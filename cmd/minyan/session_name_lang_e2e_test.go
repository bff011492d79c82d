package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
)

// TestSessionNameInPersonsLanguage: a session of a series without a
// topic is named in the reader's language on /me and the list's page
// ("מפגש 1 מתוך 2", not "Session 1 of 2"), through the built binary.
func TestSessionNameInPersonsLanguage(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	e := newE2E(t, sink.Addr)
	e.start()
	e.mustRun("list", "create", "--kind", "discussion", "--title", "Study Circle", "circle")
	e.mustRun("member", "add", "circle", "noa@example.org")
	e.mustRun("person", "set", "--lang", "he", "noa@example.org")
	e.mustRun("session", "add", "--every", "weekly", "--count", "2", "--tz", "UTC", "--start", "2030-03-07 19:00", "circle")

	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: "http://" + e.http, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code, _ := w.post("/login", url.Values{"email": {"noa@example.org"}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	_, body := mailTo(t, sink, "noa@example.org", "קישור הכניסה שלך")
	link := linkRE.FindString(body)
	if !strings.HasPrefix(link, "/login/") {
		t.Fatalf("no sign-in link in\n%s", body)
	}
	if code, _ := w.post(link, url.Values{}); code != 200 {
		t.Fatalf("sign-in: %d", code)
	}
	for _, path := range []string{"/me", "/lists/circle"} {
		code, page := w.get(path)
		if code != 200 || !strings.Contains(page, "מפגש 1 מתוך 2") || strings.Contains(page, "Session 1 of 2") {
			t.Errorf("%s (%d) does not name the session in Hebrew:\n%s", path, code, page)
		}
	}
}
