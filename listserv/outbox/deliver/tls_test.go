package deliver

import (
	"crypto/tls"
	"minyan/listserv/testkit"
	"strings"
	"testing"
)

// testCert makes a self-signed certificate for 127.0.0.1 and a client
// config that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	c, err := testkit.NewCert()
	if err != nil {
		t.Fatal(err)
	}
	return c.ServerConfig(), c.ClientConfig()
}

func TestStartTLSWithAuth(t *testing.T) {
	srvTLS, cliTLS := testCert(t)
	s := startSink(t, func(s *sink) {
		s.srv.TLSConfig = srvTLS
		s.srv.AllowInsecureAuth = false
		s.user, s.pass = "minyan", "secret"
	})
	relay := relayTo(s)
	relay.TLS, relay.TLSConfig = "starttls", cliTLS
	relay.Username, relay.Password = "minyan", "secret"
	h := startWorker(t, relay)
	h.enqueue(t, true, testBody, rcpts(3))
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	for _, tx := range s.transactions() {
		if !tx.TLS || tx.User != "minyan" {
			t.Errorf("transaction over TLS=%v as %q", tx.TLS, tx.User)
		}
	}
}

func TestStartTLSRequired(t *testing.T) {
	s := startSink(t) // offers no STARTTLS
	relay := relayTo(s)
	relay.TLS = "starttls"
	h := startWorker(t, relay)
	h.enqueue(t, true, testBody, rcpts(1))
	waitFor(t, "the deferral", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 1
	})
	if s.deliveredCount() != 0 {
		t.Errorf("sent without the TLS the configuration asks for")
	}
}

func TestWrongPasswordDeferred(t *testing.T) {
	s := startSink(t, func(s *sink) { s.user, s.pass = "minyan", "secret" })
	relay := relayTo(s)
	relay.Username, relay.Password = "minyan", "wrong" // loopback: clear text allowed
	h := startWorker(t, relay)
	h.enqueue(t, true, testBody, rcpts(1))
	waitFor(t, "the deferral", func() bool {
		q := h.queued(t)
		return len(q) == 1 && q[0].Attempts == 1
	})
	if q := h.queued(t)[0]; q.LastError == "" || strings.Contains(q.LastError, "wrong") {
		t.Errorf("last error %q (must not be empty nor show the password)", q.LastError)
	}
}

func TestImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := testCert(t)
	s := startSink(t)
	// Re-serve the same backend behind a TLS listener.
	l, err := tls.Listen("tcp", "127.0.0.1:0", srvTLS)
	if err != nil {
		t.Fatal(err)
	}
	go s.srv.Serve(l)
	relay := relayTo(s)
	relay.Address, relay.TLS, relay.TLSConfig = l.Addr().String(), "tls", cliTLS
	h := startWorker(t, relay)
	h.enqueue(t, false, testBody, personalized(2))
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	for _, tx := range s.transactions() {
		if !tx.TLS {
			t.Errorf("transaction not over TLS")
		}
	}
}
