package dmarc

// Policy is a domain's DMARC disposition for mail that fails DMARC.
type Policy string

// The DMARC policies (RFC 7489 §6.3, p= and sp=).
const (
	// PolicyNone asks receivers to take no action: no need to munge.
	PolicyNone Policy = "none"
	// PolicyQuarantine asks receivers to treat failing mail as suspicious.
	PolicyQuarantine Policy = "quarantine"
	// PolicyReject asks receivers to refuse failing mail.
	PolicyReject Policy = "reject"
)

// Strict reports whether receivers act on mail that fails DMARC under p,
// which is when a list must rewrite From.
func (p Policy) Strict() bool {
	return p == PolicyQuarantine || p == PolicyReject
}
