package imapd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	_ "github.com/emersion/go-message/charset" // decode bodies in any charset for SEARCH

	"minyan/listserv"
	"minyan/store"
)

// Options configure a Server.
type Options struct {
	// Service is the domain core: archive rights and app passwords.
	Service *listserv.Service
	// Archive is where the archived messages are read (the store; IMAP
	// only ever reads it).
	Archive ArchiveReader
	// Logger gets connection-level problems; nil discards them.
	Logger *slog.Logger
	// TLSConfig enables STARTTLS; an implicit-TLS listener is the
	// caller's (tls.NewListener with the same config). nil: no STARTTLS.
	TLSConfig *tls.Config
	// InsecureAuth lets clients log in without TLS. Set it only for a
	// listener on loopback, where nothing travels over a network.
	InsecureAuth bool
	// Now is the clock of the login throttle; nil uses the Service's.
	Now func() time.Time
	// FailDelay is how long a failed or refused login waits before its
	// answer; 0 means DefaultFailDelay, negative means none (tests).
	FailDelay time.Duration
}

// DefaultFailDelay is the pause before answering a failed login.
const DefaultFailDelay = 500 * time.Millisecond

// Caps are the capabilities advertised: IMAP4rev1, IMAP4rev2 and BINARY.
// go-imap derives the rest: for IMAP4rev1 clients every extension that
// IMAP4rev2 includes (NAMESPACE, UNSELECT, UIDPLUS, ESEARCH, SEARCHRES,
// ENABLE, IDLE, SASL-IR, LIST-EXTENDED, LIST-STATUS, MOVE, LITERAL-,
// STATUS=SIZE, CHILDREN), plus UTF8=ACCEPT, STARTTLS, AUTH=PLAIN and
// LOGINDISABLED as they apply. Sessions implement all of them; the
// writing ones (MOVE, UID EXPUNGE, and APPEND/COPY whose UIDPLUS answers
// never come) are refused with NO [NOPERM].
var Caps = imap.CapSet{
	imap.CapIMAP4rev1: {},
	imap.CapIMAP4rev2: {},
	imap.CapBinary:    {},
}

// Server is the IMAP face of the archive.
type Server struct {
	svc       *listserv.Service
	st        ArchiveReader
	log       *slog.Logger
	srv       *imapserver.Server
	boxes     mailboxes
	thr       *throttle
	failDelay time.Duration
	unsub     func()
}

// New builds a Server; call Serve for each listener and Close at the end.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = o.Service.Now
	}
	switch {
	case o.FailDelay == 0:
		o.FailDelay = DefaultFailDelay
	case o.FailDelay < 0:
		o.FailDelay = 0
	}
	s := &Server{
		svc:       o.Service,
		st:        o.Archive,
		log:       o.Logger,
		thr:       newThrottle(o.Now),
		failDelay: o.FailDelay,
	}
	opts := &imapserver.Options{
		NewSession:   s.newSession,
		Caps:         Caps,
		Logger:       libLogger{o.Logger},
		TLSConfig:    o.TLSConfig,
		InsecureAuth: o.InsecureAuth,
	}
	s.srv = imapserver.New(opts)
	s.unsub = o.Service.OnArchived(func(e listserv.ArchiveEvent) {
		if b := s.boxes.lookup(e.List); b != nil {
			if e.Kind == listserv.ArchiveRedacted {
				b.redacted(uint32(e.Seq))
			} else {
				b.markStale()
			}
		}
	})
	return s
}

// Serve answers IMAP on ln until Close. ln may be a TLS listener
// (implicit TLS, port 993 style).
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if err == nil || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "server closed") {
		return nil // Close was called
	}
	return err
}

// Close stops listening and drops every connection.
func (s *Server) Close() error {
	s.unsub()
	if err := s.srv.Close(); err != nil && !strings.Contains(err.Error(), "server closed") {
		return err
	}
	return nil
}

// newSession starts a connection's session.
func (s *Server) newSession(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	ip := "unknown"
	if nc := c.NetConn(); nc != nil {
		if host, _, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil {
			ip = host
		}
	}
	sess := &session{srv: s, conn: c, ip: ip}
	if !sess.guard.install(c) {
		s.log.Error("imap: go-imap's connection has changed; the archive may answer SELECT with READ-WRITE and bad input with SERVERBUG", "part", "imap")
	}
	return sess, nil, nil
}

// libLogger sends go-imap's messages to slog; a client hanging up is
// routine, anything else is worth a warning.
type libLogger struct{ log *slog.Logger }

// Printf logs one message of the library.
func (l libLogger) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case strings.Contains(msg, "panic"):
		l.log.Error("imap: "+msg, "part", "imap")
	case strings.HasPrefix(msg, "handling ") && strings.Contains(msg, "command: ") && !strings.Contains(msg, "panic"):
		// Input go-imap could not decode (invalid modified UTF-7, bad
		// base64, an overlong line): the client's mistake, answered BAD.
		l.log.Debug("imap: "+msg, "part", "imap")
	case strings.HasPrefix(msg, "failed to read command"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "i/o timeout"):
		l.log.Debug("imap: "+msg, "part", "imap")
	default:
		l.log.Warn("imap: "+msg, "part", "imap")
	}
}

// ArchiveReader is all IMAP needs of the store: read-only transactions
// over the archive. *store.Store satisfies it.
type ArchiveReader interface {
	View(fn func(*store.Tx) error) error
}
