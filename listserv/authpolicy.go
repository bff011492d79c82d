package listserv

import (
	"context"
	"strings"

	"minyan/listserv/auth"
	"minyan/listserv/dmarc"
	"minyan/listserv/rewrite"
	"minyan/store"
)

// Reasons a post is held by the sender check, written for moderators.
const (
	// ReasonUnverified: the From domain shows the post was not sent by
	// it (DMARC fails, or SPF -all fails with no aligned DKIM).
	ReasonUnverified = "could not verify the sender"
	// ReasonUnverifiedDNS: the check could not be made because DNS
	// failed, on a list where that sends the post to moderation.
	ReasonUnverifiedDNS = "could not verify the sender (DNS lookups failed)"
)

// SenderVerdict is what the sender check found about a message: who the
// author is (the very address the rest of minyan treats as the author,
// from the one parse of the message) and whether the author's domain,
// and the envelope sender's, vouch for it. It is the answer for posts,
// email commands and moderation replies alike.
type SenderVerdict struct {
	// Result is the full SPF, DKIM and DMARC evaluation (also recorded in
	// the archived and held copies as Authentication-Results).
	Result auth.Result
	// checked is false for a verdict that was never computed (the zero
	// value): it vouches for nothing.
	checked bool
}

// Author is the judged author address, normalized ("" when none).
func (v SenderVerdict) Author() string { return NormalizeAddress(v.Result.Author) }

// Vouched tells whether the author's own domain vouches for the message
// (an SPF or DKIM pass aligned with it) and the author is one clear
// address: the positive proof that state-changing commands need.
func (v SenderVerdict) Vouched() bool {
	return v.checked && v.Result.Aligned && v.Result.AuthorProblem == ""
}

// Forged tells whether the author's domain shows the message was not
// sent by it (DMARC fails, or SPF -all fails without aligned DKIM).
func (v SenderVerdict) Forged() bool { return v.checked && v.Result.Failed() }

// Unclear is why the author cannot be judged at all ("" when they can):
// From names several addresses, or its domain is not a usable name.
func (v SenderVerdict) Unclear() string {
	if !v.checked {
		return "the sender was not checked"
	}
	return v.Result.AuthorProblem
}

// DNSFailed tells whether no verdict could be reached because DNS
// failed.
func (v SenderVerdict) DNSFailed() bool { return v.checked && v.Result.TempError }

// EnvelopeVouched tells whether the envelope sender's own domain vouches
// for the message (SPF passes for it, or its DKIM signature verifies):
// what makes a membership found only through MAIL FROM believable.
func (v SenderVerdict) EnvelopeVouched() bool { return v.checked && v.Result.EnvelopeVouched }

// checkSender runs the sender check on a parsed message: SPF for the
// envelope and the client (or, behind a local MX, the client its
// Received field names), DKIM, and DMARC alignment of m.From, the author
// as the parser read it. It uses only DNS, with a deadline per query,
// and holds no transaction, so call it before the store work. The DMARC
// record comes from the same Checker (and cache) as the From-rewriting
// decision, which reuses this verdict (mungeFor).
func (s *Service) checkSender(ctx context.Context, env Envelope, m *rewrite.Message) SenderVerdict {
	v := auth.Verifier{Resolver: s.dns, DMARC: s.dmarc, AuthServID: s.o.Domain}
	res := v.Check(ctxOr(ctx), m, auth.Envelope{From: env.From, RemoteAddr: env.RemoteAddr, Helo: env.Helo})
	return SenderVerdict{Result: res, checked: true}
}

// authGuarded tells whether a list checks that a post claiming a
// member really comes from them: members-only lists, announce lists and
// caucus lists (whatever their posting setting), and on moderated lists
// the claims of moderators and owners, whose posts skip review. Open
// lists take anyone's posts, and moderated lists review everyone else's.
func authGuarded(list store.List, member *store.Membership) bool {
	switch list.Settings.Posting {
	case store.PostingMembers, store.PostingAnnounce:
		return true
	case store.PostingModerated:
		if member != nil && RoleRank(member.Role) >= RoleRank(ListModerator) {
			return true
		}
	}
	return list.Kind == KindCaucus
}

// authFailClosed tells whether a DNS failure sends a claimed member's
// post to moderation (announce and caucus lists: a forged action alert or
// an outsider in an identity-based caucus does harm that a delay does
// not) rather than through the usual policy (members-only discussion and
// community lists: a resolver outage must not stop a list).
func authFailClosed(list store.List) bool {
	return list.Settings.Posting == store.PostingAnnounce || list.Kind == KindAnnounce || list.Kind == KindCaucus
}

// senderHold is the sender-check rule of the posting chain: a post whose
// From is a membership of a guarded list must be vouched for by the
// author's domain. It is held with ReasonUnverified when the domain shows
// it was not sent by it, and with ReasonUnverifiedDNS when DNS failed on
// an announce or caucus list (fail open to moderation, never to
// distribution; other lists let it through the usual policy).
func senderHold(list store.List, member *store.Membership, v SenderVerdict) (hold bool, reason string) {
	if member == nil || !authGuarded(list, member) || v.Result.Aligned {
		return false, ""
	}
	if v.Forged() {
		return true, ReasonUnverified
	}
	if v.DNSFailed() && authFailClosed(list) {
		return true, ReasonUnverifiedDNS
	}
	return false, ""
}

// mungeFor applies dmarc_mitigation to a post from the sender check's
// verdict, so the decision reads the same DMARC answer the check did:
// never for the list's own domain, always for "always", and for "auto"
// when the author's domain publishes p=quarantine or p=reject. When the
// policy is not known (DNS failed, or no single author), From is
// rewritten: the safe side. unknown says so, for the log.
func (s *Service) mungeFor(list store.List, v SenderVerdict) (munge, unknown bool) {
	own, err := dmarc.Domain(s.o.Domain)
	if err != nil {
		own = strings.ToLower(s.o.Domain)
	}
	if v.Result.FromDomain != "" && v.Result.FromDomain == own {
		return false, false
	}
	switch list.Settings.DMARCMitigation {
	case "never":
		return false, false
	case "always":
		return true, false
	}
	if !v.checked || v.Result.AuthorProblem != "" || v.Result.PolicyUnknown {
		return true, true
	}
	return v.Result.Policy.Strict(), false
}
