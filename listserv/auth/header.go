package auth

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"

	"minyan/listserv/rewrite"
)

// Header returns the Authentication-Results field recording r (RFC
// 8601), folded one method per line and ending in CRLF, such as
//
//	Authentication-Results: lists.example.org;
//		spf=pass smtp.mailfrom=example.net;
//		dkim=pass header.d=example.net;
//		dmarc=pass header.from=example.net
func (r Result) Header() string {
	id := r.authServID
	if id == "" {
		id = "localhost"
	}
	results := []authres.Result{
		&authres.SPFResult{Value: authres.ResultValue(r.SPF), From: r.SPFDomain},
	}
	if r.session {
		// A post written on the web pages: the signed-in author.
		results = []authres.Result{&authres.AuthResult{Value: authres.ResultPass, Auth: r.Author}}
	} else if len(r.DKIMDomains) > 0 {
		for _, d := range r.DKIMDomains {
			results = append(results, &authres.DKIMResult{Value: authres.ResultPass, Domain: d})
		}
	} else {
		results = append(results, &authres.DKIMResult{Value: authres.ResultValue(r.DKIM)})
	}
	if !r.session {
		dm := &authres.DMARCResult{Value: authres.ResultValue(r.DMARC), From: r.FromDomain}
		if r.Policy != "" {
			dm.Reason = "p=" + string(r.Policy)
		}
		results = append(results, dm)
	}

	var b strings.Builder
	b.WriteString("Authentication-Results: " + id)
	for _, res := range results {
		one := authres.Format(id, []authres.Result{res})
		b.WriteString(";\r\n\t")
		b.WriteString(strings.TrimSpace(strings.TrimPrefix(one, id+";")))
	}
	b.WriteString("\r\n")
	return b.String()
}

// AddTo records r in m: its Authentication-Results field goes on top,
// after removing the fields that already claim this server's name: they
// were written by someone else (a forger, or a loop) and must not be
// believed (RFC 8601 §5). When the field does not fit the header limit,
// m is left as it was and the error says so.
func (r Result) AddTo(m *rewrite.Message) error {
	return m.PrependField(r.Header(), r.claimsThisServer)
}

// claimsThisServer tells whether a header field is an
// Authentication-Results field naming this server.
func (r Result) claimsThisServer(key, value string) bool {
	id := strings.ToLower(r.authServID)
	if id == "" || !strings.EqualFold(strings.TrimSpace(key), "Authentication-Results") {
		return false
	}
	name := strings.ToLower(strings.TrimSpace(strings.SplitN(strings.TrimSpace(value), ";", 2)[0]))
	fields := strings.Fields(name)
	return len(fields) > 0 && fields[0] == id
}
