package digest

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"minyan/listserv"
	"minyan/listserv/mailcompose"
	"minyan/store"
)

// SessionView is what the session templates (listserv/templates/
// session-*.txt, reminder-*.txt, pairs-*.txt) can use. Times are shown
// in the list's timezone; when the session was planned in another zone,
// LocalWhen shows it there too.
type SessionView struct {
	ID    uint64
	List  string
	Title string
	// Name is the topic, or "Session 2 of 6" without one.
	Name  string
	Topic string
	// When is "Thursday, November 5, 2026, 19:00–20:30 EST"; WhenShort is
	// "Thu Nov 5, 19:00 EST".
	When, WhenShort string
	// Zone is the list's timezone.
	Zone string
	// LocalWhen is the time in the session's own zone, "" when it is the
	// list's.
	LocalWhen string
	Start     string // RFC 3339
	Duration  string
	Link      string
	// Index and Count place the session in its series (Count 1: a single
	// session).
	Index, Count int
	ListAddress  string
	OwnerAddress string
}

// listZone is the list's timezone, falling back to the session's own.
func listZone(l store.List, fallback string) *time.Location {
	if loc, err := loadZone(l.Settings.Timezone); err == nil {
		return loc
	}
	if loc, err := loadZone(fallback); err == nil {
		return loc
	}
	return time.UTC
}

func (s *Scheduler) view(l store.List, si SessionInfo) SessionView {
	loc := listZone(l, si.Zone)
	v := SessionView{
		ID: si.ID, List: l.Name, Title: l.Settings.Title, Topic: si.Topic,
		When:      formatSpan(si.Start.In(loc), si.End.In(loc)),
		WhenShort: si.Start.In(loc).Format("Mon Jan 2, 15:04 MST"),
		Zone:      loc.String(),
		Start:     si.Start.In(loc).Format(time.RFC3339),
		Duration:  listserv.FormatDuration(si.Duration),
		Link:      si.Link,
		Index:     si.Index, Count: si.Count,
		ListAddress:  s.svc.Address(l.Name, listserv.RolePost, ""),
		OwnerAddress: s.svc.Address(l.Name, listserv.RoleOwner, ""),
	}
	if v.Title == "" {
		v.Title = l.Name
	}
	if sloc, err := loadZone(si.Zone); err == nil && sloc.String() != loc.String() {
		v.LocalWhen = formatSpan(si.Start.In(sloc), si.End.In(sloc)) + " (" + sloc.String() + ")"
	}
	switch {
	case si.Topic != "":
		v.Name = si.Topic
	case si.Count > 1:
		v.Name = fmt.Sprintf("Session %d of %d", si.Index, si.Count)
	default:
		v.Name = "Session"
	}
	return v
}

// formatSpan writes a meeting's time for people: the date once, the end
// time alone when it is the same day.
func formatSpan(start, end time.Time) string {
	s := start.Format("Monday, January 2, 2006, 15:04")
	if end.Year() == start.Year() && end.YearDay() == start.YearDay() {
		return s + "–" + end.Format("15:04 MST")
	}
	return s + " " + start.Format("MST") + " – " + end.Format("Monday, January 2, 15:04 MST")
}

// formatDateRange is "Nov 2–Nov 9, 2026" (or with both years when they
// differ), the range in a weekly digest's subject.
func formatDateRange(from, to time.Time) string {
	if from.Year() == to.Year() && from.YearDay() == to.YearDay() {
		return to.Format("Jan 2, 2006") // one day, not "Nov 21–Nov 21"
	}
	if from.Year() == to.Year() {
		return from.Format("Jan 2") + "–" + to.Format("Jan 2, 2006")
	}
	return from.Format("Jan 2, 2006") + "–" + to.Format("Jan 2, 2006")
}

// personName is a member's display name, or the address.
func personName(tx *store.Tx, addr string) string {
	if p, err := tx.Person(addr); err == nil && p.Name != "" {
		return p.Name
	}
	return addr
}

// personAddress is a member as a mail address with display name.
func personAddress(tx *store.Tx, addr string) *mail.Address {
	a := &mail.Address{Address: addr}
	if p, err := tx.Person(addr); err == nil {
		a.Name = p.Name
	}
	return a
}

// listFrom is the sender of a list's session mail: its owner address, so
// a person who writes back to the sender reaches the organizers.
func (s *Scheduler) listFrom(l store.List, role listserv.AddrRole) *mail.Address {
	title := l.Settings.Title
	if title == "" {
		title = l.Name
	}
	return &mail.Address{Name: title, Address: s.svc.Address(l.Name, role, "")}
}

// joinNames is "a, b and c".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// oneLine keeps user-supplied text (topics, names) on one line.
func oneLine(s string) string { return mailcompose.OneLine(s) }
