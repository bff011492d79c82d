package listserv

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"minyan/store"
)

// The roster as the owner console shows it: one page of a filtered
// roster, read without decoding every record, the waitlist in the order
// seats are given, CSV export and a batched import.

// RosterPageSize is how many people one roster page shows.
const RosterPageSize = 50

// Standing filters people by their dues standing.
type Standing string

// The standing filters.
const (
	StandingAny  Standing = ""
	StandingGood Standing = "good"
	StandingNot  Standing = "not"
)

// RosterFilter narrows a roster and orders it. Empty fields match
// everyone; the zero order is by name.
type RosterFilter struct {
	// Query is part of an address or a name, in any case.
	Query string
	// Role, Mode and Status match exactly (StatusOK is "ok").
	Role     ListRole
	Mode     Mode
	Status   Status
	Standing Standing
	// Sort is the column the page is ordered by ("" is SortName); Desc
	// turns the order round.
	Sort RosterSort
	Desc bool
}

// RosterSort is a column a roster can be ordered by.
type RosterSort string

// The orders of a roster. Ties go by address, so every order is total
// and a page never repeats or skips someone.
const (
	// SortName: by name, ignoring case; people without a name come
	// after those with one, in either direction.
	SortName    RosterSort = "name"
	SortAddress RosterSort = "address"
	// SortRole: member, facilitator, moderator, owner.
	SortRole RosterSort = "role"
	// SortMode: each, digest, nomail.
	SortMode RosterSort = "mode"
	// SortStatus: in the order of the statuses (active first).
	SortStatus RosterSort = "status"
	// SortStanding: in good standing first.
	SortStanding RosterSort = "standing"
	// SortJoined: who joined first, first.
	SortJoined RosterSort = "joined"
)

// RosterSorts are the orders, in the roster's column order.
var RosterSorts = []RosterSort{SortName, SortAddress, SortRole, SortMode, SortStatus, SortStanding, SortJoined}

var statuses = []Status{StatusOK, StatusBouncing, StatusDisabled, StatusWaitlist, StatusPending, StatusBanned, StatusAlumni}

// Validate checks a filter's choices.
func (f RosterFilter) Validate() error {
	if len(f.Query) > 254 {
		return RefuseSaying("the search is too long (254 characters at most)", "roster_err.query_too_long", 254)
	}
	if err := checkChoice("role", f.Role, roles); err != nil {
		return err
	}
	if err := checkChoice("mode", f.Mode, modes); err != nil {
		return err
	}
	if err := checkChoice("status", f.Status, statuses); err != nil {
		return err
	}
	if err := checkChoice("sort", f.Sort, RosterSorts); err != nil {
		return err
	}
	return checkChoice("standing", string(f.Standing), []string{string(StandingGood), string(StandingNot)})
}

// Narrows tells whether the filter leaves anyone out (its order aside).
func (f RosterFilter) Narrows() bool {
	f.Sort, f.Desc = "", false
	return f != RosterFilter{}
}

// RosterRow is one person on a roster page.
type RosterRow struct {
	Address, Name string
	Role          ListRole
	Mode          Mode
	Status        Status
	Joined        time.Time
	Posts         int
	GoodStanding  bool
	// Bounces is the bounce score inside the window; BounceError the
	// last refusal that counted.
	Bounces     int
	BounceError string
	// Org is the organization a coalition list's delegate speaks for.
	Org string
}

// RosterPage is one page of a filtered roster.
type RosterPage struct {
	Rows []RosterRow
	// Matched people match the filter; Total are on the list.
	Matched, Total int
	// Page counts from 1; Pages is at least 1. From is the place of the
	// first row among the matched (from 1; 0 when none).
	Page, Pages, From int
	// Waitlist is everyone waiting for a seat, first in line first
	// (only on the first page of an unfiltered roster).
	Waitlist []RosterRow
	// Capacity is the list's capacity (0 = none), Seats the seats taken.
	Capacity, Seats int
}

