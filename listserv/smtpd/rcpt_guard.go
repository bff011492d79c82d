package smtpd

import (
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// A connection is closed after MaxRcptErrors refused recipients, but a
// client guessing list addresses (a caucus's among them: it answers
// exactly as a missing list does only while it is refused) can simply
// reconnect. RcptGuard gives every client address a budget of refused
// recipients that survives reconnects: each refusal takes one, and the
// budget grows back by one every Refill up to Budget. With the budget
// spent, every recipient from that address, a list that exists included,
// is answered 450 4.7.1 and the connection closed: the answer tells
// nothing, a real sender retries later, and a guesser gets one try per
// Refill. Addresses are counted per IPv4 address or IPv6 /64; loopback
// (a local MTA in front of minyan, which checks recipients itself) is
// exempt unless CountLoopback is set. Memory is bounded: at most
// maxGuarded addresses are remembered, those whose budget has grown
// back whole are forgotten first.

// Defaults of the failure budget.
const (
	DefaultRcptBudget = 30
	DefaultRcptRefill = time.Minute
	maxGuarded        = 20000
)

var errRcptThrottled = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
	Message: "too many unknown recipients from your address; please try again later"}

// RcptGuardOptions shape a RcptGuard; zero values take the defaults.
type RcptGuardOptions struct {
	Budget int
	Refill time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// RcptGuard is the per-address budget of refused recipients, shared by
// every session of the listeners given the same guard.
type RcptGuard struct {
	o  RcptGuardOptions
	mu sync.Mutex
	m  map[string]*rcptBudget
}

type rcptBudget struct {
	left float64
	at   time.Time
}

// NewRcptGuard makes a guard.
func NewRcptGuard(o RcptGuardOptions) *RcptGuard {
	if o.Budget <= 0 {
		o.Budget = DefaultRcptBudget
	}
	if o.Refill <= 0 {
		o.Refill = DefaultRcptRefill
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &RcptGuard{o: o, m: map[string]*rcptBudget{}}
}

// grown returns key's budget as it is now (nil: whole).
func (g *RcptGuard) grown(key string, now time.Time) *rcptBudget {
	b := g.m[key]
	if b == nil {
		return nil
	}
	b.left += float64(now.Sub(b.at)) / float64(g.o.Refill)
	b.at = now
	if b.left >= float64(g.o.Budget) {
		delete(g.m, key)
		return nil
	}
	return b
}

// blocked tells whether key has spent its budget.
func (g *RcptGuard) blocked(key string) bool {
	if g == nil || key == "" {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.grown(key, g.o.Now())
	return b != nil && b.left < 1
}

// refused takes one from key's budget.
func (g *RcptGuard) refused(key string) {
	if g == nil || key == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.o.Now()
	b := g.grown(key, now)
	if b == nil {
		if len(g.m) >= maxGuarded {
			g.forget(now)
		}
		b = &rcptBudget{left: float64(g.o.Budget), at: now}
		g.m[key] = b
	}
	b.left--
}

// forget makes room: budgets grown back whole go first, then, if the
// map is still full (a flood from very many addresses), half of it.
func (g *RcptGuard) forget(now time.Time) {
	for k := range g.m {
		g.grown(k, now)
	}
	for k := range g.m {
		if len(g.m) < maxGuarded/2 {
			break
		}
		delete(g.m, k)
	}
}

// guardKey is the address a connection is counted by: the IPv4 address
// or the IPv6 /64; "" for loopback (unless countLoopback) and unix
// sockets.
func guardKey(remote net.Addr, countLoopback bool) string {
	tcp, ok := remote.(*net.TCPAddr)
	if !ok {
		return ""
	}
	if tcp.IP.IsLoopback() && !countLoopback {
		return ""
	}
	if v4 := tcp.IP.To4(); v4 != nil {
		return v4.String()
	}
	return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
