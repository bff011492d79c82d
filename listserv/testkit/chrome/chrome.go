// Package chrome is the one helper every browser test of minyan uses: it
// runs headless Chromium (one process per test binary, a fresh browser
// context per test) with axe-core loaded into every page, and checks
// each page for serious or critical axe-core violations and for being wider
// than the screen. Each step has its own deadline, so a broken page fails
// in seconds, not at the test's timeout. Without Chromium or axe-core a
// test skips, but fails when env CI is set: CI must never pass a browser
// test it did not run. Production code does not import it.
package chrome

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/headlessexperimental"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one step (an action and the page it leads to).
// Generous for a loaded 2-core machine; it only matters when broken.
const StepTimeout = 30 * time.Second

// Missing skips the test for a missing tool, or fails it when env CI is
// set.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing, and CI is set", what)
	}
	t.Skipf("%s is missing (set CI to make this a failure)", what)
}

// Tools finds Chromium and axe-core, or skips the test (fails it under
// CI). Chromium is, in this order: the program env MINYAN_CHROMIUM names;
// chromium-headless-shell (Debian's package of that name, which .ci/run
// installs); chromium on PATH; /usr/bin/chromium. The headless shell is
// the browser engine without the desktop browser around it: on the 2-core
// machine a navigation costs it about a fifth of the CPU the full
// browser's headless mode spends (which draws a hidden window, its tab
// strip and a GPU process for every tab), and the pages' HTML, CSS and
// axe-core results are the same engine's. axe-core is the file env
// MINYAN_AXE names, else where .ci/run installs it: npm install --prefix
// .ci/node axe-core.
func Tools(t testing.TB) (chromium, axe string) {
	t.Helper()
	chromium = findChromium()
	if chromium == "" {
		Missing(t, "chromium (or chromium-headless-shell)")
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")
	if env := os.Getenv("MINYAN_AXE"); env != "" {
		p = env
	}
	b, err := os.ReadFile(p)
	if err != nil {
		Missing(t, "axe-core ("+p+"): run npm install --prefix .ci/node axe-core, or set MINYAN_AXE")
	}
	return chromium, string(b)
}

// findChromium is the browser Tools uses, or "" when there is none.
func findChromium() string {
	if p := os.Getenv("MINYAN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium-headless-shell", "chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// Session is one headless Chromium tab. Base is prefixed to the paths
// Visit opens.
type Session struct {
	t    testing.TB
	ctx  context.Context
	Base string
	// width and height are the screen Viewport set last; Screenshot
	// returns to it.
	width, height int64
	// Tags are the axe-core rule tags Check runs: WCAG 2.1 A and AA;
	// a test may add "best-practice".
	Tags []string
}

// browser is one headless Chromium shared by every Session of a test
// binary: starting Chromium costs about a second of CPU, more than most
// walk-throughs' pages together, and a package's browser tests run side by
// side on two cores. Each Session gets its own browser context (cookies,
// storage, cache and downloads of its own, as a fresh profile would) and
// its own tab, so tests sharing the process share no state. It is the one
// package-level variable here: one Chromium per process is its point.
var browser struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab; tabs of Sessions derive from it
	cancel context.CancelFunc
	dir    string // the profile directory, removed by Close
	err    error
}

// start starts the shared Chromium once; later calls return the first
// call's answer.
func start(bin string) (context.Context, error) {
	browser.once.Do(func() {
		dir, err := os.MkdirTemp("", "minyan-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		browser.dir = dir
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			// One renderer per browser context instead of one per
			// site and navigation, no page kept for "back": about a
			// tenth less CPU for the walk-throughs (44.5 s instead of
			// 48.8 s for cmd/minyan's, same load), and no test relies
			// on either (they are all on 127.0.0.1).
			chromedp.Flag("disable-features", "IsolateOrigins,site-per-process,BackForwardCache,RenderDocument,PaintHolding"),
			// V8's optimizing compilers pay off for code that runs
			// long; a test page lives for a second, and axe-core,
			// its one big script, runs once on it. Without them the
			// browser tests spend about a sixth less CPU.
			chromedp.Flag("js-flags", "--no-opt --no-maglev"),
			// The browser draws a frame only when asked for one
			// (Screenshot asks). minyan's pages have no scripts or
			// animations, and what the tests read (boxes, styles,
			// visibility, axe-core's colours and hit tests) is laid
			// out when read, not drawn: the browser tests spend about
			// an eighth less CPU without the frames nobody looks at.
			// Asking for a frame needs the compositor to finish each
			// frame before it is drawn (the second flag).
			chromedp.Flag("enable-begin-frame-control", true),
			chromedp.Flag("run-all-compositor-stages-before-draw", true),
			chromedp.UserDataDir(dir), chromedp.WindowSize(1024, 768)}
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelB := chromedp.NewContext(actx)
		browser.ctx = ctx
		browser.cancel = func() { cancelB(); cancelA() }
		// The first call starts the browser and must not carry a
		// deadline (it would end the browser).
		if err := chromedp.Do(ctx); err != nil {
			browser.err = err
		}
	})
	return browser.ctx, browser.err
}

// Close ends the shared Chromium and removes its profile. A test binary
// calls it once after its tests (see Main); without it the kernel still
// ends Chromium with the test binary, but its profile stays in the
// temporary directory.
func Close() {
	browser.once.Do(func() {}) // no browser may start after Close
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
}

// Main runs a package's tests (m.Run) and then ends the shared Chromium:
// a test binary whose tests use this package calls it from TestMain,
// os.Exit(chrome.Main(m)).
func Main(m *testing.M) int {
	defer Close()
	return m.Run()
}

// Open opens a tab with a width×height screen (see Viewport) in a new
// browser context of the shared Chromium (started by the first Open).
// The tab and its context end with the test.
func Open(t testing.TB, base string, width, height int64) *Session {
	t.Helper()
	bin, axe := Tools(t)
	bctx, err := start(bin)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// axe-core is injected as script, which the pages' policy forbids:
	// CSP is bypassed for the test.
	// The first call opens the tab, whose event loop lives as long as
	// the call's context: so it runs on the tab's own context, without a
	// deadline, and the step's deadline is kept by waiting here.
	opened := make(chan error, 1)
	go func() {
		opened <- chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		}))
	}()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(StepTimeout):
		t.Fatalf("open a tab: no answer from chromium in %v", StepTimeout)
	}
	s := &Session{t: t, ctx: ctx, Base: base, Tags: []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}}
	// chromedp turns on the CSS domain for every tab, which makes the
	// browser report each style sheet and keep what its inspector would
	// show; nothing here reads it, and the tests spend a few percent less
	// CPU without it.
	s.Do("css domain off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, css.Disable, cdp.Empty{})
		return err
	}))
	// axe-core is loaded into every new page by the browser itself, not
	// sent over the wire again for each check.
	s.Do("load axe-core", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axe})
		return err
	}))
	s.Viewport(width, height)
	return s
}

