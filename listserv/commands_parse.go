package listserv

import (
	"strings"

	"minyan/store"
)

// Moderator and author decisions, as Decide takes them.
const (
	DecideApprove       = "approve"
	DecideApproveAlways = "approve-always"
	DecideReject        = "reject"
	DecideDiscard       = "discard"
	DecideBan           = "ban"
	DecideWithdraw      = "withdraw"
)

// ParseDecision reads a moderator's answer: the first line they wrote,
// or, when that is no decision, the Subject. The decision words may be
// followed by more ("Approved!", "Reject: off topic", "approve always");
// casual words (yes, no, drop, ignore, block, cancel) count only when
// they are the whole line, so "No problem, I'll look tonight" decides
// nothing. It returns the decision and, for reject, the reason.
func ParseDecision(lines []string, subject string) (decision, reason string, ok bool) {
	if len(lines) > 0 {
		if d, r, ok := decisionWords(lines[0]); ok {
			return d, r, true
		}
	}
	return decisionWords(stripReplyPrefixes(subject))
}

func decisionWords(line string) (decision, reason string, ok bool) {
	line = strings.TrimSpace(line)
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", "", false
	}
	word := func(i int) string {
		if i >= len(fields) {
			return ""
		}
		return strings.ToLower(strings.Trim(fields[i], ".,;:!?*_\"'()[]"))
	}
	rest := func(i int) string {
		r := strings.TrimSpace(strings.Join(fields[i:], " "))
		r = strings.TrimLeft(r, ":-–— ")
		if low := strings.ToLower(r); strings.HasPrefix(low, "because ") {
			r = r[len("because "):]
		}
		return strings.TrimSpace(r)
	}
	alone := len(fields) == 1
	switch w := word(0); {
	case w == "approve" || w == "approved" || w == "accept" || w == "accepted" || (w == "yes" && alone):
		if word(1) == "always" {
			return DecideApproveAlways, "", true
		}
		return DecideApprove, "", true
	case w == "reject" || w == "rejected" || w == "deny" || w == "denied" || w == "decline" || w == "declined" || (w == "no" && alone):
		return DecideReject, rest(1), true
	case w == "discard" || w == "discarded" || w == "delete" || ((w == "drop" || w == "ignore") && alone):
		return DecideDiscard, "", true
	case w == "ban" || w == "banned" || (w == "block" && alone):
		return DecideBan, "", true
	case w == "withdraw" || w == "withdrawn" || w == "retract" || (w == "cancel" && alone):
		return DecideWithdraw, "", true
	}
	return "", "", false
}

// Command is one email command to NAME-request@ with its argument.
type Command struct {
	Name string // subscribe, unsubscribe, digest, nomail, password, help, info, who, end, delegate, org
	Arg  string // on/off for digest and nomail; "add ADDRESS", "rm ADDRESS" for delegate; "leave" for org
	Line string // the line as written, for the answer
}

// ParseCommand reads one line of an email to NAME-request@. ok is false
// for lines that are not commands; the caller reports them.
func ParseCommand(line string) (c Command, ok bool) {
	c.Line = strings.TrimSpace(line)
	f := strings.Fields(strings.ToLower(c.Line))
	if len(f) == 0 {
		return c, false
	}
	w := strings.Trim(f[0], ".,;:!?")
	arg := ""
	if len(f) > 1 {
		arg = strings.Trim(f[1], ".,;:!?")
	}
	switch w {
	case "subscribe", "join", "sub":
		c.Name = "subscribe"
	case "unsubscribe", "leave", "unsub", "signoff", "remove":
		c.Name = "unsubscribe"
	case "mute", "unmute", "topics", "topic":
		return parseVolumeCommand(c, w, f)
	case "digest", "nomail", "vacation":
		if _, format := store.ParseDigestFormat(arg); arg != "on" && arg != "off" && !(w == "digest" && (format || isFrequency(arg))) {
			return c, false
		}
		c.Name, c.Arg = w, arg
		if w == "vacation" {
			c.Name = "nomail"
		}
	case cmdDelegate, cmdOrg:
		return parseOrgCommand(c, w, f)
	case "password", "passwd":
		c.Name = "password"
	case "help", "info", "who", "end", "stop", "thanks":
		c.Name = w
		if w == "stop" || w == "thanks" {
			c.Name = "end"
		}
	default:
		return c, false
	}
	if len(f) > 2 || (len(f) == 2 && c.Arg == "" && c.Name != "end") {
		return c, false // "help me with the meeting" is a sentence, not a command
	}
	return c, true
}

// The commands of an organization's contacts on a coalition list.
const (
	cmdDelegate = "delegate"
	cmdOrg      = "org"
)

// parseOrgCommand reads "delegate add ADDRESS", "delegate rm ADDRESS"
// (also "remove") and "org leave". The address is kept as written
// (lowercased with the line); the domain normalizes and checks it.
func parseOrgCommand(c Command, w string, f []string) (Command, bool) {
	arg := func(i int) string {
		if i >= len(f) {
			return ""
		}
		return strings.Trim(f[i], ".,;:!?")
	}
	switch {
	case w == cmdDelegate && len(f) == 3 && (arg(1) == "add" || arg(1) == "rm" || arg(1) == "remove"):
		verb := arg(1)
		if verb == "remove" {
			verb = "rm"
		}
		addr := strings.Trim(f[2], "<>,;")
		if !strings.Contains(addr, "@") {
			return c, false
		}
		c.Name, c.Arg = cmdDelegate, verb+" "+addr
	case w == cmdOrg && len(f) == 2 && arg(1) == "leave":
		c.Name, c.Arg = cmdOrg, "leave"
	default:
		return c, false
	}
	return c, true
}

// orgCommand tells the commands of an organization's contacts.
func orgCommand(c Command) bool { return c.Name == cmdDelegate || c.Name == cmdOrg }