// RosterPageOf returns one page (from 1) of a list's roster matching f,
// in f's order. It needs PermRoster.
//
// It is one pass over the list's memberships in one read transaction,
// with the people records read along by a second cursor only when the
// search, the standing or the order needs them; the role, mode and
// status are read from the stored bytes without decoding, and only the
// page's rows are decoded. An order other than by address keeps the
// best page×50 rows in a bounded heap instead of sorting everyone.
func (s *Service) RosterPageOf(ctx context.Context, a Actor, list string, f RosterFilter, page int) (RosterPage, error) {
	var out RosterPage
	if err := f.Validate(); err != nil {
		return out, err
	}
	if f.Sort == "" {
		f.Sort = SortName
	}
	page = max(page, 1)
	from := (page - 1) * RosterPageSize
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, PermRoster)
		if err != nil {
			return err
		}
		out.Capacity = l.Settings.Capacity
		if !f.Narrows() && f.Sort == SortAddress && !f.Desc && l.Settings.Capacity == 0 {
			// Everyone by address, on a list without seats to count:
			// count the keys and decode only the page.
			return s.plainRosterPage(tx, list, from, &out)
		}
		shown, waiting, err := scanRoster(tx, list, f, from, &out)
		if err != nil {
			return err
		}
		if out.Rows, err = rosterRows(tx, shown); err != nil {
			return err
		}
		if page == 1 && !f.Narrows() {
			if out.Waitlist, err = rosterRows(tx, waiting); err != nil {
				return err
			}
			slices.SortStableFunc(out.Waitlist, func(x, y RosterRow) int { return x.Joined.Compare(y.Joined) })
		}
		return nil
	})
	out.Page, out.Pages = page, max(1, (out.Matched+RosterPageSize-1)/RosterPageSize)
	if len(out.Rows) > 0 {
		out.From = from + 1
	}
	return out, err
}

// rosterHit is a matching member while a roster is scanned: its sort
// key and its stored record, as bytes of the transaction (no copy).
type rosterHit struct {
	// unnamed sorts after named in either direction (SortName).
	unnamed bool
	rank    int64
	// name is compared ignoring case (SortName); addr breaks ties.
	name []byte
	addr []byte
	raw  []byte
}

// rosterOrder compares two hits in f's order; ties go by address, A to Z
// also in a descending order (only a page ordered by address itself runs
// Z to A). Besides reading naturally, this lets a descending page over
// many equal values (everyone imported at the same moment) keep its top
// rows after one comparison per member: the scan already runs A to Z.
func rosterOrder(desc, byAddress bool) func(x, y *rosterHit) int {
	return func(x, y *rosterHit) int {
		if x.unnamed != y.unnamed {
			if x.unnamed {
				return 1
			}
			return -1
		}
		c := cmp.Compare(x.rank, y.rank)
		if c == 0 {
			c = compareFold(x.name, y.name)
		}
		if c != 0 {
			if desc {
				c = -c
			}
			return c
		}
		c = bytes.Compare(x.addr, y.addr)
		if desc && byAddress {
			c = -c
		}
		return c
	}
}

// compareFold compares two names ignoring case: byte by byte for ASCII
// (no copy: it runs once per member of a large roster), by their lower
// case otherwise.
func compareFold(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x >= 0x80 || y >= 0x80 {
			// From the start of the letter where they differ.
			for i > 0 && a[i]&0xC0 == 0x80 {
				i--
			}
			return strings.Compare(strings.ToLower(string(a[i:])), strings.ToLower(string(b[i:])))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// containsFold tells whether s contains the lower-case q, ignoring case,
// without a copy when s is ASCII.
func containsFold(s []byte, q string) bool {
	if len(q) == 0 {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(string(s)), q)
		}
	}
	for i := 0; i+len(q) <= len(s); i++ {
		j := 0
		for ; j < len(q); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != q[j] {
				break
			}
		}
		if j == len(q) {
			return true
		}
	}
	return false
}

