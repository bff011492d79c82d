package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv/testkit/chrome"
)

// TestConsoleModBrowser drives headless Chromium through the console as
// an owner (signed in by mail through the domain): approve a held post (a member receives it
// from the relay sink), reject another with a reason (the author
// receives it), add a member, import a 2,000-row CSV with 3 bad rows
// (shown with their lines); axe-core checks every page on the way.
func TestConsoleModBrowser(t *testing.T) {
	t.Parallel()
	e := consoleEnv(t)
	first := holdPost(t, e, "x@example.com", "First question")
	second := holdPost(t, e, "y@example.com", "Second question")
	base := "http://" + e.srv.HTTPAddr
	csvPath := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(csvPath, importCSV(2000, 40, 900, 2001), 0o600); err != nil {
		t.Fatal(err)
	}

	b := chrome.Open(t, base, 390, 844)
	step, text := b.Step, b.Text
	own := "own@example.org"
	// Signed in by the domain: the sign-in pages at this width are
	// TestWebBrowserWalkThrough's.
	signInBrowser(b, e, own, 0)
	step("held queue", chromedp.Navigate(base+"/lists/team/admin/held"), chrome.Shown(fmt.Sprintf("#held-%d", first)))
	b.Follow("approved", ".notice", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#held-%d button[value=approve]`, first))),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#held-%d", first))))
	if !strings.Contains(text(".notice"), "approved") {
		t.Fatalf("approve answer: %s", text(".notice"))
	}
	e.mailTo("mem@example.org", "Subject: [team] First question")
	b.Follow("rejected", ".notice", chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#reason-%d", second)), "Please ask this on the help list."),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#held-%d button[value=reject]`, second))),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#held-%d", second))))
	e.mailTo("y@example.com", "Please ask this on the help list.")
	step("history", chromedp.Navigate(base+"/lists/team/admin/history"), chrome.Shown("main h1"))
	if !strings.Contains(text("main"), "rejected by own@example.org") {
		t.Fatalf("history: %s", text("main"))
	}

	step("members", chromedp.Navigate(base+"/lists/team/admin/members"), chrome.Shown("#add-email"))
	b.Follow("member added", ".notice", chromedp.SendKeys(chromedp.CSS("#add-email"), "newcomer@example.org"), chromedp.SendKeys(chromedp.CSS("#add-name"), "New Comer"),
		chromedp.Submit(chromedp.CSS("#add-email")))
	if !strings.Contains(text(".notice"), "Added 1 person") {
		t.Fatalf("add answer: %s", text(".notice"))
	}
	// The page in progress reloads itself every two seconds, which would
	// cut an axe run short; the finished page (same template, no reload)
	// is checked below.
	b.Do("import started", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvPath}), chromedp.Submit(chromedp.CSS("#file")),
		chrome.Shown("#progress"))
	// The page refreshes itself (Refresh header) until the import is done.
	step("import finished", chrome.Shown("#import-done"))
	got := text("ul.import-errors")
	for _, l := range []int{40, 900, 2001} {
		if !strings.Contains(got, fmt.Sprintf("Line %d:", l)) {
			t.Errorf("line %d not shown: %s", l, got)
		}
	}
	if !strings.Contains(text("main"), "1997 added") {
		t.Errorf("import summary: %s", text("main"))
	}
	step("roster search", chromedp.Navigate(base+"/lists/team/admin/members?q=newcomer"), chrome.Shown("#count"))
	if !strings.Contains(text("#count"), "1–1 of 1 · 2,002 people on the list") {
		t.Errorf("search: %s", text("#count"))
	}
	step("bounces", chromedp.Navigate(base+"/lists/team/admin/bounces"), chrome.Shown("main h1"))
}
