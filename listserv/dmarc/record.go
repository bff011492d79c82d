package dmarc

import (
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
)

// record is what the Checker needs from a DMARC record.
type record struct {
	policy    Policy // p=
	subdomain Policy // sp=, "" when absent
	// strictSPF and strictDKIM are aspf=s and adkim=s: the identifiers
	// must equal the author domain, not only share its organization.
	strictSPF, strictDKIM bool
}

// selectRecord picks the DMARC record among a name's TXT strings (RFC 7489
// §6.6.3): only those starting with v=DMARC1 count, and anything but
// exactly one means there is no policy.
func selectRecord(txts []string) (string, bool) {
	var found []string
	for _, t := range txts {
		if isDMARCRecord(t) {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// isDMARCRecord reports whether a TXT string starts with the v=DMARC1
// tag (whitespace around '=' allowed).
func isDMARCRecord(txt string) bool {
	first, _, _ := strings.Cut(txt, ";")
	k, v, ok := strings.Cut(first, "=")
	return ok && strings.TrimSpace(k) == "v" && strings.EqualFold(strings.TrimSpace(v), "DMARC1")
}

// parseRecord reads p=, sp=, aspf= and adkim= from a DMARC record with go-msgauth. That
// parser refuses a whole record over one bad optional tag (say rf=iodef),
// while receivers still enforce its p=; so when it fails, p= and sp= are
// read directly. A record without a valid p= counts as p=none, as RFC
// 7489 §6.6.3 asks.
func parseRecord(txt string) record {
	if rec, err := dmarc.Parse(txt); err == nil {
		return record{policy: normalize(string(rec.Policy)), subdomain: normalize(string(rec.SubdomainPolicy)),
			strictSPF: rec.SPFAlignment == dmarc.AlignmentStrict, strictDKIM: rec.DKIMAlignment == dmarc.AlignmentStrict}
	}
	var r record
	for _, tag := range strings.Split(txt, ";") {
		k, v, ok := strings.Cut(tag, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "p":
			r.policy = normalize(v)
		case "sp":
			r.subdomain = normalize(v)
		case "aspf":
			r.strictSPF = strings.EqualFold(strings.TrimSpace(v), "s")
		case "adkim":
			r.strictDKIM = strings.EqualFold(strings.TrimSpace(v), "s")
		}
	}
	if r.policy == "" {
		r.policy = PolicyNone
	}
	return r
}

// normalize maps a p=/sp= value to a Policy, "" when it is not one.
func normalize(v string) Policy {
	switch p := Policy(strings.ToLower(strings.TrimSpace(v))); p {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return p
	}
	return ""
}
