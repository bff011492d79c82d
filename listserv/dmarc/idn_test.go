package dmarc

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"testing"
)

// loopbackResolver is the real Go resolver, pointed at a closed loopback
// port so a well-formed name gets a network error (SERVFAIL-like), never
// a real answer from outside.
func loopbackResolver(dialed *int) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		*dialed++
		return nil, errors.New("no DNS in this test")
	}}
}

// TestIDNAuthorDomainIsLookedUpByALabels (regression): an author at an internationalized
// domain (RFC 6532 From, accepted by rewrite.Parse) is passed to DNS as
// U-labels; Go's resolver refuses such a name as "no such host" without
// asking anyone, which the Checker takes as "no DMARC record", so a
// p=reject IDN domain is never munged.
func TestIDNAuthorDomainIsLookedUpByALabels(t *testing.T) {
	a, err := mail.ParseAddress("Jörg <jörg@bücher.example>")
	if err != nil {
		t.Fatal(err)
	}
	dialed := 0
	c := New(loopbackResolver(&dialed), nil, Options{})
	_, domain, _ := cut(a.Address)
	munge, err := c.ShouldMunge(context.Background(), domain)
	t.Logf("domain %q: munge=%v err=%v dialed=%d", domain, munge, err, dialed)
	// Control: an ASCII name reaches the (failing) resolver and munges.
	m2, err2 := c.ShouldMunge(context.Background(), "xn--bcher-kva.example")
	t.Logf("A-label: munge=%v err=%v dialed=%d", m2, err2, dialed)
	if !munge {
		t.Errorf("IDN domain %q: ShouldMunge = false with no DNS query made (dialed %d); the U-label name is treated as NXDOMAIN", domain, dialed)
	}
}

func cut(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
