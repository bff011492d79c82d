package deliver

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/store"
)

var (
	errUnknownUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	errMailboxBusy = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "Mailbox busy"}
)

func TestTemporaryFailureRetried(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.rcpt = func(addr string, n int) error {
			if addr == addrN(1) && n == 1 {
				return errMailboxBusy
			}
			return nil
		}
	})
	h := startWorker(t, relayTo(s))
	h.enqueue(t, true, testBody, rcpts(3))
	waitFor(t, "the others delivered", func() bool { return s.deliveredCount() == 2 })
	waitFor(t, "the deferral committed", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 1
	})
	q := h.queued(t)[0]
	if q.Address != addrN(1) {
		t.Fatalf("queued %s, want %s", q.Address, addrN(1))
	}
	if want := h.clock.Now().Add(time.Minute); !q.NextAttempt.Equal(want) {
		t.Errorf("next attempt %v, want %v (Retry[0] later)", q.NextAttempt, want)
	}
	if !strings.Contains(q.LastError, "451") {
		t.Errorf("last error %q", q.LastError)
	}

	// Not due yet: a kick does nothing.
	h.w.Kick()
	h.clock.Advance(time.Minute)
	h.w.Kick()
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	if got := s.rcptCount(addrN(1)); got != 2 {
		t.Errorf("%d RCPTs for the deferred address, want 2", got)
	}
	if got := s.deliveredCount(); got != 3 {
		t.Errorf("%d delivered, want 3", got)
	}
	if len(h.failed(t)) != 0 {
		t.Errorf("failure log not empty")
	}
	waitFor(t, "the counters", func() bool { return h.counter(t, "deferred") == 1 && h.counter(t, "ok") == 3 })
}

func TestPermanentFailureLoggedNotRetried(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.rcpt = func(addr string, _ int) error {
			if addr == addrN(0) {
				return errUnknownUser
			}
			return nil
		}
	})
	var hooked []store.Outcome
	h := startWorker(t, relayTo(s), func(o *Options) {
		o.Hook = func(_ *store.Tx, _ store.QueuedMessage, _ store.QueuedRcpt, o store.Outcome) error {
			hooked = append(hooked, o) // the committer is one goroutine
			return nil
		}
	})
	h.enqueue(t, true, testBody, rcpts(2))
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	f := h.failed(t)
	if len(f) != 1 || f[0].Address != addrN(0) {
		t.Fatalf("failure log %+v", f)
	}
	if !f[0].Permanent || !strings.HasPrefix(f[0].LastError, "550 5.1.1 No such user") {
		t.Errorf("failure %+v, want permanent with the relay's reply", f[0])
	}
	h.clock.Advance(24 * time.Hour)
	h.enqueue(t, true, testBody, []store.QueuedRcpt{{Address: "late@example.net", EnvelopeFrom: "b@lists.example.org"}})
	waitFor(t, "the later message", func() bool { return s.rcptCount("late@example.net") == 1 })
	if got := s.rcptCount(addrN(0)); got != 1 {
		t.Errorf("rejected address tried %d times", got)
	}
	h.stop()
	if len(hooked) != 3 {
		t.Errorf("hook saw %d outcomes, want 3", len(hooked))
	}
	if h.counter(t, "failed") != 1 {
		t.Errorf("failed counter %v", h.counter(t, "failed"))
	}
}

func TestGiveUpAfter(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.rcpt = func(string, int) error { return errMailboxBusy }
	})
	h := startWorker(t, relayTo(s)) // GiveUpAfter 1h, Retry 1m, 5m
	h.enqueue(t, false, testBody, personalized(1))
	waitFor(t, "the deferral", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 1
	})
	h.clock.Advance(30 * time.Minute)
	h.w.Kick()
	waitFor(t, "the second deferral", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 2
	})
	if q := h.queued(t)[0]; !q.NextAttempt.Equal(h.clock.Now().Add(5 * time.Minute)) {
		t.Errorf("second retry at %v, want Retry[1] later", q.NextAttempt)
	}
	h.clock.Advance(31 * time.Minute)
	h.w.Kick()
	waitFor(t, "the give-up", func() bool { return len(h.failed(t)) == 1 })
	f := h.failed(t)[0]
	if f.Permanent {
		t.Errorf("given up recipient marked permanent")
	}
	if !strings.Contains(f.LastError, "given up") || !strings.Contains(f.LastError, "451") {
		t.Errorf("last error %q", f.LastError)
	}
	if h.st.QueueDepth() != 0 {
		t.Errorf("queue not empty")
	}
	if got := s.rcptCount(addrN(0)); got != 3 {
		t.Errorf("%d attempts, want 3", got)
	}
}

