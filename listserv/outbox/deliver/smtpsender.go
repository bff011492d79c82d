package deliver

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"minyan/store"
)

// smtpSender is a connection goroutine's link to the relay. It opens the
// connection on first use and keeps it for the following jobs; after an
// error it drops it and opens a new one for the next job.
type smtpSender struct {
	relay Relay
	helo  string
	log   *slog.Logger
	// stop is the shutdown deadline (unix nanoseconds; 0: none).
	stop atomic.Int64
	// mu guards c against abort, which runs on another goroutine; the
	// owning goroutine is the only one that replaces c.
	mu sync.Mutex
	c  *client
	// downUntil and downErr remember a failed connection attempt, so
	// that while the relay is unreachable jobs are deferred at once
	// instead of each waiting out a connect timeout.
	downUntil time.Time
	downErr   error
}

func newSMTPSender(r Relay, helo string, log *slog.Logger) *smtpSender {
	return &smtpSender{relay: r, helo: helo, log: log}
}

func (s *smtpSender) deliver(j *job) []result {
	res := make([]result, len(j.rcpts))
	env, idx := s.envelope(j, res)
	if len(idx) == 0 {
		return res
	}
	for try := 0; ; try++ {
		reused := s.c != nil
		if s.c == nil {
			if time.Now().Before(s.downUntil) {
				fill(res, idx, result{deferred, s.downErr.Error(), store.StageConnect})
				return res
			}
			c, err := dial(s.relay, s.helo, &s.stop)
			if err != nil {
				s.log.Warn("relay unavailable", "err", err)
				s.downUntil, s.downErr = time.Now().Add(relayDownFor), err
				fill(res, idx, result{deferred, err.Error(), store.StageConnect})
				return res
			}
			s.setClient(c)
		}
		if s.c.maxSize > 0 && env.size > s.c.maxSize {
			// Sending it would only earn a 552 after the whole transfer.
			fill(res, idx, result{rejected, fmt.Sprintf("552 5.3.4 message of %d bytes exceeds the relay's limit of %d", env.size, s.c.maxSize), store.StageMail})
			return res
		}
		got, stale, err := s.c.send(env)
		if err != nil {
			s.drop()
			if reused && stale && try == 0 {
				s.log.Debug("reused relay connection had died; reconnecting", "err", err)
				continue
			}
			s.log.Warn("relay connection failed", "err", err)
		}
		for k, i := range idx {
			res[i] = got[k]
		}
		return res
	}
}

// envelope builds the transaction for j. Recipients whose address cannot
// be written in an SMTP command are rejected in res and left out; idx maps
// the envelope's recipients back to the job's.
func (s *smtpSender) envelope(j *job, res []result) (*envelope, []int) {
	first := j.rcpts[0]
	head := j.sig + first.Header
	env := &envelope{
		from:     first.EnvelopeFrom,
		body:     filled(j.msg.wire, j.msg.marks, len(j.msg.q.Mark), first.Fill),
		eightBit: j.msg.eightBit,
		size:     j.msg.size + int64(len(head)),
		utf8:     !isASCII(first.EnvelopeFrom),
	}
	if head != "" {
		env.header = dotStuff(nil, []byte(head))
	}
	if !validAddress(env.from) {
		fill(res, nil, result{rejected, fmt.Sprintf("invalid envelope sender %q", env.from), ""})
		return env, nil
	}
	idx := make([]int, 0, len(j.rcpts))
	for i, r := range j.rcpts {
		if r.Address == "" || !validAddress(r.Address) {
			res[i] = result{rejected, fmt.Sprintf("invalid recipient address %q", r.Address), ""}
			continue
		}
		env.rcpts = append(env.rcpts, r.Address)
		env.utf8 = env.utf8 || !isASCII(r.Address)
		idx = append(idx, i)
	}
	return env, idx
}

func (s *smtpSender) setClient(c *client) {
	s.mu.Lock()
	s.c = c
	if stop := s.stop.Load(); stop != 0 {
		c.conn.SetDeadline(time.Unix(0, stop))
	}
	s.mu.Unlock()
}

// drop closes a connection that failed.
func (s *smtpSender) drop() {
	s.mu.Lock()
	c := s.c
	s.c = nil
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
}

func (s *smtpSender) idle() {
	s.mu.Lock()
	c := s.c
	s.c = nil
	s.mu.Unlock()
	if c != nil {
		c.quit()
	}
}

func (s *smtpSender) abort(deadline time.Time) {
	s.stop.Store(deadline.UnixNano())
	s.mu.Lock()
	if s.c != nil {
		s.c.conn.SetDeadline(deadline)
	}
	s.mu.Unlock()
}

func (s *smtpSender) close() { s.idle() }

// fill sets the result of the recipients idx (all if nil).
func fill(res []result, idx []int, r result) {
	if idx == nil {
		for i := range res {
			res[i] = r
		}
		return
	}
	for _, i := range idx {
		res[i] = r
	}
}

// validAddress refuses what would break out of an SMTP command line
// (CR, LF, angle brackets); the null sender "" is valid.
func validAddress(a string) bool {
	return !strings.ContainsAny(a, "\r\n<>\x00")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
