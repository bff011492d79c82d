package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"minyan/listserv/auth"
)

// doctorDNS asks one DNS server directly, the way a receiving mail server
// or a browser elsewhere would, instead of the host's stub resolver and
// its caches, /etc/hosts and search domains: `minyan doctor` must see the
// records the world sees. It satisfies auth.Resolver, so the SPF
// evaluation of the inbound checks runs on it unchanged.
type doctorDNS struct {
	// server is "host:port" of the DNS server asked.
	server  string
	timeout time.Duration
}

var _ auth.Resolver = (*doctorDNS)(nil)

// newDoctorDNS asks server, or when it is "" the first nameserver of
// /etc/resolv.conf.
func newDoctorDNS(server string, timeout time.Duration) (*doctorDNS, error) {
	if server == "" {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("read the system's DNS servers: %w (or give one with --dns HOST:PORT)", err)
		}
		if len(cc.Servers) == 0 {
			return nil, fmt.Errorf("/etc/resolv.conf names no DNS server (give one with --dns HOST:PORT)")
		}
		server = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		return nil, fmt.Errorf("--dns %q is not HOST:PORT such as 127.0.0.1:53", server)
	}
	return &doctorDNS{server: server, timeout: timeout}, nil
}

// query asks for one name and type over UDP, and again over TCP when the
// answer did not fit a datagram (long DKIM keys often do not). A missing
// name or an empty answer is a *net.DNSError with IsNotFound, as the
// standard resolver reports it, so callers can tell "no record" from
// "DNS failed".
func (d *doctorDNS) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	c := &dns.Client{Net: "udp", Timeout: d.timeout}
	r, _, err := c.ExchangeContext(ctx, m, d.server)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.ExchangeContext(ctx, m, d.server)
	}
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: name, Server: d.server, IsTemporary: true}
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, &net.DNSError{Err: "no such host", Name: name, Server: d.server, IsNotFound: true}
	default:
		return nil, &net.DNSError{Err: "server answered " + dns.RcodeToString[r.Rcode], Name: name, Server: d.server, IsTemporary: true}
	}
	var out []dns.RR
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no " + dns.TypeToString[qtype] + " record", Name: name, Server: d.server, IsNotFound: true}
	}
	return out, nil
}

// LookupTXT returns each TXT record with its strings joined, as
// receivers read SPF, DKIM and DMARC records.
func (d *doctorDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := d.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = strings.Join(rr.(*dns.TXT).Txt, "")
	}
	return out, nil
}

// LookupMX returns the MX records, lowest preference first.
func (d *doctorDNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := d.query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]*net.MX, len(rrs))
	for i, rr := range rrs {
		mx := rr.(*dns.MX)
		out[i] = &net.MX{Host: mx.Mx, Pref: mx.Preference}
	}
	for i := 1; i < len(out); i++ { // a handful of records: insertion sort
		for j := i; j > 0 && out[j].Pref < out[j-1].Pref; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// LookupIPAddr returns the A and AAAA records of host; it fails only when
// both lookups failed.
func (d *doctorDNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IPAddr{{IP: ip}}, nil
	}
	var out []net.IPAddr
	var firstErr error
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := d.query(ctx, host, t)
		if err != nil {
			if firstErr == nil || !isNotFound(err) {
				firstErr = err
			}
			continue
		}
		for _, rr := range rrs {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, net.IPAddr{IP: v.A})
			case *dns.AAAA:
				out = append(out, net.IPAddr{IP: v.AAAA})
			}
		}
	}
	if len(out) == 0 {
		return nil, firstErr
	}
	return out, nil
}

// LookupAddr returns the PTR names of an address.
func (d *doctorDNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	rev, err := dns.ReverseAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("reverse lookup of %q: %w", addr, err)
	}
	rrs, err := d.query(ctx, rev, dns.TypePTR)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.(*dns.PTR).Ptr
	}
	return out, nil
}

// isNotFound tells "no such record" from a failed lookup.
func isNotFound(err error) bool {
	de, ok := err.(*net.DNSError)
	return ok && de.IsNotFound
}
