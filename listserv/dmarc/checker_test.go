package dmarc

import (
	"context"
	"errors"
	"fmt"
	"minyan/listserv/testkit"
	"net"
	"sync"
	"testing"
	"time"
)

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

func TestPolicies(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=reject; rua=mailto:d@reject.example")
	dns.SetTXT("_dmarc.quarantine.example", "v=DMARC1;p=quarantine;pct=50")
	dns.SetTXT("_dmarc.none.example", "v=DMARC1; p=none")
	dns.SetTXT("_dmarc.empty.example")
	dns.SetTXT("_dmarc.spf-only.example", "v=spf1 -all", "some verification token")
	dns.SetTXT("_dmarc.two.example", "v=DMARC1; p=reject", "v=DMARC1; p=none")
	dns.SetTXT("_dmarc.split.example", "v=DMARC1; p=", "reject") // strings of one record, as a resolver may hand them
	dns.SetTXT("_dmarc.sloppy.example", " v = DMARC1 ; P=Reject ; rf=iodef")
	dns.SetTXT("_dmarc.badp.example", "v=DMARC1; p=rejectt")
	dns.SetTXT("_dmarc.org.example", "v=DMARC1; p=none; sp=reject")
	dns.SetTXT("_dmarc.nosp.example", "v=DMARC1; p=quarantine")
	dns.SetTXT("_dmarc.own.org.example", "v=DMARC1; p=none")
	dns.SetTXT("_dmarc.example.co.uk", "v=DMARC1; p=reject")

	tests := []struct {
		domain string
		want   Policy
		munge  bool
	}{
		{"reject.example", PolicyReject, true},
		{"REJECT.Example.", PolicyReject, true},
		{"quarantine.example", PolicyQuarantine, true},
		{"none.example", PolicyNone, false},
		{"nxdomain.example", PolicyNone, false},
		{"empty.example", PolicyNone, false},
		{"spf-only.example", PolicyNone, false},
		{"two.example", PolicyNone, false},   // two records: no policy
		{"split.example", PolicyNone, false}, // "p=" alone is no valid policy
		{"sloppy.example", PolicyReject, true},
		{"badp.example", PolicyNone, false},
		// Subdomains fall back to the organizational domain's sp=.
		{"mail.org.example", PolicyReject, true},
		{"a.b.c.org.example", PolicyReject, true},
		// The organizational domain itself uses its p=.
		{"org.example", PolicyNone, false},
		// Without sp=, a subdomain inherits p=.
		{"lists.nosp.example", PolicyQuarantine, true},
		// A subdomain's own record wins over the organization's.
		{"own.org.example", PolicyNone, false},
		// The public suffix list knows co.uk is a suffix.
		{"mail.example.co.uk", PolicyReject, true},
	}
	c := New(dns, newClock().Now, Options{})
	for _, tt := range tests {
		p, err := c.Policy(context.Background(), tt.domain)
		if err != nil || p != tt.want {
			t.Errorf("Policy(%q) = %q, %v; want %q", tt.domain, p, err, tt.want)
		}
		m, err := c.ShouldMunge(context.Background(), tt.domain)
		if err != nil || m != tt.munge {
			t.Errorf("ShouldMunge(%q) = %v, %v; want %v", tt.domain, m, err, tt.munge)
		}
	}
	if n := dns.Queries("_dmarc.org.example"); n != 1 {
		t.Errorf("_dmarc.org.example queried %d times for one domain, want 1 (then cached)", n)
	}
}

func TestDNSFailureMeansMunge(t *testing.T) {
	dns := testkit.NewDNS(nil)
	servfail := &net.DNSError{Err: "server misbehaving", Name: "_dmarc.broken.example", IsTemporary: true}
	dns.SetError("_dmarc.broken.example", servfail)
	dns.SetError("_dmarc.org.example", errors.New("connection refused"))
	c := New(dns, newClock().Now, Options{})

	m, err := c.ShouldMunge(context.Background(), "broken.example")
	if !m || !errors.Is(err, servfail) {
		t.Errorf("ShouldMunge on SERVFAIL = %v, %v; want true and the DNS error", m, err)
	}
	// The failure is on the organizational domain, after NXDOMAIN on the
	// subdomain.
	m, err = c.ShouldMunge(context.Background(), "sub.org.example")
	if !m || err == nil {
		t.Errorf("ShouldMunge with failing org lookup = %v, %v; want true and an error", m, err)
	}
	if p, err := c.Policy(context.Background(), "broken.example"); p != "" || err == nil {
		t.Errorf("Policy on failure = %q, %v", p, err)
	}
}

