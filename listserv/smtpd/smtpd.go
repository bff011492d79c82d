// Package smtpd is the SMTP and LMTP face of the list server: it turns
// go-smtp sessions into calls on the listserv core and the core's answers
// back into SMTP replies. It holds no policy of its own.
package smtpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/listserv"
)

// Core is what the adapter needs from the domain.
type Core interface {
	CheckRecipient(addr string) error
	Receive(ctx context.Context, env listserv.Envelope, raw []byte) []error
	ReceiveSMTP(ctx context.Context, env listserv.Envelope, raw []byte) error
	MaxMessageBytes() int64
}

// Options are the limits of a listener. Zero values get safe defaults:
// go-smtp's own defaults are unlimited, which no server on the Internet
// should be.
type Options struct {
	Domain         string
	LMTP           bool
	MaxRecipients  int
	MaxConnections int
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	Logger         *slog.Logger

	// Session limits (limits.go); zero values get the Default* constants.
	MaxPerClient   int
	CommandTimeout time.Duration
	// EnvelopeTimeout bounds the wait for each command between MAIL and
	// DATA; the DATA transfer itself gets ReadTimeout.
	EnvelopeTimeout time.Duration
	MaxRcptErrors   int
	// Budget is the memory for message bodies in flight; give several
	// listeners the same one to share it. nil: DefaultBudgetBytes each.
	Budget *Budget
	// CountLoopback applies MaxPerClient to loopback clients too (tests;
	// a local MTA in front of minyan is exempt by default).
	CountLoopback bool
	// RcptGuard is the per-address budget of refused recipients that
	// survives reconnects (rcpt_guard.go); give several listeners the
	// same one to share it. nil: a default one each.
	RcptGuard *RcptGuard
}

