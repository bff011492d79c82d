package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"golang.org/x/net/netutil"

	"minyan/listserv/imapd"
	"minyan/listserv/netlimit"
)

// maxIMAPConns bounds concurrent IMAP connections per listener (go-imap
// has no limit of its own); mail apps keep a few connections each.
const maxIMAPConns = 1000

// maxIMAPPerClient bounds the connections of one client address, so one
// host cannot take all of maxIMAPConns: a mail app opens up to about 10,
// and a household or office behind one address has several.
const maxIMAPPerClient = 50

// limitIMAP applies both caps to a listener.
func limitIMAP(ln net.Listener, log *slog.Logger) net.Listener {
	return netutil.LimitListener(netlimit.PerClient(ln, netlimit.Options{
		Max:     maxIMAPPerClient,
		Refusal: "* BYE too many connections from your address; please try again later\r\n",
		OnRefuse: func(ip string) {
			log.Info("imap connection refused: too many from one address", "ip", ip)
		},
	}), maxIMAPConns)
}

// startIMAP serves the read-only archive over IMAP: server.imap_listen in
// clear text with STARTTLS when [tls] is set, server.imaps_listen with
// implicit TLS. Passwords are accepted without TLS only when imap_listen
// is on loopback (config validation refuses the other clear-text cases).
func (s *Server) startIMAP(ctx context.Context, cfg *Config, log *slog.Logger) error {
	if cfg.Server.IMAPListen == "" && cfg.Server.IMAPSListen == "" {
		return nil
	}
	var tlsConf *tls.Config
	if cfg.TLS.Enabled() {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return fmt.Errorf("tls.cert/tls.key: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ilog := log.With("part", "imap")
	srv := imapd.New(imapd.Options{
		Service:      s.App.Svc,
		Archive:      s.App.Store,
		Logger:       ilog,
		TLSConfig:    tlsConf,
		InsecureAuth: cfg.Server.IMAPListen != "" && IsLoopbackListen(cfg.Server.IMAPListen),
	})
	var listeners []net.Listener
	s.imapClose = func() {
		srv.Close()
		for _, ln := range listeners {
			ln.Close()
		}
	}
	serve := func(name string, ln net.Listener) {
		s.goRun(name, log, func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
			return nil
		})
	}
	if l := cfg.Server.IMAPListen; l != "" {
		ln, err := net.Listen("tcp", l)
		if err != nil {
			return listenError("imap_listen", l, err)
		}
		listeners = append(listeners, ln)
		s.IMAPAddr = ln.Addr().String()
		serve("imap", limitIMAP(ln, ilog))
	}
	if l := cfg.Server.IMAPSListen; l != "" {
		ln, err := net.Listen("tcp", l)
		if err != nil {
			return listenError("imaps_listen", l, err)
		}
		listeners = append(listeners, ln)
		s.IMAPSAddr = ln.Addr().String()
		serve("imaps", tls.NewListener(limitIMAP(ln, ilog), tlsConf))
	}
	ilog.Info("serving the archive over IMAP", "imap", s.IMAPAddr, "imaps", s.IMAPSAddr,
		"starttls", tlsConf != nil, "cleartext_login", cfg.Server.IMAPListen != "" && IsLoopbackListen(cfg.Server.IMAPListen))
	return nil
}
