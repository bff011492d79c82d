package digest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"minyan/listserv"
	"minyan/store"
)

var reRcptReplyTo = regexp.MustCompile(`Reply-To: <(circle-confirm\+[a-z2-7]{32}@lists\.example\.org)>`)

// replyTo is each recipient's own RSVP address in a queued session mail.
func replyTo(t *testing.T, q queuedMail) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range q.Rcpts {
		m := reRcptReplyTo.FindStringSubmatch(r.Header)
		if m == nil {
			t.Fatalf("no RSVP Reply-To for %s: %q", r.Address, r.Header)
		}
		out[r.Address] = m[1]
	}
	return out
}

// mailReply hands the service a reply as it would come in over SMTP:
// the whole message, parsed by listserv (quotes and signatures dropped).
func (e *env) mailReply(from, to, body string) {
	e.t.Helper()
	raw := "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: Re: [circle] Registration open\r\n" +
		"Message-ID: <" + store.NewToken() + "@example.net>\r\nDate: " + e.clock.Now().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	for _, err := range e.svc.Receive(context.Background(), listserv.Envelope{From: from, Rcpts: []string{to}, RemoteAddr: "127.0.0.1:1", Helo: "mx.example.net"}, []byte(raw)) {
		if err != nil {
			e.t.Fatalf("reply from %s: %v", from, err)
		}
	}
}

// noticesTo are the texts of the personal notices queued for addr.
func (e *env) noticesTo(addr string) []string {
	e.t.Helper()
	var out []string
	for _, q := range e.ofKind("notice") {
		for _, a := range q.addrs() {
			if a == addr {
				out = append(out, textOf(e.t, q.Raw))
			}
		}
	}
	return out
}

