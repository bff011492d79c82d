// Package auth verifies who sent an inbound message: SPF for the
// envelope, DKIM signatures, and DMARC alignment of the author's From
// domain (RFC 7208, 6376, 7489). It reads no header for itself: the
// author is the one rewrite.Parse found, and the DMARC record comes from
// the dmarc.Checker the From-rewriting decision uses. It reports what it found and records it
// as an Authentication-Results field (RFC 8601); what to do about it is
// the list's policy (the posting chain in package listserv).
//
// All DNS goes through a Resolver with a deadline per query, so tests use
// a fake and a dead resolver costs seconds, not minutes.
package auth

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"golang.org/x/net/publicsuffix"

	"minyan/listserv/dmarc"
	"minyan/listserv/rewrite"
)

// Defaults of Verifier's zero fields.
const (
	DefaultTimeout       = 3 * time.Second
	DefaultMaxSignatures = 5
)

// Verifier checks inbound messages. The zero value uses the system
// resolver; it is safe for concurrent use.
type Verifier struct {
	// Resolver answers the SPF and DKIM queries (nil: net.DefaultResolver).
	Resolver Resolver
	// DMARC finds the author domain's DMARC record. The list server
	// passes the Checker its From-rewriting decision uses, so both read
	// one answer from one cache; nil uses a Checker over Resolver.
	DMARC *dmarc.Checker
	// Timeout bounds each DNS query (default 3 s).
	Timeout time.Duration
	// AuthServID names this server in Authentication-Results (the list
	// domain).
	AuthServID string
	// MaxSignatures bounds the DKIM signatures checked (default 5).
	MaxSignatures int
}

// Envelope is what the SMTP session knew about a message.
type Envelope struct {
	// From is MAIL FROM ("" is the null sender).
	From string
	// RemoteAddr is the connecting client ("ip:port" or an IP).
	RemoteAddr string
	// Helo is the client's HELO/EHLO name.
	Helo string
}

// Result is what Verify found. Method results use the RFC 8601 words:
// pass, fail, softfail, neutral, none, temperror, permerror.
type Result struct {
	// SPF is the result for the envelope sender's domain (or the HELO
	// name for the null sender), SPFDomain that domain.
	SPF       string
	SPFDomain string
	// DKIM is the best result over the signatures; DKIMDomains are the
	// d= of those that verified.
	DKIM        string
	DKIMDomains []string
	// DMARC is the RFC 7489 evaluation for the From domain: pass, fail
	// (the domain publishes DMARC and neither SPF nor DKIM passed
	// aligned with it), none (no record), temperror, permerror (no
	// single author whose domain can be judged).
	DMARC string
	// Policy is the From domain's p= (or sp=), "" without a record.
	Policy dmarc.Policy
	// PolicyUnknown says the DMARC record could not be looked up (DNS
	// failed), so Policy is not known.
	PolicyUnknown bool
	// Aligned says an SPF or DKIM pass is aligned with the From domain:
	// the domain vouches for this message, record or not.
	Aligned bool
	// Author is the address judged: the message's author as the parser
	// read it (the first address of From), and FromDomain its domain,
	// lowercased and in A-labels.
	Author     string
	FromDomain string
	// AuthorProblem says, in plain words, why the author cannot be
	// judged ("" when it can): From names several addresses, or the
	// author's domain is not a usable domain name.
	AuthorProblem string
	// EnvelopeVouched says the envelope sender's own domain vouches for
	// the message: SPF passes for it, or a DKIM signature of that domain
	// (relaxed alignment) verifies.
	EnvelopeVouched bool
	// ClientIP is the address SPF was checked for: the connecting
	// client, or, when that is a private or loopback address (the MX in
	// front of minyan), the first public address in the Received chain.
	ClientIP string
	// TempError says no verdict could be reached because DNS failed
	// (the domain might well have vouched for the message).
	TempError bool
	// Why explains a failure in a few words, for logs.
	Why string

	authServID string
	forged     bool
	// session marks a SessionResult: the author signed in on the web.
	session bool
}

// Failed reports whether the From domain is shown not to have sent the
// message: DMARC fails, or the domain publishes no DMARC record but its
// SPF record says the sending host is not allowed (-all) and no aligned
// DKIM signature vouches for it instead.
func (r Result) Failed() bool { return r.forged }

