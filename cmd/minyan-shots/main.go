// Command minyan-shots takes screenshots of a minyan binary's web pages,
// so a change to the look can be shown before and after:
//
//	minyan-shots -bin ./minyan -out docs/screenshots/after
//
// It starts the binary (`minyan serve`) on a temporary data directory
// with every listener on 127.0.0.1 and its relay pointed at a recording
// SMTP sink in this process, sets up a demo through the binary's own CLI
// (a community list with members, a thread, held posts and sessions),
// signs the list's owner in with the link the sink receives, and saves
// 8-bit PNG screenshots of the directory, the list page, a thread, /me,
// the roster and the held queue at 1280 and 375 px wide, with an index
// (shots.tsv: file, page, width, the page's full height). Long pages are
// cut at maxHeight; the index keeps their full height.
//
// It is a program rather than a test because it drives any built binary
// (an old commit's too) and writes files meant to be committed. It uses
// only the CLI commands, flags and page paths that existed at commit
// 837ae7d, so it runs against that commit and later ones alike.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"minyan/listserv/smtpsink"
)

// The demo's people: the list's owner (who signs in) and its members.
const (
	owner  = "fac@example.org"
	domain = "lists.example.org"
	list   = "circle"
)

// shot is one page to capture, named for its file.
type shot struct{ name, path string }

var shots = []shot{
	{"directory", "/"},
	{"list", "/lists/" + list},
	{"thread", "/lists/" + list + "/m/2"},
	{"me", "/me"},
	{"roster", "/lists/" + list + "/admin/members"},
	{"held", "/lists/" + list + "/admin/held"},
}

// widths are the screens: a laptop and a phone, with their heights; a
// screenshot is cut at maxHeight pixels (the index keeps the full
// height).
var widths = []struct{ w, h int64 }{{1280, 800}, {375, 740}}

const maxHeight = 1400

// paletteSize is how many colours a screenshot keeps: pages are flat
// colour and text, and fewer colours keep the committed files small.
const paletteSize = 16

func main() {
	bin := flag.String("bin", "", "the minyan binary to run (required)")
	out := flag.String("out", "", "directory to write the screenshots to (required)")
	browserPath := flag.String("chromium", "", "Chromium to use (default: chromium on PATH, else /usr/bin/chromium)")
	scheme := flag.String("scheme", "light", "the colour scheme the pages see (prefers-color-scheme): light or dark")
	lang := flag.String("lang", "", "the pages' language (en, he, es; default: the browser's, English)")
	flag.Parse()
	if *bin == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *scheme != "light" && *scheme != "dark" {
		log.Fatalf("-scheme %q: light or dark", *scheme)
	}
	if err := run(*bin, *out, browser{path: *browserPath, scheme: *scheme, lang: *lang}); err != nil {
		log.Fatal(err)
	}
}

// browser is how Chromium is run: which, and what the pages see.
type browser struct{ path, scheme, lang string }

