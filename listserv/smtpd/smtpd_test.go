package smtpd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/listserv"
)

// fakeCore knows one list address and records what it receives.
type fakeCore struct {
	mu     sync.Mutex
	checks int
	got    [][]byte
	max    int64
	// hold, if set, blocks Receive until closed (messages in flight).
	hold chan struct{}
	// drop keeps no message (benchmarks).
	drop bool
	// entered, if set, is closed when Receive is first called.
	entered chan struct{}
	once    sync.Once
}

func (c *fakeCore) CheckRecipient(addr string) error {
	c.mu.Lock()
	c.checks++
	c.mu.Unlock()
	if listserv.NormalizeAddress(addr) == "team@lists.example.org" {
		return nil
	}
	return listserv.ErrNoSuchAddress
}

func (c *fakeCore) Receive(_ context.Context, env listserv.Envelope, raw []byte) []error {
	if c.entered != nil {
		c.once.Do(func() { close(c.entered) })
	}
	if c.hold != nil {
		<-c.hold
	}
	c.mu.Lock()
	if !c.drop {
		c.got = append(c.got, raw)
	}
	c.mu.Unlock()
	return make([]error, len(env.Rcpts))
}

// ReceiveSMTP is the one-answer path of an SMTP transaction (all its
// list addresses at once); the fake answers as Receive does.
func (c *fakeCore) ReceiveSMTP(ctx context.Context, env listserv.Envelope, raw []byte) error {
	for _, err := range c.Receive(ctx, env, raw) {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *fakeCore) MaxMessageBytes() int64 {
	if c.max == 0 {
		return 20 << 20
	}
	return c.max
}

// start runs an SMTP server over core on 127.0.0.1:0 with o.
func start(t testing.TB, core Core, o Options) string {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.CountLoopback = true
	srv := NewServer(core, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go Serve(srv, ln, 0)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// raw is a scripted SMTP conversation.
type raw struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *raw {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &raw{t: t, c: c, br: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply; "" at EOF.
func (r *raw) reply() string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var all strings.Builder
	for {
		line, err := r.br.ReadString('\n')
		all.WriteString(line)
		if err != nil {
			if err == io.EOF || strings.Contains(err.Error(), "reset") {
				return all.String()
			}
			r.t.Fatalf("reading a reply: %v after %q", err, all.String())
		}
		if len(line) < 4 || line[3] != '-' {
			return all.String()
		}
	}
}

func (r *raw) send(s string) {
	r.t.Helper()
	r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(r.c, s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) cmd(s, wantPrefix string) string {
	r.t.Helper()
	r.send(s + "\r\n")
	got := r.reply()
	if !strings.HasPrefix(got, wantPrefix) {
		r.t.Fatalf("%s: got %q, want %s", s, got, wantPrefix)
	}
	return got
}

// TestPerClientCap: one address cannot hold every connection; a slot
// freed is usable again.
func TestPerClientCap(t *testing.T) {
	addr := start(t, &fakeCore{}, Options{MaxPerClient: 2})
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	a.reply()
	b.reply()
	c := dialRaw(t, addr)
	if got := c.reply(); !strings.HasPrefix(got, "421 4.7.0") {
		t.Fatalf("third connection: %q", got)
	}
	a.cmd("QUIT", "221")
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := dialRaw(t, addr)
		got := d.reply()
		if strings.HasPrefix(got, "220") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %q", got)
		}
		d.c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCommandTimeoutBeforeMail: a client that connects and says nothing
// is dropped after the command timeout, not after the long DATA timeout.
func TestCommandTimeoutBeforeMail(t *testing.T) {
	addr := start(t, &fakeCore{}, Options{CommandTimeout: 100 * time.Millisecond, ReadTimeout: time.Hour})
	r := dialRaw(t, addr)
	r.reply()
	if got := r.reply(); !strings.HasPrefix(got, "421") {
		t.Fatalf("idle before EHLO: %q", got)
	}
	r = dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	if got := r.reply(); !strings.HasPrefix(got, "421") {
		t.Fatalf("idle after EHLO: %q", got)
	}
}

// TestTransactionKeepsLongTimeout: after MAIL the short timeout no
// longer applies (a slow DATA is not cut), and after the transaction it
// applies again.
func TestTransactionKeepsLongTimeout(t *testing.T) {
	core := &fakeCore{}
	addr := start(t, core, Options{CommandTimeout: 300 * time.Millisecond, ReadTimeout: time.Hour})
	r := dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	r.cmd("MAIL FROM:<a@example.org>", "250")
	r.cmd("RCPT TO:<team@lists.example.org>", "250")
	r.cmd("DATA", "354")
	// Trickle the body, each pause longer than the command timeout.
	for i := 0; i < 3; i++ {
		r.send(fmt.Sprintf("line %d\r\n", i))
		time.Sleep(400 * time.Millisecond)
	}
	r.send(".\r\n")
	if got := r.reply(); !strings.HasPrefix(got, "250") {
		t.Fatalf("slow DATA: %q", got)
	}
	if got := r.reply(); !strings.HasPrefix(got, "421") {
		t.Fatalf("idle after the transaction: %q", got)
	}
}

// TestRcptGuessesEndConnection: pipelined RCPT probes get a few 550s,
// then 421, and the connection is closed; the core is not asked more.
func TestRcptGuessesEndConnection(t *testing.T) {
	core := &fakeCore{}
	addr := start(t, core, Options{MaxRcptErrors: 3, MaxRecipients: 100000})
	r := dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	r.cmd("MAIL FROM:<a@example.org>", "250")
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "RCPT TO:<guess%d@lists.example.org>\r\n", i)
	}
	go io.WriteString(r.c, b.String()) // may fail once the server closes
	for i := 0; i < 2; i++ {
		if got := r.reply(); !strings.HasPrefix(got, "550") {
			t.Fatalf("probe %d: %q", i, got)
		}
	}
	if got := r.reply(); !strings.HasPrefix(got, "421 4.7.0") {
		t.Fatalf("third probe: %q", got)
	}
	if got := r.reply(); got != "" {
		t.Fatalf("after 421: %q, want the connection closed", got)
	}
	core.mu.Lock()
	defer core.mu.Unlock()
	if core.checks != 3 {
		t.Fatalf("core asked %d times, want 3", core.checks)
	}
}

// TestBudget: a declared SIZE beyond the free budget gets 452 at MAIL;
// an undeclared body that outgrows it gets 452 at the end of DATA; the
// budget is whole again afterwards.
func TestBudget(t *testing.T) {
	core := &fakeCore{}
	budget := NewBudget(1 << 20)
	addr := start(t, core, Options{Budget: budget})
	r := dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	r.cmd(fmt.Sprintf("MAIL FROM:<a@example.org> SIZE=%d", 2<<20), "452 4.3.1")
	r.cmd("MAIL FROM:<a@example.org>", "250")
	r.cmd("RCPT TO:<team@lists.example.org>", "250")
	r.cmd("DATA", "354")
	line := strings.Repeat("x", 76) + "\r\n"
	go func() {
		var b strings.Builder
		b.WriteString("Subject: big\r\n\r\n")
		for b.Len() < 2<<20 {
			b.WriteString(line)
		}
		b.WriteString(".\r\n")
		io.WriteString(r.c, b.String())
	}()
	if got := r.reply(); !strings.HasPrefix(got, "452 4.3.1") {
		t.Fatalf("over-budget DATA: %q", got)
	}
	waitFree(t, budget)
	// A message that fits is accepted, in one buffer of its declared size.
	msg := "Subject: small\r\n\r\nhello\r\n"
	r.cmd(fmt.Sprintf("MAIL FROM:<a@example.org> SIZE=%d", len(msg)), "250")
	r.cmd("RCPT TO:<team@lists.example.org>", "250")
	r.cmd("DATA", "354")
	r.send(msg + ".\r\n")
	if got := r.reply(); !strings.HasPrefix(got, "250") {
		t.Fatalf("small message: %q", got)
	}
	waitFree(t, budget)
	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.got) != 1 || string(core.got[0]) != msg {
		t.Fatalf("received %q", core.got)
	}
}

// TestBudgetHeldWhileReceiving: messages being processed keep their
// share, so a concurrent sender is asked to retry.
func TestBudgetHeldWhileReceiving(t *testing.T) {
	core := &fakeCore{hold: make(chan struct{}), entered: make(chan struct{})}
	budget := NewBudget(2 << 20)
	addr := start(t, core, Options{Budget: budget})
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := "Subject: x\r\n\r\n" + strings.Repeat(strings.Repeat("y", 78)+"\r\n", 600<<10/80)
	done := make(chan error, 1)
	go func() {
		done <- c.SendMail("a@example.org", []string{"team@lists.example.org"}, strings.NewReader(body))
	}()
	select {
	case <-core.entered:
	case err := <-done:
		t.Fatalf("first message: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("first message never arrived")
	}
	if budget.Used() < int64(len(body)) {
		t.Fatalf("budget used while receiving: %d", budget.Used())
	}
	r := dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	r.cmd(fmt.Sprintf("MAIL FROM:<b@example.org> SIZE=%d", 3<<19), "452 4.3.1")
	close(core.hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitFree waits until the budget is whole again (go-smtp resets the
// session just after writing the reply).
func waitFree(t *testing.T, b *Budget) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Used() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("budget used after the transaction: %d", b.Used())
		}
		time.Sleep(time.Millisecond)
	}
}
