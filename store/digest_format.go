package store

import "strings"

// DigestFormat is a member's choice of how digests reach them.
type DigestFormat string

const (
	// DigestHTML is HTML with a text alternative (the default; a
	// membership without a choice reads as this).
	DigestHTML DigestFormat = "html"
	// DigestPlain is text only, one text/plain part in the manner of
	// RFC 1153, for screen readers and text mail programs.
	DigestPlain DigestFormat = "plain"
)

// ParseDigestFormat reads "plain" or "html" (any case).
func ParseDigestFormat(s string) (DigestFormat, bool) {
	switch f := DigestFormat(strings.ToLower(strings.TrimSpace(s))); f {
	case DigestHTML, DigestPlain:
		return f, true
	}
	return "", false
}

// Format is the member's digest format, html when none was chosen.
func (m Membership) Format() DigestFormat {
	if m.DigestFormat == DigestPlain {
		return DigestPlain
	}
	return DigestHTML
}
