// Package auth verifies who sent an inbound message: SPF for the
// envelope, DKIM signatures, and DMARC alignment of the author's From
// domain (RFC 7208, 6376, 7489). It reports what it found and records it
// as an Authentication-Results field (RFC 8601); what to do about it is
// the list's policy (listserv.authHold).
//
// All DNS goes through a Resolver with a deadline per query, so tests use
// a fake and a dead resolver costs seconds, not minutes.
package auth

import (
	"bytes"
	"context"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	msgdmarc "github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// Defaults of Verifier's zero fields.
const (
	DefaultTimeout       = 3 * time.Second
	DefaultMaxSignatures = 5
)

// Verifier checks inbound messages. The zero value uses the system
// resolver; it is safe for concurrent use.
type Verifier struct {
	// Resolver answers the DNS queries (nil: net.DefaultResolver).
	Resolver Resolver
	// Timeout bounds each DNS query (default 3 s).
	Timeout time.Duration
	// AuthServID names this server in Authentication-Results (the list
	// domain).
	AuthServID string
	// MaxSignatures bounds the DKIM signatures checked (default 5).
	MaxSignatures int
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
	// aligned with it), none (no record), temperror, permerror.
	DMARC string
	// Policy is the From domain's p= (or sp=), "" without a record.
	Policy string
	// Aligned says an SPF or DKIM pass is aligned with the From domain:
	// the domain vouches for this message, record or not.
	Aligned bool
	// FromDomain is the author's domain, lowercased.
	FromDomain string
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
}

// Failed reports whether the From domain is shown not to have sent the
// message: DMARC fails, or the domain publishes no DMARC record but its
// SPF record says the sending host is not allowed (-all) and no aligned
// DKIM signature vouches for it instead.
func (r Result) Failed() bool { return r.forged }

// Verify checks raw (as received) for the envelope sender envFrom ("" is
// the null sender), the connecting client's address remoteAddr
// ("ip:port" or an IP) and its HELO name.
func (v Verifier) Verify(ctx context.Context, raw []byte, envFrom, remoteAddr, helo string) Result {
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
	res := Result{authServID: v.AuthServID}
	head := headerBlock(raw)

	res.FromDomain = fromDomain(head)

	// SPF, for the client the message really came from.
	ip, heloName := clientIP(remoteAddr, helo, head)
	if ip != nil {
		res.ClientIP = ip.String()
	}
	res.SPFDomain = domainOf(envFrom)
	sender := envFrom
	if res.SPFDomain == "" {
		res.SPFDomain = strings.ToLower(strings.TrimSuffix(heloName, "."))
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
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
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
			res.DKIMDomains = append(res.DKIMDomains, strings.ToLower(ver.Domain))
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

	// DMARC.
	if res.FromDomain == "" {
		res.DMARC = "permerror"
		res.Why = "no usable From address"
		return res
	}
	rec, found, lookupErr := lookupDMARC(ctx, r, res.FromDomain)
	strictSPF, strictDKIM := false, false
	if found {
		res.Policy = rec.policy
		strictSPF, strictDKIM = rec.strictSPF, rec.strictDKIM
	}
	spfAligned := res.SPF == "pass" && aligned(res.SPFDomain, res.FromDomain, strictSPF)
	dkimAligned := false
	for _, d := range res.DKIMDomains {
		if aligned(d, res.FromDomain, strictDKIM) {
			dkimAligned = true
		}
	}
	res.Aligned = spfAligned || dkimAligned
	spfRelevant := aligned(res.SPFDomain, res.FromDomain, false)
	temp := lookupErr || (spfRelevant && res.SPF == "temperror") || dkimTempAligned
	switch {
	case res.Aligned:
		res.DMARC = "pass"
		if !found && !lookupErr {
			res.DMARC = "none"
		}
	case temp:
		res.DMARC = "temperror"
		res.TempError = true
		res.Why = "DNS lookups failed"
	case found:
		res.DMARC = "fail"
		res.forged = true
		res.Why = "DMARC fails for " + res.FromDomain + " (p=" + rec.policy + "): no SPF or DKIM pass aligned with it"
	default:
		res.DMARC = "none"
		if spfRelevant && res.SPF == "fail" {
			res.forged = true
			res.Why = "SPF fails for " + res.SPFDomain + " (host " + res.ClientIP + " not allowed) and no DKIM signature of " + res.FromDomain + " verifies"
		}
	}
	return res
}

type dmarcRecord struct {
	policy                string
	strictSPF, strictDKIM bool
}

// lookupDMARC finds the record for domain, falling back to its
// organizational domain (whose sp= then applies). lookupErr says DNS
// failed, so absence is not known.
func lookupDMARC(ctx context.Context, r Resolver, domain string) (rec dmarcRecord, found, lookupErr bool) {
	rec, found, lookupErr = queryDMARC(ctx, r, domain, false)
	if found || lookupErr {
		return
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil || org == domain {
		return
	}
	return queryDMARC(ctx, r, org, true)
}

func queryDMARC(ctx context.Context, r Resolver, domain string, sub bool) (dmarcRecord, bool, bool) {
	txts, err := r.LookupTXT(ctx, "_dmarc."+domain)
	switch classifyDNS(err) {
	case dnsNotFound:
		return dmarcRecord{}, false, false
	case dnsTemp:
		return dmarcRecord{}, false, true
	}
	var recs []string
	for _, t := range txts {
		if dmarcVersionRE.MatchString(t) {
			recs = append(recs, t)
		}
	}
	if len(recs) != 1 {
		return dmarcRecord{}, false, false
	}
	return parseDMARC(recs[0], sub), true, false
}

var dmarcVersionRE = regexp.MustCompile(`(?i)^\s*v\s*=\s*DMARC1\s*(;|$)`)

// parseDMARC reads p=, sp=, aspf= and adkim=, with go-msgauth when it
// accepts the record and by hand when it refuses one bad optional tag
// (receivers still apply p=).
func parseDMARC(txt string, sub bool) dmarcRecord {
	var rec dmarcRecord
	tags := map[string]string{}
	if m, err := msgdmarc.Parse(txt); err == nil {
		tags["p"] = string(m.Policy)
		tags["sp"] = string(m.SubdomainPolicy)
		tags["aspf"] = string(m.SPFAlignment)
		tags["adkim"] = string(m.DKIMAlignment)
	} else {
		for _, tag := range strings.Split(txt, ";") {
			if k, val, ok := strings.Cut(tag, "="); ok {
				tags[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(val))
			}
		}
	}
	rec.policy = policyWord(tags["p"])
	if sp := policyWord(tags["sp"]); sub && sp != "" {
		rec.policy = sp
	}
	if rec.policy == "" {
		rec.policy = "none"
	}
	rec.strictSPF = tags["aspf"] == "s"
	rec.strictDKIM = tags["adkim"] == "s"
	return rec
}

func policyWord(v string) string {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "none", "quarantine", "reject":
		return v
	}
	return ""
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

func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
}

// header is a message's header fields in order, unfolded, names
// lowercased.
type header []struct{ name, value string }

func (h header) values(name string) []string {
	var out []string
	for _, f := range h {
		if f.name == name {
			out = append(out, f.value)
		}
	}
	return out
}

// headerBlock reads the header of raw leniently.
func headerBlock(raw []byte) header {
	var h header
	var cur *struct{ name, value string }
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		var line []byte
		if i < 0 {
			line, raw = raw, nil
		} else {
			line, raw = raw[:i], raw[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur.value += " " + strings.TrimSpace(string(line))
			}
			continue
		}
		k, val, ok := strings.Cut(string(line), ":")
		if !ok || strings.ContainsAny(k, " \t") {
			cur = nil
			continue
		}
		h = append(h, struct{ name, value string }{strings.ToLower(k), strings.TrimSpace(val)})
		cur = &h[len(h)-1]
		if len(h) > 1000 {
			break
		}
	}
	return h
}

// fromDomain is the domain of the (first) author in From.
func fromDomain(h header) string {
	froms := h.values("from")
	if len(froms) == 0 {
		return ""
	}
	if list, err := mail.ParseAddressList(froms[0]); err == nil && len(list) > 0 {
		return domainOf(list[0].Address)
	}
	// Lenient: the last "@domain" in the field.
	if m := lastAddrRE.FindStringSubmatch(froms[0]); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

var lastAddrRE = regexp.MustCompile(`@([A-Za-z0-9.-]+\.[A-Za-z]{2,})>?\s*$`)

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
func clientIP(remoteAddr, helo string, h header) (net.IP, string) {
	host := remoteAddr
	if hst, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = hst
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	if ip != nil && public(ip) {
		return ip, helo
	}
	for i, v := range h.values("received") {
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