func run(bin, out string, browser browser) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "minyan-shots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sink, err := smtpsink.Start()
	if err != nil {
		return fmt.Errorf("relay sink: %w", err)
	}
	defer sink.Close()
	smtpAddr, httpAddr := freeAddr(), freeAddr()
	base := "http://" + httpAddr
	cfg := filepath.Join(tmp, "minyan.toml")
	conf := fmt.Sprintf(`[server]
domain = %q
data_dir = %q
smtp_listen = %q
http_listen = %q
imap_listen = ""
public_url = %q
timezone = "America/New_York"

[relay]
address = %q

[web]
admins = []
archive = true
`, domain, filepath.Join(tmp, "data"), smtpAddr, httpAddr, base, sink.Addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	cli := func(args ...string) error {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("minyan %s: %v: %s", strings.Join(args, " "), err, b)
		}
		return nil
	}

	// The demo, through the CLI before the daemon starts.
	members := []string{"ann@example.org", "bob@example.org", "carmen@example.org", "dov@example.org", "esther@example.org"}
	for i := range 25 {
		members = append(members, fmt.Sprintf("member%02d@example.org", i+1))
	}
	steps := [][]string{
		{"list", "create", "--kind", "community", "--title", "Study circle", "--description", "We read a chapter a week and meet on Tuesday evenings.", list},
		{"list", "set", list, "archive=members", "timezone=America/New_York"},
		{"list", "create", "--kind", "announce", "--title", "Network news", "--description", "News from the network, once or twice a month.", "news"},
		{"list", "create", "--kind", "discussion", "--title", "Organizers' lounge", "--description", "Questions, ideas and help between organizers.", "lounge"},
		{"member", "add", "--role", "owner", "--name", "Fay Adler", list, owner},
		append([]string{"member", "add", list}, members...),
		{"member", "add", "--role", "owner", "news", owner},
		{"member", "add", "lounge", owner},
		{"session", "add", "--tz", "America/New_York", "--start", "2030-03-05 19:00", "--every", "weekly", "--count", "6", "--duration", "90m",
			"--link", "https://meet.example.org/circle", "--topic", "Weekly circle", list},
	}
	for _, s := range steps {
		if err := cli(s...); err != nil {
			return err
		}
	}

	serve := exec.Command(bin, "--config", cfg, "serve")
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- serve.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			serve.Process.Kill()
		}
	}()
	if err := until("the daemon to answer", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}); err != nil {
		return fmt.Errorf("%w\n%s", err, serveLog.String())
	}

	// A thread, and posts held for the owner.
	mails := []struct{ from, subject, body, extra string }{
		{"ann@example.org", "Reading for Tuesday", "Dear all,\n\nThis week we read chapter three, pages 40 to 62. Bring one question you want the circle to sit with.\n\nSee you Tuesday,\nAnn\n\n-- \nAnn Levi, Columbus", ""},
		{"bob@example.org", "Re: Reading for Tuesday", "Thank you, Ann.\n\n> Bring one question you want the circle to sit with.\n\nMine: what does the author mean by \"a minyan of strangers\"? I will bring tea.\n\nBob", "In-Reply-To: <m1@example.net>\nReferences: <m1@example.net>\n"},
		{"carmen@example.org", "Re: Reading for Tuesday", "I can host the session after next, if we want to meet in person for once.\n\n> I will bring tea.\n\nCarmen", "In-Reply-To: <m2@example.net>\nReferences: <m1@example.net> <m2@example.net>\n"},
		{"stranger@example.net", "Flyer for the winter retreat", "Hello, could you share our retreat with your members? Details below.", ""},
		{"someone@example.com", "Question about joining", "Is the circle open to people outside the network?", ""},
	}
	for i, m := range mails {
		msg := fmt.Sprintf("From: <%s>\r\nTo: <%s@%s>\r\nSubject: %s\r\nMessage-ID: <m%d@example.net>\r\nDate: Mon, 02 Nov 2026 10:0%d:00 -0500\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
			m.from, list, domain, m.subject, i+1, i, strings.ReplaceAll(m.extra, "\n", "\r\n"), strings.ReplaceAll(m.body, "\n", "\r\n"))
		if err := smtp.SendMail(smtpAddr, nil, m.from, []string{list + "@" + domain}, []byte(msg)); err != nil {
			return fmt.Errorf("post %d: %w", i+1, err)
		}
	}
	// The three posts of the thread reach every member.
	if err := until("the thread to be delivered", func() bool {
		n := 0
		for _, m := range sink.Messages() {
			if len(m.Rcpts) > 0 && m.Rcpts[0] == "esther@example.org" && bytes.Contains(m.Data, []byte("Reading for Tuesday")) {
				n++
			}
		}
		return n >= 3
	}); err != nil {
		return err
	}

	return screenshots(browser, base, sink, out)
}

