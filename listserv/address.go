package listserv

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddrRole says what a list address is for (NAME@, NAME-request@,
// NAME-join@, NAME-leave@, NAME-owner@, NAME-confirm+TOKEN@,
// NAME-bounces[+TOKEN]@, NAME-act+TOKEN@). One table
// maps suffixes to roles; nothing else parses list addresses.
type AddrRole string

// The roles of list addresses.
const (
	RolePost    AddrRole = "post"
	RoleRequest AddrRole = "request"
	RoleJoin    AddrRole = "join"
	RoleLeave   AddrRole = "leave"
	RoleOwner   AddrRole = "owner"
	RoleConfirm AddrRole = "confirm"
	RoleBounces AddrRole = "bounces"
	// RoleAct is NAME-act+TOKEN@: a member's reply to an action alert
	// (alerts.go), recorded and never redistributed.
	RoleAct AddrRole = "act"
	// RoleHarvest is NAME-harvest+TOKEN@: a chevruta pair's answer to
	// a cohort's harvest mail (cohort_harvest.go).
	RoleHarvest AddrRole = "harvest"
	// RoleSession is NAME-sID@: the conversation of the people
	// registered for session ID (session_conversation.go).
	RoleSession AddrRole = "session"
)

var suffixRoles = []struct {
	suffix string
	role   AddrRole
}{
	{"-request", RoleRequest},
	{"-join", RoleJoin},
	{"-leave", RoleLeave},
	{"-owner", RoleOwner},
	{"-confirm", RoleConfirm},
	{"-bounces", RoleBounces},
	{"-act", RoleAct},
	{"-harvest", RoleHarvest},
}

var listNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ErrBadListName explains the naming rule in the words of the CLI.
var ErrBadListName = errors.New("a list name is 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit, and may not end in -request, -join, -leave, -owner, -confirm, -bounces, -act or -harvest")

// badListName is ErrBadListName (errors.Is still tells it) with its
// words for a person in the catalogue.
var badListName = &SaidError{Kind: ErrBadListName, Said: say("list_name_err.rule"), English: ErrBadListName.Error()}

// ValidListName checks the rule for list names (1 to 64 characters of
// a-z, 0-9, '.', '_', '-', starting with a letter or digit), and refuses
// "inbox":
// IMAP reserves that name (in any case) for the INBOX, so such a list's
// archive could never be opened.
func ValidListName(name string) error {
	if len(name) == 0 || len(name) > 64 || !listNameRE.MatchString(name) {
		return badListName
	}
	if name == "inbox" {
		return RefuseSaying(`"inbox" cannot be a list name: mail apps reserve it for the inbox; choose another name`, "list_name_err.inbox")
	}
	for _, l := range postmasterLocals {
		if name == l {
			return RefuseSaying(fmt.Sprintf("%q cannot be a list name: mail to %s@ goes to the server's administrators; choose another name", name, name), "list_name_err.postmaster", name)
		}
	}
	for _, s := range suffixRoles {
		if strings.HasSuffix(name, s.suffix) {
			return badListName
		}
	}
	if sessionSuffixRE.MatchString(name) {
		return RefuseSaying(fmt.Sprintf("%q cannot be a list name: a name ending in -s and digits is the address of a session's conversation; choose another name", name), "list_name_err.session", name)
	}
	return nil
}

// ListAddress is a parsed address at the list domain.
type ListAddress struct {
	List  string
	Role  AddrRole
	Token string // after '+' for confirm and bounces
	// Session is the session ID of NAME-sID@ (RoleSession).
	Session uint64
}

// sessionSuffixRE is the reserved suffix of session addresses: "-s" and
// a session ID.
var sessionSuffixRE = regexp.MustCompile(`^(.+)-s([1-9][0-9]{0,8})$`)

// ParseListAddress splits a recipient into list, role and token. ok is
// false for addresses that are not at domain or not shaped like a list
// address; whether the list exists is the caller's question.
func ParseListAddress(addr, domain string) (la ListAddress, ok bool) {
	addr = trimAddress(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !asciiEqualFold(addr[at+1:], domain) {
		return la, false
	}
	local := strings.ToLower(addr[:at])
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		la.Token = local[plus+1:]
		local = local[:plus]
		if la.Token == "" {
			return la, false
		}
	}
	la.Role = RolePost
	for _, s := range suffixRoles {
		if base, found := strings.CutSuffix(local, s.suffix); found && base != "" {
			la.Role, local = s.role, base
			break
		}
	}
	if m := sessionSuffixRE.FindStringSubmatch(local); la.Role == RolePost && m != nil {
		id, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil {
			return la, false
		}
		la.Role, la.Session, local = RoleSession, id, m[1]
	}
	if la.Token != "" && la.Role != RoleConfirm && la.Role != RoleBounces && la.Role != RoleAct && la.Role != RoleHarvest {
		return la, false
	}
	if (la.Role == RoleConfirm || la.Role == RoleAct || la.Role == RoleHarvest) && la.Token == "" {
		return la, false
	}
	if ValidListName(local) != nil {
		return la, false
	}
	la.List = local
	return la, true
}

// Address renders a list address back.
func (la ListAddress) Address(domain string) string {
	local := la.List
	switch la.Role {
	case RolePost:
	case RoleSession:
		local += "-s" + strconv.FormatUint(la.Session, 10)
	default:
		local += "-" + string(la.Role)
	}
	if la.Token != "" {
		local += "+" + la.Token
	}
	return local + "@" + domain
}

// NormalizeAddress lowercases an address and strips angle brackets:
// minyan treats two addresses that differ only in case as one person.
func NormalizeAddress(a string) string {
	return strings.ToLower(trimAddress(a))
}

// trimAddress takes white space and angle brackets off both ends, in any
// order and mix ("<a@b>", " <a@b> ", "a@b\n>"): one rule for every
// reader of addresses, so none of them sees a different address.
func trimAddress(a string) string {
	return strings.TrimFunc(a, func(r rune) bool { return r == '<' || r == '>' || unicode.IsSpace(r) })
}

// Postmaster addresses: every mail domain must accept mail for
// postmaster (RFC 5321 section 4.5.1), with or without the domain, and
// abuse is where the rest of the Internet reports misuse.
var postmasterLocals = []string{"postmaster", "abuse"}

// IsPostmasterAddress reports whether addr is postmaster@ or abuse@ the
// list domain (any case), or a bare "postmaster".
func IsPostmasterAddress(addr, domain string) bool {
	addr = trimAddress(addr)
	if asciiEqualFold(addr, "postmaster") {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !asciiEqualFold(addr[at+1:], domain) {
		return false
	}
	for _, l := range postmasterLocals {
		if asciiEqualFold(addr[:at], l) {
			return true
		}
	}
	return false
}

var simpleAddrRE = regexp.MustCompile(`^[^@\s<>()",;:\\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$`)

// ValidAddress is a deliberately plain check of a person's address for the
// CLI, imports and join requests: local@domain with a dotted domain, and
// no white space or control characters of any script (a no-break space
// would let an address read as two words in a notification).
func ValidAddress(a string) bool {
	if len(a) > 254 || !simpleAddrRE.MatchString(a) {
		return false
	}
	for _, r := range a {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// asciiEqualFold compares ignoring ASCII case only: Unicode folding
// would make "liſts" (long s) or a Kelvin sign match a plain domain.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
