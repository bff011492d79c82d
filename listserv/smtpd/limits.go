package smtpd

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/netutil"

	"minyan/listserv/netlimit"
)

// Defaults of the session limits (Options fields of the same meaning).
const (
	// DefaultMaxPerClient is how many connections one IP address may hold.
	// A sending MTA opens up to 20 to one destination (Postfix's default).
	DefaultMaxPerClient = 20
	// DefaultCommandTimeout bounds the wait for each command before MAIL:
	// the EHLO after the greeting, and everything up to MAIL FROM.
	DefaultCommandTimeout = 30 * time.Second
	// DefaultEnvelopeTimeout bounds the wait for each command between
	// MAIL and DATA (RCPT, DATA itself): a sender has its recipients at
	// hand, and a client that sent MAIL and went quiet must not hold a
	// slot for the whole DATA timeout.
	DefaultEnvelopeTimeout = time.Minute
	// DefaultMaxRcptErrors is how many refused recipients a connection may
	// try before it is closed with 421: a sender with real mail knows its
	// addresses, one guessing them does not.
	DefaultMaxRcptErrors = 10
	// DefaultBudgetBytes is the memory all messages being received at
	// once may take (declared SIZE or bytes read so far).
	DefaultBudgetBytes = 128 << 20
)

// Answers of the limits.
var (
	errBusy = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "the server is receiving a lot of mail right now; please try again in a few minutes"}
	errTooManyRcptErrors = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "too many unknown recipients; closing the connection"}
)

// Budget is the memory for message bodies in flight, shared by every
// session of the listeners given the same Budget.
type Budget struct {
	mu    sync.Mutex
	total int64
	used  int64
}

// NewBudget makes a budget of n bytes.
func NewBudget(n int64) *Budget { return &Budget{total: n} }

// try takes n bytes if they are free.
func (b *Budget) try(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 || b.used+n > b.total {
		return false
	}
	b.used += n
	return true
}

// release gives n bytes back.
func (b *Budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// Used reports the bytes taken now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Listen wraps ln with the connection limits of o: at most MaxConnections
// in all, MaxPerClient per client address, and the short command timeout
// until MAIL. Serve applies it; it is exported for callers that run the
// go-smtp server themselves.
func Listen(ln net.Listener, o Options) net.Listener {
	o = o.withDefaults()
	ln = netlimit.PerClient(ln, netlimit.Options{
		Max:           o.MaxPerClient,
		Refusal:       "421 4.7.0 too many connections from your address; please try again later\r\n",
		CountLoopback: o.CountLoopback,
		OnRefuse: func(ip string) {
			o.Logger.Info("smtp connection refused: too many from one address", "ip", ip)
		},
	})
	ln = netutil.LimitListener(ln, o.MaxConnections)
	return &phaseListener{Listener: ln, short: o.CommandTimeout, envelope: o.EnvelopeTimeout, data: o.ReadTimeout, domain: o.Domain}
}

// phaseListener hands out phaseConns.
type phaseListener struct {
	net.Listener
	short, envelope, data time.Duration
	// domain qualifies a bare RCPT TO:<Postmaster> (postmaster.go);
	// "" leaves it to go-smtp.
	domain string
}

func (l *phaseListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	pc := &phaseConn{Conn: c, short: l.short, envelope: l.envelope, data: l.data}
	if l.domain != "" {
		pc.filter = newRcptFilter(l.domain)
	}
	return pc, nil
}

// phaseConn shortens go-smtp's read deadline outside the DATA transfer:
// go-smtp sets one deadline (ReadTimeout) per command line, and that one
// must be long because it also bounds the DATA transfer. Before MAIL each
// command gets the short timeout, between MAIL and DATA the envelope
// timeout; when the body starts (startData) the connection gets the long
// one, for the whole body.
type phaseConn struct {
	net.Conn
	short    time.Duration
	envelope time.Duration
	data     time.Duration
	inMail   atomic.Bool
	inData   atomic.Bool
	closing  atomic.Bool
	// filter qualifies bare postmaster recipients (nil: none); pending
	// is what it let through that the reader has not taken yet, and
	// readErr the read error to give after that.
	filter  *rcptFilter
	pending []byte
	readErr error
}

// Read hands go-smtp the client's bytes through the postmaster filter.
func (c *phaseConn) Read(p []byte) (int, error) {
	if c.filter == nil {
		return c.Conn.Read(p)
	}
	for len(c.pending) == 0 {
		if err := c.readErr; err != nil {
			c.readErr = nil
			return 0, err
		}
		n, err := c.Conn.Read(p)
		c.pending = c.filter.feed(p[:n])
		c.readErr = err
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *phaseConn) SetReadDeadline(t time.Time) error {
	limit := time.Duration(0)
	switch {
	case !c.inMail.Load():
		limit = c.short
	case !c.inData.Load():
		limit = c.envelope
	}
	if limit > 0 {
		if s := time.Now().Add(limit); t.IsZero() || t.After(s) {
			t = s
		}
	}
	return c.Conn.SetReadDeadline(t)
}

// startData gives the connection the long deadline for the body, which
// go-smtp read the DATA command under the envelope timeout.
func (c *phaseConn) startData() {
	c.inData.Store(true)
	if c.data > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.data))
	}
}

