package deliver

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"minyan/store"
)

// Clock is injected so tests can move time; scheduling and outcomes never
// read the wall clock directly. listserv.Clock satisfies it.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Options wire a Worker to its environment.
type Options struct {
	// Store holds the outbound queue.
	Store *store.Store
	// Relay says where and how mail leaves.
	Relay Relay
	// OutboxDir is the Maildir written when Relay.Address is empty.
	OutboxDir string
	// Clock defaults to the system clock.
	Clock Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Deliveries counts recipient outcomes by label "result" (ok, deferred,
	// failed) once they are committed. May be nil.
	Deliveries *prometheus.CounterVec
	// Hook runs inside the commit transaction for every outcome (bounce
	// accounting). May be nil. If it fails, the whole group of outcomes is
	// retried one by one, so it should only fail for real.
	Hook store.FinishHook
	// HeloName is the name given in EHLO; defaults to the host name,
	// because relays often reject "localhost".
	HeloName string
	// DKIM, if not nil, signs every message as it leaves (after the
	// per-recipient header is spliced in, so that header is signed too).
	DKIM *DKIM
}

// Relay is the `[relay]` section of the configuration: the outbound
// smarthost and the retry policy.
type Relay struct {
	// Address is host:port of the relay; empty writes every message to
	// OutboxDir as a Maildir instead.
	Address string
	// TLS is "none", "starttls" (required, not opportunistic) or "tls"
	// (implicit TLS, as on port 465). Empty means none.
	TLS string
	// Username and Password enable AUTH PLAIN. Credentials are only sent
	// over TLS, or in clear to a relay on loopback.
	Username, Password string
	// MaxRecipients caps recipients per transaction for batch messages
	// (default 500).
	MaxRecipients int
	// Connections is how many SMTP connections (or Maildir writers) work
	// in parallel (default 4).
	Connections int
	// Retry are the delays after the 1st, 2nd, ... temporary failure; the
	// last one repeats (default 1m 5m 30m 2h 6h).
	Retry []time.Duration
	// GiveUpAfter is how long after queueing a recipient that keeps
	// failing temporarily is given up (default 120h).
	GiveUpAfter time.Duration
	// TLSConfig overrides the client TLS settings (tests use it to trust
	// their own certificate). ServerName defaults to the relay's host.
	TLSConfig *tls.Config
}

// Defaults of the `[relay]` settings (the values config.example.toml
// shows), applied to zero values.
const (
	defaultMaxRecipients = 500
	defaultConnections   = 4
	defaultGiveUpAfter   = 120 * time.Hour
)

func defaultRetry() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}
}

// Timeouts of the SMTP client. Every read and write has a deadline, so a
// dead relay never hangs a connection goroutine.
const (
	dialTimeout    = 30 * time.Second
	commandTimeout = 5 * time.Minute
	dataTimeout    = 10 * time.Minute
	quitTimeout    = 5 * time.Second
	// idleTimeout closes a connection nobody used for a while, before the
	// relay times it out itself (Postfix: 300 s).
	idleTimeout = 30 * time.Second
	// relayDownFor is how long a connection goroutine defers its jobs
	// without trying after it failed to reach the relay.
	relayDownFor = 10 * time.Second
	// shutdownGrace bounds how long jobs already on the wire may still
	// take once Run's context is done.
	shutdownGrace = 30 * time.Second
)

// Batching limits of the scheduler and the committer.
const (
	// maxCommit caps the outcomes recorded in one store transaction.
	maxCommit = 1000
	// minScan and maxScan bound how many due recipients one store scan
	// fetches.
	minScan = 1000
	maxScan = 10000
	// maxUnsettled bounds the recipients sent but not yet recorded
	// (scheduler.mayDispatch): the most a crash can deliver twice,
	// unless one batch transaction per connection is more.
	maxUnsettled = 256
	// maxPoll is the longest the scheduler sleeps without looking at the
	// queue, in case a Kick was missed or the clock jumped.
	maxPoll = time.Minute
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HeloName == "" {
		o.HeloName = hostname()
	}
	r := &o.Relay
	if r.TLS == "" {
		r.TLS = "none"
	}
	if r.MaxRecipients <= 0 {
		r.MaxRecipients = defaultMaxRecipients
	}
	if r.Connections <= 0 {
		r.Connections = defaultConnections
	}
	if len(r.Retry) == 0 {
		r.Retry = defaultRetry()
	}
	if r.GiveUpAfter <= 0 {
		r.GiveUpAfter = defaultGiveUpAfter
	}
	return o
}

// scanLimit is how many due recipients the scheduler fetches at a time:
// enough to keep every connection busy with full batches twice over.
func (o Options) scanLimit() int {
	return min(max(2*o.Relay.Connections*o.Relay.MaxRecipients, minScan), maxScan)
}