func screenshots(br browser, base string, sink *smtpsink.Sink, out string) error {
	if br.path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			br.path = p
		} else {
			br.path = "/usr/bin/chromium"
		}
	}
	dir, err := os.MkdirTemp("", "minyan-shots-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(br.path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 800))
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	step := func(actions ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return chromedp.Do(c, actions...)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: br.scheme}}})
		return err
	})); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	if br.lang != "" {
		if err := step(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "minyan_lang", Value: br.lang, URL: base, Path: "/"})
			return err
		})); err != nil {
			return err
		}
	}
	if err := step(chromedp.Navigate(base + "/login")); err != nil {
		return err
	}
	// Sign in as the owner with the link the relay receives.
	if err := step(chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.SetValue(chromedp.CSS("#email"), owner), chromedp.Submit(chromedp.CSS("#email"))); err != nil {
		return fmt.Errorf("sign-in form: %w", err)
	}
	var link string
	re := regexp.MustCompile(`/login/[a-z2-7]{16,}`)
	if err := until("the sign-in link", func() bool {
		for _, m := range sink.Messages() {
			if len(m.Rcpts) == 1 && m.Rcpts[0] == owner {
				body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
				if l := re.FindString(string(body)); l != "" {
					link = l
					return true
				}
			}
		}
		return false
	}); err != nil {
		return err
	}
	if err := step(chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.CSS("main form button[type=submit]")),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`a[href="/me"]`))); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}

	var index strings.Builder
	index.WriteString("file\tpage\twidth\tfull height\n")
	for _, sz := range widths {
		var opts []chromedp.EmulateViewportOption
		if sz.w < 600 {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := step(chromedp.EmulateViewport(sz.w, sz.h, opts...)); err != nil {
			return err
		}
		for i, s := range shots {
			if err := step(chromedp.Navigate(base+s.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				return fmt.Errorf("%s: %w", s.path, err)
			}
			var height int64
			c, cancel := context.WithTimeout(ctx, 30*time.Second)
			height, err = chromedp.Run(c, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
			if err != nil {
				cancel()
				return err
			}
			clip := min(height, maxHeight)
			// The screen is made as tall as the part kept, so the
			// screenshot shows it the way a person scrolling would.
			var shotPNG []byte
			err = chromedp.Do(c, screen(sz.w, clip))
			if err == nil {
				shotPNG, err = chromedp.Run(c, chromedp.CaptureScreenshot())
			}
			cancel()
			if err != nil {
				return fmt.Errorf("screenshot of %s: %w", s.path, err)
			}
			if err := step(chromedp.EmulateViewport(sz.w, sz.h, opts...)); err != nil {
				return err
			}
			file := fmt.Sprintf("%d-%s-%d.png", i+1, s.name, sz.w)
			if err := writePaletted(filepath.Join(out, file), shotPNG); err != nil {
				return err
			}
			fmt.Fprintf(&index, "%s\t%s\t%d\t%d\n", file, s.path, sz.w, height)
		}
	}
	return os.WriteFile(filepath.Join(out, "shots.tsv"), []byte(index.String()), 0o644)
}

// writePaletted saves a screenshot as an 8-bit PNG: its paletteSize most common
// colours (to 5 bits a channel; pages are mostly flat colour and text),
// every pixel drawn with the nearest of them.
func writePaletted(path string, shotPNG []byte) error {
	src, err := png.Decode(bytes.NewReader(shotPNG))
	if err != nil {
		return err
	}
	b := src.Bounds()
	key := func(c color.Color) uint16 {
		r, g, bl, _ := c.RGBA()
		return uint16(r>>11)<<10 | uint16(g>>11)<<5 | uint16(bl>>11)
	}
	count := map[uint16]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[key(src.At(x, y))]++
		}
	}
	keys := make([]uint16, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return count[keys[i]] > count[keys[j]] || count[keys[i]] == count[keys[j]] && keys[i] < keys[j]
	})
	keys = keys[:min(len(keys), paletteSize)]
	pal := make(color.Palette, 0, len(keys))
	for _, k := range keys {
		pal = append(pal, color.RGBA{widen(k >> 10), widen(k >> 5 & 31), widen(k & 31), 0xff})
	}
	dst := image.NewPaletted(b, pal)
	nearest := map[uint16]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := src.At(x, y)
			k := key(c)
			i, ok := nearest[k]
			if !ok {
				i = uint8(pal.Index(c))
				nearest[k] = i
			}
			dst.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, dst); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// screen sets the emulated screen to width×height pixels.
func screen(width, height int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: width, Height: height, DeviceScaleFactor: 1, Mobile: width < 600})
		return err
	})
}

// freeAddr is a free 127.0.0.1 port for the daemon to listen on.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// until polls cond (a program waiting for a daemon, not a test) for up
// to a minute.
func until(what string, cond func() bool) error {
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for " + what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// widen spreads a 5-bit channel over 8 bits (31 is 255, white stays white).
func widen(v uint16) uint8 { return uint8(v<<3 | v>>2) }
