package dmarc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Checker finds the DMARC policy of author domains, caching each
// _dmarc.<name> answer so the subdomains of one organization share its
// record. It is safe for concurrent use. Two posts from a new domain
// arriving together may both query DNS: the cache bounds repeated work,
// it does not deduplicate concurrent lookups.
type Checker struct {
	r    Resolver
	now  func() time.Time
	opts Options

	mu    sync.Mutex
	cache *policyCache
}

// New returns a Checker using r for DNS (nil: net.DefaultResolver) and now
// as its clock (nil: time.Now); the clock is injected so cache expiry can
// be tested without waiting.
func New(r Resolver, now func() time.Time, opts Options) *Checker {
	if r == nil {
		r = net.DefaultResolver
	}
	if now == nil {
		now = time.Now
	}
	opts = opts.withDefaults()
	return &Checker{r: r, now: now, opts: opts, cache: newPolicyCache(opts.MaxEntries)}
}

// Record is what DMARC says about one author domain: the record that
// applies to it (its own, or its organizational domain's) and the policy
// and alignment modes that record sets.
type Record struct {
	// Domain is the author domain as looked up: lowercased, in A-labels.
	Domain string
	// Found says a record applies; without one Policy is PolicyNone.
	Found bool
	// Policy is the record's p=, or for a subdomain falling back to its
	// organizational domain, that record's sp= (p= without sp=).
	Policy Policy
	// StrictSPF and StrictDKIM are aspf=s and adkim=s.
	StrictSPF, StrictDKIM bool
}

// Lookup returns the DMARC record that applies to mail from domain
// (RFC 7489 §6.6.3): _dmarc.<domain>, or else the organizational
// domain's record. Both the sender check and the From-rewriting decision
// use it, so they can never disagree; an internationalized domain is
// looked up by its A-labels. On a DNS failure or timeout it returns the
// error (Domain is still set when the name was valid).
func (c *Checker) Lookup(ctx context.Context, domain string) (Record, error) {
	d, err := Domain(domain)
	if err != nil {
		return Record{}, err
	}
	out := Record{Domain: d, Policy: PolicyNone}
	rec, found, err := c.lookup(ctx, d)
	if err != nil {
		return out, err
	}
	if !found {
		org, oerr := publicsuffix.EffectiveTLDPlusOne(d)
		if oerr != nil || org == d {
			return out, nil
		}
		if rec, found, err = c.lookup(ctx, org); err != nil {
			return out, err
		}
		if !found {
			return out, nil
		}
		if rec.subdomain != "" {
			rec.policy = rec.subdomain
		}
	}
	out.Found, out.Policy, out.StrictSPF, out.StrictDKIM = true, rec.policy, rec.strictSPF, rec.strictDKIM
	return out, nil
}

// Policy returns the DMARC policy that applies to mail from domain:
// _dmarc.<domain>'s p=, or else the organizational domain's sp= (its p=
// without sp=), or PolicyNone when neither publishes a record. On a DNS
// failure or timeout it returns "" and the error.
func (c *Checker) Policy(ctx context.Context, domain string) (Policy, error) {
	rec, err := c.Lookup(ctx, domain)
	if err != nil {
		return "", err
	}
	return rec.Policy, nil
}

// ShouldMunge reports whether posts from domain need their From rewritten:
// true for p=quarantine and p=reject. On a DNS failure it returns true
// with the error, because munging is the safe side; the caller logs it.
func (c *Checker) ShouldMunge(ctx context.Context, domain string) (bool, error) {
	p, err := c.Policy(ctx, domain)
	if err != nil {
		return true, err
	}
	return p.Strict(), nil
}

// lookup returns the record at _dmarc.<d>, from the cache or from DNS.
// Records found are kept for PositiveTTL, absences and failures for
// NegativeTTL; a failure caused by the caller's own context ending says
// nothing about the domain and is not kept.
func (c *Checker) lookup(ctx context.Context, d string) (record, bool, error) {
	c.mu.Lock()
	e, ok := c.cache.get(d, c.now())
	c.mu.Unlock()
	if ok {
		return e.rec, e.found, e.err
	}
	rec, found, err := c.query(ctx, d)
	if err != nil && ctx.Err() != nil {
		return rec, found, err
	}
	ttl := c.opts.NegativeTTL
	if found {
		ttl = c.opts.PositiveTTL
	}
	c.mu.Lock()
	c.cache.put(cacheEntry{domain: d, rec: rec, found: found, err: err, expires: c.now().Add(ttl)})
	c.mu.Unlock()
	return rec, found, err
}

// query fetches and parses the record at _dmarc.<d> within the per-query
// timeout. A name that does not exist or has no DMARC record is not an
// error: found is false.
func (c *Checker) query(ctx context.Context, d string) (record, bool, error) {
	qctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	name := "_dmarc." + d
	txts, err := c.r.LookupTXT(qctx, name)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return record{}, false, nil
		}
		return record{}, false, fmt.Errorf("dmarc: looking up TXT %s: %w", name, err)
	}
	txt, ok := selectRecord(txts)
	if !ok {
		return record{}, false, nil
	}
	return parseRecord(txt), true, nil
}

// Domain is the one form of a mail domain minyan looks up and compares:
// lowercased, without a trailing dot, internationalized labels turned
// into A-labels. It refuses what cannot be a DNS name, so that garbage
// from a From header neither reaches the resolver nor fills the cache.
func Domain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	// An internationalized domain (bücher.example) is looked up by its
	// A-labels (xn--bcher-kva.example): the resolver sends no query for
	// the Unicode form, which would read as "no policy" and leave a
	// p=reject domain unrewritten.
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		d = a
	} else if !isASCIIString(d) {
		return "", fmt.Errorf("dmarc: %q is not a domain name: %w", domain, err)
	}
	if d == "" || len(d) > 253 {
		return "", fmt.Errorf("dmarc: %q is not a domain name", domain)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("dmarc: %q is not a domain name", domain)
		}
	}
	for _, r := range d {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`@/\"<>()[],;:`, r) {
			return "", fmt.Errorf("dmarc: %q is not a domain name", domain)
		}
	}
	return d, nil
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