// scanRoster is RosterPageOf's pass over a roster: it counts the list,
// the matches and the seats, and returns the records of the page's rows
// (from is the index of the first) in order, and of the waitlist.
func scanRoster(tx *store.Tx, list string, f RosterFilter, from int, out *RosterPage) (shown, waiting [][]byte, err error) {
	q := strings.ToLower(strings.TrimSpace(f.Query))
	qb := []byte(q)
	needPerson := q != "" || f.Standing != StandingAny || f.Sort == SortName || f.Sort == SortStanding
	inOrder := f.Sort == SortAddress && !f.Desc // the scan's own order
	// Seats and the waitlist are counted on a list with a capacity
	// (people left waiting after it was removed show with the status
	// filter).
	seats := out.Capacity > 0
	top := topK{k: from + RosterPageSize, cmp: rosterOrder(f.Desc, f.Sort == SortAddress)}
	err = tx.EachMemberWithPerson(list, needPerson, func(addr, raw, person []byte) error {
		out.Total++
		var role, st []byte
		if seats || f.Role != "" || f.Sort == SortRole {
			role = store.RawBytes(raw, "role")
		}
		if seats || f.Status != "" || f.Sort == SortStatus {
			st = store.RawBytes(raw, "status")
		}
		if seats {
			if string(role) == string(ListMember) && string(st) != string(StatusWaitlist) && string(st) != string(StatusPending) && string(st) != string(StatusBanned) {
				out.Seats++
			}
			if string(st) == string(StatusWaitlist) {
				waiting = append(waiting, raw)
			}
		}
		if (f.Role != "" && string(role) != string(f.Role)) || (f.Status != "" && string(st) != string(f.Status)) ||
			(f.Mode != "" && string(store.RawBytes(raw, "mode")) != string(f.Mode)) {
			return nil
		}
		var name []byte
		if person != nil && (q != "" || f.Sort == SortName) {
			if name = store.RawBytes(person, "name"); name == nil {
				name = []byte(store.RawString(person, "name")) // escaped: decoded
			}
		}
		if q != "" && !bytes.Contains(addr, qb) && !containsFold(name, q) {
			return nil
		}
		if f.Standing != StandingAny && (person != nil && store.RawTrue(person, "good_standing")) != (f.Standing == StandingGood) {
			return nil
		}
		n := out.Matched
		out.Matched++
		if inOrder {
			if n >= from && n < from+RosterPageSize {
				shown = append(shown, raw)
			}
			return nil
		}
		h := rosterHit{addr: addr, raw: raw}
		switch f.Sort {
		case SortName:
			h.unnamed, h.name = len(name) == 0, name
		case SortRole:
			h.rank = int64(RoleRank(string(role)))
		case SortMode:
			h.rank = int64(slices.Index(modes, Mode(store.RawBytes(raw, "mode"))))
		case SortStatus:
			h.rank = int64(slices.Index(statuses, Status(st)))
		case SortStanding:
			if person == nil || !store.RawTrue(person, "good_standing") {
				h.rank = 1
			}
		case SortJoined:
			h.rank = joinedNanos(store.RawBytes(raw, "joined"))
		}
		top.offer(h)
		return nil
	})
	if err != nil || inOrder {
		return shown, waiting, err
	}
	for _, h := range top.after(from) {
		shown = append(shown, h.raw)
	}
	return shown, waiting, nil
}

// joinedNanos reads a stored time (RFC 3339, as encoding/json writes a
// time.Time) as nanoseconds since 1970, 0 when it does not parse. The
// usual shape is read by hand (time.Parse for each of 100,000 members
// costs more than the rest of the scan); anything else goes to
// time.Parse.
func joinedNanos(b []byte) int64 {
	if n, ok := fastRFC3339(b); ok {
		return n
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0
	}
	return t.UnixNano()
}

// fastRFC3339 reads YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM).
func fastRFC3339(b []byte) (int64, bool) {
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	var f [6]int
	for i, r := range [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		v, ok := num(b[r[0]:r[1]])
		if !ok {
			return 0, false
		}
		f[i] = v
	}
	rest, nanos := b[19:], 0
	if rest[0] == '.' {
		i := 1
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		}
		digits := rest[1:i]
		if len(digits) == 0 || len(digits) > 9 {
			return 0, false
		}
		nanos, _ = num(digits)
		for range 9 - len(digits) {
			nanos *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := num(rest[1:3])
		m, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return 0, false
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nanos, time.UTC)
	if t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return 0, false // out of range (the 30th of February): time.Parse says why
	}
	return t.UnixNano() - int64(offset)*int64(time.Second), true
}

