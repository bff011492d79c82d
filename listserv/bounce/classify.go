package bounce

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// enhancedRE is an RFC 3463 enhanced status code.
	enhancedRE = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)
	// basicRE is an RFC 5321 reply code at the start of a reply or
	// after "said:", "error:", "#".
	basicRE = regexp.MustCompile(`(?:^|[\s:(#\[])([245][0-9][0-9])(?:[\s\-:)]|$)`)
)

// Words that blame the mailbox or the address (lowercase, matched as
// whole words).
var mailboxRE = wordsRE(
	"user unknown", "unknown user", "unknown recipient", "recipient unknown", "recipient not found",
	"no such user", "no such recipient", "no such mailbox", "no such address", "no such person",
	"does not exist", "doesn't exist", "did not exist", "no longer", "not a valid",
	"mailbox unavailable", "mailbox not found", "mailbox unknown", "mailbox is disabled",
	"mailbox disabled", "mailbox is inactive", "mailbox inactive", "mailbox full", "mailbox is full",
	"over quota", "quota exceeded", "exceeded storage", "insufficient storage", "no mailbox",
	"account disabled", "account is disabled", "account has been disabled", "account inactive",
	"account is inactive", "account expired", "account not found", "no account",
	"disabled or discontinued", "invalid recipient", "invalid mailbox", "invalid address",
	"recipient address rejected", "recipnotfound", "address not found", "unrouteable address",
	"host not found", "domain not found", "no mx", "name service error",
	"doesn't have a", "does not have a", "address couldn't be found", "address could not be found",
	"by that name", "unknown local part", "not our customer",
)

// Words that blame the message or the sending system.
var policyRE = wordsRE(
	"dmarc", "spf", "dkim", "spam", "spammer", "junk", "blocked", "block list", "blocklist",
	"blocklisted", "blacklist", "blacklisted", "denylist", "denylisted", "deny list", "policy",
	"policies", "reputation", "unsolicited", "spamhaus", "barracuda", "spamcop", "rbl", "dnsbl",
	"content rejected", "message content", "virus", "malware", "phishing", "bulk mail",
	"rate limit", "rate limited", "too many messages", "too many connections",
	"unauthenticated", "not authenticated", "authentication required", "relay access denied",
	"relaying denied", "relay not permitted", "not permitted to relay",
	"sender address rejected", "sender rejected", "sender denied", "sender blocked",
	"reverse dns", "ptr record", "helo", "message size", "size limit", "too large", "too big",
	"exceeds the maximum size", "size exceeds", "mail loop", "loop detected", "too many hops",
)

func wordsRE(words ...string) *regexp.Regexp {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`\b(?:` + strings.Join(q, "|") + `)\b`)
}

// Classify judges a failure a DSN or text bounce reports, from its
// enhanced status code (may be "") and the remote server's words. A
// status of x.0.0 yields to a more precise code in the words. Without any
// code, a failure is Failed unless its words blame the message: a report
// about one recipient is about that recipient's mailbox.
func Classify(status, diagnostic string) Kind {
	return judge(status, diagnostic, false)
}

// ClassifyReply judges the relay's own answer to one recipient, such as
// "550 5.1.1 No such user" to RCPT TO or after the data. It is the same
// judgment as Classify, with one difference: a relay refuses for reasons
// of its own (the envelope sender, its policy, its mood) and says so to
// every recipient alike, so its refusal is Failed (the member's bounce)
// only when a code or its words blame the mailbox; any other permanent
// refusal is Policy, never the member's.
//
// gaveUp says the queue gave up after temporary answers for days: a
// temporary answer that blames the mailbox ("452 4.2.2 mailbox full")
// then counts as Failed; any other stays Delayed, nobody's bounce.
func ClassifyReply(reply string, gaveUp bool) Kind {
	k := judge("", reply, true)
	if k != Delayed || !gaveUp {
		return k
	}
	if strictKind(strings.ToLower(reply)) == Failed {
		return Failed
	}
	return Delayed
}

// judge is the one classifier behind Classify and ClassifyReply; relay
// asks for positive evidence against the mailbox.
func judge(status, diagnostic string, relay bool) Kind {
	text := strings.ToLower(diagnostic)
	code, ok := parseEnhanced(statusCode(status))
	if c, found := parseEnhanced(enhancedRE.FindString(text)); found && (!ok || (code[1] == 0 && code[2] == 0 && c[0] == code[0])) {
		code, ok = c, true
	}
	basic := 0
	if m := basicRE.FindStringSubmatch(text); m != nil {
		basic, _ = strconv.Atoi(m[1])
	}
	class := basic / 100
	if ok {
		class = code[0]
	}
	switch class {
	case 2:
		return Delivered
	case 4:
		return Delayed
	}
	mailbox := mailboxRE.MatchString(text)
	policy := policyRE.MatchString(text)
	if ok {
		switch {
		case code[1] == 7: // security or policy
			if mailbox && !policy {
				return Failed
			}
			return Policy
		case code[1] == 6: // media: the content
			return Policy
		case code[1] == 3 && code[2] == 4: // message too big for the system
			return Policy
		case code[1] == 2 && code[2] == 3: // message length exceeds the mailbox's limit
			return Policy
		case code[1] == 1 && (code[2] == 7 || code[2] == 8): // the sender's address
			return Policy
		}
	}
	if relay {
		return strictKind(text)
	}
	if policy && !mailbox {
		return Policy
	}
	return Failed
}

// strictKind is the judgment of a relay's refusal, whatever its class:
// Failed when an enhanced code names the mailbox or the address (x.1.x
// but the sender's x.1.7 and x.1.8, x.2.1 disabled, x.2.2 full) or, with
// no such code, when its words do; Policy otherwise. Words that blame the
// message or the sender always win.
func strictKind(text string) Kind {
	if policyRE.MatchString(text) {
		return Policy
	}
	if c, ok := parseEnhanced(enhancedRE.FindString(text)); ok {
		switch {
		case c[1] == 1 && (c[2] == 7 || c[2] == 8): // the sender's address
			return Policy
		case c[1] == 1 && c[2] != 0, c[1] == 2 && (c[2] == 1 || c[2] == 2):
			return Failed
		case c[1] == 6, c[1] == 3 && c[2] == 4, c[1] == 2 && c[2] == 3: // the content, its size
			return Policy
		}
	}
	if mailboxRE.MatchString(text) {
		return Failed
	}
	return Policy
}

func parseEnhanced(s string) ([3]int, bool) {
	var c [3]int
	if s == "" {
		return c, false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return c, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return c, false
		}
		c[i] = n
	}
	return c, true
}
