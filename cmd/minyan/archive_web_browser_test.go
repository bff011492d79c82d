package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv/testkit/chrome"
)

// TestArchiveBrowserWalkThrough drives headless Chromium through the web
// archive as a member: thread list, a thread, an attachment download,
// search from the layout's box, and the resource hub filtered by a tag;
// axe-core checks every page on the way.
func TestArchiveBrowserWalkThrough(t *testing.T) {
	e := archiveWebEnv(t)
	base := "http://" + e.srv.HTTPAddr
	downloads := t.TempDir()

	b := chrome.Open(t, base, 390, 844)
	b.AllowDownloads(downloads)
	step, text := b.Step, b.Text

	// Sign in as a member (through the mailed link), then read.
	w := newWebClient(t, e)
	if code, _ := w.post("/login", map[string][]string{"email": {awMember}}); code != 200 {
		t.Fatal("sign-in form")
	}
	login := mailLink(t, e, awMember, "login", 0)
	step("sign-in button", chromedp.Navigate(base+login), chromedp.WaitVisible(chromedp.CSS("#others")))
	step("my lists", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/lists/mem/archive"]`)))

	step("thread list", chromedp.Click(chromedp.CSS(`a[href="/lists/mem/archive"]`)), chromedp.WaitVisible(chromedp.CSS(".threads")))
	if !strings.Contains(text("main"), "zebra notes for mem") {
		t.Fatalf("thread list: %s", text("main"))
	}
	step("thread", chromedp.Click(chromedp.CSS(`.threads a[href="/lists/mem/m/1"]`)), chromedp.WaitVisible(chromedp.CSS("article.post")))
	if !strings.Contains(text("main"), "In this thread") || !strings.Contains(text("main"), "Ana") {
		t.Fatalf("thread: %s", text("main"))
	}
	step("quote opened", chromedp.Click(chromedp.CSS("details.quote summary")), chromedp.WaitVisible(chromedp.CSS("details.quote[open]")))
	b.Do("download the attachment", chromedp.Click(chromedp.CSS(`a[href="/lists/mem/m/1/att/1"]`)))
	waitFor(t, "the attachment downloaded", func() bool {
		pdf, err := os.ReadFile(filepath.Join(downloads, "plan.pdf"))
		return err == nil && strings.HasPrefix(string(pdf), "%PDF")
	})
	step("search", chromedp.SendKeys(chromedp.CSS("#site-q"), `"zebra guide"`), chromedp.Submit(chromedp.CSS("#site-q")),
		chromedp.WaitVisible(chromedp.CSS("table.syntax")))
	if !strings.Contains(text("main"), "found") {
		t.Fatalf("search: %s", text("main"))
	}
	if n := chrome.Eval[int](b, "marked words", `document.querySelectorAll('mark').length`); n == 0 {
		t.Fatal("no marked words in the results")
	}
	step("resource hub", chromedp.Click(chromedp.CSS(`nav a[href="/resources"]`)), chromedp.WaitVisible(chromedp.CSS(".entries")))
	step("hub by tag", chromedp.Click(chromedp.CSS(`.tags a[href="/resources?tag=guides"]`)), chromedp.WaitVisible(chromedp.CSS(".entries")))
	if got := text("main h2 + ul.entries"); !strings.Contains(got, "plan.pdf") || !strings.Contains(got, "Rivka Cohen") {
		t.Fatalf("hub: %s", got)
	}
	step("hub by kind", chromedp.SetValue(chromedp.CSS("#kind"), "document"), chromedp.Submit(chromedp.CSS("#kind")),
		chromedp.WaitVisible(chromedp.CSS(".entries")))
	if got := text(".entries"); strings.Contains(got, "example.net/mem/guide") {
		t.Fatalf("kind filter: %s", got)
	}
}