// Verify parses raw (as received) and checks it; see Check. A message
// the parser refuses has no author to judge (DMARC permerror).
func (v Verifier) Verify(ctx context.Context, raw []byte, envFrom, remoteAddr, helo string) Result {
	m, err := rewrite.Parse(raw, rewrite.DefaultLimits())
	if err != nil {
		m = &rewrite.Message{Raw: raw}
	}
	return v.Check(ctx, m, Envelope{From: envFrom, RemoteAddr: remoteAddr, Helo: helo})
}

// Check verifies a parsed message for its envelope. The author judged is
// m.From, the very address the list treats as the author; the header is
// not read a second time here, so the check and the list cannot disagree
// about who wrote the post. DKIM verifies m.Raw.
func (v Verifier) Check(ctx context.Context, m *rewrite.Message, env Envelope) Result {
	if ctx == nil {
		ctx = context.Background()
	}
	timeout := v.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var base Resolver = net.DefaultResolver
	if v.Resolver != nil {
		base = v.Resolver
	}
	r := timeoutResolver{base, timeout}
	checker := v.DMARC
	if checker == nil {
		checker = dmarc.New(base, nil, dmarc.Options{Timeout: timeout})
	}
	res := Result{authServID: v.AuthServID}
	res.judgeAuthor(m)

	// SPF, for the client the message really came from.
	ip, heloName := clientIP(env.RemoteAddr, env.Helo, m.Header.Values("Received"))
	if ip != nil {
		res.ClientIP = ip.String()
	}
	res.SPFDomain = domainOf(env.From)
	sender := env.From
	if at := strings.LastIndexByte(sender, '@'); at >= 0 && res.SPFDomain != "" {
		// SPF reads the domain from the sender: give it the A-labels.
		sender = strings.Trim(sender[:at], "<> ") + "@" + res.SPFDomain
	}
	if res.SPFDomain == "" {
		res.SPFDomain = normDomain(heloName)
		sender = "postmaster@" + res.SPFDomain
	}
	switch {
	case ip == nil || res.SPFDomain == "":
		res.SPF = "none"
	default:
		out, _ := spf.CheckHostWithSender(ip, heloName, sender, spf.WithContext(ctx), spf.WithResolver(r))
		// The error is a trace even on success: the result is what
		// counts.
		res.SPF = string(out)
	}

	// DKIM.
	maxSig := v.MaxSignatures
	if maxSig <= 0 {
		maxSig = DefaultMaxSignatures
	}
	res.DKIM = "none"
	dkimTempAligned := false
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return r.LookupTXT(ctx, name) },
		MaxVerifications: maxSig,
	})
	if err != nil && len(vs) == 0 {
		res.DKIM = "permerror"
	}
	rank := map[string]int{"none": 0, "permerror": 1, "fail": 2, "temperror": 3, "pass": 4}
	for _, ver := range vs {
		var got string
		switch {
		case ver.Err == nil:
			got = "pass"
			res.DKIMDomains = append(res.DKIMDomains, normDomain(ver.Domain))
		case dkim.IsTempFail(ver.Err):
			got = "temperror"
			if aligned(ver.Domain, res.FromDomain, false) {
				dkimTempAligned = true
			}
		case dkim.IsPermFail(ver.Err):
			got = "permerror"
		default:
			got = "fail"
		}
		if rank[got] > rank[res.DKIM] {
			res.DKIM = got
		}
	}

	// The envelope sender's own domain: does it vouch for the message?
	if env.From != "" {
		res.EnvelopeVouched = res.SPF == "pass"
		for _, d := range res.DKIMDomains {
			if aligned(d, res.SPFDomain, false) {
				res.EnvelopeVouched = true
			}
		}
	}

	// DMARC.
	if res.AuthorProblem != "" {
		res.DMARC = "permerror"
		res.Why = res.AuthorProblem
		return res
	}
	rec, lookupErr := checker.Lookup(ctx, res.FromDomain)
	if lookupErr != nil {
		res.PolicyUnknown = true
	} else if rec.Found {
		res.Policy = rec.Policy
	}
	spfAligned := res.SPF == "pass" && aligned(res.SPFDomain, res.FromDomain, rec.StrictSPF)
	dkimAligned := false
	for _, d := range res.DKIMDomains {
		if aligned(d, res.FromDomain, rec.StrictDKIM) {
			dkimAligned = true
		}
	}
	res.Aligned = spfAligned || dkimAligned
	spfRelevant := aligned(res.SPFDomain, res.FromDomain, false)
	temp := lookupErr != nil || (spfRelevant && res.SPF == "temperror") || dkimTempAligned
	switch {
	case res.Aligned:
		res.DMARC = "pass"
		if !rec.Found && lookupErr == nil {
			res.DMARC = "none"
		}
	case temp:
		res.DMARC = "temperror"
		res.TempError = true
		res.Why = "DNS lookups failed"
	case rec.Found:
		res.DMARC = "fail"
		res.forged = true
		res.Why = "DMARC fails for " + res.FromDomain + " (p=" + string(rec.Policy) + "): no SPF or DKIM pass aligned with it"
	default:
		res.DMARC = "none"
		if spfRelevant && res.SPF == "fail" {
			res.forged = true
			res.Why = "SPF fails for " + res.SPFDomain + " (host " + res.ClientIP + " not allowed) and no DKIM signature of " + res.FromDomain + " verifies"
		}
	}
	return res
}

