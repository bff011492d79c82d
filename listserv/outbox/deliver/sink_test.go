package deliver

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sinkTx is one transaction the sink accepted.
type sinkTx struct {
	From  string
	Rcpts []string
	Data  []byte
	TLS   bool
	User  string
}

// sink is an in-test relay: a go-smtp server on 127.0.0.1:0 that records
// every accepted transaction and can be told to misbehave.
type sink struct {
	addr  string
	srv   *smtp.Server
	conns atomic.Int32

	// Behaviour, set before the worker starts.
	// rcpt, if set, answers RCPT TO (n counts that address's RCPTs from 1).
	rcpt func(addr string, n int) error
	// dataFail answers that many DATA transfers with 451.
	dataFail int
	// dropData drops the connection after reading that many DATA
	// transfers, before answering.
	dropData int
	// gate, if set, holds every DATA transfer until it is closed;
	// entered is signalled when one is waiting.
	gate, entered chan struct{}
	// user and pass make the sink offer and require AUTH PLAIN.
	user, pass string
	// discard keeps only counts (benchmarks).
	discard bool
	// want, with done, signals done once that many recipients were
	// accepted.
	want int
	done chan struct{}
	// noPipelining hides PIPELINING from the EHLO reply.
	noPipelining bool

	mu        sync.Mutex
	txs       []sinkTx
	rcptSeen  map[string]int
	delivered int
	datas     int
}

// sinkOption adjusts a sink or its server before it starts.
type sinkOption func(*sink)

func startSink(t testing.TB, opts ...sinkOption) *sink {
	t.Helper()
	s := &sink{rcptSeen: map[string]int{}, done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, c: c}, nil
	}))
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 1000
	s.srv.AllowInsecureAuth = true
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	for _, o := range opts {
		o(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	var ln net.Listener = &countingListener{Listener: l, s: s}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *sink) transactions() []sinkTx {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkTx(nil), s.txs...)
}

func (s *sink) rcptCount(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcptSeen[addr]
}

func (s *sink) deliveredCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered
}

type countingListener struct {
	net.Listener
	s *sink
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.conns.Add(1)
	if l.s.noPipelining {
		return &hidePipelining{Conn: c}, nil
	}
	return c, nil
}

// hidePipelining swallows the PIPELINING line of the EHLO reply, which
// go-smtp always sends (it writes one reply line per Write).
type hidePipelining struct{ net.Conn }

func (c *hidePipelining) Write(p []byte) (int, error) {
	if bytes.Equal(p, []byte("250-PIPELINING\r\n")) {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

type sinkSession struct {
	s     *sink
	c     *smtp.Conn
	from  string
	rcpts []string
	user  string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcptSeen[to]++
	n := ss.s.rcptSeen[to]
	ss.s.mu.Unlock()
	if ss.s.rcpt != nil {
		if err := ss.s.rcpt(to, n); err != nil {
			return err
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	s := ss.s
	if s.gate != nil {
		s.entered <- struct{}{}
		<-s.gate
	}
	var data []byte
	var err error
	if s.discard {
		_, err = io.Copy(io.Discard, r)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.datas++
	n := s.datas
	s.mu.Unlock()
	if n <= s.dropData {
		ss.c.Conn().Close()
		return errors.New("dropped")
	}
	if n <= s.dropData+s.dataFail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, isTLS := ss.c.TLSConnectionState()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.discard {
		s.txs = append(s.txs, sinkTx{From: ss.from, Rcpts: ss.rcpts, Data: data, TLS: isTLS, User: ss.user})
	}
	before := s.delivered
	s.delivered += len(ss.rcpts)
	if s.want > 0 && before < s.want && s.delivered >= s.want {
		close(s.done)
	}
	return nil
}

func (ss *sinkSession) Reset() {
	ss.from, ss.rcpts = "", nil
}

func (ss *sinkSession) Logout() error { return nil }

var _ smtp.AuthSession = (*sinkSession)(nil)
