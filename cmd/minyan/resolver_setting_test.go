package main

import (
	"context"
	"errors"
	"net"
	"testing"
)

// TestResolverSetting reads server.resolver: its two words, a
// host:port, and the settings refused.
func TestResolverSetting(t *testing.T) {
	for _, c := range []struct {
		in ResolverSetting
		ok bool
	}{
		{"", true}, {"off", true}, {"127.0.0.1:53", true}, {"[::1]:5353", true},
		{"OFF", false}, {"127.0.0.1", false}, {"none", false}, {" off", false},
	} {
		if err := c.in.check(); (err == nil) != c.ok {
			t.Errorf("ResolverSetting(%q).check() = %v, want ok %v", c.in, err, c.ok)
		}
	}
	if configResolver(ResolverSystem) != net.DefaultResolver {
		t.Error(`"" does not use the system's resolver`)
	}
	_, err := configResolver(ResolverOff).LookupTXT(context.Background(), "example.org")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsTemporary {
		t.Errorf(`"off" looked up: %v, want a temporary DNS error`, err)
	}
	if r, ok := configResolver("127.0.0.1:53").(*net.Resolver); !ok || r == net.DefaultResolver || r.Dial == nil {
		t.Errorf("host:port gave %T, want a resolver dialling it", configResolver("127.0.0.1:53"))
	}
}
