package auth

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minyan/listserv/testkit"
)

// countingDNS answers TXT for known names and counts queries; slow makes
// every answer wait so concurrent callers overlap.
type countingDNS struct {
	calls atomic.Int32
	slow  chan struct{}
	fail  bool
}

func (d *countingDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	d.calls.Add(1)
	if d.slow != nil {
		<-d.slow
	}
	switch {
	case d.fail:
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	case name == "example.net":
		return []string{"v=spf1 -all"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func TestCacheRemembersAndExpires(t *testing.T) {
	d := &countingDNS{}
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	c := NewCache(Adapt(d), clock.Now)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if v, err := c.LookupTXT(ctx, "example.net"); err != nil || v[0] != "v=spf1 -all" {
			t.Fatal(v, err)
		}
		if _, err := c.LookupTXT(ctx, "_dmarc.example.net"); err == nil {
			t.Fatal("a missing record answered")
		}
	}
	if n := d.calls.Load(); n != 2 {
		t.Fatalf("%d DNS queries for 2 names asked 3 times each", n)
	}
	clock.Advance(cachePositive + time.Second)
	c.LookupTXT(ctx, "example.net")
	if n := d.calls.Load(); n != 3 {
		t.Fatalf("after expiry: %d queries, want 3 (example.net asked again)", n)
	}
}

func TestCacheFailuresAreShortLived(t *testing.T) {
	d := &countingDNS{fail: true}
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	c := NewCache(Adapt(d), clock.Now)
	c.LookupTXT(context.Background(), "example.net")
	c.LookupTXT(context.Background(), "example.net")
	if d.calls.Load() != 1 {
		t.Fatal("a failure was not remembered at all")
	}
	d.fail = false
	clock.Advance(cacheFailure + time.Second)
	if v, err := c.LookupTXT(context.Background(), "example.net"); err != nil || len(v) != 1 {
		t.Fatalf("after the failure expired: %v %v", v, err)
	}
}

// Concurrent posts from one domain share one lookup.
func TestCacheSharesInFlightLookups(t *testing.T) {
	d := &countingDNS{slow: make(chan struct{})}
	c := NewCache(Adapt(d), nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.LookupTXT(context.Background(), "example.net"); err != nil {
				t.Error(err)
			}
		}()
	}
	for d.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others arrive and wait
	close(d.slow)
	wg.Wait()
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("%d lookups for 8 concurrent callers", n)
	}
}
