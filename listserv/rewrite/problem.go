package rewrite

import "fmt"

// Problem is why Parse refused a message. It carries the SMTP reply the
// receiving server should give, so that the sender's MTA bounces the post
// with a sentence a person can act on instead of a generic failure.
type Problem struct {
	// Code is the SMTP basic status code: 552 (too big) or 554 (unusable).
	Code int
	// Enhanced is the RFC 3463 enhanced status code, e.g. {5, 6, 0}.
	Enhanced [3]int
	// Reason is one short human sentence saying what is wrong and what to
	// fix; it can go straight into an SMTP reply.
	Reason string
}

// Error formats the problem like an SMTP reply line.
func (p *Problem) Error() string {
	return fmt.Sprintf("%d %d.%d.%d %s", p.Code, p.Enhanced[0], p.Enhanced[1], p.Enhanced[2], p.Reason)
}

// unusable is a 554 5.6.0 problem: the content cannot be handled as mail.
func unusable(format string, args ...any) *Problem {
	return &Problem{Code: 554, Enhanced: [3]int{5, 6, 0}, Reason: fmt.Sprintf(format, args...)}
}

// tooBig is a 552 5.3.4 problem: the message exceeds a size limit.
func tooBig(format string, args ...any) *Problem {
	return &Problem{Code: 552, Enhanced: [3]int{5, 3, 4}, Reason: fmt.Sprintf(format, args...)}
}
