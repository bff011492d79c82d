package auth

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Cache times. net.Resolver does not report record TTLs, so these are
// fixed: long enough that a busy list does not ask DNS for every post,
// short enough that a fixed SPF or DMARC record counts within minutes.
const (
	cachePositive = 10 * time.Minute
	cacheNotFound = 10 * time.Minute
	cacheFailure  = time.Minute // timeouts and SERVFAIL: retry soon
	cacheMax      = 20000
	// cacheLookupTimeout bounds a shared lookup, which outlives the
	// deadline of the caller that started it.
	cacheLookupTimeout = 5 * time.Second
)

// Cache is a Resolver that remembers answers (and failures, briefly) and
// makes concurrent identical queries wait for one lookup. Without it
// every post would pay SPF, DKIM and DMARC round trips, and a slow
// resolver would slow every SMTP transaction with it.
type Cache struct {
	r   Resolver
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
	order   []string // insertion order, for eviction
}

type cacheEntry struct {
	done    chan struct{} // closed when the lookup finished
	expires time.Time
	val     any
	err     error
}

// NewCache wraps r; now is the clock (nil: time.Now).
func NewCache(r Resolver, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{r: r, now: now, entries: map[string]*cacheEntry{}}
}

var _ Resolver = (*Cache)(nil)

// LookupTXT is a cached r.LookupTXT.
func (c *Cache) LookupTXT(ctx context.Context, name string) ([]string, error) {
	v, err := c.get(ctx, "txt:"+name, func(ctx context.Context) (any, error) { return c.r.LookupTXT(ctx, name) })
	out, _ := v.([]string)
	return out, err
}

// LookupMX is a cached r.LookupMX.
func (c *Cache) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	v, err := c.get(ctx, "mx:"+name, func(ctx context.Context) (any, error) { return c.r.LookupMX(ctx, name) })
	out, _ := v.([]*net.MX)
	return out, err
}

// LookupIPAddr is a cached r.LookupIPAddr.
func (c *Cache) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	v, err := c.get(ctx, "ip:"+host, func(ctx context.Context) (any, error) { return c.r.LookupIPAddr(ctx, host) })
	out, _ := v.([]net.IPAddr)
	return out, err
}

// LookupAddr is a cached r.LookupAddr.
func (c *Cache) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	v, err := c.get(ctx, "ptr:"+addr, func(ctx context.Context) (any, error) { return c.r.LookupAddr(ctx, addr) })
	out, _ := v.([]string)
	return out, err
}

func (c *Cache) get(ctx context.Context, key string, lookup func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		select {
		case <-e.done:
			if c.now().Before(e.expires) {
				c.mu.Unlock()
				return e.val, e.err
			}
		default: // in flight: wait for it below
			c.mu.Unlock()
			select {
			case <-e.done:
				return e.val, e.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	e := &cacheEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.evict()
	c.mu.Unlock()

	// The lookup is shared, so it does not end with this caller's
	// context; it has its own deadline from the Verifier's resolver.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cacheLookupTimeout)
	val, err := lookup(lctx)
	cancel()
	ttl := cachePositive
	var dnsErr *net.DNSError
	switch {
	case err == nil:
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		ttl = cacheNotFound
	default:
		ttl = cacheFailure
	}
	c.mu.Lock()
	e.val, e.err, e.expires = val, err, c.now().Add(ttl)
	close(e.done)
	c.mu.Unlock()
	return val, err
}

// evict drops the oldest entries beyond cacheMax (called with mu held).
func (c *Cache) evict() {
	for len(c.order) > cacheMax {
		k := c.order[0]
		c.order = c.order[1:]
		if e, ok := c.entries[k]; ok {
			select {
			case <-e.done:
				delete(c.entries, k)
			default: // in flight; it stays until replaced
			}
		}
	}
}
