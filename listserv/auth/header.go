package auth

import (
	"bytes"
	"strings"

	"github.com/emersion/go-msgauth/authres"
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
	if len(r.DKIMDomains) > 0 {
		for _, d := range r.DKIMDomains {
			results = append(results, &authres.DKIMResult{Value: authres.ResultPass, Domain: d})
		}
	} else {
		results = append(results, &authres.DKIMResult{Value: authres.ResultValue(r.DKIM)})
	}
	dm := &authres.DMARCResult{Value: authres.ResultValue(r.DMARC), From: r.FromDomain}
	if r.Policy != "" {
		dm.Reason = "p=" + r.Policy
	}
	results = append(results, dm)

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

// Prepend returns raw with r's Authentication-Results field in front,
// after removing the fields that already claim this server's name: they
// were written by someone else (a forger, or a loop) and must not be
// believed (RFC 8601 §5).
func (r Result) Prepend(raw []byte) []byte {
	id := strings.ToLower(r.authServID)
	head, body := raw, []byte(nil)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head, body = raw[:i+2], raw[i+2:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		head, body = raw[:i+1], raw[i+1:]
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 256)
	out.WriteString(r.Header())
	skipping := false
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			line, head = head, nil
		} else {
			line, head = head[:i+1], head[i+1:]
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skipping {
				out.Write(line)
			}
			continue
		}
		skipping = false
		if k, v, ok := strings.Cut(string(line), ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Authentication-Results") && id != "" {
			name := strings.ToLower(strings.TrimSpace(strings.SplitN(strings.TrimSpace(v), ";", 2)[0]))
			if fields := strings.Fields(name); len(fields) > 0 && fields[0] == id {
				skipping = true
				continue
			}
		}
		out.Write(line)
	}
	out.Write(body)
	return out.Bytes()
}
