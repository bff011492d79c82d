package digest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The digest's HTML part is opened in headless Chromium and checked with
// axe-core: in light and dark color schemes, at a phone's width. Without
// Chromium or axe-core the test skips, except under CI (env CI set),
// where it fails. MINYAN_AXE is the path of axe.min.js.

// browserTools finds Chromium and axe-core, or skips (fails under CI).
func browserTools(t *testing.T) (chromium string, axe []byte) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (CI must install it)", what)
		}
		t.Skipf("%s is missing; skipping the browser check", what)
	}
	chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		p, err := exec.LookPath("chromium")
		if err != nil {
			missing("Chromium (/usr/bin/chromium)")
		}
		chromium = p
	}
	path := os.Getenv("MINYAN_AXE")
	if path == "" {
		missing("axe-core (set MINYAN_AXE to axe.min.js)")
	}
	axe, err := os.ReadFile(path)
	if err != nil {
		missing("axe-core at " + path)
	}
	return chromium, axe
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkInBrowser serves doc on 127.0.0.1, opens it in Chromium and fails
// on serious or critical axe-core violations, in light and dark mode,
// and when the page is wider than a phone.
func checkInBrowser(t *testing.T, name, doc string) {
	t.Helper()
	chromium, axe := browserTools(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(doc))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	run := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}).then(r => JSON.stringify(r.violations))`
	for _, scheme := range []string{"light", "dark"} {
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(375, 740),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				return err
			}),
			chromedp.Navigate("http://"+ln.Addr().String()+"/"),
			chromedp.WaitReady("body"),
			chromedp.Evaluate[chromedp.Void](string(axe)),
		)
		var out string
		var overflow bool
		if err == nil {
			out, err = chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
		}
		if err == nil {
			overflow, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		}
		if err != nil {
			t.Fatalf("%s (%s): browser: %v", name, scheme, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			t.Fatalf("axe result: %v: %s", err, out)
		}
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				var where []string
				for _, n := range v.Nodes {
					b, _ := json.Marshal(n.Target)
					where = append(where, string(b))
				}
				t.Errorf("%s (%s): axe %s (%s): %s at %s", name, scheme, v.ID, v.Impact, v.Help, strings.Join(where, " "))
			} else {
				t.Logf("%s (%s): axe %s (%s): %s", name, scheme, v.ID, v.Impact, v.Help)
			}
		}
		if overflow {
			t.Errorf("%s (%s): the page is wider than a phone's screen", name, scheme)
		}
	}
}

func TestDigestHTMLInBrowser(t *testing.T) {
	browserTools(t) // skip early, before building the digests
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := inlineWeek(t, e)
	e.run(slot.Add(time.Minute))
	checkInBrowser(t, "weekly digest", string(clientParts(t, e.ofKind(kindWeekly)[0].Raw)["text/html"][0]))

	// A long week, shortened.
	e2 := newEnv(t, t0)
	e2.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e2.run(t0)
	slot = longWeek(t, e2, "talk", 200)
	e2.run(slot.Add(time.Minute))
	checkInBrowser(t, "long weekly digest", string(clientParts(t, e2.ofKind(kindWeekly)[0].Raw)["text/html"][0]))
}