// topK keeps the k first hits in cmp's order seen so far: a max-heap
// whose root is the last of them, so a hit that does not belong costs
// one comparison and the scan never sorts the whole roster.
type topK struct {
	k    int
	cmp  func(x, y *rosterHit) int
	heap []rosterHit
}

func (t *topK) offer(h rosterHit) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, h)
		t.up(len(t.heap) - 1)
		return
	}
	if t.cmp(&h, &t.heap[0]) >= 0 {
		return
	}
	t.heap[0] = h
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if t.cmp(&t.heap[i], &t.heap[p]) <= 0 {
			return
		}
		t.heap[i], t.heap[p] = t.heap[p], t.heap[i]
		i = p
	}
}

func (t *topK) down(i int) {
	for {
		l, big := 2*i+1, i
		if l < len(t.heap) && t.cmp(&t.heap[l], &t.heap[big]) > 0 {
			big = l
		}
		if r := l + 1; r < len(t.heap) && t.cmp(&t.heap[r], &t.heap[big]) > 0 {
			big = r
		}
		if big == i {
			return
		}
		t.heap[i], t.heap[big] = t.heap[big], t.heap[i]
		i = big
	}
}

// after returns the kept hits after the first from, in order: the
// page. They are the last of the heap, taken off its root one by one
// (the last first), so the rows before the page are never sorted.
func (t *topK) after(from int) []rosterHit {
	n := len(t.heap) - from
	if n <= 0 {
		return nil
	}
	out := make([]rosterHit, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = t.heap[0]
		last := len(t.heap) - 1
		t.heap[0] = t.heap[last]
		t.heap = t.heap[:last]
		t.down(0)
	}
	return out
}

// plainRosterPage is a page of an unfiltered roster by address without
// a capacity: the keys are counted and only the page's records decoded.
// (People left on a waitlist after the capacity was removed show with
// the status filter.)
func (s *Service) plainRosterPage(tx *store.Tx, list string, from int, out *RosterPage) error {
	var shown [][]byte
	i := 0
	err := tx.EachMemberRaw(list, func(_ string, raw []byte) error {
		if i >= from && i < from+RosterPageSize {
			shown = append(shown, raw)
		}
		i++
		return nil
	})
	if err != nil {
		return err
	}
	out.Total, out.Matched = i, i
	if out.Rows, err = rosterRows(tx, shown); err != nil {
		return err
	}
	return nil
}

