package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

func cpu() float64 {
	b, _ := os.ReadFile("/proc/stat")
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
	s := 0.0
	for _, i := range []int{1, 2, 3, 6, 7} {
		v, _ := strconv.ParseFloat(f[i], 64)
		s += v
	}
	return s / 100
}

func main() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	pg := `<!doctype html><html lang=en><head><title>t</title><link rel=stylesheet href=/s.css></head><body><main><h1>Hello</h1>` + strings.Repeat("<p>Some text here <a href=/x>link</a></p>", 50) + `</main></body></html>`
	axe, _ := os.ReadFile("/work/main/.ci/node/node_modules/axe-core/axe.min.js")
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/s.css" {
			w.Header().Set("Content-Type", "text/css")
			w.Write([]byte("body{font-family:sans-serif;max-width:40em;margin:auto}"))
			return
		}
		if r.URL.Path == "/axe.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Cache-Control", "max-age=3600")
			w.Write(axe)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(pg))
	}))
	base := "http://" + l.Addr().String()
	dir, _ := os.MkdirTemp("", "x")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath("chromium-headless-shell"), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process,BackForwardCache,RenderDocument,PaintHolding"),
		chromedp.Flag("js-flags", "--no-opt --no-maglev"),
		chromedp.Flag("enable-begin-frame-control", true), chromedp.Flag("run-all-compositor-stages-before-draw", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(1024, 768)}
	actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, _ := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		panic(err)
	}
	mode := os.Args[1]
	nnav, _ := strconv.Atoi(os.Args[2])
	c1 := cpu()
	t0 := time.Now()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		panic(err)
	}
	src := string(axe)
	switch mode {
	case "inject":
	case "wrapped":
		src = "(0, eval)(" + strconvQuote(src) + ")"
	case "tag":
		src = `document.addEventListener("DOMContentLoaded", () => { const s = document.createElement("script"); s.src = "` + base + `/axe.js"; document.head.append(s); })`
	}
	if mode != "none" {
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
			return err
		})); err != nil {
			panic(err)
		}
	}
	for j := 0; j < nnav; j++ {
		if os.Getenv("JSWAIT") != "" {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/p"+strconv.Itoa(j))); err != nil {
				panic(err)
			}
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("main h1").checkVisibility()`))
			if err != nil || !ok {
				panic(err)
			}
		} else if err := chromedp.Do(ctx, chromedp.Navigate(base+"/p"+strconv.Itoa(j)), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			panic(err)
		}
		if mode != "none" && os.Getenv("CHECK") != "" {
			ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`typeof axe !== "undefined"`))
			if err != nil || !ok {
				panic(fmt.Sprint("no axe ", err))
			}
		}
	}
	cancel()
	c2 := cpu()
	fmt.Printf("%s %d navs: %.2f s cpu, %v wall\n", mode, nnav, c2-c1, time.Since(t0))
}

func strconvQuote(s string) string { return strconv.Quote(s) }
