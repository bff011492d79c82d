// Package smtpsink is a recording SMTP server for tests and load runs: it
// stands in for the outbound relay, keeps every transaction it accepted,
// and can answer chosen recipients or transactions with 4xx/5xx or drop
// the connection, so retry and failure paths are exercised over real SMTP.
package smtpsink

import (
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted transaction.
type Message struct {
	From  string
	Rcpts []string
	Data  []byte
}

// Sink is a running recording SMTP server.
type Sink struct {
	Addr string

	srv *smtp.Server
	ln  net.Listener

	mu       sync.Mutex
	msgs     []Message
	rcptFn   func(rcpt string) *smtp.SMTPError
	dataFn   func(m Message) *smtp.SMTPError
	discard  bool
	rcptSeen map[string]int
	notify   chan struct{}

	conns    atomic.Int64
	accepted atomic.Int64
}

// Start listens on 127.0.0.1 at a free port.
func Start() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return StartOn(ln), nil
}

// StartOn serves on an existing listener.
func StartOn(ln net.Listener) *Sink {
	s := &Sink{Addr: ln.Addr().String(), ln: ln, rcptSeen: map[string]int{}, notify: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.conns.Add(1)
		return &session{s: s, conn: c.Conn()}, nil
	}))
	s.srv.Domain = "sink.test"
	s.srv.MaxRecipients = 10000
	s.srv.MaxMessageBytes = 64 << 20
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = nopLogger{}
	go s.srv.Serve(ln)
	return s
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

// Close stops the sink.
func (s *Sink) Close() error { return s.srv.Close() }

// OnRcpt sets a function answering each RCPT TO (nil = accept).
func (s *Sink) OnRcpt(fn func(rcpt string) *smtp.SMTPError) {
	s.mu.Lock()
	s.rcptFn = fn
	s.mu.Unlock()
}

// OnData sets a function answering each DATA (nil = accept).
func (s *Sink) OnData(fn func(m Message) *smtp.SMTPError) {
	s.mu.Lock()
	s.dataFn = fn
	s.mu.Unlock()
}

// Discard makes the sink count accepted recipients without keeping
// bodies, for load runs.
func (s *Sink) Discard(on bool) {
	s.mu.Lock()
	s.discard = on
	s.mu.Unlock()
}

// Messages returns a copy of what was accepted so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Delivered counts accepted recipients (over all transactions).
func (s *Sink) Delivered() int64 { return s.accepted.Load() }

// Connections counts SMTP sessions opened to the sink.
func (s *Sink) Connections() int64 { return s.conns.Load() }

// RcptCounts tells how many times each recipient was accepted, to spot
// duplicates after a crash.
func (s *Sink) RcptCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.rcptSeen))
	for k, v := range s.rcptSeen {
		out[k] = v
	}
	return out
}

// WaitDelivered waits until n recipients were accepted or the timeout
// passes, and reports whether they were.
func (s *Sink) WaitDelivered(n int64, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for s.accepted.Load() < n {
		select {
		case <-s.notify:
		case <-deadline.C:
			return s.accepted.Load() >= n
		}
	}
	return true
}

type session struct {
	s     *Sink
	conn  net.Conn
	from  string
	rcpts []string
}

func (ss *session) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	fn := ss.s.rcptFn
	ss.s.mu.Unlock()
	if fn != nil {
		if err := fn(to); err != nil {
			if err.Code == 421 {
				ss.conn.Close()
				return errDrop
			}
			return err
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// errDrop is returned after cutting the connection: an answer with code
// 421 from OnRcpt or OnData drops the connection instead of replying.
var errDrop = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "closing connection"}

func (ss *session) Data(r io.Reader) error {
	s := ss.s
	s.mu.Lock()
	discard, fn := s.discard, s.dataFn
	s.mu.Unlock()
	var buf bytes.Buffer
	if discard && fn == nil {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	} else if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	m := Message{From: ss.from, Rcpts: append([]string(nil), ss.rcpts...), Data: buf.Bytes()}
	if fn != nil {
		if err := fn(m); err != nil {
			if err.Code == 421 {
				ss.conn.Close()
				return errDrop
			}
			return err
		}
	}
	s.mu.Lock()
	if !discard {
		s.msgs = append(s.msgs, m)
	}
	for _, r := range m.Rcpts {
		s.rcptSeen[r]++
	}
	s.mu.Unlock()
	s.accepted.Add(int64(len(m.Rcpts)))
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}
