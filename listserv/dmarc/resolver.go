package dmarc

import (
	"context"
	"net"
)

// Resolver is the DNS lookup the Checker needs, behind an interface so
// tests (and deployments with a special resolver) can supply their own.
// *net.Resolver satisfies it. A name that does not exist, or has no TXT
// record, should be reported as a *net.DNSError with IsNotFound set; any
// other error counts as a DNS failure.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)
