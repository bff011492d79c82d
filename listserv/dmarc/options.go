package dmarc

import "time"

// Options tunes a Checker; zero fields take the defaults below, which
// suit a list server: policies change rarely, a failed lookup is retried
// soon, and a slow resolver must not stall a post for long.
type Options struct {
	// Timeout bounds each DNS query (default 3 s).
	Timeout time.Duration
	// PositiveTTL is how long a found record is trusted (default 1 h).
	PositiveTTL time.Duration
	// NegativeTTL is how long an absent record or a DNS failure is
	// remembered (default 5 min).
	NegativeTTL time.Duration
	// MaxEntries bounds the cache (default 10,000 domains); the oldest
	// entry is evicted first.
	MaxEntries int
}

// Defaults for Options fields left at zero.
const (
	DefaultTimeout     = 3 * time.Second
	DefaultPositiveTTL = time.Hour
	DefaultNegativeTTL = 5 * time.Minute
	DefaultMaxEntries  = 10000
)

// withDefaults fills zero or negative fields.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PositiveTTL <= 0 {
		o.PositiveTTL = DefaultPositiveTTL
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = DefaultNegativeTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return o
}
