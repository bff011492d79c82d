package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"minyan/listserv"
	"minyan/listserv/dmarc"
	"minyan/listserv/outbox"
	"minyan/listserv/outbox/deliver"
	"minyan/listserv/smtpd"
	"minyan/store"
)

// serverDeps are the parts tests replace: time and DNS.
type serverDeps struct {
	Clock    listserv.Clock
	Resolver dmarc.Resolver
	// AppPasswordCost, when not 0, is the bcrypt work factor of app
	// passwords (listserv.Options.AppPasswordCost): the in-process tests
	// use bcrypt.MinCost, as listserv's and imapd's do, since a hash at
	// the default cost is 0.1 s of CPU; `minyan serve` keeps the default.
	AppPasswordCost int
}

// Server is a running daemon with its bound addresses (a config port of 0
// is resolved to the real one, for tests).
type Server struct {
	App      *App
	SMTPAddr string
	LMTPAddr string
	HTTPAddr string
	// IMAPAddr and IMAPSAddr are the IMAP listeners (plain/STARTTLS and
	// implicit TLS); empty when not configured.
	IMAPAddr  string
	IMAPSAddr string
	Outbox    string

	outbox  *outbox.Outbox
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	smtps   []*smtp.Server
	http    *http.Server
	adminLn net.Listener
	// lns are the SMTP, LMTP and HTTP listeners, closed by Close itself:
	// a server's own Shutdown cannot close a listener its Serve
	// goroutine has not registered yet (a start that fails half-way).
	lns    []net.Listener
	socket string
	// imapClose stops the IMAP server (serve_imap.go).
	imapClose func()
	// searchStop closes the search index and resource hub.
	searchStop func() error
	// budget bounds message bytes in flight across the SMTP and LMTP
	// listeners together.
	budget *smtpd.Budget
}

// runServe runs the daemon until ctx is cancelled (SIGINT/SIGTERM).
func runServe(ctx context.Context, cfg *Config, log *slog.Logger) error {
	s, err := startServer(cfg, log, serverDeps{})
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	return s.Close()
}

// startServer opens the store, wires the domain core to its protocol
// faces and starts them all. On error nothing is left running.
func startServer(cfg *Config, log *slog.Logger, deps serverDeps) (srv *Server, err error) {
	st, err := store.OpenWith(cfg.Server.DataDir, store.OpenOptions{Timeout: 2 * time.Second, SkipCheck: cfg.Server.SkipStoreCheck})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("another minyan is already running on %s (its database is locked)", cfg.Server.DataDir)
	}
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := listserv.NewMetrics(reg)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "minyan_queue_depth", Help: "Recipients waiting for delivery.",
	}, func() float64 { return float64(st.QueueDepth()) }))

	s := &Server{Outbox: filepath.Join(cfg.Server.DataDir, "outbox"), budget: smtpd.NewBudget(smtpd.DefaultBudgetBytes)}
	removeStaleSpools(cfg.Server.DataDir, log)
	defer func() {
		if err != nil {
			s.Close() // closes the store once s.App is set
			if s.App == nil {
				st.Close()
			}
		}
	}()
	clock := deps.Clock
	if clock == nil {
		clock = listserv.SystemClock{}
	}
	dkimSigner, err := loadDKIM(cfg, log)
	if err != nil {
		return nil, err
	}
	s.outbox = outbox.New(deliver.Options{
		Store: st,
		Relay: deliver.Relay{
			Address: cfg.Relay.Address, TLS: cfg.Relay.TLS, Username: cfg.Relay.Username, Password: cfg.Relay.Password,
			MaxRecipients: cfg.Relay.MaxRecipients, Connections: cfg.Relay.Connections,
			Retry: cfg.Relay.RetryDurations(), GiveUpAfter: cfg.Relay.GiveUpAfter.Duration,
		},
		OutboxDir:  s.Outbox,
		Clock:      clock,
		Logger:     log.With("part", "deliver"),
		Deliveries: metrics.Deliveries,
		HeloName:   cfg.Server.Domain,
		DKIM:       dkimSigner,
	})
	opts := serviceOptions(cfg, log)
	opts.Clock = clock
	opts.Resolver = deps.Resolver
	if opts.Resolver == nil {
		opts.Resolver = configResolver(cfg.Server.Resolver)
	}
	opts.Metrics = metrics
	opts.Outbox = s.outbox
	if deps.AppPasswordCost != 0 {
		opts.AppPasswordCost = deps.AppPasswordCost
	}
	svc := listserv.New(st, opts)
	svc.LogPostmasterSetup()
	s.App = &App{Cfg: cfg, Store: st, Svc: svc, Log: log}

	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// Delivery outcomes go to the domain's bounce accounting.
	s.goRun("deliver", log, func() error { return s.outbox.Run(ctx, svc) })
	if s.searchStop, err = svc.StartSearch(ctx, cfg.Server.DataDir); err != nil {
		return nil, err
	}
	s.startWebhooks(ctx, clock, log)

	if cfg.Server.SMTPListen != "" {
		ln, err := net.Listen("tcp", cfg.Server.SMTPListen)
		if err != nil {
			return nil, listenError("smtp_listen", cfg.Server.SMTPListen, err)
		}
		s.lns = append(s.lns, ln)
		s.SMTPAddr = ln.Addr().String()
		s.serveSMTP(svc, cfg, log, ln, false)
	}
	if l := cfg.Server.LMTPListen; l != "" {
		network, addr := "tcp", l
		if p, ok := strings.CutPrefix(l, "unix:"); ok {
			network, addr = "unix", p
			os.Remove(p)
		}
		ln, err := net.Listen(network, addr)
		if err != nil {
			return nil, listenError("lmtp_listen", l, err)
		}
		s.lns = append(s.lns, ln)
		s.LMTPAddr = ln.Addr().String()
		s.serveSMTP(svc, cfg, log, ln, true)
	}
	if cfg.Server.HTTPListen != "" {
		ln, err := net.Listen("tcp", cfg.Server.HTTPListen)
		if err != nil {
			return nil, listenError("http_listen", cfg.Server.HTTPListen, err)
		}
		s.lns = append(s.lns, ln)
		s.HTTPAddr = ln.Addr().String()
		s.http = newHTTPServer(s.withAPI(webHandler(cfg, svc, s.App.Store, reg, clock, log.With("part", "http")), clock, log))
		limited := limitHTTP(ln, httpLimits{total: maxHTTPConns, perClient: maxHTTPPerClient}, log)
		s.goRun("http", log, func() error {
			if err := s.http.Serve(limited); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				return err
			}
			return nil
		})
	}
	if err := s.startIMAP(ctx, cfg, log); err != nil {
		return nil, err
	}
	if err := s.startScheduler(ctx, cfg, log); err != nil {
		return nil, err
	}
	s.startMaintenance(ctx, log)
	s.startNetwork(ctx, cfg.Network.IntrosEvery.Duration, log)
	warnFDLimit(log, listenerCaps(cfg))
	s.socket = filepath.Join(cfg.Server.DataDir, "admin.sock")
	if s.adminLn, err = listenAdmin(s.socket); err != nil {
		return nil, err
	}
	s.goRun("admin", log, func() error { return serveAdmin(ctx, s.adminLn, s.App) })

	log.Info("minyan is running", "domain", cfg.Server.Domain, "smtp", s.SMTPAddr, "lmtp", s.LMTPAddr,
		"http", s.HTTPAddr, "relay", relayDescription(cfg, s.Outbox), "data_dir", cfg.Server.DataDir)
	return s, nil
}