// Viewport switches to a width×height screen, as a phone when narrower
// than 600 pixels (the page's meta viewport then applies).
func (s *Session) Viewport(width, height int64) {
	s.t.Helper()
	s.width, s.height = width, height
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	s.Do("viewport", chromedp.EmulateViewport(width, height, opts...))
}

// ColorScheme makes the pages see prefers-color-scheme: scheme ("light"
// or "dark").
func (s *Session) ColorScheme(scheme string) {
	s.t.Helper()
	s.Do("color scheme "+scheme, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
}

// AllowDownloads saves what the pages download in dir.
func (s *Session) AllowDownloads(dir string) {
	s.t.Helper()
	s.Do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	}))
}

// SetCookie stores an HttpOnly, SameSite=Lax cookie for Base in the
// session's browser context, as the site's own Set-Cookie would: a test
// that is not about signing in starts signed in with a session the domain
// made, instead of walking the sign-in pages again (which a sign-in test
// checks).
func (s *Session) SetCookie(name, value string) {
	s.t.Helper()
	httpOnly := true
	s.Do("cookie "+name, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: s.Base,
			HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax})
		return err
	}))
}

// Do runs actions within one step's deadline and fails the test with
// where when they fail.
func (s *Session) Do(where string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", where, err)
	}
}

