package smtpd

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// guardClock is a hand-moved clock for the failure budget.
type guardClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *guardClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *guardClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestRcptGuessBudgetSurvivesReconnect: an address that has used up its
// budget of refused recipients gets the same temporary answer for every
// recipient, a list that exists included, in every new connection, until
// the budget has grown back; so reconnecting neither gives more guesses
// nor tells a list that exists (250) from one that does not (550).
func TestRcptGuessBudgetSurvivesReconnect(t *testing.T) {
	clock := &guardClock{t: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	guard := NewRcptGuard(RcptGuardOptions{Budget: 6, Refill: time.Minute, Now: clock.now})
	core := &fakeCore{}
	addr := start(t, core, Options{MaxRcptErrors: 3, MaxRecipients: 100000, RcptGuard: guard})
	guess := 0
	session := func() *raw {
		r := dialRaw(t, addr)
		r.reply()
		r.cmd("EHLO client.example", "250")
		r.cmd("MAIL FROM:<a@example.org>", "250")
		return r
	}
	// Two connections of three guesses each use up the budget of six
	// (the third refusal of each ends its connection, as before).
	for c := 0; c < 2; c++ {
		r := session()
		for i := 0; i < 3; i++ {
			guess++
			got := r.cmd("RCPT TO:<guess"+itoa(guess)+"@lists.example.org>", "")
			if !strings.HasPrefix(got, "550") && !strings.HasPrefix(got, "421") {
				t.Fatalf("guess %d: %q", guess, got)
			}
		}
	}
	for c := 0; c < 3; c++ {
		r := session()
		known := r.cmd("RCPT TO:<team@lists.example.org>", "")
		if !strings.HasPrefix(known, "450 4.7.1") {
			t.Fatalf("connection %d after the budget: the list that exists answers %q", c, known)
		}
		if got := r.reply(); got != "" {
			t.Fatalf("after the 450: %q, want the connection closed", got)
		}
	}
	// One refill period later one more recipient may be tried; the list
	// that exists is answered as usual.
	clock.advance(time.Minute)
	r := session()
	r.cmd("RCPT TO:<team@lists.example.org>", "250")
	// Other addresses are not affected.
	if guard.blocked("192.0.2.1") {
		t.Errorf("another address is blocked")
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestIdleAfterMailBounded: a client that sends MAIL FROM (and RCPT)
// and then waits holds its slot only for the envelope timeout, not for
// the long DATA timeout; once DATA has begun the long one applies.
func TestIdleAfterMailBounded(t *testing.T) {
	addr := start(t, &fakeCore{}, Options{CommandTimeout: 100 * time.Millisecond, EnvelopeTimeout: 200 * time.Millisecond, ReadTimeout: time.Hour})
	for _, rcpt := range []bool{false, true} {
		r := dialRaw(t, addr)
		r.reply()
		r.cmd("EHLO client.example", "250")
		r.cmd("MAIL FROM:<a@example.org>", "250")
		if rcpt {
			r.cmd("RCPT TO:<team@lists.example.org>", "250")
		}
		if got := r.reply(); !strings.HasPrefix(got, "421") {
			t.Fatalf("idle after MAIL (rcpt %v): %q", rcpt, got)
		}
	}
}
