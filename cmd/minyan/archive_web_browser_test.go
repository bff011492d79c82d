package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestArchiveBrowserWalkThrough drives headless Chromium through the web
// archive as a member: thread list, a thread, an attachment download,
// search from the layout's box, and the resource hub filtered by a tag;
// axe-core checks every page on the way.
func TestArchiveBrowserWalkThrough(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		missing(t, "chromium")
	}
	axe := axeSource(t)
	e := archiveWebEnv(t)
	base := "http://" + e.srv.HTTPAddr
	downloads := t.TempDir()

	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel3()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		// axe is injected as script; the site's policy forbids script.
		if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	step := func(where string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		checkAxe(t, ctx, axe, where)
	}

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
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/lists/mem/m/1/att/1"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the attachment downloaded", func() bool {
		b, err := os.ReadFile(filepath.Join(downloads, "plan.pdf"))
		return err == nil && strings.HasPrefix(string(b), "%PDF")
	})
	step("search", chromedp.SendKeys(chromedp.CSS("#site-q"), `"zebra guide"`), chromedp.Submit(chromedp.CSS("#site-q")),
		chromedp.WaitVisible(chromedp.CSS("table.syntax")))
	if !strings.Contains(text("main"), "found") {
		t.Fatalf("search: %s", text("main"))
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('mark').length`))
	if err != nil || n == 0 {
		t.Fatalf("no marked words in the results (%v)", err)
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
