// Package listserv is minyan's domain: lists, roles, posting policy, the
// posting pipeline, held posts, notices and unsubscribes. Its core takes a
// raw message and an envelope and returns a decision; the protocols (SMTP,
// LMTP, HTTP, the outbound relay) are thin adapters in sub-packages.
package listserv

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"minyan/listserv/auth"
	"minyan/listserv/dmarc"
	"minyan/store"
)

// Clock is injected so tests can move time; logic never calls time.Now.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Options wire a Service to its environment.
type Options struct {
	// Domain is the list domain (server.domain).
	Domain string
	// PublicURL is where the web endpoints are reached (confirm, one-click
	// unsubscribe), without a trailing slash.
	PublicURL string
	// IMAPURL is the base of List-Archive / Archived-At (imap://host:port);
	// empty leaves those headers out.
	IMAPURL string
	// Defaults are the server-wide limits and defaults of list settings.
	Defaults ServerDefaults
	Clock    Clock
	// Resolver answers DNS TXT queries (DMARC); nil uses the system's.
	Resolver dmarc.Resolver
	Logger   *slog.Logger
	Metrics  *Metrics
	// Kick wakes the delivery worker after new mail was queued.
	Kick func()
	// TemplateDir holds owners' replacements for mail texts
	// (DATA_DIR/templates); empty uses only the built-in ones.
	TemplateDir string
	// IMAPServer is how members' mail apps reach the archive (host:port),
	// for the password email.
	IMAPServer string
	// Postmasters are the site admins' addresses: mail to postmaster@ and
	// abuse@ at Domain is forwarded to them.
	Postmasters []string
	// PostmasterDir is a Maildir (DATA_DIR/postmaster) that keeps that
	// mail when Postmasters is empty.
	PostmasterDir string
}

// Service is the list server's domain core.
type Service struct {
	st       *store.Store
	o        Options
	log      *slog.Logger
	clock    Clock
	dmarc    *dmarc.Checker
	metrics  *Metrics
	handlers tokenHandlers
	events   events
	// dns answers the sender checks, with a cache: no post waits for a
	// DNS round trip its domain's earlier posts already made.
	dns *auth.Cache
}

// New builds a Service over an open store.
func New(st *store.Store, o Options) *Service {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Kick == nil {
		o.Kick = func() {}
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	return &Service{
		st:      st,
		o:       o,
		log:     o.Logger,
		clock:   o.Clock,
		dmarc:   dmarc.New(o.Resolver, o.Clock.Now, dmarc.Options{}),
		dns:     auth.NewCache(auth.Adapt(o.Resolver), o.Clock.Now),
		metrics: o.Metrics,
	}
}

// Store gives adapters (delivery, web) the same store.
func (s *Service) Store() *store.Store { return s.st }

// Domain is the list domain.
func (s *Service) Domain() string { return s.o.Domain }

// Metrics exposes the counters to the delivery worker and /metrics.
func (s *Service) Metrics() *Metrics { return s.metrics }

// Now is the service's clock reading.
func (s *Service) Now() time.Time { return s.clock.Now() }

func (s *Service) addr(list string, role AddrRole, token string) string {
	return ListAddress{List: list, Role: role, Token: token}.Address(s.o.Domain)
}

// IMAPURLFor derives the archive URL base from the public URL's host and
// the IMAP listener's port, for List-Archive headers.
func IMAPURLFor(publicURL, imapListen string) string {
	if imapListen == "" {
		return ""
	}
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(imapListen)
	if err != nil {
		return ""
	}
	return "imap://" + net.JoinHostPort(u.Hostname(), port)
}

func (s *Service) kick() { s.o.Kick() }

func ctxOr(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// Healthy reports whether the store answers.
func (s *Service) Healthy() error {
	return s.st.View(func(tx *store.Tx) error { _, err := tx.Lists(); return err })
}
