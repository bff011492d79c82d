package rewrite

// Limits bounds what Parse accepts. They exist because a list redistributes
// every post to many people and feeds it to archives and mail clients: a
// message that is legal-looking but pathological (huge headers, endless
// lines, thousands of nested parts) must be refused at the door, with a
// reason the sender can act on, rather than choke something downstream.
type Limits struct {
	// MaxHeaderBytes bounds the whole header, blank line included.
	MaxHeaderBytes int
	// MaxLineBytes bounds every line of the message, line ending excluded
	// (RFC 5322 §2.1.1 says 998).
	MaxLineBytes int
	// MaxMIMEDepth bounds how deeply multiparts and message/rfc822 parts
	// may nest.
	MaxMIMEDepth int
	// MaxParts bounds the number of MIME parts in the whole message.
	MaxParts int
}

// RFC5322LineLimit is the longest line (line ending excluded) that RFC 5322
// allows; it is the default for Limits.MaxLineBytes.
const RFC5322LineLimit = 998

// DefaultLimits returns the limits Parse uses for fields left at zero:
// 256 KiB of header, 998-octet lines, MIME nesting 20 deep, 500 parts.
// They are generous for real mail and small enough to bound the work.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes: 256 << 10,
		MaxLineBytes:   RFC5322LineLimit,
		MaxMIMEDepth:   20,
		MaxParts:       500,
	}
}

// withDefaults fills zero or negative fields from DefaultLimits so that a
// caller can override just one limit.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxMIMEDepth <= 0 {
		l.MaxMIMEDepth = d.MaxMIMEDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	return l
}