// Screenshot saves a screenshot of the whole page as a PNG at path. The
// browser draws frames only when asked (see start): the screen is made as
// tall as the page, one frame is drawn and captured, and the screen is set
// back.
func (s *Session) Screenshot(path string) {
	s.t.Helper()
	width, height := s.width, s.height
	s.Viewport(width, max(Eval[int64](s, "page height", `document.documentElement.scrollHeight`), height))
	var png []byte
	s.Do("screenshot "+path, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// The first frame takes the new screen size; the second is
		// drawn at it.
		for range 2 {
			res, err := cdp.Call(ctx, t, headlessexperimental.BeginFrame, headlessexperimental.BeginFrameParams{
				Screenshot: &headlessexperimental.ScreenshotParams{Format: headlessexperimental.ScreenshotParamsFormatPng}})
			if err != nil {
				return err
			}
			png = res.ScreenshotData
		}
		return nil
	}))
	s.Viewport(width, height)
	if len(png) == 0 {
		s.t.Fatalf("screenshot %s: the browser drew no frame", path)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// Step runs actions that lead to a page (and wait for it), then checks
// that page.
func (s *Session) Step(where string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	s.Do(where, actions...)
	s.Check(where)
}

// Eval evaluates js in the page (awaiting a promise) within one step's
// deadline.
func Eval[T any](s *Session, where, js string) T {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: %v", where, err)
	}
	return v
}

// Visit opens Base+path, waits for sel and checks the page.
func (s *Session) Visit(where, path, sel string) {
	s.t.Helper()
	s.Step(where, chromedp.Navigate(s.Base+path), Shown(sel))
}

// Follow runs actions that leave the page (a click on a link or a
// submit button), waits until the next page shows sel, and checks it.
// The old page is marked first, so sel is never found on it.
func (s *Session) Follow(where, sel string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	Eval[bool](s, where+": mark the old page", `(document.documentElement.dataset.stale = "1", true)`)
	s.Step(where, append(actions, Shown("html:not([data-stale]) "+sel))...)
}

// Shown waits until the page has loaded (its style sheets too) and the
// first element matching sel is laid out (has a box), as
// chromedp.WaitVisible does for its element. It asks the page itself,
// every millisecond at first and then every 20 at most: chromedp's own
// wait mirrors the document's nodes into the test over the DevTools
// protocol first, which costs the browser about a sixth more CPU per
// page. Errors while one page gives way to the next are retried; the
// step's deadline ends the wait.
func Shown(sel string) chromedp.Action[chromedp.Void] {
	quoted, _ := json.Marshal(sel)
	js := `(() => {
  if (document.readyState !== "complete") return false;
  const e = document.querySelector(` + string(quoted) + `);
  return !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
})()`
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		var last error
		for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return nil
			}
			if err != nil {
				last = err
			}
			select {
			case <-ctx.Done():
				if last != nil {
					return fmt.Errorf("waiting for %s: %w (the page last said: %v)", sel, ctx.Err(), last)
				}
				return fmt.Errorf("waiting for %s: %w", sel, ctx.Err())
			case <-time.After(wait):
			}
		}
	})
}

// Text is the visible text of the first element matching sel.
func (s *Session) Text(sel string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// violation is the part of an axe-core result a test reports.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Check runs axe-core (s.Tags), the width check and htmlCheckJS on the
// current page, in one call to the browser: serious and critical
// violations, a page wider than its screen and invalid HTML fail the
// test; lesser violations are logged.
func (s *Session) Check(where string) {
	s.t.Helper()
	tags, _ := json.Marshal(s.Tags)
	// One call does the three checks: axe-core, the width and the HTML.
	out := Eval[string](s, where+": checks", `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]});
  const violations = r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => JSON.stringify(n.target))}));
  const d = document.documentElement, w = d.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " ends at " + Math.round(e.getBoundingClientRect().right));
  return JSON.stringify({violations, scroll: d.scrollWidth, client: w, wide, html: (`+htmlCheckJS+`)()});
})()`)
	var res struct {
		Violations     []violation
		Scroll, Client int
		Wide, HTML     []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		s.t.Fatalf("checks on %s: %v (%s)", where, err, out)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			s.t.Errorf("axe on %s: %s (%s) %s at %s", where, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " "))
		} else {
			s.t.Logf("axe on %s: %s (%s) %s", where, v.ID, v.Impact, v.Help)
		}
	}
	if res.Client == 0 || res.Scroll > res.Client {
		s.t.Errorf("%s: the page is %d px wide on a %d px screen (%s)", where, res.Scroll, res.Client, strings.Join(res.Wide, "; "))
	}
	if len(res.HTML) > 0 {
		s.t.Errorf("html check on %s: %s", where, strings.Join(res.HTML, "; "))
	}
}
