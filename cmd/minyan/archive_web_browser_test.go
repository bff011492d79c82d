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
	t.Parallel()
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
	step("sign-in button", chromedp.Navigate(base+login), chrome.Shown("#others"))
	b.Follow("my lists", `a[href="/lists/mem/archive"]`, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))

	b.Follow("thread list", ".threads", chromedp.Click(chromedp.CSS(`a[href="/lists/mem/archive"]`)))
	if !strings.Contains(text("main"), "zebra notes for mem") {
		t.Fatalf("thread list: %s", text("main"))
	}
	b.Follow("thread", "article.post", chromedp.Click(chromedp.CSS(`.threads a[href="/lists/mem/m/1"]`)))
	if !strings.Contains(text("main"), "In this thread") || !strings.Contains(text("main"), "Ana") {
		t.Fatalf("thread: %s", text("main"))
	}
	step("quote opened", chromedp.Click(chromedp.CSS("details.quote summary")), chrome.Shown("details.quote[open]"))
	b.Do("download the attachment", chromedp.Click(chromedp.CSS(`a[href="/lists/mem/m/1/att/1"]`)))
	waitFor(t, "the attachment downloaded", func() bool {
		pdf, err := os.ReadFile(filepath.Join(downloads, "plan.pdf"))
		return err == nil && strings.HasPrefix(string(pdf), "%PDF")
	})
	b.Follow("search", "table.syntax", chromedp.SendKeys(chromedp.CSS("#site-q"), `"zebra guide"`), chromedp.Submit(chromedp.CSS("#site-q")))
	if !strings.Contains(text("main"), "found") {
		t.Fatalf("search: %s", text("main"))
	}
	if n := chrome.Eval[int](b, "marked words", `document.querySelectorAll('mark').length`); n == 0 {
		t.Fatal("no marked words in the results")
	}
	b.Follow("resource hub", ".entries", chromedp.Click(chromedp.CSS(`nav a[href="/resources"]`)))
	b.Follow("hub by tag", ".entries", chromedp.Click(chromedp.CSS(`.tags a[href="/resources?tag=guides"]`)))
	if got := text("main h2 + ul.entries"); !strings.Contains(got, "plan.pdf") || !strings.Contains(got, "Rivka Cohen") {
		t.Fatalf("hub: %s", got)
	}
	b.Follow("hub by kind", ".entries", chromedp.SetValue(chromedp.CSS("#kind"), "document"), chromedp.Submit(chromedp.CSS("#kind")))
	if got := text(".entries"); strings.Contains(got, "example.net/mem/guide") {
		t.Fatalf("kind filter: %s", got)
	}
}
