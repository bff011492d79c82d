package testkit

import (
	"context"
	"net"
	"strings"
	"sync"
)

// DNS is the fake resolver every test uses (DNS sits behind an interface
// in minyan; no test asks a real server). It answers TXT queries from a
// table; names are compared without case or a final dot, and a name not
// in the table does not exist (NXDOMAIN), like every MX, address and
// reverse query. A test can make names fail, time out at once, or hang
// until the query's context ends, hold every answer until it lets go, and
// count the queries. Safe for concurrent use.
type DNS struct {
	mu      sync.Mutex
	txt     map[string][]string
	errs    map[string]error
	hang    map[string]bool
	gate    <-chan struct{}
	queries []string
}

// Every stands for every name in SetError, TimeOut and Hang.
const Every = "*"

// NewDNS returns a resolver that answers from txt (which it copies; nil
// for an empty table).
func NewDNS(txt map[string][]string) *DNS {
	d := &DNS{txt: map[string][]string{}, errs: map[string]error{}, hang: map[string]bool{}}
	for name, v := range txt {
		d.txt[dnsName(name)] = v
	}
	return d
}

func dnsName(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// SetTXT publishes name's TXT strings (none: the name exists without TXT).
func (d *DNS) SetTXT(name string, txt ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if txt == nil {
		txt = []string{}
	}
	d.txt[dnsName(name)] = txt
}

// SetError makes queries for name (or Every name) fail with err; nil
// undoes it.
func (d *DNS) SetError(name string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil {
		delete(d.errs, dnsName(name))
		return
	}
	d.errs[dnsName(name)] = err
}

// TimeOut makes queries for name (or Every name) answer at once with a
// resolver timeout.
func (d *DNS) TimeOut(name string) {
	d.SetError(name, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true})
}

// Hang makes queries for name (or Every name) wait until their context
// ends, then fail as timed out (on is false: they answer again).
func (d *DNS) Hang(name string, on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hang[dnsName(name)] = on
}

// HoldUntil makes every query wait until gate is closed before it
// answers (nil: answer at once), so concurrent callers overlap.
func (d *DNS) HoldUntil(gate <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gate = gate
}

// Queries returns how many TXT queries named name.
func (d *DNS) Queries(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, q := range d.queries {
		if q == dnsName(name) {
			n++
		}
	}
	return n
}

// Asked returns the names of every TXT query so far, in order.
func (d *DNS) Asked() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.queries...)
}

// LookupTXT answers from the table.
func (d *DNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	key := dnsName(name)
	d.mu.Lock()
	d.queries = append(d.queries, key)
	v, ok := d.txt[key]
	err, failed := d.errs[key]
	if !failed {
		err, failed = d.errs[Every]
	}
	hang := d.hang[key] || d.hang[Every]
	gate := d.gate
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, &net.DNSError{Err: ctx.Err().Error(), Name: name, IsTimeout: true}
		}
	}
	switch {
	case hang:
		<-ctx.Done()
		return nil, &net.DNSError{Err: ctx.Err().Error(), Name: name, IsTimeout: true}
	case failed:
		return nil, err
	case !ok:
		return nil, notFound(name)
	}
	return v, nil
}

// TXT is LookupTXT without a context, the shape DKIM verifiers take
// (dkim.VerifyOptions.LookupTXT).
func (d *DNS) TXT(name string) ([]string, error) { return d.LookupTXT(context.Background(), name) }

// LookupMX finds no mail exchanger.
func (d *DNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return nil, notFound(name)
}

// LookupIPAddr finds no address.
func (d *DNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return nil, notFound(host)
}

// LookupAddr finds no name for an address.
func (d *DNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return nil, notFound(addr)
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
