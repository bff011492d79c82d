package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/listserv/smtpsink"
)

// buildOnce finds the minyan command the end-to-end tests run: this test
// binary itself, which runs main when its environment says so (see
// asMinyan in main_test.go).
var buildOnce = sync.OnceValues(func() (string, error) {
	bin, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("the test binary as minyan: %w", err)
	}
	if os.Getenv(asMinyan) != "1" {
		return "", fmt.Errorf("the test binary as minyan: %s is not set (TestMain sets it)", asMinyan)
	}
	return bin, nil
})

type e2e struct {
	t    *testing.T
	bin  string
	cfg  string
	dir  string
	smtp string
	http string
	imap string // "" without IMAP
	// relay is where the daemon relays mail.
	relay string
	serv  *exec.Cmd
	// exited is closed when serv has exited (its Wait has returned).
	exited chan struct{}
	logs   *bytes.Buffer
}

func newE2E(t *testing.T, relay string) *e2e {
	if testing.Short() {
		t.Skip("end-to-end test builds the binary; skipped with -short")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := &e2e{t: t, bin: bin, dir: dir, cfg: filepath.Join(dir, "config.toml"), smtp: fixedPort(t), http: fixedPort(t), relay: relay}
	e.writeConfig()
	t.Cleanup(e.stop)
	return e
}

// listenIMAP gives the daemon an IMAP port.
func (e *e2e) listenIMAP() {
	e.imap = fixedPort(e.t)
	e.writeConfig()
}

// writeConfig writes the daemon's config with the ports in e.
func (e *e2e) writeConfig() {
	e.t.Helper()
	conf := fmt.Sprintf(`[server]
domain = "lists.example.org"
data_dir = %q
smtp_listen = %q
http_listen = %q
imap_listen = %q
resolver = "off"
public_url = "http://%s"

[relay]
address = %q
connections = 4
retry = ["1s", "2s"]
`, filepath.Join(e.dir, "data"), e.smtp, e.http, e.imap, e.http, e.relay)
	if err := os.WriteFile(e.cfg, []byte(conf), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// run runs a CLI command with the test's config, as README shows.
func (e *e2e) run(args ...string) (string, error) {
	cmd := exec.Command(e.bin, append([]string{"--config", e.cfg}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("minyan %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func (e *e2e) mustRun(args ...string) string {
	e.t.Helper()
	out, err := e.run(args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// start runs `minyan serve` and waits until it accepts SMTP and admin
// commands. The ports were free when the test picked them, but another
// test's connection may take one before the daemon binds it: then the
// daemon exits at once, saying so, and start tries again on new ports.
func (e *e2e) start() {
	e.t.Helper()
	for attempt := 1; ; attempt++ {
		if e.startOnce() {
			return
		}
		if taken := strings.Contains(e.logs.String(), "already uses this address"); attempt == 5 || !taken {
			e.t.Fatalf("minyan serve exited at start:\n%s", e.logs)
		}
		e.t.Logf("a port was taken before minyan serve bound it; new ports (try %d)", attempt+1)
		e.smtp, e.http = fixedPort(e.t), fixedPort(e.t)
		if e.imap != "" {
			e.imap = fixedPort(e.t)
		}
		e.writeConfig()
	}
}

// startOnce starts the daemon and waits until it listens (true) or
// exits (false).
func (e *e2e) startOnce() bool {
	e.t.Helper()
	e.logs = &bytes.Buffer{}
	e.serv = exec.Command(e.bin, "serve", "--config", e.cfg)
	e.serv.Stdout, e.serv.Stderr = e.logs, e.logs
	if err := e.serv.Start(); err != nil {
		e.t.Fatal(err)
	}
	exited := make(chan struct{})
	e.exited = exited
	go func(c *exec.Cmd) { c.Wait(); close(exited) }(e.serv)
	sock := filepath.Join(e.dir, "data", "admin.sock")
	up := false
	waitFor(e.t, "minyan serve to listen", func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		for _, ep := range [][2]string{{"tcp", e.smtp}, {"unix", sock}} {
			c, err := net.Dial(ep[0], ep[1])
			if err != nil {
				return false
			}
			c.Close()
		}
		up = true
		return true
	})
	if !up {
		e.serv = nil
	}
	return up
}

// kill9 ends the daemon the hard way.
func (e *e2e) kill9() {
	e.serv.Process.Signal(syscall.SIGKILL)
	<-e.exited
	e.serv = nil
}

func (e *e2e) stop() {
	if e.serv != nil {
		e.serv.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.exited:
		case <-time.After(15 * time.Second):
			e.serv.Process.Kill()
			<-e.exited
		}
		e.serv = nil
	}
}

// TestEndToEndKill9 is the crash test of the issue: a 2,000-recipient
// fan-out to a slow relay, kill -9 in the middle, restart, and every
// recipient still gets the post.
func TestEndToEndKill9(t *testing.T) {
	t.Parallel()
	sink := startSink(t)
	sink.Discard(true)
	sink.OnData(func(m smtpsink.Message) *smtp.SMTPError { // a slow relay
		time.Sleep(2 * time.Millisecond)
		return nil
	})
	e := newE2E(t, sink.Addr)
	e.start()

	e.mustRun("list", "create", "--kind", "discussion", "--title", "Network", "network")
	const n = 2000
	var csv strings.Builder
	csv.WriteString("email,name,role,mode,good_standing\n")
	csv.WriteString("organizer@example.net,Org Anizer,owner,each,true\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&csv, "member%04d@example.net,Member %d,member,each,true\n", i, i)
	}
	csvPath := filepath.Join(e.dir, "roster.csv")
	os.WriteFile(csvPath, []byte(csv.String()), 0o600)
	out := e.mustRun("member", "import", "network", csvPath)
	if !strings.Contains(out+"", "2000") {
		t.Logf("import said: %s", out)
	}
	if ls := e.mustRun("member", "ls", "network"); strings.Count(ls, "\n") != n {
		t.Fatalf("member ls shows %d lines, want %d", strings.Count(ls, "\n"), n)
	}

	msg := post("Org Anizer <organizer@example.net>", "network@lists.example.org", "Gathering on Thursday", strings.Repeat("Details follow, with the agenda and the link.\n", 80))
	if err := sendSMTP(e.smtp, false, "organizer@example.net", []string{"network@lists.example.org"}, msg); err != nil {
		t.Fatalf("post: %v\n%s", err, e.logs)
	}
	waitFor(t, "deliveries to start", func() bool { return sink.Delivered() >= 300 })
	e.kill9()
	atKill := sink.Delivered()
	t.Logf("killed minyan serve after %d of %d deliveries", atKill, n)
	if atKill >= n {
		t.Fatal("the fan-out finished before the kill; the test proves nothing (make the sink slower)")
	}

	e.start()
	waitFor(t, "every recipient after restart", func() bool { return len(sink.RcptCounts()) >= n })
	waitFor(t, "the queue to drain", func() bool {
		out, err := e.run("queue", "ls")
		return err == nil && strings.TrimSpace(out) == ""
	})
	dups := 0
	for _, c := range sink.RcptCounts() {
		dups += c - 1
	}
	t.Logf("after restart: %d recipients, %d duplicate deliveries", len(sink.RcptCounts()), dups)
	// Duplicates can only come from transactions in flight or not yet
	// committed at the kill: a handful per connection, never a re-run.
	if dups > 40 {
		t.Fatalf("%d duplicates: the queue re-sent more than the in-flight work", dups)
	}
	if out := e.mustRun("list", "show", "network"); !strings.Contains(out, "archived") && !strings.Contains(out, "posts") {
		t.Logf("list show: %s", out)
	}
	// A clean stop (SIGTERM) logs no errors.
	logs := e.logs
	e.stop()
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged by a normal run and stop:\n%s", logs)
	}
}