func relayDescription(cfg *Config, outbox string) string {
	if cfg.Relay.Address == "" {
		return "none: writing outgoing mail to " + outbox
	}
	return cfg.Relay.Address + " (" + cfg.Relay.TLS + ")"
}

// listenAdmin opens the admin socket, replacing a stale file left by a
// crash (the store lock already proved no other daemon runs here).
// Whoever can connect is an administrator, so the socket is made in a
// private (0700) directory, restricted to its owner, and only then moved
// into place: there is no moment at which it is open to others.
func listenAdmin(path string) (net.Listener, error) {
	os.Remove(path)
	dir, err := os.MkdirTemp(filepath.Dir(path), ".admin-")
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "admin.sock")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // Close removes path itself
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	return ln, nil
}

func (s *Server) serveSMTP(svc *listserv.Service, cfg *Config, log *slog.Logger, ln net.Listener, lmtp bool) {
	name := "smtp"
	if lmtp {
		name = "lmtp"
	}
	srv := smtpd.NewServer(svc, smtpd.Options{Domain: cfg.Server.Domain, LMTP: lmtp, Logger: log.With("part", name), Budget: s.budget})
	s.smtps = append(s.smtps, srv)
	s.goRun(name, log, func() error {
		if err := smtpd.Serve(srv, ln, 0); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
}

func (s *Server) goRun(name string, log *slog.Logger, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil {
			log.Error("stopped with an error", "part", name, "err", err)
		}
	}()
}

// Close stops accepting, lets sessions and deliveries in flight finish
// (bounded), and closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, ln := range s.lns {
		ln.Close()
	}
	for _, srv := range s.smtps {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
	if s.http != nil {
		s.http.Shutdown(ctx)
	}
	if s.imapClose != nil {
		s.imapClose()
	}
	if s.adminLn != nil {
		s.adminLn.Close()
		os.Remove(s.socket)
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.searchStop != nil {
		if err := s.searchStop(); err != nil && s.App != nil {
			s.App.Log.Error("closing the search index", "err", err)
		}
	}
	if s.App != nil {
		return s.App.Store.Close()
	}
	return nil
}

// removeStaleSpools deletes the temporary files of imports that were cut
// off by a crash (.import-*): the store lock proves no other daemon is
// using them.
func removeStaleSpools(dir string, log *slog.Logger) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".import-*"))
	for _, f := range stale {
		if err := os.Remove(f); err == nil {
			log.Info("removed the spool file of an interrupted import", "file", f)
		}
	}
}

// listenError explains a listener that cannot open, with what to do about
// the usual cause (another program on the port).
func listenError(key, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("server.%s %s: another program already uses this address; stop it, or put a different server.%s in ./config.toml (copy config.example.toml; if you move http_listen, change public_url too)", key, addr, key)
	}
	return fmt.Errorf("server.%s %s: %w", key, addr, err)
}

// configResolver builds the DNS resolver server.resolver names.
func configResolver(setting ResolverSetting) dmarc.Resolver {
	switch setting {
	case ResolverSystem:
		return net.DefaultResolver
	case ResolverOff:
		return noDNS{}
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, string(setting))
	}}
}

// noDNS answers every query with a temporary failure at once: the
// checks that need DNS say so (DMARC mitigation then rewrites From, the
// safe side) instead of waiting for a resolver that is not there.
type noDNS struct{}

func (noDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	return nil, &net.DNSError{Err: "DNS is off (server.resolver = \"off\")", Name: name, IsTemporary: true}
}
