package auth

import (
	"strings"

	"minyan/listserv/dmarc"
)

// SessionResult is the verdict for a message minyan composed itself for
// a person signed in to its web pages: the session, not DNS, vouches
// that author wrote it. It is aligned and vouched for the envelope too
// (minyan is the sender), and names the author's DMARC policy so the
// list's From rewriting treats the copy as it would a mailed post.
// Its Authentication-Results field records "auth=pass" with the
// author, the method for a sender authenticated by this server.
func SessionResult(authServID, author string, policy dmarc.Policy, policyUnknown bool) Result {
	_, domain, _ := strings.Cut(author, "@")
	if d, err := dmarc.Domain(domain); err == nil {
		domain = d
	}
	return Result{
		SPF: "none", DKIM: "none", DMARC: "none",
		Policy: policy, PolicyUnknown: policyUnknown,
		Aligned: true, EnvelopeVouched: true,
		Author: author, FromDomain: strings.ToLower(domain),
		Why:        "signed in on the web",
		authServID: authServID, session: true,
	}
}

// Session tells whether the result is a web session's (SessionResult).
func (r Result) Session() bool { return r.session }
