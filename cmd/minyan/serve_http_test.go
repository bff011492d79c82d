package main

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHTTPConnectionsCapped: one client address holds at most its share
// of the web listener's connections (the one over it is answered 503 and
// closed, whatever it sends), others are still served; idle keep-alive
// connections are closed after 30 s, not 2 minutes.
func TestHTTPConnectionsCapped(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	go srv.Serve(limitHTTP(ln, httpLimits{total: 10, perClient: 2, countLoopback: true}, slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { srv.Close() })
	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	get := func(c net.Conn) string {
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			return "write: " + err.Error()
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return "read: " + err.Error()
		}
		return line
	}
	a, b := dial(), dial()
	// Both are served (and stay open: keep-alive), so both hold a slot.
	for _, c := range []net.Conn{a, b} {
		if got := get(c); !strings.HasPrefix(got, "HTTP/1.1 200") {
			t.Fatalf("within the cap: %q", got)
		}
	}
	if got := get(dial()); !strings.HasPrefix(got, "HTTP/1.1 503") {
		t.Errorf("the third connection of one address: %q, want 503", got)
	}
	a.Close()
	// The slot comes back when a connection ends: barrier on a new
	// connection being served (the close is seen by the server first).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := get(dial()); strings.HasPrefix(got, "HTTP/1.1 200") {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no slot after a connection closed: %q", got)
		}
	}
	if d := newHTTPServer(nil).IdleTimeout; d <= 0 || d > 30*time.Second {
		t.Errorf("idle keep-alive timeout %v, want at most 30 s", d)
	}
	if d := newHTTPServer(nil).ReadHeaderTimeout; d <= 0 || d > 10*time.Second {
		t.Errorf("header timeout %v", d)
	}
}

// TestFDLimitAdvice: a descriptor limit below the listeners' caps plus
// the reserve is warned about with the number to set; a large one is not.
func TestFDLimitAdvice(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	cfg.Server.SMTPListen, cfg.Server.HTTPListen, cfg.Server.IMAPListen, cfg.Server.IMAPSListen = ":25", ":80", ":143", ":993"
	need := listenerCaps(cfg)
	if need != smtpMaxConns+maxHTTPConns+2*maxIMAPConns {
		t.Errorf("caps %d", need)
	}
	if msg := fdAdvice(1024, need); !strings.Contains(msg, "LimitNOFILE="+strconv.Itoa(need+fdReserve)) {
		t.Errorf("advice at 1024: %q", msg)
	}
	if msg := fdAdvice(1<<20, need); msg != "" {
		t.Errorf("advice at 1M: %q", msg)
	}
}
