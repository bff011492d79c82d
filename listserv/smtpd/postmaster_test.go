package smtpd

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"minyan/listserv"
)

// postmasterCore accepts the list address and postmaster, and records
// the envelopes it receives.
type postmasterCore struct {
	fakeCore
	mu   sync.Mutex
	envs []listserv.Envelope
}

func (c *postmasterCore) CheckRecipient(addr string) error {
	if listserv.IsPostmasterAddress(addr, "lists.example.org") {
		return nil
	}
	return c.fakeCore.CheckRecipient(addr)
}

func (c *postmasterCore) ReceiveSMTP(ctx context.Context, env listserv.Envelope, raw []byte) error {
	c.mu.Lock()
	c.envs = append(c.envs, env)
	c.mu.Unlock()
	return c.fakeCore.ReceiveSMTP(ctx, env, raw)
}

// TestBarePostmasterRecipient: RFC 5321 §4.5.1 requires accepting
// "RCPT TO:<Postmaster>" without a domain; go-smtp's parser answered 501.
// It is accepted and routed as postmaster@ the list domain, and the same
// text inside a message body (DATA or BDAT) is left alone.
func TestBarePostmasterRecipient(t *testing.T) {
	core := &postmasterCore{}
	addr := start(t, core, Options{Domain: "lists.example.org"})
	r := dialRaw(t, addr)
	r.reply()
	r.cmd("EHLO client.example", "250")
	r.cmd("MAIL FROM:<a@example.net>", "250")
	r.cmd("RCPT TO:<Postmaster>", "250")
	r.cmd("DATA", "354")
	r.cmd("Subject: hi\r\n\r\nRCPT TO:<Postmaster>\r\n.", "250")
	r.cmd("MAIL FROM:<a@example.net>", "250")
	r.cmd("rcpt to: <postmaster> NOTIFY=NEVER", "")
	r.cmd("RSET", "250")
	r.cmd("MAIL FROM:<a@example.net>", "250")
	r.cmd("RCPT TO:<POSTMASTER>", "250")
	body := "Subject: chunk\r\n\r\nRCPT TO:<Postmaster>\r\n"
	r.send("BDAT " + strconv.Itoa(len(body)) + " LAST\r\n" + body)
	if got := r.reply(); !strings.HasPrefix(got, "250") {
		t.Fatalf("BDAT: %q", got)
	}
	r.cmd("QUIT", "221")

	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.envs) != 2 {
		t.Fatalf("received %d messages", len(core.envs))
	}
	if got := core.envs[0].Rcpts; len(got) != 1 || got[0] != "Postmaster@lists.example.org" {
		t.Errorf("recipients %q", got)
	}
	if got := core.envs[1].Rcpts; len(got) != 1 || got[0] != "POSTMASTER@lists.example.org" {
		t.Errorf("recipients %q", got)
	}
	for i, raw := range core.got {
		if !strings.Contains(string(raw), "\r\nRCPT TO:<Postmaster>\r\n") {
			t.Errorf("message %d body changed: %q", i, raw)
		}
	}
}

// FuzzRcptFilter: whatever the client sends, however the reads split
// it, the filter gives the same bytes, changed only by the qualified
// postmaster recipients, and never more than it was given plus those.
func FuzzRcptFilter(f *testing.F) {
	f.Add([]byte("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n"), 7)
	f.Add([]byte("BDAT 22 LAST\r\nRCPT TO:<postmaster>\r\n\r\nRCPT TO:<postmaster>\r\n"), 3)
	f.Add([]byte("DATA\r\n.\r\nRCPT TO:  <POSTMASTER> X=Y\r\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		whole := newRcptFilter("lists.example.org")
		one := append(whole.feed(in), whole.line...)
		if len(in) == 0 {
			cut = 0
		} else {
			cut = ((cut % len(in)) + len(in)) % len(in)
		}
		split := newRcptFilter("lists.example.org")
		two := append(split.feed(in[:cut]), split.feed(in[cut:])...)
		two = append(two, split.line...)
		if string(one) != string(two) {
			t.Fatalf("split at %d changed the output:\n%q\n%q", cut, one, two)
		}
		if got := strings.ReplaceAll(string(one), "@lists.example.org>", ">"); got != string(in) && !strings.Contains(strings.ToLower(string(in)), "@lists.example.org>") {
			t.Fatalf("output %q for input %q", one, in)
		}
	})
}
