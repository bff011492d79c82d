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

// replyWord is what one word at the start of a moderator's answer
// decides. A casual word (yes, no, drop, ignore, block, cancel) decides
// only when it is the whole line, so "No problem, I'll look tonight"
// decides nothing.
type replyWord struct {
	decision string
	alone    bool // counts only as the whole line
}

// replyWords is the table of decision words (lower case, punctuation
// trimmed) ParseDecision reads.
var replyWords = map[string]replyWord{
	"approve": {DecideApprove, false}, "approved": {DecideApprove, false},
	"accept": {DecideApprove, false}, "accepted": {DecideApprove, false}, "yes": {DecideApprove, true},
	"reject": {DecideReject, false}, "rejected": {DecideReject, false}, "deny": {DecideReject, false},
	"denied": {DecideReject, false}, "decline": {DecideReject, false}, "declined": {DecideReject, false},
	"no":      {DecideReject, true},
	"discard": {DecideDiscard, false}, "discarded": {DecideDiscard, false}, "delete": {DecideDiscard, false},
	"drop": {DecideDiscard, true}, "ignore": {DecideDiscard, true},
	"ban": {DecideBan, false}, "banned": {DecideBan, false}, "block": {DecideBan, true},
	"withdraw": {DecideWithdraw, false}, "withdrawn": {DecideWithdraw, false}, "retract": {DecideWithdraw, false},
	"cancel": {DecideWithdraw, true},
}

// replyQualifiers are the second words that turn a decision into a
// stronger one ("approve always").
var replyQualifiers = map[string]map[string]string{
	DecideApprove: {"always": DecideApproveAlways},
}

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
	rw, known := replyWords[word(0)]
	if !known || (rw.alone && len(fields) > 1) {
		return "", "", false
	}
	if stronger, ok := replyQualifiers[rw.decision][word(1)]; ok {
		return stronger, "", true
	}
	if rw.decision == DecideReject {
		return DecideReject, rest(1), true
	}
	return rw.decision, "", true
}

// CommandName is an email command to NAME-request@, as ParseCommand
// names it whatever spelling the person used.
type CommandName string

// The email commands.
const (
	cmdSubscribe   CommandName = "subscribe"
	cmdUnsubscribe CommandName = "unsubscribe"
	cmdDigest      CommandName = "digest"
	cmdNomail      CommandName = "nomail"
	cmdPassword    CommandName = "password"
	cmdHelp        CommandName = "help"
	cmdInfo        CommandName = "info"
	cmdWho         CommandName = "who"
	cmdEnd         CommandName = "end"
	// The commands that choose how much mail comes: "digest daily",
	// "digest weekly", "mute", "unmute", "topics housing,training",
	// "topics all".
	cmdMute   CommandName = "mute"
	cmdUnmute CommandName = "unmute"
	cmdTopics CommandName = "topics"
	// The commands of an organization's contacts on a coalition list.
	cmdDelegate CommandName = "delegate"
	cmdOrg      CommandName = "org"
)

// commandSpellings maps each word a command line may start with (lower
// case, punctuation trimmed) to the command it names.
var commandSpellings = map[string]CommandName{
	"subscribe": cmdSubscribe, "join": cmdSubscribe, "sub": cmdSubscribe,
	"unsubscribe": cmdUnsubscribe, "leave": cmdUnsubscribe, "unsub": cmdUnsubscribe,
	"signoff": cmdUnsubscribe, "remove": cmdUnsubscribe,
	"mute": cmdMute, "unmute": cmdUnmute, "topics": cmdTopics, "topic": cmdTopics,
	"digest": cmdDigest, "nomail": cmdNomail, "vacation": cmdNomail,
	"delegate": cmdDelegate, "org": cmdOrg,
	"password": cmdPassword, "passwd": cmdPassword,
	"help": cmdHelp, "info": cmdInfo, "who": cmdWho,
	"end": cmdEnd, "stop": cmdEnd, "thanks": cmdEnd,
}

// onOff reads the argument of "digest on|off" and "nomail on|off".
var onOff = map[string]bool{"on": true, "off": false}

// switchArg tells whether arg is "on" (on), and whether it is "on" or
// "off" at all (ok).
func switchArg(arg string) (on, ok bool) {
	on, ok = onOff[arg]
	return on, ok
}

// Command is one email command to NAME-request@ with its argument.
type Command struct {
	Name CommandName
	Arg  string // on/off for digest and nomail; "add ADDRESS", "rm ADDRESS" for delegate; "leave" for org
	Line string // the line as written, for the answer
}

// text is the command as its confirmation names and stores it, and as
// ParseCommand reads it back.
func (c Command) text() string {
	if c.Arg != "" {
		return string(c.Name) + " " + c.Arg
	}
	return string(c.Name)
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
	name, known := commandSpellings[w]
	if !known {
		return c, false
	}
	switch name {
	case cmdMute, cmdUnmute, cmdTopics:
		return parseVolumeCommand(c, name, f)
	case cmdDelegate, cmdOrg:
		return parseOrgCommand(c, name, f)
	case cmdDigest, cmdNomail:
		_, onOrOff := switchArg(arg)
		_, format := store.ParseDigestFormat(arg)
		if !onOrOff && !(name == cmdDigest && (format || isFrequency(arg))) {
			return c, false
		}
		c.Arg = arg
	}
	c.Name = name
	if len(f) > 2 || (len(f) == 2 && c.Arg == "" && c.Name != cmdEnd) {
		return c, false // "help me with the meeting" is a sentence, not a command
	}
	return c, true
}

// delegateVerb is what "delegate add|rm ADDRESS" does.
type delegateVerb string

// The delegate verbs.
const (
	delegateAdd delegateVerb = "add"
	delegateRm  delegateVerb = "rm"
)

// delegateVerbs maps the words after "delegate" to their verbs.
var delegateVerbs = map[string]delegateVerb{"add": delegateAdd, "rm": delegateRm, "remove": delegateRm}

// orgLeave is the one argument of "org".
const orgLeave = "leave"

// parseOrgCommand reads "delegate add ADDRESS", "delegate rm ADDRESS"
// (also "remove") and "org leave". The address is kept as written
// (lowercased with the line); the domain normalizes and checks it.
func parseOrgCommand(c Command, name CommandName, f []string) (Command, bool) {
	arg := func(i int) string {
		if i >= len(f) {
			return ""
		}
		return strings.Trim(f[i], ".,;:!?")
	}
	verb, isVerb := delegateVerbs[arg(1)]
	switch {
	case name == cmdDelegate && len(f) == 3 && isVerb:
		addr := strings.Trim(f[2], "<>,;")
		if !strings.Contains(addr, "@") {
			return c, false
		}
		c.Name, c.Arg = cmdDelegate, string(verb)+" "+addr
	case name == cmdOrg && len(f) == 2 && arg(1) == orgLeave:
		c.Name, c.Arg = cmdOrg, orgLeave
	default:
		return c, false
	}
	return c, true
}

// orgCommand tells the commands of an organization's contacts.
func orgCommand(c Command) bool { return c.Name == cmdDelegate || c.Name == cmdOrg }
