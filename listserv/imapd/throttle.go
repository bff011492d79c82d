package imapd

import (
	"strings"
	"sync"
	"time"
)

// throttle slows down password guessing, in memory (a restart forgets).
// Failures are counted per key ("addr:alice@example.org", "ip:192.0.2.7")
// while they keep coming within window of each other. The first `free`
// failures of a key cost only the fixed answer delay; each one after that
// locks the key for a time that doubles, from base up to max. While any
// key of an attempt is locked the attempt is refused without looking at
// the password. A successful login clears its address key.
//
// App passwords carry 128 random bits, so this is not what keeps them
// safe; it keeps a guessing client from burning CPU (bcrypt) and log
// space, and makes a person's typos cheap while an attacker's are not.
// The address limit is lower than the IP limit (one person's mail apps
// share an IP with their colleagues'); a person locked out by someone
// else's guessing waits at most max.
type throttle struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*failures
}

// policy is the limit for one kind of key.
type policy struct {
	free      int
	base, max time.Duration
	window    time.Duration
}

// policies per key prefix.
var policies = map[string]policy{
	"addr": {free: 5, base: 2 * time.Second, max: 15 * time.Minute, window: time.Hour},
	"ip":   {free: 20, base: 2 * time.Second, max: 15 * time.Minute, window: time.Hour},
}

// maxEntries bounds the memory the table may use before stale entries are
// swept (and, under a flood of distinct keys, before it is emptied).
const maxEntries = 50000

// failures is the record of one key.
type failures struct {
	n     int
	last  time.Time
	until time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, entries: map[string]*failures{}}
}

func policyOf(key string) policy {
	kind, _, _ := strings.Cut(key, ":")
	if p, ok := policies[kind]; ok {
		return p
	}
	return policies["ip"]
}

// attempt checks the keys and, when none is locked, counts this login as
// a failure in advance, in one step: parallel guesses cannot all pass the
// check while the first one is still hashing. A login that succeeds
// takes the count back (succeeded for the address, refund for the IP).
func (t *throttle) attempt(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if wait := t.lockedLocked(keys...); wait > 0 {
		return wait
	}
	t.failedLocked(keys...)
	return 0
}

// refund takes back one advance failure of a key after a good login.
func (t *throttle) refund(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil || e.n == 0 {
		return
	}
	e.n--
	if e.n <= policyOf(key).free {
		e.until = time.Time{}
	}
}

func (t *throttle) lockedLocked(keys ...string) time.Duration {
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		if e := t.entries[k]; e != nil && now.Before(e.until) {
			wait = max(wait, e.until.Sub(now))
		}
	}
	return wait
}

func (t *throttle) failedLocked(keys ...string) {
	now := t.now()
	if len(t.entries) >= maxEntries {
		t.sweepLocked(now)
	}
	for _, k := range keys {
		p := policyOf(k)
		e := t.entries[k]
		if e == nil || now.Sub(e.last) > p.window {
			e = &failures{}
			t.entries[k] = e
		}
		e.n++
		e.last = now
		if over := e.n - p.free; over > 0 {
			d := p.base
			for i := 1; i < over && d < p.max; i++ {
				d *= 2
			}
			e.until = now.Add(min(d, p.max))
		}
	}
}

// succeeded forgets the failures of a key that logged in: the address.
// (Not the IP: a valid account on a shared IP must not reset the count
// of an attacker guessing at other accounts from there; an IP's failures
// age out with the window.)
func (t *throttle) succeeded(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.entries, k)
	}
}

// sweepLocked drops entries whose window has passed; if that frees too
// little (a flood of made-up addresses), it starts over.
func (t *throttle) sweepLocked(now time.Time) {
	for k, e := range t.entries {
		if now.Sub(e.last) > policyOf(k).window && !now.Before(e.until) {
			delete(t.entries, k)
		}
	}
	if len(t.entries) >= maxEntries*9/10 {
		clear(t.entries)
	}
}
