package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromeSession is one headless Chromium tab driven through the running
// server's pages. Every page it lands on is checked by axe-core (serious
// and critical violations fail the test) and must not be wider than the
// viewport. Each step has its own short deadline, so a broken page fails
// in seconds, not at the test's timeout.
type chromeSession struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// chromeStepTimeout bounds one step (an action and the page it leads to).
// Generous for a loaded 2-core machine; it only matters when broken.
const chromeStepTimeout = 30 * time.Second

// openChrome starts Chromium with a width×height viewport. Without
// Chromium or axe-core it fails under CI and skips elsewhere.
func openChrome(t *testing.T, base string, width, height int64) *chromeSession {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		missing(t, "chromium")
	}
	axe := axeSource(t)
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(int(width), int(height)))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first call starts the browser and must not carry a deadline
	// (it would end the browser); later steps each get one.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// axe-core is loaded into every new page by the browser itself, not
	// sent over the wire again for each check.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axe})
		return err
	})); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	b := &chromeSession{t: t, ctx: ctx, base: base}
	b.viewport(width, height)
	return b
}

// viewport switches to a width×height screen, as a phone when narrower
// than 600 pixels (the page's meta viewport then applies).
func (b *chromeSession) viewport(width, height int64) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	b.do("viewport", chromedp.EmulateViewport(width, height, opts...))
}

func (b *chromeSession) do(where string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, chromeStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", where, err)
	}
}

func chromeEval[T any](b *chromeSession, where, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, chromeStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", where, err)
	}
	return v
}

// visit opens path, waits for sel and checks the page.
func (b *chromeSession) visit(where, path, sel string) {
	b.t.Helper()
	b.do(where, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
	b.check(where)
}

// follow runs actions that leave the page (a click on a link or a
// submit button), waits until the next page shows sel, and checks it.
// The old page is marked first, so sel is never found on it.
func (b *chromeSession) follow(where, sel string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	chromeEval[bool](b, where+": mark the old page", `(document.documentElement.dataset.stale = "1", true)`)
	b.do(where, append(actions, chromedp.WaitVisible(chromedp.CSS("html:not([data-stale]) "+sel)))...)
	b.check(where)
}

// text is the visible text of the first element matching sel.
func (b *chromeSession) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, chromeStepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// check runs axe-core and the width check on the current page.
func (b *chromeSession) check(where string) {
	b.t.Helper()
	out := chromeEval[string](b, where+": axe", `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))))`)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v (%s)", where, err, out)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("axe on %s: %s (%s) %s, %d nodes", where, v.ID, v.Impact, v.Help, v.Nodes)
		} else {
			b.t.Logf("axe on %s: %s (%s), %d nodes", where, v.ID, v.Impact, v.Nodes)
		}
	}
	var w struct {
		Scroll, Client int
		Wide           []string
	}
	out = chromeEval[string](b, where+": width", `(() => {
  const d = document.documentElement, w = d.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " ends at " + Math.round(e.getBoundingClientRect().right));
  return JSON.stringify({Scroll: d.scrollWidth, Client: w, Wide: wide});
})()`)
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		b.t.Fatalf("%s: width: %v (%s)", where, err, out)
	}
	if w.Client == 0 || w.Scroll > w.Client {
		b.t.Errorf("%s: the page is %d px wide on a %d px screen (%s)", where, w.Scroll, w.Client, strings.Join(w.Wide, "; "))
	}
	ctx, cancel := context.WithTimeout(b.ctx, chromeStepTimeout)
	defer cancel()
	checkHTML(b.t, ctx, where)
}

// signIn signs addr in by mail: the sign-in form, the link from the
// relay sink (the skip-th sign-in mail to addr), and its button.
func (b *chromeSession) signIn(e *testEnv, addr string, skip int) {
	b.t.Helper()
	b.visit("sign-in page", "/login", "#email")
	b.follow("sign-in sent", "main h1", chromedp.SetValue(chromedp.CSS("#email"), addr), chromedp.Submit(chromedp.CSS("#email")))
	link := mailLink(b.t, e, addr, "login", skip)
	b.visit("sign-in button", link, "#others")
	b.follow("signed in", `a[href="/me"]`, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if h := b.text("main h1"); !strings.Contains(h, "My lists") {
		b.t.Fatalf("after signing in as %s: %q", addr, h)
	}
}
