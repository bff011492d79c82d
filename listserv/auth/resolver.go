package auth

import (
	"context"
	"net"
	"time"
)

// Resolver is the DNS minyan's inbound checks need: TXT for SPF, DKIM
// keys and DMARC records, MX and addresses for SPF's mx, a and ptr
// mechanisms. *net.Resolver satisfies it; tests use a fake.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)

// TXTResolver answers only TXT queries (what the DMARC checker uses).
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Adapt returns r itself when it is a full Resolver, and otherwise a
// Resolver whose MX, address and PTR lookups find nothing, so SPF
// records made of ip4/ip6/include mechanisms still evaluate. nil means
// the system resolver.
func Adapt(r TXTResolver) Resolver {
	if r == nil {
		return net.DefaultResolver
	}
	if full, ok := r.(Resolver); ok {
		return full
	}
	return txtOnly{r}
}

type txtOnly struct{ TXTResolver }

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (txtOnly) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, notFound(name)
}

func (txtOnly) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, notFound(host)
}

func (txtOnly) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, notFound(addr)
}

// timeoutResolver bounds every query by its own deadline, so one slow
// name cannot use up the whole check.
type timeoutResolver struct {
	r Resolver
	d time.Duration
}

func (t timeoutResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.r.LookupTXT(ctx, name)
}

func (t timeoutResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.r.LookupMX(ctx, name)
}

func (t timeoutResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.r.LookupIPAddr(ctx, host)
}

func (t timeoutResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.r.LookupAddr(ctx, addr)
}