// withDefaults fills the zero values.
func (o Options) withDefaults() Options {
	if o.MaxRecipients == 0 {
		o.MaxRecipients = 100
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 200
	}
	if o.ReadTimeout == 0 {
		// Bounds the whole DATA transfer in go-smtp, so it must allow a
		// max-size message on a slow link.
		o.ReadTimeout = 10 * time.Minute
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxPerClient == 0 {
		o.MaxPerClient = DefaultMaxPerClient
	}
	if o.CommandTimeout == 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.MaxRcptErrors == 0 {
		o.MaxRcptErrors = DefaultMaxRcptErrors
	}
	if o.EnvelopeTimeout == 0 {
		o.EnvelopeTimeout = DefaultEnvelopeTimeout
	}
	if o.Budget == nil {
		o.Budget = NewBudget(DefaultBudgetBytes)
	}
	if o.RcptGuard == nil {
		o.RcptGuard = NewRcptGuard(RcptGuardOptions{})
	}
	return o
}

// maxLineLength bounds one line in memory per connection.
const maxLineLength = 256 << 10

// NewServer builds a go-smtp server over the core with limits set.
func NewServer(core Core, o Options) *smtp.Server {
	o = o.withDefaults()
	s := smtp.NewServer(&backend{core: core, log: o.Logger, lmtp: o.LMTP, budget: o.Budget, maxRcptErr: o.MaxRcptErrors, o: o})
	s.Domain = o.Domain
	s.LMTP = o.LMTP
	s.MaxMessageBytes = core.MaxMessageBytes()
	s.MaxRecipients = o.MaxRecipients
	// go-smtp applies this to DATA lines too, and answers an overlong line
	// by closing the connection mid-transfer, which a sending MTA sees as a
	// temporary error and retries for days. A generous limit lets the
	// message parser refuse long lines with a clear 554 instead; only
	// absurd lines hit this one.
	s.MaxLineLength = maxLineLength
	s.ReadTimeout = o.ReadTimeout
	s.WriteTimeout = o.WriteTimeout
	s.ErrorLog = slogAdapter{o.Logger}
	return s
}

// Serve accepts on ln with at most maxConns concurrent connections (0:
// the Options' MaxConnections) and the other connection limits of the
// Options s was built with (see Listen).
func Serve(s *smtp.Server, ln net.Listener, maxConns int) error {
	o := Options{}
	if b, ok := s.Backend.(*backend); ok {
		o = b.o
	}
	if maxConns > 0 {
		o.MaxConnections = maxConns
	}
	return s.Serve(Listen(ln, o))
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) {
	a.l.Warn("smtp", "detail", fmt.Sprintf(format, v...))
}
func (a slogAdapter) Println(v ...any) { a.l.Warn("smtp", "detail", fmt.Sprint(v...)) }

type backend struct {
	core       Core
	log        *slog.Logger
	lmtp       bool
	budget     *Budget
	maxRcptErr int
	o          Options
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	remote, key := "", ""
	if c.Conn() != nil {
		remote = c.Conn().RemoteAddr().String()
		key = guardKey(c.Conn().RemoteAddr(), b.o.CountLoopback)
	}
	return &session{b: b, remote: remote, helo: c.Hostname(),
		lim: limits{phase: phaseOf(c), budget: b.budget, maxRcptErr: b.maxRcptErr, guard: b.o.RcptGuard, guardKey: key}}, nil
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.LMTPSession = (*session)(nil)
)

type session struct {
	b      *backend
	remote string
	helo   string
	lim    limits

	// Message transaction; cleared by Reset.
	from  string
	rcpts []string
}

func (s *session) Reset() {
	s.from = ""
	s.rcpts = nil
	s.lim.endMail()
}

func (s *session) Logout() error {
	s.lim.endMail()
	return nil
}

func (s *session) Mail(from string, o *smtp.MailOptions) error {
	var size int64
	if o != nil {
		size = o.Size
	}
	if err := s.lim.startMail(size); err != nil {
		s.b.log.Warn("smtp sender asked to retry: the memory for messages in flight is taken", "remote", s.remote, "size", size)
		return err
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.lim.rcptAllowed(); err != nil {
		return err
	}
	if err := s.b.core.CheckRecipient(to); err != nil {
		return s.lim.rcptRefused(toSMTP(err))
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// read takes the whole message; go-smtp cuts it at MaxMessageBytes.
// The body counts against the budget until the transaction ends.
func (s *session) read(r io.Reader) ([]byte, error) {
	raw, err := s.lim.readBody(r, s.b.core.MaxMessageBytes())
	if err != nil {
		if errors.Is(err, errBusy) {
			s.b.log.Warn("smtp sender asked to retry: the memory for messages in flight is taken", "remote", s.remote)
		}
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return nil, se
		}
		if errors.Is(err, smtp.ErrTooLongLine) {
			// go-smtp stops reading here; the connection is closed after
			// this answer.
			return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
				Message: "a line of the message is far longer than mail allows (998 characters); wrap long lines or send it as an attachment"}
		}
		// A timeout or a dropped connection: let the sender retry.
		return nil, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "error reading the message, please try again"}
	}
	return raw, nil
}

func (s *session) envelope() listserv.Envelope {
	return listserv.Envelope{From: s.from, Rcpts: s.rcpts, RemoteAddr: s.remote, Helo: s.helo}
}

// Data answers once for all the transaction's recipients (a cross-post
// to several lists included): 250 only once all their work is committed.
func (s *session) Data(r io.Reader) error {
	raw, err := s.read(r)
	if err != nil {
		return err
	}
	return toSMTP(s.b.core.ReceiveSMTP(context.Background(), s.envelope(), raw))
}

// LMTPData answers per recipient, as LMTP allows.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	raw, err := s.read(r)
	if err != nil {
		return err
	}
	results := s.b.core.Receive(context.Background(), s.envelope(), raw)
	for i, res := range results {
		if res != nil {
			status.SetStatus(s.rcpts[i], toSMTP(res))
		} else {
			status.SetStatus(s.rcpts[i], nil)
		}
	}
	return nil
}

// toSMTP converts a core answer into a go-smtp error. Anything that is not
// a known answer becomes 451: go-smtp would otherwise send a permanent 554
// and the sender would bounce mail we merely failed to store.
func toSMTP(err error) error {
	if err == nil {
		return nil
	}
	r := listserv.AsReject(err)
	return &smtp.SMTPError{
		Code:         r.Code,
		EnhancedCode: smtp.EnhancedCode{r.Enhanced[0], r.Enhanced[1], r.Enhanced[2]},
		Message:      r.Message,
	}
}