// rosterRows decodes the records a roster page shows.
func rosterRows(tx *store.Tx, raws [][]byte) ([]RosterRow, error) {
	rows := make([]RosterRow, 0, len(raws))
	for _, raw := range raws {
		mb, err := store.DecodeMembership(raw)
		if err != nil {
			return nil, err
		}
		r := RosterRow{Address: mb.Address, Role: mb.Role, Mode: mb.Mode, Status: mb.Status, Joined: mb.Joined,
			Posts: mb.Posts, Bounces: len(mb.Bounces), BounceError: mb.BounceError, Org: mb.Org}
		if p, err := tx.Person(mb.Address); err == nil {
			r.Name, r.GoodStanding = p.Name, p.GoodStanding
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// RosterCSV writes a list's roster as CSV in the import's columns (so an
// export can be edited and imported again), then status and joined,
// which an import ignores; cells are SafeCSV. It needs PermRoster.
func (s *Service) RosterCSV(ctx context.Context, a Actor, list string, w io.Writer) error {
	return s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, PermRoster)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		head := []string{"email", "name", "role", "mode", "good_standing", "status", "joined"}
		orgCols := coalitionCSV(tx, a, l)
		if orgCols != nil {
			head = append(head, coalitionCSVColumns...)
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		err = tx.EachMember(list, func(mb store.Membership) error {
			p, _ := tx.Person(mb.Address)
			row := []string{mb.Address, p.Name, string(mb.Role), string(mb.Mode), strconv.FormatBool(p.GoodStanding),
				string(mb.Status), mb.Joined.UTC().Format(time.RFC3339)}
			if orgCols != nil {
				row = append(row, orgCols(mb)...)
			}
			return cw.Write(SafeCSV(row))
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

// formulaLeads are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaLeads = "=+-@\t\r"

// SafeCSV returns a CSV row with every field a spreadsheet would take
// for a formula (formulaLeads first) led by an apostrophe, so a name a
// member chose (=HYPERLINK(...)) opens as text. The import takes the
// apostrophe off again.
func SafeCSV(row []string) []string {
	out := make([]string, len(row))
	for i, f := range row {
		if f != "" && strings.ContainsRune(formulaLeads, rune(f[0])) {
			f = "'" + f
		}
		out[i] = f
	}
	return out
}

// ImportBatchSize is how many rows of an import share one transaction:
// one commit (one fsync) per 5,000 rows, each transaction a few MB.
const ImportBatchSize = 5000

// ImportProgress is how far an import has got.
type ImportProgress struct {
	Done, Total                int
	Added, Updated, Waitlisted int
	Failures                   []ImportFailure
}

// ImportFailure is a row the list refused.
type ImportFailure struct {
	Line    int
	Address string
	Problem string
}

// ImportMembers adds rows to a list (people already on it are updated),
// ImportBatchSize rows per transaction, calling progress after each
// batch. The seats taken are counted once and carried from batch to
// batch, so a large import never recounts the roster. Each transaction checks PermRoster again; a row that gives a
// role needs PermSettings (that row alone fails). A store error stops
// the import; batches already committed stay imported.
func (s *Service) ImportMembers(ctx context.Context, a Actor, list string, rows []MemberRow, progress func(ImportProgress)) (ImportProgress, error) {
	p := ImportProgress{Total: len(rows)}
	seats := -1 // counted in the first transaction, then carried
	specs := make([]MemberSpec, 0, min(len(rows), ImportBatchSize))
	for start := 0; start < len(rows); start += ImportBatchSize {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		batch := rows[start:min(start+ImportBatchSize, len(rows))]
		specs = specs[:0]
		for _, r := range batch {
			specs = append(specs, r.Spec)
		}
		res := make([]AddResult, len(batch))
		err := s.st.Update(func(tx *store.Tx) error {
			l, err := s.authorize(tx, a, list, PermRoster)
			if err != nil {
				return err
			}
			if seats < 0 {
				if seats, err = seatsTaken(tx, list); err != nil {
					return err
				}
			}
			return s.addMembersTx(tx, a, l, specs, true, &seats, res)
		})
		if err != nil {
			return p, err
		}
		for i, r := range res {
			switch {
			case r.Err != nil:
				p.Failures = append(p.Failures, ImportFailure{Line: batch[i].Line, Address: r.Address, Problem: r.Err.Error()})
			case r.Status == "updated":
				p.Updated++
			case r.Status == string(StatusWaitlist):
				p.Waitlisted++
			default:
				p.Added++
			}
		}
		p.Done = start + len(batch)
		if progress != nil {
			progress(p)
		}
	}
	return p, nil
}

// SetStanding marks a person on the list in good standing (dues paid) or
// not, applying each of their lists' lapsed_members rule. Standing holds
// on every list, so it needs a site admin (authorizeSite), and the person
// must be on the list.
func (s *Service) SetStanding(ctx context.Context, a Actor, list, addr string, good bool) error {
	addr = NormalizeAddress(addr)
	return s.st.Update(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, list, PermRoster); err != nil {
			return err
		}
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		if _, err := tx.Membership(list, addr); err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		if err := s.setPersonTx(tx, MemberSpec{Address: addr, GoodStanding: &good}); err != nil {
			return err
		}
		return s.AuditChange(tx, a, list, fmt.Sprintf("set %s: good_standing=%t", addr, good))
	})
}

// Promote gives a waitlisted person a seat now, even when the list is at
// capacity (a moderator decided), and tells them. With front=true it
// instead moves them to the front of the waitlist: they get the next
// free seat. It needs PermRoster.
func (s *Service) Promote(ctx context.Context, a Actor, list, addr string, front bool) error {
	addr = NormalizeAddress(addr)
	return s.st.Update(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, PermRoster)
		if err != nil {
			return err
		}
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		if mb.Status != StatusWaitlist {
			return fmt.Errorf("%s is not on the waitlist of %s", addr, list)
		}
		if front {
			// The waitlist is in order of joining: the front is one
			// second before whoever is first now.
			first := mb.Joined
			err := tx.EachMemberRaw(list, func(_ string, raw []byte) error {
				if Status(store.RawString(raw, "status")) != StatusWaitlist {
					return nil
				}
				w, err := store.DecodeMembership(raw)
				if err == nil && w.Joined.Before(first) {
					first = w.Joined
				}
				return err
			})
			if err != nil {
				return err
			}
			if !first.Before(mb.Joined) {
				return nil // first already
			}
			if err := s.moveOnWaitlist(tx, mb, first.Add(-time.Second)); err != nil {
				return err
			}
			return s.AuditChange(tx, a, list, "moved "+addr+" to the front of the waitlist")
		}
		if err := s.giveSeat(tx, mb); err != nil {
			return err
		}
		subj, body, err := s.renderTx(tx, addr, list, "waitlist-promoted", map[string]any{
			"ListAddress": s.addr(list, RolePost, ""), "Title": l.Settings.Title,
		})
		if err != nil {
			return err
		}
		if err := s.queueNotice(tx, notice{List: list, To: []string{addr}, From: s.addr(list, RoleOwner, ""), Subject: subj, Body: body}); err != nil {
			return err
		}
		return s.AuditChange(tx, a, list, "gave "+addr+" a seat from the waitlist")
	})
}

// RosterEntry is one line of a roster with the person's name.
type RosterEntry struct {
	Address, Name string
	Role          ListRole
	Mode          Mode
	Status        Status
}

// Roster returns a list's members with their names, in address order.
func (s *Service) Roster(list string) ([]RosterEntry, error) {
	var out []RosterEntry
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		return tx.EachMember(list, func(mb store.Membership) error {
			e := RosterEntry{Address: mb.Address, Role: mb.Role, Mode: mb.Mode, Status: mb.Status}
			if p, err := tx.Person(mb.Address); err == nil {
				e.Name = p.Name
			}
			out = append(out, e)
			return nil
		})
	})
	return out, notFoundText(err, "no list named "+list)
}

