package listserv

import (
	"context"

	"minyan/listserv/auth"
	"minyan/store"
)

// Reasons a post is held by the sender check (SPEC step 4 with issue 6).
const (
	// ReasonUnverified: the From domain shows the post was not sent by
	// it (DMARC fails, or SPF -all fails with no aligned DKIM).
	ReasonUnverified = "could not verify the sender"
	// ReasonUnverifiedDNS: the check could not be made because DNS
	// failed, on a list where that sends the post to moderation.
	ReasonUnverifiedDNS = "could not verify the sender (DNS lookups failed)"
)

// authenticate checks who sent a post: SPF for the envelope and the
// client (or, behind a local MX, the client its Received field names),
// DKIM, and DMARC alignment of From. It uses only DNS, with a deadline
// per query, and holds no transaction, so call it before the store work.
// Its Result also gives the Authentication-Results field for the archive
// (Result.Prepend).
func (s *Service) authenticate(ctx context.Context, env Envelope, raw []byte) auth.Result {
	v := auth.Verifier{Resolver: s.dns, AuthServID: s.o.Domain}
	return v.Verify(ctxOr(ctx), raw, env.From, env.RemoteAddr, env.Helo)
}

// authGuarded tells whether a list checks that posts claiming a member
// really come from them: members-only lists, announce lists and caucus
// lists (whatever their posting setting). Open lists take anyone's posts
// and moderated lists hold every post anyway.
func authGuarded(list store.List) bool {
	switch list.Settings.Posting {
	case "members", "announce":
		return true
	}
	return list.Kind == "caucus"
}

// authFailClosed tells whether a DNS failure sends a claimed member's
// post to moderation (announce and caucus lists: a forged action alert or
// an outsider in an identity-based caucus does harm that a delay does
// not) rather than through the usual policy (members-only discussion and
// community lists: a resolver outage must not stop a list).
func authFailClosed(list store.List) bool {
	return list.Settings.Posting == "announce" || list.Kind == "announce" || list.Kind == "caucus"
}

// authHold decides whether a post must be held for moderation because
// its sender could not be verified. claimsMember says the post's From
// address is a membership of the list (any role); posts from others are
// the ordinary policy's business. On guarded lists a post whose From
// domain fails (auth.Result.Failed) is held with ReasonUnverified; when
// DNS failed and nothing vouched for the post, announce and caucus lists
// hold it with ReasonUnverifiedDNS (fail open to moderation, never to
// distribution) and the other lists let it through.
func (s *Service) authHold(list store.List, claimsMember bool, res auth.Result) (hold bool, reason string) {
	if !claimsMember || !authGuarded(list) || res.Aligned {
		return false, ""
	}
	if res.Failed() {
		return true, ReasonUnverified
	}
	if res.TempError && authFailClosed(list) {
		return true, ReasonUnverifiedDNS
	}
	return false, ""
}