func standings(t *testing.T, e *env, id uint64) (Registrations, map[string]Registration) {
	t.Helper()
	r, err := e.s.Registrations(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", id)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Registration{}
	for _, p := range r.People {
		by[p.Address] = p
	}
	return r, by
}

// A three-day convening with 10 seats and two questions: everyone is
// invited, 12 register by reply (two go on the waitlist, kindly told
// their place), one "no" gives its seat to the first waiting, with a
// notice, and a removed member's seat goes to the next. Only the
// registered get the reminder. The calendar part is read back with an
// iCalendar parser.
func TestConveningRegistrationByReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	members := []string{"fay@example.net:facilitator"}
	var people []string
	for i := 1; i <= 13; i++ {
		a := fmt.Sprintf("m%02d@example.net", i)
		people = append(people, a)
		members = append(members, a)
	}
	e.list("circle", "community", []string{"session_digest_before=0"}, members...)
	s := e.addSession(AddRequest{List: "circle", Zone: "America/New_York", Start: "2026-11-13 09:00", Duration: 56 * time.Hour,
		Location: "Auburn, MA", Seats: 10, Questions: []string{"Dietary needs?", "Access needs?"}, Topic: "Regional convening"})[0]

	// The announcement goes at once, to every member, each with their own
	// Reply-To.
	e.run(t0)
	ann := e.ofKind(kindAnnounce)
	if len(ann) != 1 || len(ann[0].Rcpts) != 14 {
		t.Fatalf("announcement: %d mails, %+v", len(ann), ann)
	}
	text := textOf(t, ann[0].Raw)
	for _, want := range []string{"Where: Auburn, MA", "Seats: 10", "1. Dietary needs?", "2. Access needs?", "Friday, November 13, 2026, 09:00 EST – Sunday, November 15, 17:00 EST"} {
		if !strings.Contains(text, want) {
			t.Errorf("announcement lacks %q:\n%s", want, text)
		}
	}
	cal, ev := calendarOf(t, ann[0].Raw)
	if loc, _ := ev.Props.Text(ical.PropLocation); loc != "Auburn, MA" {
		t.Errorf("LOCATION %q", loc)
	}
	if p := ev.Props.Get(ical.PropDateTimeStart); p == nil || p.Params.Get(ical.ParamTimezoneID) != "America/New_York" || p.Value != "20261113T090000" {
		t.Errorf("DTSTART %+v", p)
	}
	var tzids []string
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			id, _ := c.Props.Text(ical.PropTimezoneID)
			tzids = append(tzids, id)
		}
	}
	if strings.Join(tzids, ",") != "America/New_York" {
		t.Errorf("VTIMEZONE %v", tzids)
	}
	ny, _ := time.LoadLocation("America/New_York")
	start, err1 := ev.DateTimeStart(nil)
	end, err2 := ev.DateTimeEnd(nil)
	if err1 != nil || err2 != nil || start.In(ny).Format("Mon Jan 2 15:04") != "Fri Nov 13 09:00" || end.In(ny).Format("Mon Jan 2 15:04") != "Sun Nov 15 17:00" {
		t.Errorf("days: %v %v (%v %v)", start.In(ny), end.In(ny), err1, err2)
	}

	// Twelve register by reply, answers on the lines after "yes".
	to := replyTo(t, ann[0])
	for i, a := range people[:12] {
		e.clock.Set(t0.Add(time.Duration(i+1) * time.Minute))
		e.mailReply(a, to[a], fmt.Sprintf("Yes, count me in!\n1. diet %d\nAccess needs?: step-free entrance\n\n-- \nOrganizer %d\n\nOn Mon, Nov 2, 2026, circle wrote:\n> Registration open\n", i+1, i+1))
	}
	r, by := standings(t, e, s.ID)
	if r.Registered != 10 || r.Waitlisted != 2 {
		t.Fatalf("registered %d, waitlisted %d: %+v", r.Registered, r.Waitlisted, r.People)
	}
	// The session listing (the console's table) counts the same.
	ls, err := e.s.Sessions(context.Background(), listserv.Operator(listserv.DoorCLI), "circle")
	if err != nil || len(ls) != 1 || ls[0].Registered != 10 || ls[0].Waitlisted != 2 {
		t.Fatalf("listed: %+v, %v", ls, err)
	}
	if p := by["m01@example.net"]; p.Standing != StandingRegistered || strings.Join(p.Answers, "|") != "diet 1|step-free entrance" {
		t.Errorf("m01: %+v", p)
	}
	for i, a := range []string{"m11@example.net", "m12@example.net"} {
		if p := by[a]; p.Standing != StandingWaitlisted || p.Position != i+1 {
			t.Errorf("%s: %+v", a, p)
		}
		n := e.noticesTo(a)
		if len(n) != 1 || !strings.Contains(n[0], fmt.Sprintf("you are number %d on the\nwaitlist", i+1)) || !strings.Contains(n[0], "diet "+fmt.Sprint(11+i)) {
			t.Errorf("%s was told %q", a, n)
		}
	}
	if n := e.noticesTo("m01@example.net"); len(n) != 1 || !strings.Contains(n[0], "You are registered") {
		t.Errorf("m01 was told %q", n)
	}

	// One "no" frees a seat: the first waiting gets it, with a notice.
	e.mailReply("m03@example.net", to["m03@example.net"], "No, sorry: something came up.")
	r, by = standings(t, e, s.ID)
	if r.Registered != 10 || r.Waitlisted != 1 || by["m03@example.net"].Standing != StandingDeclined ||
		by["m11@example.net"].Standing != StandingRegistered || by["m12@example.net"].Position != 1 {
		t.Fatalf("after the no: %+v", r.People)
	}
	if n := e.noticesTo("m11@example.net"); len(n) != 2 || !strings.Contains(n[1], "a seat opened") {
		t.Errorf("m11 was told %q", n)
	}
	if n := e.noticesTo("m12@example.net"); len(n) != 1 {
		t.Errorf("m12 got %d notices, want only the waitlist one", len(n))
	}

	// A registered member removed from the list: the next pass gives the
	// seat to the next waiting.
	if _, err := e.svc.RemoveMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", []string{"m01@example.net"}); err != nil {
		t.Fatal(err)
	}
	e.run(t0.Add(time.Hour))
	r, by = standings(t, e, s.ID)
	if r.Registered != 10 || r.Waitlisted != 0 || by["m12@example.net"].Standing != StandingRegistered {
		t.Fatalf("after the removal: %+v", r.People)
	}
	if n := e.noticesTo("m12@example.net"); len(n) != 2 || !strings.Contains(n[1], "a seat opened") {
		t.Errorf("m12 was told %q", n)
	}
	e.run(t0.Add(2 * time.Hour)) // nothing more to do: no notice twice
	if n := e.noticesTo("m12@example.net"); len(n) != 2 {
		t.Errorf("m12 got %d notices", len(n))
	}

	// The reminder reaches the registered only.
	e.run(mustTime(t, "America/New_York", "2026-11-12 09:00"))
	rems := e.ofKind(kindReminder)
	if len(rems) != 1 {
		t.Fatalf("%d reminders", len(rems))
	}
	got := strings.Join(rems[0].addrs(), ",")
	var want []string
	for _, a := range people[1:12] {
		if a != "m03@example.net" {
			want = append(want, a)
		}
	}
	if got != strings.Join(want, ",") {
		t.Errorf("reminder to %s, want %s", got, strings.Join(want, ","))
	}
	if rt := textOf(t, rems[0].Raw); !strings.Contains(rt, "You are registered") || !strings.Contains(rt, "Where: Auburn, MA") {
		t.Errorf("reminder text:\n%s", rt)
	}

	// The CSV export reads back with the questions as columns.
	out, err := e.s.ExportRegistrations(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if strings.Join(rows[0], ",") != "address,name,status,waitlist,answered,Dietary needs?,Access needs?,attended,rating,comment" || len(rows) != 1+11 {
		t.Fatalf("csv:\n%s", out)
	}
	if r := rows[1]; r[0] != "m02@example.net" || r[2] != "registered" || r[5] != "diet 2" || r[6] != "step-free entrance" {
		t.Errorf("first row %q", r)
	}
	if r := rows[len(rows)-1]; r[0] != "m03@example.net" || r[2] != "declined" {
		t.Errorf("last row %q", r)
	}

	// A member may not see the registrations; the list stays hidden from
	// no one here, so that is a refusal.
	if _, err := e.s.Registrations(context.Background(), listserv.Person("m02@example.net", listserv.DoorWeb), "circle", s.ID); err == nil {
		t.Error("a member saw the registrations")
	}
}