func TestDataTemporaryFailure(t *testing.T) {
	s := startSink(t, func(s *sink) { s.dataFail = 1 })
	h := startWorker(t, relayTo(s))
	h.enqueue(t, true, testBody, rcpts(4))
	waitFor(t, "the deferral", func() bool {
		q := h.queued(t)
		return len(q) == 4 && q[0].Attempts == 1
	})
	h.clock.Advance(time.Minute)
	h.w.Kick()
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	if got := len(s.transactions()); got != 1 {
		t.Errorf("%d accepted transactions, want 1", got)
	}
}

func TestConnectionDropDeferred(t *testing.T) {
	s := startSink(t, func(s *sink) { s.dropData = 1 })
	h := startWorker(t, relayTo(s))
	h.enqueue(t, false, testBody, personalized(1))
	waitFor(t, "the deferral", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 1
	})
	if q := h.queued(t)[0]; !strings.Contains(q.LastError, "connection") {
		t.Errorf("last error %q", q.LastError)
	}
	h.clock.Advance(time.Minute)
	h.w.Kick()
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	txs := s.transactions()
	if len(txs) != 1 || string(txs[0].Data) != personalized(1)[0].Header+testBody {
		t.Errorf("transactions %+v", txs)
	}
	if c := s.conns.Load(); c != 2 {
		t.Errorf("%d connections, want 2 (one dropped)", c)
	}
}

func TestRelayDownDeferred(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // nobody listens there now
	h := startWorker(t, relayTo(&sink{addr: l.Addr().String()}))
	h.enqueue(t, true, testBody, rcpts(3))
	waitFor(t, "the deferrals", func() bool {
		q := h.queued(t)
		return len(q) == 3 && q[0].Attempts == 1 && q[2].Attempts == 1
	})
	if q := h.queued(t)[0]; !strings.Contains(q.LastError, "connect") {
		t.Errorf("last error %q", q.LastError)
	}
}

func TestStaleConnectionReconnects(t *testing.T) {
	s := startSink(t, func(s *sink) { s.srv.ReadTimeout = 250 * time.Millisecond })
	relay := relayTo(s)
	relay.Connections = 1
	h := startWorker(t, relay)
	h.enqueue(t, false, testBody, personalized(1))
	waitFor(t, "the first delivery", func() bool { return h.st.QueueDepth() == 0 })
	// Let the sink time the idle connection out (its ReadTimeout; this
	// waits for the sink, not for our schedule).
	time.Sleep(600 * time.Millisecond)
	h.enqueue(t, false, testBody, personalized(2)[1:])
	waitFor(t, "the second delivery", func() bool { return h.st.QueueDepth() == 0 })
	if d := h.counter(t, "deferred"); d != 0 {
		t.Errorf("%v deferrals; a dead idle connection should be replaced silently", d)
	}
	if c := s.conns.Load(); c != 2 {
		t.Errorf("%d connections, want 2", c)
	}
}

func TestSizeLimitRespected(t *testing.T) {
	s := startSink(t, func(s *sink) { s.srv.MaxMessageBytes = 64 })
	h := startWorker(t, relayTo(s))
	h.enqueue(t, true, testBody, rcpts(2))
	waitFor(t, "the failures", func() bool { return len(h.failed(t)) == 2 })
	f := h.failed(t)[0]
	if !f.Permanent || !strings.HasPrefix(f.LastError, "552") {
		t.Errorf("failure %+v", f)
	}
	if s.rcptCount(addrN(0)) != 0 {
		t.Errorf("sent a message the relay announced it would refuse")
	}
}