func (c *phaseConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// Write closes the connection after the answer that follows a call to
// closeAfterReply has been written.
func (c *phaseConn) Write(p []byte) (int, error) {
	if c.filter != nil {
		c.filter.replied(p)
	}
	n, err := c.Conn.Write(p)
	if c.closing.Load() {
		c.Conn.Close()
	}
	return n, err
}

// closeAfterReply ends the connection once the next answer is out.
func (c *phaseConn) closeAfterReply() { c.closing.Store(true) }

// phaseOf finds the phaseConn under a go-smtp connection (under TLS
// after STARTTLS); nil when the server was not started through Listen.
func phaseOf(c *smtp.Conn) *phaseConn {
	if c == nil {
		return nil
	}
	nc := c.Conn()
	for nc != nil {
		switch x := nc.(type) {
		case *phaseConn:
			return x
		case *tls.Conn:
			nc = x.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// limits is a session's share of the server limits.
type limits struct {
	phase      *phaseConn
	budget     *Budget
	maxRcptErr int
	rcptErrs   int
	reserved   int64 // bytes of the budget this transaction holds
	// guard and guardKey: the client address's budget of refused
	// recipients across connections (rcpt_guard.go).
	guard    *RcptGuard
	guardKey string
}

// rcptAllowed answers every recipient with 450 and ends the connection
// once the client's address has spent its budget of refused recipients.
func (l *limits) rcptAllowed() error {
	if !l.guard.blocked(l.guardKey) {
		return nil
	}
	if l.phase != nil {
		l.phase.closeAfterReply()
	}
	return errRcptThrottled
}

// startMail is called at MAIL: it takes the declared size from the
// budget and gives the connection the long deadline for the transfer.
func (l *limits) startMail(size int64) error {
	l.releaseAll()
	if size > 0 {
		if !l.budget.try(size) {
			return errBusy
		}
		l.reserved = size
	}
	if l.phase != nil {
		l.phase.inMail.Store(true)
	}
	return nil
}

// endMail is called at the end of a transaction (RSET, after DATA, at
// QUIT): the budget is given back and the short timeout is back.
func (l *limits) endMail() {
	l.releaseAll()
	if l.phase != nil {
		l.phase.inMail.Store(false)
		l.phase.inData.Store(false)
	}
}

func (l *limits) releaseAll() {
	if l.reserved > 0 {
		l.budget.release(l.reserved)
		l.reserved = 0
	}
}

// rcptRefused counts one refused recipient; past the limit it returns
// the 421 that ends the connection.
func (l *limits) rcptRefused(err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code/100 != 5 {
		return err
	}
	l.rcptErrs++
	l.guard.refused(l.guardKey)
	if l.maxRcptErr > 0 && l.rcptErrs >= l.maxRcptErr {
		if l.phase != nil {
			l.phase.closeAfterReply()
		}
		return errTooManyRcptErrors
	}
	return err
}

// chunkSize is the step in which a body beyond its declared size (or
// with none declared) takes memory and budget.
const chunkSize = 256 << 10

// readBody reads a message, taking budget as it grows. A sender that
// declared SIZE (every MTA does) gets one buffer of that size and no
// copy. Beyond it the body is read in chunks and joined once at the end,
// never regrown by doubling. When the budget runs out the rest is read
// and thrown away (go-smtp needs the body consumed) and errBusy returned.
func (l *limits) readBody(r io.Reader, max int64) ([]byte, error) {
	if l.phase != nil {
		l.phase.startData()
	}
	first := l.reserved
	if max > 0 && first > max {
		first = max
	}
	// +2 leaves room for the final line ending go-smtp may add.
	buf := make([]byte, 0, first+2)
	n, err := io.ReadFull(r, buf[:cap(buf)])
	buf = buf[:n]
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return buf, nil
	}
	if err != nil {
		return nil, err
	}
	// More than declared: chunks, each paid for before it is read.
	chunks := [][]byte{buf}
	total := int64(len(buf))
	for {
		if !l.budget.try(chunkSize) {
			io.Copy(io.Discard, r)
			return nil, errBusy
		}
		l.reserved += chunkSize
		c := make([]byte, chunkSize)
		n, err := io.ReadFull(r, c)
		chunks = append(chunks, c[:n])
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	// The joined copy is paid for too; the chunks are garbage after it.
	if !l.budget.try(total) {
		return nil, errBusy
	}
	l.reserved += total
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