func TestTimeout(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.Hang(testkit.Every, true)
	c := New(dns, newClock().Now, Options{Timeout: 10 * time.Millisecond})
	m, err := c.ShouldMunge(context.Background(), "slow.example")
	if !m || err == nil {
		t.Fatalf("ShouldMunge with a hanging resolver = %v, %v; want true and an error", m, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Errorf("error %v does not say it timed out", err)
	}
	// The failure is remembered for NegativeTTL: no second hanging query.
	m, err = c.ShouldMunge(context.Background(), "slow.example")
	if !m || err == nil || dns.Queries("_dmarc.slow.example") != 1 {
		t.Errorf("second call = %v, %v after %d queries", m, err, dns.Queries("_dmarc.slow.example"))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestCallerCancellationIsNotCached(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.Hang(testkit.Every, true)
	c := New(dns, newClock().Now, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m, err := c.ShouldMunge(ctx, "reject.example"); !m || err == nil {
		t.Fatalf("cancelled lookup = %v, %v", m, err)
	}
	dns.Hang(testkit.Every, false)
	dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=reject")
	if p, err := c.Policy(context.Background(), "reject.example"); p != PolicyReject || err != nil {
		t.Errorf("after a cancelled lookup Policy = %q, %v; want a fresh answer", p, err)
	}
}

func TestCacheTTLs(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=reject")
	dns.SetError("_dmarc.broken.example", errors.New("timeout"))
	clk := newClock()
	c := New(dns, clk.Now, Options{})
	ctx := context.Background()

	ask := func(domain string) {
		t.Helper()
		c.Policy(ctx, domain)
	}
	for i := 0; i < 3; i++ {
		ask("reject.example")
		ask("nxdomain.example")
		ask("broken.example")
	}
	want := map[string]int{"_dmarc.reject.example": 1, "_dmarc.nxdomain.example": 1, "_dmarc.broken.example": 1}
	for name, n := range want {
		if got := dns.Queries(name); got != n {
			t.Errorf("%s queried %d times, want %d (cache hit)", name, got, n)
		}
	}

	// Past the negative TTL, absences and failures are asked again; the
	// positive answer is still cached.
	clk.Advance(DefaultNegativeTTL + time.Second)
	ask("reject.example")
	ask("nxdomain.example")
	ask("broken.example")
	want = map[string]int{"_dmarc.reject.example": 1, "_dmarc.nxdomain.example": 2, "_dmarc.broken.example": 2}
	for name, n := range want {
		if got := dns.Queries(name); got != n {
			t.Errorf("after %v: %s queried %d times, want %d", DefaultNegativeTTL, name, got, n)
		}
	}

	// Past the positive TTL the record is looked up again, and a changed
	// policy is seen.
	dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=none")
	clk.Advance(DefaultPositiveTTL)
	if p, _ := c.Policy(ctx, "reject.example"); p != PolicyNone || dns.Queries("_dmarc.reject.example") != 2 {
		t.Errorf("after %v: policy %q after %d queries; want none after 2", DefaultPositiveTTL, p, dns.Queries("_dmarc.reject.example"))
	}
}

func TestCacheIsBounded(t *testing.T) {
	dns := testkit.NewDNS(nil)
	c := New(dns, newClock().Now, Options{MaxEntries: 3})
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		c.Policy(ctx, fmt.Sprintf("d%d.example", i))
	}
	if n := c.cache.len(); n != 3 {
		t.Errorf("cache holds %d entries, want 3", n)
	}
	// The oldest were evicted, the newest kept.
	c.Policy(ctx, "d9.example")
	c.Policy(ctx, "d0.example")
	if dns.Queries("_dmarc.d9.example") != 1 || dns.Queries("_dmarc.d0.example") != 2 {
		t.Errorf("d9 queried %d times (want 1), d0 %d times (want 2)", dns.Queries("_dmarc.d9.example"), dns.Queries("_dmarc.d0.example"))
	}
}

func TestBadDomains(t *testing.T) {
	dns := testkit.NewDNS(nil)
	c := New(dns, newClock().Now, Options{})
	for _, d := range []string{"", " ", "a..b", "exa mple.com", "a@b.example", "x\r\ny.example"} {
		m, err := c.ShouldMunge(context.Background(), d)
		if err == nil || !m {
			t.Errorf("ShouldMunge(%q) = %v, %v; want true and an error", d, m, err)
		}
	}
	if len(dns.Asked()) != 0 {
		t.Errorf("bad domains reached DNS: %v", dns.Asked())
	}
}

func TestConcurrentUse(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=reject")
	c := New(dns, newClock().Now, Options{MaxEntries: 5})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if m, err := c.ShouldMunge(context.Background(), "reject.example"); !m || err != nil {
					t.Errorf("ShouldMunge = %v, %v", m, err)
				}
				c.Policy(context.Background(), fmt.Sprintf("d%d.example", (i+j)%9))
			}
		}(i)
	}
	wg.Wait()
}

func TestNetResolverSatisfiesResolver(t *testing.T) {
	var r Resolver = net.DefaultResolver
	if New(r, nil, Options{}) == nil {
		t.Fatal("New returned nil")
	}
}