// judgeAuthor takes the author from the parsed message and says when it
// cannot be judged.
func (res *Result) judgeAuthor(m *rewrite.Message) {
	switch {
	case m.From == nil:
		res.AuthorProblem = "the message has no readable From address"
		return
	case m.FromAddresses > 1:
		res.AuthorProblem = "the From field names several addresses, so the sender cannot be verified"
	}
	res.Author = m.From.Address
	at := strings.LastIndexByte(m.From.Address, '@')
	d, err := dmarc.Domain(m.From.Address[at+1:])
	if at < 0 || err != nil || !strings.Contains(d, ".") {
		if res.AuthorProblem == "" {
			res.AuthorProblem = "the domain of the From address cannot be checked"
		}
		res.FromDomain = strings.ToLower(m.From.Address[at+1:])
		return
	}
	res.FromDomain = d
}

// aligned compares two domains as DMARC does: equal (strict), or with
// the same organizational domain (relaxed).
func aligned(a, b string, strict bool) bool {
	a, b = strings.ToLower(strings.TrimSuffix(a, ".")), strings.ToLower(strings.TrimSuffix(b, "."))
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if strict {
		return false
	}
	oa, err1 := publicsuffix.EffectiveTLDPlusOne(a)
	ob, err2 := publicsuffix.EffectiveTLDPlusOne(b)
	return err1 == nil && err2 == nil && oa == ob
}

// domainOf is the domain of an address in its looked-up form.
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return normDomain(addr[at+1:])
}

// normDomain is dmarc.Domain, or just lowercased when that refuses it
// (SPF then finds nothing, which is the right answer for garbage).
func normDomain(d string) string {
	if a, err := dmarc.Domain(d); err == nil {
		return a
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}

// receivedFromRE takes the client's address and name out of a Received
// field's from clause: "from helo.example (rdns [192.0.2.1])".
var receivedFromRE = regexp.MustCompile(`(?i)^\s*from\s+(\S+)[^;]*?\[(?:ipv6:)?([0-9a-f:.]+)\]`)

// clientIP is the address SPF is checked for. A client on a loopback or
// private address is the MX (or filter) in front of minyan, which
// recorded the real client in the Received field it added: the
// Received fields are read from the top while they name private hops,
// up to a few, and the first public client found is used with its HELO
// name. Received fields are only trusted when the connection itself
// came from a private address.
func clientIP(remoteAddr, helo string, received []string) (net.IP, string) {
	host := remoteAddr
	if hst, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = hst
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	if ip != nil && public(ip) {
		return ip, helo
	}
	for i, v := range received {
		if i >= 5 {
			break
		}
		m := receivedFromRE.FindStringSubmatch(v)
		if m == nil {
			continue
		}
		hop := net.ParseIP(m[2])
		if hop == nil {
			continue
		}
		if public(hop) {
			return hop, strings.Trim(m[1], "()[]")
		}
	}
	return ip, helo
}

func public(ip net.IP) bool {
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback()
}
