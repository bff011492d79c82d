package auth

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"minyan/listserv/testkit"
)

// spfDNS is a fake DNS that publishes an SPF record for example.net.
func spfDNS() *testkit.DNS {
	return testkit.NewDNS(map[string][]string{"example.net": {"v=spf1 -all"}})
}

func TestCacheRemembersAndExpires(t *testing.T) {
	d := spfDNS()
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
	if n := len(d.Asked()); n != 2 {
		t.Fatalf("%d DNS queries for 2 names asked 3 times each", n)
	}
	clock.Advance(cachePositive + time.Second)
	c.LookupTXT(ctx, "example.net")
	if n := len(d.Asked()); n != 3 {
		t.Fatalf("after expiry: %d queries, want 3 (example.net asked again)", n)
	}
}

func TestCacheFailuresAreShortLived(t *testing.T) {
	d := spfDNS()
	d.SetError(testkit.Every, &net.DNSError{Err: "server misbehaving", Name: "example.net", IsTemporary: true})
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	c := NewCache(Adapt(d), clock.Now)
	c.LookupTXT(context.Background(), "example.net")
	c.LookupTXT(context.Background(), "example.net")
	if len(d.Asked()) != 1 {
		t.Fatal("a failure was not remembered at all")
	}
	d.SetError(testkit.Every, nil)
	clock.Advance(cacheFailure + time.Second)
	if v, err := c.LookupTXT(context.Background(), "example.net"); err != nil || len(v) != 1 {
		t.Fatalf("after the failure expired: %v %v", v, err)
	}
}

// Concurrent posts from one domain share one lookup.
func TestCacheSharesInFlightLookups(t *testing.T) {
	d := spfDNS()
	gate := make(chan struct{})
	d.HoldUntil(gate)
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
	for len(d.Asked()) == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others arrive and wait
	close(gate)
	wg.Wait()
	if n := len(d.Asked()); n != 1 {
		t.Fatalf("%d lookups for 8 concurrent callers", n)
	}
}
