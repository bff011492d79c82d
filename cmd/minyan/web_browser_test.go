package main

import (
	"context"
	"encoding/json"
	"minyan/listserv"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeSource finds axe-core: the file MINYAN_AXE names (what .ci/run
// exports), else where .ci/run installs it (npm install --prefix .ci/node
// axe-core@4.14.1). Under CI a missing browser or axe fails the test;
// elsewhere it skips.
func axeSource(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")
	if env := os.Getenv("MINYAN_AXE"); env != "" {
		p = env
	}
	b, err := os.ReadFile(p)
	if err != nil {
		missing(t, "axe-core ("+p+"): run npm install --prefix .ci/node axe-core@4.14.1")
	}
	return string(b)
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing, and CI is set", what)
	}
	t.Skipf("%s is missing (set CI to make this a failure)", what)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// checkAxe runs axe-core (WCAG 2.1 A and AA rules) on the current page
// and fails on serious or critical violations.
func checkAxe(t *testing.T, ctx context.Context, axe, where string) {
	t.Helper()
	script := axe + `;
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})
  .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", where, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe on %s: %v (%s)", where, err, out)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe on %s: %s (%s) %s, %d nodes", where, v.ID, v.Impact, v.Help, v.Nodes)
		} else {
			t.Logf("axe on %s: %s (%s), %d nodes", where, v.ID, v.Impact, v.Nodes)
		}
	}
	checkHTML(t, ctx, where)
}

// TestWebBrowserWalkThrough drives headless Chromium through the member
// pages: directory, list page, join form, the confirmation mail's link,
// sign-in by mail, /me, switching to the digest, and leaving; axe-core
// checks every page on the way.
func TestWebBrowserWalkThrough(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		missing(t, "chromium")
	}
	axe := axeSource(t)
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"ana@example.org": "owner"})
	if _, err := e.srv.App.Svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "team", []string{"title=Organizers' team", "description=Where organizers share what works."}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + e.srv.HTTPAddr

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
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
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
	me := "new.person@example.org"

	step("directory", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if !strings.Contains(text("main"), "Organizers' team") {
		t.Fatalf("directory does not list the team: %s", text("main"))
	}
	step("list page", chromedp.Click(chromedp.CSS(`a[href="/lists/team"]`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	step("join sent", chromedp.SendKeys(chromedp.CSS("#email"), me), chromedp.SendKeys(chromedp.CSS("#name"), "New Person"),
		chromedp.Submit(chromedp.CSS("#email")), chromedp.WaitVisible(chromedp.CSS(`a[href="/lists/team"]`)))
	if !strings.Contains(text("main"), "a message is on its way") {
		t.Fatalf("join answer: %s", text("main"))
	}
	confirm := mailLink(t, e, me, "confirm", 0)
	step("confirm page", chromedp.Navigate(base+confirm), chromedp.WaitVisible(chromedp.CSS("main button")))
	step("confirmed", chromedp.Click(chromedp.CSS("main button")), chromedp.WaitNotPresent(chromedp.CSS("main form button")))
	if !strings.Contains(text("main"), "now a member") {
		t.Fatalf("confirmation answer: %s", text("main"))
	}
	step("sign-in page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")))
	step("sign-in sent", chromedp.SendKeys(chromedp.CSS("#email"), me), chromedp.Submit(chromedp.CSS("#email")),
		chromedp.WaitNotPresent(chromedp.CSS("#email")))
	login := mailLink(t, e, me, "login", 0)
	step("sign-in button", chromedp.Navigate(base+login), chromedp.WaitVisible(chromedp.CSS("#others")))
	step("my lists", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#m-team-digest")))
	step("digest saved", chromedp.Click(chromedp.CSS("#m-team-digest")),
		chromedp.Click(chromedp.CSS(`form[action="/me/lists/team"] fieldset button`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if !strings.Contains(text(".notice"), "digest") {
		t.Fatalf("mode answer: %s", text(".notice"))
	}
	var mode string
	e.srv.App.Store.View(func(tx *storeTx) error {
		mb, err := tx.Membership("team", me)
		mode = string(mb.Mode) + " " + string(mb.Status)
		return err
	})
	if mode != "digest ok" {
		t.Fatalf("membership after switching: %q", mode)
	}
	// The old page has a notice too: wait for the team's forms to go
	// first, so axe never runs on a page being replaced.
	step("left", chromedp.Click(chromedp.CSS(`form[action="/me/lists/team"] button.secondary`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/me/lists/team"]`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if !strings.Contains(text(".notice"), "has left") {
		t.Fatalf("leave answer: %s", text(".notice"))
	}
	if err := e.srv.App.Store.View(func(tx *storeTx) error { _, err := tx.Membership("team", me); return err }); err == nil {
		t.Fatalf("still a member after leaving")
	}
}