// rosterPage is how many entries EachRosterPage reads per transaction.
const rosterPage = 2000

// EachRosterPage gives a list's members with their names, in address
// order, to fn a page at a time, reading each page in its own short read
// transaction: a roster of any size goes out in constant memory, and no
// transaction stays open while fn writes to a slow client. Each member
// appears once; a change made while a long roster is read shows only in
// the pages read after it. A missing list is an error before fn is
// called. fn must not keep the slice, which is reused.
func (s *Service) EachRosterPage(list string, fn func([]RosterEntry) error) error {
	page := make([]RosterEntry, 0, rosterPage)
	after := ""
	for first := true; ; first = false {
		page = page[:0]
		err := s.st.View(func(tx *store.Tx) error {
			if first {
				if _, err := tx.List(list); err != nil {
					return notFoundText(err, "no list named "+list)
				}
			}
			var err error
			after, err = tx.RosterPage(list, after, rosterPage, func(r store.RosterRow) error {
				page = append(page, RosterEntry(r))
				return nil
			})
			return err
		})
		if err != nil {
			return err
		}
		if len(page) > 0 || first {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < rosterPage {
			return nil
		}
	}
}

// Member returns one roster entry.
func (s *Service) Member(list, addr string) (RosterEntry, error) {
	var e RosterEntry
	addr = NormalizeAddress(addr)
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return notFoundText(err, "no list named "+list)
		}
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		e = RosterEntry{Address: mb.Address, Role: mb.Role, Mode: mb.Mode, Status: mb.Status}
		if p, err := tx.Person(addr); err == nil {
			e.Name = p.Name
		}
		return nil
	})
	return e, err
}

// PersonMemberships returns a person's record and every membership.
func (s *Service) PersonMemberships(addr string) (store.Person, []store.Membership, error) {
	var p store.Person
	var out []store.Membership
	addr = NormalizeAddress(addr)
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if p, err = tx.Person(addr); err != nil {
			return notFoundText(err, "no person with the address "+addr)
		}
		lists, err := tx.ListsOf(addr)
		if err != nil {
			return err
		}
		for _, l := range lists {
			if mb, err := tx.Membership(l, addr); err == nil {
				out = append(out, mb)
			}
		}
		return nil
	})
	return p, out, err
}
