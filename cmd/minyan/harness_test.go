package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"minyan/listserv"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"minyan/listserv/smtpsink"
	"minyan/listserv/testkit"
	"minyan/store"
)

// fakeClock is a clock tests move by hand.
type fakeClock = testkit.Clock

func newFakeClock() *fakeClock {
	return testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
}

type testEnv struct {
	t     *testing.T
	srv   *Server
	sink  *smtpsink.Sink
	clock *fakeClock
	dns   *testkit.DNS
	cfg   *Config
}

// startSink starts a recording relay on loopback; it closes after the
// test's other cleanups (the daemons that send to it stop first).
func startSink(t *testing.T) *smtpsink.Sink {
	t.Helper()
	sink, err := smtpsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

// startEnv runs the real server on loopback ports with a recording relay
// sink, a fake clock and fake DNS. mutate may change the config first.
func startEnv(t *testing.T, mutate func(*Config)) *testEnv {
	t.Helper()
	sink := startSink(t)
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.SMTPListen = "127.0.0.1:0"
	cfg.Server.LMTPListen = "127.0.0.1:0"
	cfg.Server.HTTPListen = "127.0.0.1:0"
	cfg.Server.IMAPListen = "127.0.0.1:0"
	cfg.Relay.Address = sink.Addr
	cfg.Relay.Retry = []Duration{{time.Minute}, {5 * time.Minute}}
	if mutate != nil {
		mutate(cfg)
	}
	env := &testEnv{t: t, sink: sink, clock: newFakeClock(), dns: testkit.NewDNS(nil), cfg: cfg}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MINYAN_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	env.srv, err = startServer(cfg, log, serverDeps{Clock: env.clock, Resolver: env.dns, AppPasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.srv.Close() })
	return env
}

// send speaks SMTP to the server like an MX would.
func (e *testEnv) send(from string, to []string, msg string) error {
	return sendSMTP(e.srv.SMTPAddr, false, from, to, msg)
}

func sendSMTP(addr string, lmtp bool, from string, to []string, msg string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	var c *smtp.Client
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := c.Hello("mx.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// smtpCode extracts the reply code of an SMTP error, or 0.
func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// enhanced extracts the enhanced status code of an SMTP error.
func enhanced(err error) [3]int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.EnhancedCode
	}
	return [3]int{}
}

// waitFor polls cond until it holds or a generous deadline passes; it
// waits for asynchronous delivery, it does not measure time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: the deadline only matters when something is broken, and
	// a loaded CI machine must not turn a slow pass into a failure.
	deadline := time.Now().Add(60 * time.Second)
	// Look again soon at first, then less often: some conditions run a
	// child process or read the store, and the package's tests run side
	// by side on two cores.
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 25*time.Millisecond)
	}
}

// drained waits until the outbound queue is empty: every copy of every
// mail the server accepted so far has reached the sink (or failed for
// good), so a check that something was NOT sent can be made now.
func (e *testEnv) drained() {
	e.t.Helper()
	waitFor(e.t, "the outbound queue to drain", func() bool { return e.srv.App.Store.QueueDepth() == 0 })
}

// kick advances the fake clock and wakes the delivery worker.
func (e *testEnv) advance(d time.Duration) {
	e.clock.Advance(d)
	e.srv.outbox.Wake()
}

// post builds a simple message.
func post(from, to, subject, body string, extra ...string) string {
	h := "From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "." + strings.Split(from, "@")[0] + "@example.net>\nDate: Mon, 02 Nov 2026 10:00:00 -0500\n"
	for _, x := range extra {
		h += x + "\n"
	}
	return h + "\n" + body + "\n"
}

// setup creates a list with members, all in `each` mode.
func (e *testEnv) setup(name, kind string, members map[string]string, settings ...string) {
	e.t.Helper()
	svc := e.srv.App.Svc
	if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, kind, "", ""); err != nil {
		e.t.Fatal(err)
	}
	if len(settings) > 0 {
		if _, err := svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), name, settings); err != nil {
			e.t.Fatal(err)
		}
	}
	var specs []memberSpec
	for addr, role := range members {
		specs = append(specs, memberSpec{Address: addr, Role: listserv.ListRole(role)})
	}
	res, err := svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), name, specs, false)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			e.t.Fatal(r.Err)
		}
	}
}

type smtpError = smtp.SMTPError

type storeTx = store.Tx

// archived reads one archived post.
func archived(e *testEnv, list string, seq uint64) (raw []byte, err error) {
	err = e.srv.App.Store.View(func(tx *store.Tx) error {
		raw, err = tx.ArchiveRaw(list, seq)
		return err
	})
	return raw, err
}

// archiveCount is how many posts a list's archive holds.
func archiveCount(e *testEnv, list string) (n int, next uint64, err error) {
	err = e.srv.App.Store.View(func(tx *store.Tx) error {
		n, next, err = tx.ArchiveStats(list)
		return err
	})
	return n, next, err
}

// deliverLMTP sends one LMTP transaction and returns each recipient's
// reply code.
func deliverLMTP(addr, from string, to []string, msg string) (map[string]int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mx.test"); err != nil {
		return nil, err
	}
	if err := c.Mail(from, nil); err != nil {
		return nil, err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return nil, err
		}
	}
	w, err := c.Data()
	if err != nil {
		return nil, err
	}
	io.WriteString(w, strings.ReplaceAll(msg, "\n", "\r\n"))
	resps, err := w.CloseWithLMTPResponse()
	out := map[string]int{}
	for r := range resps {
		out[r] = 250
	}
	var lerr smtp.LMTPDataError
	if errors.As(err, &lerr) {
		for r, se := range lerr {
			out[r] = se.Code
		}
	} else if err != nil {
		return out, err
	}
	return out, nil
}