// An all-day event is put in calendars by date (VALUE=DATE, the end the
// day after the last day), in mail and in the calendar feed.
func TestAllDayEventUsesDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0"}, "alice@example.net")
	s := e.addSession(AddRequest{List: "circle", Zone: "America/New_York", Start: "2026-11-20", AllDay: true, Duration: 48 * time.Hour,
		Location: "Highlander Center, New Market, TN", Topic: "Training"})[0]
	if s.Local != "2026-11-20 00:00" || s.End.Sub(s.Start) != 48*time.Hour {
		t.Fatalf("stored %+v", s)
	}
	e.run(mustTime(t, "America/New_York", "2026-11-19 00:00"))
	rems := e.ofKind(kindReminder)
	if len(rems) != 1 {
		t.Fatalf("%d reminders", len(rems))
	}
	if txt := textOf(t, rems[0].Raw); !strings.Contains(txt, "Friday, November 20 – Saturday, November 21, 2026 (all day)") || !strings.Contains(txt, "Where: Highlander Center") {
		t.Errorf("reminder:\n%s", txt)
	}
	cal, ev := calendarOf(t, rems[0].Raw)
	for name, want := range map[string]string{ical.PropDateTimeStart: "20261120", ical.PropDateTimeEnd: "20261122"} {
		p := ev.Props.Get(name)
		if p == nil || p.Value != want || p.ValueType() != ical.ValueDate {
			t.Errorf("%s = %+v, want VALUE=DATE:%s", name, p, want)
		}
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			t.Error("an all-day event carries a VTIMEZONE")
		}
	}
	if loc, _ := ev.Props.Text(ical.PropLocation); loc != "Highlander Center, New Market, TN" {
		t.Errorf("LOCATION %q", loc)
	}

	feed, err := e.s.CalendarFeed("alice@example.net")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := ical.NewDecoder(bytes.NewReader(feed)).Decode()
	if err != nil {
		t.Fatalf("feed: %v\n%s", err, feed)
	}
	fe := fc.Events()
	if len(fe) != 1 || fe[0].Props.Get(ical.PropDateTimeStart).Value != "20261120" || fe[0].Props.Get(ical.PropDateTimeStart).ValueType() != ical.ValueDate {
		t.Errorf("feed events %+v", fe)
	}
	if loc, _ := fe[0].Props.Text(ical.PropLocation); loc != "Highlander Center, New Market, TN" {
		t.Errorf("feed LOCATION %q", loc)
	}
}

func TestAddEventValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil)
	for _, req := range []AddRequest{
		{List: "circle", Start: "2026-11-20", AllDay: true, Duration: 36 * time.Hour},                             // part of a day
		{List: "circle", Start: "2026-11-20 10:00", AllDay: true},                                                 // a time
		{List: "circle", Start: "2026-11-20", AllDay: true, Duration: 15 * 24 * time.Hour},                        // too long
		{List: "circle", Start: "2026-11-20 10:00", Seats: -1},                                                    // seats
		{List: "circle", Start: "2026-11-20 10:00", Questions: []string{"a", "b", "c", "d"}},                      // questions
		{List: "circle", Start: "2026-11-20 10:00", Questions: []string{"  "}},                                    // empty question
		{List: "circle", Start: "2026-11-20 10:00", Location: strings.Repeat("x", 201)},                           // place
		{List: "circle", Start: "2026-11-20", AllDay: true, Duration: 24 * time.Hour, Location: "a\x00b"},         // control
		{List: "circle", Start: "2026-11-02", AllDay: true, Duration: 24 * time.Hour, Zone: "Pacific/Kiritimati"}, // over there already
	} {
		if _, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), req); err == nil {
			t.Errorf("%+v was accepted", req)
		}
	}
	for _, req := range []AddRequest{
		{List: "circle", Start: "2026-11-20 09:00", Duration: 72 * time.Hour},
		{List: "circle", Start: "2026-11-20 09:00", Duration: 14 * 24 * time.Hour},
		{List: "circle", Start: "2026-11-02", AllDay: true}, // today, all day: still on
	} {
		if _, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), req); err != nil {
			t.Errorf("%+v: %v", req, err)
		}
	}
}

func TestParseRegistration(t *testing.T) {
	t.Parallel()
	qs := []string{"Dietary needs?", "Access needs?"}
	for _, c := range []struct {
		lines   []string
		answer  string
		answers string
	}{
		{[]string{"yes", "vegan", "none"}, "yes", "vegan|none"},
		{[]string{"Yes!", "1. vegan", "2) ramp please"}, "yes", "vegan|ramp please"},
		{[]string{"yes", "Dietary needs?: gluten-free", "access needs: none"}, "yes", "gluten-free|none"},
		{[]string{"yes", "vegan"}, "yes", "vegan|"},
		{[]string{"yes"}, "yes", "|"},
		{[]string{"no", "vegan", "none"}, "no", ""},
		{[]string{"I think so"}, "", ""},
		{[]string{"yes", "-1 is my lucky number", "x"}, "yes", "-1 is my lucky number|x"},
	} {
		a, ans := ParseRegistration(c.lines, qs)
		if a != c.answer || strings.Join(ans, "|") != c.answers {
			t.Errorf("ParseRegistration(%q) = %q %q, want %q %q", c.lines, a, ans, c.answer, c.answers)
		}
	}
	if a, ans := ParseRegistration([]string{"yes", "vegan"}, nil); a != "yes" || ans != nil {
		t.Errorf("no questions: %q %q", a, ans)
	}
}

func FuzzParseRegistration(f *testing.F) {
	for _, s := range []string{"yes\nvegan\nnone", "Yes!\n1. vegan\n2) ramp", "no\nx", "yes\nDietary needs?: \x00\xff", "yes\n" + strings.Repeat("é", 400), "", "maybe"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, body string, n uint8) {
		qs := []string{"Dietary needs?", "Access needs?", "Anything else?"}[:int(n)%(MaxQuestions+1)]
		a, ans := ParseRegistration(strings.Split(body, "\n"), qs)
		if a != "" && a != AnswerYes && a != AnswerNo && a != AnswerMaybe {
			t.Fatalf("answer %q", a)
		}
		if a != AnswerYes || len(qs) == 0 {
			if ans != nil {
				t.Fatalf("answers %q for %q", ans, a)
			}
			return
		}
		if len(ans) != len(qs) {
			t.Fatalf("%d answers for %d questions", len(ans), len(qs))
		}
		for _, s := range ans {
			if len(s) > maxAnswer || !utf8.ValidString(s) || hasControl(s) || s != strings.TrimSpace(s) {
				t.Fatalf("answer %q", s)
			}
		}
	})
}
