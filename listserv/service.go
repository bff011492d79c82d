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
	"sync"
	"sync/atomic"
	"time"

	"minyan/listserv/auth"
	"minyan/listserv/dmarc"
	"minyan/listserv/outbox"
	"minyan/listserv/outbox/deliver"
	"minyan/store"

	"golang.org/x/crypto/bcrypt"
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
	// WebArchive: the archive's web pages are served ([web] archive), so
	// List-Archive and Archived-At link to them (under PublicURL).
	WebArchive bool
	// Defaults are the server-wide limits and defaults of list settings.
	Defaults ServerDefaults
	Clock    Clock
	// Resolver answers DNS TXT queries (DMARC); nil uses the system's.
	Resolver dmarc.Resolver
	Logger   *slog.Logger
	Metrics  *Metrics
	// Outbox queues the mail the service sends; nil makes one that only
	// queues (the command line while no daemon runs).
	Outbox *outbox.Outbox
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
	// AppPasswordCost is the bcrypt work factor of new app passwords;
	// 0 means bcrypt.DefaultCost. Tests lower it: checks read the cost
	// from the stored hash, so nothing else changes.
	AppPasswordCost int
	// SearchSlots is how many searches run at once (0: one a processor,
	// at least 2); SearchQueue how many more may wait their turn (0: 32;
	// -1: none) and SearchWait for how long (0: 2 seconds). A search
	// beyond them answers ErrSearchBusy.
	SearchSlots int
	SearchQueue int
	SearchWait  time.Duration
}

// Service is the list server's domain core.
type Service struct {
	st       *store.Store
	o        Options
	log      *slog.Logger
	clock    Clock
	dmarc    *dmarc.Checker
	outbox   *outbox.Outbox
	metrics  *Metrics
	handlers tokenHandlers
	// audience answers who a session's conversation reaches (set by the
	// scheduler, which owns sessions and registrations).
	audience sessionAudienceHook
	events   events
	// archive holds the derived views of the archive (search, hub, thread lists).
	archive archiveState
	// dns answers the sender checks, with a cache: no post waits for a
	// DNS round trip its domain's earlier posts already made.
	dns *auth.Cache
	// webhookKick wakes the webhook worker after an event was queued.
	webhookMu   sync.Mutex
	webhookKick func()
	// dummyHash is compared against when an address has no password, so
	// a failed login takes as long whether or not the address exists.
	// It is made on first use, not at start (every CLI run would pay).
	dummyHash func() []byte
	// directory is the web directory's cards of one lists version (see
	// directory.go).
	directory atomic.Pointer[directoryCards]
	// people is the people directory's index (see profile_index.go).
	people peopleIndex
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
	if o.Outbox == nil {
		o.Outbox = outbox.New(deliver.Options{Store: st, Clock: o.Clock, Logger: o.Logger})
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.AppPasswordCost == 0 {
		o.AppPasswordCost = bcrypt.DefaultCost
	}
	cost := o.AppPasswordCost
	return &Service{
		dummyHash: sync.OnceValue(func() []byte {
			h, _ := bcrypt.GenerateFromPassword([]byte("no password is set for this address"), cost)
			return h
		}),
		st:      st,
		o:       o,
		log:     o.Logger,
		clock:   o.Clock,
		dmarc:   dmarc.New(o.Resolver, o.Clock.Now, dmarc.Options{}),
		dns:     auth.NewCache(auth.Adapt(o.Resolver), o.Clock.Now),
		metrics: o.Metrics,
		outbox:  o.Outbox,
	}
}

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

// Outbox is where every mail the domain sends is queued; the digest
// scheduler queues through the same one.
func (s *Service) Outbox() *outbox.Outbox { return s.outbox }

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
