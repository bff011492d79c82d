package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"minyan/listserv/netlimit"
)

// Connection limits of the web and API listener (http_listen). Without
// them one client could open connections until the process runs out of
// file descriptors, and then SMTP's accept fails too.
const (
	// maxHTTPConns bounds concurrent connections; further ones wait in
	// the kernel's queue until one ends.
	maxHTTPConns = 1000
	// maxHTTPPerClient bounds one client address's connections; a
	// browser opens about 6 per site, a household or office behind one
	// address several browsers. A reverse proxy on the same host
	// connects from loopback, which is exempt (it is one client for
	// many).
	maxHTTPPerClient = 64
	// httpIdleTimeout is how long a keep-alive connection may wait for
	// its next request.
	httpIdleTimeout = 30 * time.Second
)

// httpRefusal answers a connection over the per-client cap.
const httpRefusal = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nContent-Type: text/plain\r\nContent-Length: 48\r\nConnection: close\r\n\r\ntoo many connections from your address; retry.\r\n"

// httpLimits are limitHTTP's caps (tests give small ones).
type httpLimits struct {
	total, perClient int
	countLoopback    bool
}

// limitHTTP applies the total and per-client caps to the web listener.
func limitHTTP(ln net.Listener, l httpLimits, log *slog.Logger) net.Listener {
	return netutil.LimitListener(netlimit.PerClient(ln, netlimit.Options{
		Max:           l.perClient,
		Refusal:       httpRefusal,
		CountLoopback: l.countLoopback,
		OnRefuse: func(ip string) {
			log.Info("http connection refused: too many from one address", "ip", ip)
		},
	}), l.total)
}

// newHTTPServer is the web and API server with its timeouts: the request
// header within 10 s, the whole request within 30 s, and a keep-alive
// connection closed after httpIdleTimeout without a request.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       httpIdleTimeout,
	}
}

// fdReserve is the descriptors kept apart from listeners' connections:
// the store, the search index's files, outgoing SMTP and webhook
// connections, log files.
const fdReserve = 256

// fdAdvice is the warning to log when the open-file limit cannot hold
// every listener's connection cap at once (connections) plus fdReserve:
// then a flood on one listener would make accept fail on the others.
// "" when it can.
func fdAdvice(limit uint64, connections int) string {
	need := uint64(connections + fdReserve)
	if limit >= need {
		return ""
	}
	return fmt.Sprintf("the open-file limit is %d, but the listeners' connection caps add up to %d (and minyan needs about %d more); raise it to at least %d (systemd: LimitNOFILE=%d), or a flood of connections on one listener makes the others fail to accept",
		limit, connections, fdReserve, need, need)
}

// warnFDLimit logs fdAdvice for this process's limit (Go raises the soft
// limit to the hard one at start).
func warnFDLimit(log *slog.Logger, connections int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	if msg := fdAdvice(rl.Cur, connections); msg != "" {
		log.Warn(msg)
	}
}

// listenerCaps adds up the connection caps of the configured listeners.
func listenerCaps(cfg *Config) int {
	n := 0
	for _, on := range []struct {
		addr string
		max  int
	}{
		{cfg.Server.SMTPListen, smtpMaxConns}, {cfg.Server.LMTPListen, smtpMaxConns},
		{cfg.Server.HTTPListen, maxHTTPConns},
		{cfg.Server.IMAPListen, maxIMAPConns}, {cfg.Server.IMAPSListen, maxIMAPConns},
	} {
		if on.addr != "" {
			n += on.max
		}
	}
	return n
}

// smtpMaxConns is smtpd's default cap per listener (smtpd.Options).
const smtpMaxConns = 200
