package main

import (
	"minyan/listserv/testkit/chrome"

	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
)

// langMbox is a thread of two posts: one in Hebrew, a reply in English.
const langMbox = `From noa@example.org Mon Nov  2 10:00:00 2026
From: =?utf-8?b?16DXldei15Qg15zXldeZ?= <noa@example.org>
To: circle@lists.example.org
Subject: =?utf-8?b?15zXmdee15XXkyDXkdep15HXqg==?=
Message-ID: <he1@example.org>
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

שלום לכולם, נלמד את הפרק השני ביום שבת בבוקר.
מי מביא את הספרים?

From alice@example.org Mon Nov  2 12:00:00 2026
From: Alice Author <alice@example.org>
To: circle@lists.example.org
Subject: =?utf-8?b?UmU6INec15nXnteV15Mg15HXqdeR16o=?=
Message-ID: <en1@example.org>
In-Reply-To: <he1@example.org>
References: <he1@example.org>
Date: Mon, 2 Nov 2026 12:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello all, I will bring the books on Saturday morning.
`

// shotDir is where the Hebrew screenshots go (outside the repository):
// MINYAN_SHOTS, or nowhere when unset.
func shotDir() string { return os.Getenv("MINYAN_SHOTS") }

// TestHebrewPagesInBrowser: a person with lang he reads /me and a thread
// in Chromium at 375 px: <html lang="he" dir="rtl">, the page laid out
// right to left, each post in its own direction (the English reply
// stays left to right), and axe-core clean on every page.
func TestHebrewPagesInBrowser(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Archive = true })
	ctx := context.Background()
	e.setup("circle", "discussion", map[string]string{"noa@example.org": "member", "alice@example.org": "member"}, "archive=members", "title=מעגל לימוד")
	he := listserv.LangHebrew
	if _, err := e.srv.App.Svc.SetProfile(ctx, listserv.Operator(listserv.DoorCLI), "noa@example.org", listserv.ProfileChange{Lang: &he}); err != nil {
		t.Fatal(err)
	}
	mbox := strings.ReplaceAll(langMbox, "\n", "\r\n")
	if res, err := e.srv.App.Svc.ImportArchive(ctx, "circle", strings.NewReader(mbox), int64(len(mbox)), listserv.ImportOptions{}); err != nil || res.Imported != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 375, 740)
	b.Visit("sign-in page", "/login", "#email")
	b.Follow("sign-in sent", "main h1", chromedp.SetValue(chromedp.CSS("#email"), "noa@example.org"), chromedp.Submit(chromedp.CSS("#email")))
	link := mailLink(t, e, "noa@example.org", "login", 0)
	b.Visit("sign-in button", link, "#others")
	b.Follow("my lists", `a[href="/me"]`, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if h := b.Text("main h1"); h != "הרשימות שלי" {
		t.Errorf("/me heading %q", h)
	}
	if got := chrome.Eval[string](b, "/me html", `document.documentElement.lang + " " + document.documentElement.dir + " " + getComputedStyle(document.body).direction`); got != "he rtl rtl" {
		t.Errorf("/me: lang, dir and direction %q", got)
	}
	shot(b, "me-he-375.png")

	b.Visit("thread", "/lists/circle/m/1", "article.post")
	dirs := chrome.Eval[map[string]string](b, "thread directions", `(() => ({
		page: getComputedStyle(document.body).direction,
		post: getComputedStyle(document.querySelector("article.post .body")).direction,
		title: getComputedStyle(document.querySelector("main h1")).direction }))()`)
	if dirs["page"] != "rtl" || dirs["post"] != "rtl" || dirs["title"] != "rtl" {
		t.Errorf("Hebrew thread: %v", dirs)
	}
	shot(b, "thread-he-375.png")
	b.Visit("English reply", "/lists/circle/m/2", "article.post")
	dirs = chrome.Eval[map[string]string](b, "reply directions", `(() => ({
		page: getComputedStyle(document.body).direction,
		post: getComputedStyle(document.querySelector("article.post .body")).direction }))()`)
	if dirs["page"] != "rtl" || dirs["post"] != "ltr" {
		t.Errorf("an English post on a Hebrew page: %v", dirs)
	}
	b.Visit("archive", "/lists/circle/archive", ".threads")
	b.Visit("directory", "/", "main h1")
}

// shot saves a screenshot of the whole page under MINYAN_SHOTS.
func shot(b *chrome.Session, name string) {
	dir := shotDir()
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	b.Screenshot(filepath.Join(dir, name))
}
