package web

import (
	"net/url"
	"strconv"
	"strings"

	"minyan/listserv"
)

// Parsers of the console's forms (held items, roster): each returns a
// clean value or a sentence for the person. They are fuzzed
// (console_forms_test.go).

// heldAction maps the form's action names to the domain's decisions.
var heldAction = map[string]string{
	"approve":        listserv.DecideApprove,
	"approve_always": listserv.DecideApproveAlways,
	"reject":         listserv.DecideReject,
	"discard":        listserv.DecideDiscard,
	"ban":            listserv.DecideBan,
}

// maxReason bounds a rejection reason (it is mailed to the author).
const maxReason = 2000

// decisionForm is POST /lists/NAME/admin/held/ID (one item: IDs from the
// path) or POST /lists/NAME/admin/held (several: the checked `id`
// fields): action and an optional reason.
type decisionForm struct {
	Action string // a listserv.Decide* value
	Reason string
	IDs    []uint64
}

func heldID(s string) (uint64, bool) {
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0
}

func decisionValues(v url.Values, bulk bool) (decisionForm, error) {
	var f decisionForm
	a := v.Get("action")
	d, ok := heldAction[a]
	if !ok {
		if a == "" {
			return f, problem("mod_form.choose")
		}
		return f, problem("mod_form.unknown_action")
	}
	f.Action = d
	f.Reason = strings.TrimSpace(strings.ReplaceAll(v.Get("reason"), "\r\n", "\n"))
	if len(f.Reason) > maxReason {
		return f, problem("mod_form.reason_too_long")
	}
	if bulk {
		for _, s := range v["id"] {
			id, ok := heldID(s)
			if !ok {
				return f, problem("mod_form.unknown_item")
			}
			f.IDs = append(f.IDs, id)
		}
		if len(f.IDs) == 0 {
			return f, problem("mod_form.none")
		}
		if len(f.IDs) > 500 {
			return f, problem("mod_form.too_many")
		}
	}
	return f, nil
}

// rosterFilterValues reads the roster page's query: q, role, mode,
// status, standing and page. Unknown choices are an error, not ignored,
// so a page never shows a wrong count for a filter it did not apply.
func rosterFilterValues(v url.Values) (listserv.RosterFilter, int, error) {
	f := listserv.RosterFilter{
		Query: strings.TrimSpace(v.Get("q")), Role: listserv.ListRole(v.Get("role")), Mode: listserv.Mode(v.Get("mode")),
		Status: listserv.Status(v.Get("status")), Standing: listserv.Standing(v.Get("standing")),
	}
	page := 1
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, 1, problem("roster_form.page")
		}
		page = n
	}
	if err := f.Validate(); err != nil {
		return f, page, err
	}
	return f, page, nil
}

// addForm is POST /lists/NAME/admin/members: email (one address, or
// many pasted one per line or separated by commas), optional name (for a
// single address), role and mode.
type addForm struct {
	Specs []listserv.MemberSpec
	// Bad are the pasted pieces that are not addresses.
	Bad []string
}

// maxPasted bounds one paste; larger rosters go through the CSV import.
const maxPasted = 1000

func addValues(v url.Values) (addForm, error) {
	var f addForm
	role, mode := v.Get("role"), v.Get("mode")
	if role != "" && listserv.RoleRank(role) < 0 {
		return f, problem("member_form.role")
	}
	switch mode {
	case "", "each", "digest", "nomail":
	default:
		return f, problem("member_form.mode")
	}
	name := strings.Join(strings.Fields(v.Get("name")), " ")
	if len(name) > 200 {
		return f, problem("member_form.name_too_long")
	}
	addrs, bad := pastedAddresses(v.Get("email"))
	f.Bad = bad
	if len(addrs) == 0 && len(bad) == 0 {
		return f, errNoAddress
	}
	if len(addrs)+len(bad) > maxPasted {
		return f, problem("member_form.too_many")
	}
	for _, a := range addrs {
		sp := listserv.MemberSpec{Address: a, Role: listserv.ListRole(role), Mode: listserv.Mode(mode)}
		if len(addrs) == 1 {
			sp.Name = name
		}
		f.Specs = append(f.Specs, sp)
	}
	return f, nil
}

// pastedAddresses splits pasted text into addresses: one per line or
// separated by commas or semicolons; "Name <addr>" gives addr. Pieces
// that are not addresses come back in bad; repeats are dropped.
func pastedAddresses(s string) (addrs, bad []string) {
	seen := map[string]bool{}
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' }) {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		typed := piece
		if i, j := strings.LastIndexByte(piece, '<'), strings.LastIndexByte(piece, '>'); i >= 0 && j > i {
			piece = piece[i+1 : j]
		}
		a, err := cleanEmail(piece)
		if err != nil {
			if len(typed) > 100 {
				typed = typed[:100] + "…"
			}
			bad = append(bad, typed)
			continue
		}
		if !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	return addrs, bad
}

// memberAction is POST /lists/NAME/admin/member: one change to one
// person.
type memberAction struct {
	Email string
	What  string // set | remove | standing | reenable | seat | front
	Role  string
	Mode  string
	Good  bool
}

func memberActionValues(v url.Values) (memberAction, error) {
	email, err := cleanEmail(v.Get("email"))
	if err != nil {
		return memberAction{}, err
	}
	m := memberAction{Email: email, What: v.Get("action"), Role: v.Get("role"), Mode: v.Get("mode")}
	if _, ok := listserv.ParseRole(m.Role); m.Role != "" && !ok {
		return m, problem("member_form.role")
	}
	if _, ok := listserv.ParseMode(m.Mode); m.Mode != "" && !ok {
		return m, problem("member_form.mode")
	}
	switch m.What {
	case "set":
		if m.Role == "" && m.Mode == "" {
			return m, problem("member_form.set")
		}
	case "reenable":
		if m.Mode == "" {
			return m, problem("member_form.reenable")
		}
	case "standing":
		switch v.Get("good") {
		case "true":
			m.Good = true
		case "false":
		default:
			return m, problem("member_form.standing")
		}
	case "remove", "seat", "front":
	default:
		return m, problem("member_form.action")
	}
	return m, nil
}

// importMaxBytes bounds a CSV upload: 100,000 rows of a spreadsheet
// export are about 5 MB.
const importMaxBytes = 32 << 20

// consoleBodyLimit is the body limit of a console request (the CSV import
// takes files; every other form stays at the site's 64 KiB).
func consoleBodyLimit(method, path string) (int64, bool) {
	if method == "POST" && strings.HasPrefix(path, "/lists/") && strings.HasSuffix(path, "/admin/members/import") {
		return importMaxBytes, true
	}
	return 0, false
}
