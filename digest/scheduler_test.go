package digest

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"minyan/listserv"
	"minyan/store"
)

// t0 is Monday 2026-11-02 10:00 in New York (EST, after the DST change).
var t0 = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

func ny(t *testing.T, local string) time.Time { return mustTime(t, "America/New_York", local) }

func (e *env) addSession(req AddRequest) []SessionInfo {
	e.t.Helper()
	added, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), req)
	if err != nil {
		e.t.Fatal(err)
	}
	return added.Sessions
}

var reReplyTo = regexp.MustCompile(`Reply-To: <circle-confirm\+([a-z2-7]{32})@lists\.example\.org>`)

func TestReminderSentOnceWithCalendar(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0"},
		"fay@example.net:facilitator::Fay", "alice@example.net", "bob@example.net:member:digest", "nora@example.net:member:nomail")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Topic: "Pirkei Avot, chapter 2", Link: "https://meet.example.org/pa"})[0]
	due := ny(t, "2026-11-04 19:00")

	if next := e.run(t0); !next.Equal(due) {
		t.Errorf("next due %v, want the reminder at %v", next, due)
	}
	e.run(due.Add(-time.Second))
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("queued before the reminder was due: %d", len(q))
	}
	e.run(due)
	e.run(due.Add(time.Minute))
	rem := e.ofKind(kindReminder)
	if len(rem) != 1 {
		t.Fatalf("%d reminders, want exactly 1", len(rem))
	}
	r := rem[0]
	if got, want := r.addrs(), []string{"alice@example.net", "bob@example.net", "fay@example.net"}; !slices.Equal(got, want) {
		t.Errorf("reminder to %v, want %v (everyone but nomail)", got, want)
	}
	tokens := map[string]bool{}
	for _, rc := range r.Rcpts {
		m := reReplyTo.FindStringSubmatch(rc.Header)
		if m == nil || !strings.Contains(rc.Header, "List-Unsubscribe:") {
			t.Fatalf("recipient header %q lacks the RSVP Reply-To or unsubscribe", rc.Header)
		}
		tokens[m[1]] = true
	}
	if len(tokens) != 3 {
		t.Errorf("RSVP tokens are not per recipient: %v", tokens)
	}
	if s := structure(t, r.Raw); s != "multipart/mixed[multipart/alternative[text/plain,text/calendar],application/ics]" {
		t.Errorf("MIME structure %s", s)
	}
	h, _ := parts(t, r.Raw)
	if got := h.Get("Reply-To"); got != "" {
		t.Errorf("shared body has Reply-To %q; it must be per recipient", got)
	}
	for k, want := range map[string]string{
		"From": `"Study Circle" <circle-owner@lists.example.org>`, "List-Id": `"Study Circle" <circle.lists.example.org>`,
		"Auto-Submitted": "auto-generated", "Precedence": "list",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	text := textOf(t, r.Raw)
	for _, want := range []string{"Thursday, November 5, 2026, 19:00–20:30 EST", "Pirkei Avot, chapter 2", "https://meet.example.org/pa", "yes, no or maybe"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder text lacks %q:\n%s", want, text)
		}
	}
	cal, ev := calendarOf(t, r.Raw)
	if m, _ := cal.Props.Text(ical.PropMethod); m != MethodPublish {
		t.Errorf("METHOD %s", m)
	}
	if uid, _ := ev.Props.Text(ical.PropUID); uid != SessionUID("circle", s.ID, domain) {
		t.Errorf("UID %s", uid)
	}
	if start, _ := ev.DateTimeStart(nil); !start.Equal(s.Start) {
		t.Errorf("DTSTART %v, want %v", start, s.Start)
	}
	if !e.jobDone("reminder/circle/1/24h/s0") {
		t.Error("the reminder's job is not marked")
	}
}

func TestCatchUpSendsOnlyTheLatestReminderBeforeStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets=24h,1h", "session_digest_before=0"}, "alice@example.net")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})
	// The daemon was down from t0 until half an hour before the session.
	e.run(ny(t, "2026-11-05 18:30"))
	rem := e.ofKind(kindReminder)
	if len(rem) != 1 {
		t.Fatalf("%d reminders after downtime, want 1", len(rem))
	}
	if !e.jobDone("reminder/circle/1/24h/s0") || !e.jobDone("reminder/circle/1/1h/s0") {
		t.Error("both reminders must be handled")
	}
	if !strings.Contains(e.logs.String(), "a later reminder for the same session is due now") {
		t.Errorf("the superseded reminder was not logged:\n%s", e.logs)
	}
	e.run(ny(t, "2026-11-05 18:45"))
	if n := len(e.ofKind(kindReminder)); n != 1 {
		t.Errorf("%d reminders after another pass", n)
	}
}

func TestCatchUpSkipsRemindersOfSessionsThatBegan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil, "alice@example.net")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})
	// Down over the reminder and the session digest, back ten minutes
	// into the session.
	e.run(ny(t, "2026-11-05 19:10"))
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("%d mails for a session that already began", len(q))
	}
	for _, k := range []string{"reminder/circle/1/24h/s0", "session-digest/circle/1/s0"} {
		if !e.jobDone(k) {
			t.Errorf("%s not marked as skipped", k)
		}
	}
	logs := e.logs.String()
	if strings.Count(logs, "scheduled mail skipped") != 2 || !strings.Contains(logs, "its session has already begun") {
		t.Errorf("skips not logged once each:\n%s", logs)
	}
	e.run(ny(t, "2026-11-05 19:20"))
	if strings.Count(e.logs.String(), "scheduled mail skipped") != 2 {
		t.Error("skips logged again on the next pass")
	}
}

// A crash between queuing a mail and marking its job cannot happen: both
// are one transaction. The hook fails exactly there; afterwards neither
// the mail nor the mark (nor the RSVP tokens, nor the digest position)
// exists, and the next pass sends it once.
func TestExactlyOnceAcrossCrashBetweenEnqueueAndMark(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "timezone=America/New_York"},
		"alice@example.net", "bob@example.net:member:digest")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-10 19:00"})
	e.run(t0)
	e.archive("circle", "alice@example.net", "Alice", "Hello", "p1@example.net", "", t0.Add(time.Hour), "Hi all.")

	crash := errors.New("simulated crash")
	var seen []string
	e.s.beforeMark = func(key string) error {
		seen = append(seen, key)
		return crash
	}
	at := ny(t, "2026-11-09 20:00") // after the Monday digest and the reminder
	e.clock.Set(at)
	if _, err := e.s.RunDue(context.Background(), at); !errors.Is(err, crash) {
		t.Fatalf("RunDue = %v, want the crash", err)
	}
	if len(seen) != 2 {
		t.Fatalf("the hook ran for %v", seen)
	}
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("%d mails survived the crash without their mark", len(q))
	}
	for _, k := range seen {
		if e.jobDone(k) {
			t.Errorf("%s marked without its mail", k)
		}
	}
	e.st.View(func(tx *store.Tx) error {
		if st, err := tx.DigestState("circle"); err == nil && st.LastSeq != 0 {
			t.Errorf("digest position moved without the digest: %+v", st)
		}
		return nil
	})

	e.s.beforeMark = nil
	e.run(at)
	e.run(at.Add(time.Minute))
	if n := len(e.ofKind(kindReminder)); n != 1 {
		t.Errorf("%d reminders after restart, want 1", n)
	}
	if n := len(e.ofKind(kindWeekly)); n != 1 {
		t.Errorf("%d digests after restart, want 1", n)
	}
	for _, k := range seen {
		if !e.jobDone(k) {
			t.Errorf("%s not marked after the retry", k)
		}
	}
}

func TestMoveSendsUpdateAndCancelSendsCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0"}, "alice@example.net", "bob@example.net")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Topic: "Intro"})[0]
	e.run(ny(t, "2026-11-04 19:00"))
	if n := len(e.ofKind(kindReminder)); n != 1 {
		t.Fatalf("%d reminders", n)
	}

	// Moved an hour later, an hour after the reminder went out: the
	// reminder for the new time is already due, and the update says it.
	e.clock.Set(ny(t, "2026-11-04 20:00"))
	moved, n, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, "2026-11-05 20:00")
	if err != nil || n != 2 || moved.Sequence != 1 {
		t.Fatalf("move: %v, %d recipients, sequence %d", err, n, moved.Sequence)
	}
	up := e.ofKind(kindUpdate)
	if len(up) != 1 {
		t.Fatalf("%d update mails", len(up))
	}
	_, ev := calendarOf(t, up[0].Raw)
	if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != 1 {
		t.Errorf("update SEQUENCE %d, want 1", seq)
	}
	if start, _ := ev.DateTimeStart(nil); !start.Equal(ny(t, "2026-11-05 20:00")) {
		t.Errorf("update DTSTART %v", start)
	}
	if uid, _ := ev.Props.Text(ical.PropUID); uid != SessionUID("circle", s.ID, domain) {
		t.Errorf("update UID %s changed", uid)
	}
	if text := textOf(t, up[0].Raw); !strings.Contains(text, "Was:   Thursday, November 5, 2026, 19:00–20:30 EST") {
		t.Errorf("update text:\n%s", text)
	}
	e.run(ny(t, "2026-11-04 20:01"))
	if n := len(e.ofKind(kindReminder)); n != 1 {
		t.Errorf("%d reminders: the update should stand for the re-armed reminder that was already due", n)
	}

	// Moved a week later: the reminder re-arms for the new time.
	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, "2026-11-12 19:00"); err != nil {
		t.Fatal(err)
	}
	e.run(ny(t, "2026-11-11 19:00"))
	rem := e.ofKind(kindReminder)
	if len(rem) != 2 {
		t.Fatalf("%d reminders after the second move", len(rem))
	}
	_, ev = calendarOf(t, rem[1].Raw)
	if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != 2 {
		t.Errorf("reminder SEQUENCE %d, want 2", seq)
	}

	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, "2026-11-01 19:00"); err == nil {
		t.Error("a move into the past was accepted")
	}
	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", 99, "2026-11-20 19:00"); err == nil {
		t.Error("moving an unknown session was accepted")
	}

	cancelled, n, err := e.s.CancelSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID)
	if err != nil || n != 2 || cancelled.Sequence != 3 {
		t.Fatalf("cancel: %v, %d, sequence %d", err, n, cancelled.Sequence)
	}
	cm := e.ofKind(kindCancel)
	if len(cm) != 1 {
		t.Fatalf("%d cancel mails", len(cm))
	}
	cal, ev := calendarOf(t, cm[0].Raw)
	if m, _ := cal.Props.Text(ical.PropMethod); m != MethodCancel {
		t.Errorf("METHOD %s", m)
	}
	if st, _ := ev.Status(); st != ical.EventCancelled {
		t.Errorf("STATUS %s", st)
	}
	if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != 3 {
		t.Errorf("cancel SEQUENCE %d", seq)
	}
	for _, rc := range cm[0].Rcpts {
		if strings.Contains(rc.Header, "Reply-To") {
			t.Errorf("a cancellation asks for an RSVP: %q", rc.Header)
		}
	}
	if _, _, err := e.s.CancelSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID); err == nil {
		t.Error("cancelling twice was accepted")
	}
	ls, _ := e.s.Sessions(t.Context(), listserv.Operator(listserv.DoorCLI), "circle")
	if len(ls) != 1 || ls[0].State != "cancelled" {
		t.Errorf("session ls: %+v", ls)
	}
	e.run(ny(t, "2026-11-13 19:00"))
	if n := len(e.queued()); n != 5 {
		t.Errorf("%d mails in all, want 2 reminders + 2 updates + 1 cancel", n)
	}
}

func TestAddSessionsValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil)
	for _, req := range []AddRequest{
		{List: "circle", Start: "2026-11-01 19:00"},                                // past
		{List: "circle", Start: "2026-11-05 19:00", Zone: "Nowhere/City"},          // zone
		{List: "circle", Start: "2026-11-05 19:00", Every: "daily", Count: 3},      // recurrence
		{List: "circle", Start: "2026-11-05 19:00", Count: 3},                      // count without every
		{List: "circle", Start: "2026-11-05 19:00", Link: "meet dot org"},          // link
		{List: "circle", Start: "2026-11-05 19:00", Duration: 15 * 24 * time.Hour}, // duration: at most 14 days
		{List: "nolist", Start: "2026-11-05 19:00"},                                // list
		{List: "circle", Start: "2026-11-05 19:00", Every: "weekly", Count: 9999},  // count
	} {
		if _, err := e.s.AddSessions(context.Background(), listserv.Operator(listserv.DoorCLI), req); err == nil {
			t.Errorf("%+v was accepted", req)
		}
	}
	ss := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Zone: "Europe/Berlin", Every: EveryBiweekly, Count: 3})
	if len(ss) != 3 || ss[0].Series != ss[0].ID || ss[2].Series != ss[0].ID || ss[2].Index != 3 || ss[2].Count != 3 {
		t.Errorf("series records: %+v", ss)
	}
	if ss[0].Duration != DefaultDuration || ss[0].Zone != "Europe/Berlin" {
		t.Errorf("defaults: %+v", ss[0])
	}
}

func TestWeeklyDigest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"},
		"alice@example.net::each:Alice", "bob@example.net::digest:Bob", "dan@example.net::digest", "nora@example.net::nomail", "eve@example.net")
	e.run(t0) // the list's first look: Monday's 08:00 slot passed with nothing to send
	if q := e.queued(); len(q) != 0 {
		t.Fatalf("%d mails for an empty week", len(q))
	}
	slot := ny(t, "2026-11-09 08:00")
	e.archive("talk", "alice@example.net", "Alice", "Curriculum ideas", "p1@example.net", "", ny(t, "2026-11-03 09:00"), "Let us plan.")
	e.archive("talk", "eve@example.net", "Eve", "Budget", "p2@example.net", "", ny(t, "2026-11-04 09:00"), "Numbers.")
	e.archive("talk", "bob@example.net", "Bob", "Re: Curriculum ideas", "p3@example.net", "p1@example.net", ny(t, "2026-11-05 09:00"), "Yes!")
	e.archive("talk", "alice@example.net", "Alice", "After the slot", "p4@example.net", "", slot.Add(time.Minute), "Later.")

	e.run(slot.Add(-time.Second))
	if q := e.queued(); len(q) != 0 {
		t.Fatal("digest before its slot")
	}
	e.run(slot.Add(2 * time.Minute))
	e.run(slot.Add(time.Hour))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests, want 1", len(ds))
	}
	d := ds[0]
	if got := d.addrs(); !slices.Equal(got, []string{"bob@example.net", "dan@example.net"}) {
		t.Errorf("digest to %v, want the digest members", got)
	}
	for _, rc := range d.Rcpts {
		if !strings.Contains(rc.Header, "List-Unsubscribe: <https://lists.example.org/u/") {
			t.Errorf("no one-click unsubscribe for %s: %q", rc.Address, rc.Header)
		}
	}
	if s := structure(t, d.Raw); s != "multipart/mixed[multipart/alternative[text/plain,text/html],multipart/digest[message/rfc822,message/rfc822,message/rfc822]]" {
		t.Errorf("structure %s", s)
	}
	h, ps := parts(t, d.Raw)
	if subj, _ := h.Text("Subject"); subj != "[talk] Weekly digest, Nov 3–Nov 9, 2026 (3 messages)" {
		t.Errorf("Subject %q", subj)
	}
	for k, want := range map[string]string{"List-Id": `"Study Circle" <talk.lists.example.org>`, "List-Post": "<mailto:talk@lists.example.org>", "Reply-To": "<talk@lists.example.org>"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	toc := textOf(t, d.Raw)
	for _, want := range []string{
		"== Curriculum ideas (2)",
		"1. Curriculum ideas\n     \"Alice\" <alice@example.net>, Tue Nov 3, 2026 09:00 EST\n     Reply: <mailto:talk@lists.example.org?subject=Re%3A%20Curriculum%20ideas&In-Reply-To=%3Cp1%40example.net%3E>",
		"2. Re: Curriculum ideas\n     \"Bob\" <bob@example.net>",
		"In-Reply-To=%3Cp3%40example.net%3E",
		"== Budget (1)\n  3. Budget",
		"digest off",
	} {
		if !strings.Contains(toc, want) {
			t.Errorf("table of contents lacks %q:\n%s", want, toc)
		}
	}
	if strings.Contains(toc, "After the slot") {
		t.Error("a post archived after the slot is in this digest")
	}
	var order []string
	for _, p := range ps {
		if p.Type == "message/rfc822" {
			m := regexp.MustCompile(`Message-ID: <([^>]+)>`).FindSubmatch(p.Body)
			order = append(order, string(m[1]))
		}
	}
	if !slices.Equal(order, []string{"p1@example.net", "p3@example.net", "p2@example.net"}) {
		t.Errorf("digest parts in order %v, want grouped by thread", order)
	}

	// By hand, the day after: only the post after the slot.
	e.clock.Set(ny(t, "2026-11-10 12:00"))
	posts, rcpts, err := e.s.SendDigest("talk")
	if err != nil || posts != 1 || rcpts != 2 {
		t.Fatalf("digest send: %d posts, %d rcpts, %v", posts, rcpts, err)
	}
	ds = e.ofKind(kindWeekly)
	h, _ = parts(t, ds[1].Raw)
	if subj, _ := h.Text("Subject"); subj != "[talk] Weekly digest, Nov 9–Nov 10, 2026 (1 message)" {
		t.Errorf("manual digest subject %q", subj)
	}
	if posts, _, _ := e.s.SendDigest("talk"); posts != 0 {
		t.Errorf("a second send found %d posts", posts)
	}
	// The next scheduled digest starts after the manual one: nothing new.
	e.run(ny(t, "2026-11-16 08:00"))
	if n := len(e.ofKind(kindWeekly)); n != 2 {
		t.Errorf("%d digests after an empty week", n)
	}
	if _, _, err := e.s.SendDigest("nolist"); err == nil {
		t.Error("digest send on an unknown list worked")
	}
}

func TestFirstDigestReachesBackOneWeekOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"timezone=UTC", "digest_day=friday", "digest_time=18:00"}, "bob@example.net::digest")
	// Imported history, weeks old, and one post this week.
	e.archive("talk", "a@example.net", "", "Old", "old@example.net", "", t0.Add(-30*24*time.Hour), "old")
	e.archive("talk", "a@example.net", "", "New", "new@example.net", "", t0.Add(time.Hour), "new")
	e.run(time.Date(2026, 11, 6, 18, 0, 0, 0, time.UTC))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	if toc := textOf(t, ds[0].Raw); strings.Contains(toc, "Old") || !strings.Contains(toc, "New") {
		t.Errorf("first digest:\n%s", toc)
	}
}

func TestSessionDigest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets="},
		"fay@example.net:facilitator::Fay", "alice@example.net::each:Alice", "bob@example.net::digest:Bob",
		"carol@example.net::each:Carol", "nora@example.net::nomail:Nora")
	ss := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Every: EveryWeekly, Count: 2, Topic: "Teshuvah", Link: "https://meet.example.org/t"})
	e.run(t0)
	e.archive("circle", "carol@example.net", "Carol", "Old topic", "o1@example.net", "", ny(t, "2026-11-04 10:00"), "Before the first session.")
	e.run(ny(t, "2026-11-03 19:00")) // first session's digest
	if n := len(e.ofKind(kindSessionDigest)); n != 2 {
		t.Fatalf("%d session digests for the first session, want staff + members", n)
	}
	e.archive("circle", "alice@example.net", "Alice", "Reading list", "r1@example.net", "", ny(t, "2026-11-07 10:00"),
		"> quoted from somewhere\nOn Fri, Bob wrote:\nFirst line here.\n\nSecond line.\nThird line.\nFourth line.")
	e.archive("circle", "bob@example.net", "Bob", "Re: [circle] Reading list", "r2@example.net", "r1@example.net", ny(t, "2026-11-08 10:00"), "Agreed.")
	e.archive("circle", "alice@example.net", "Alice", "Re: Reading list", "r3@example.net", "r2@example.net", ny(t, "2026-11-08 11:00"), "Thanks.")
	e.archive("circle", "carol@example.net", "Carol", "Logistics", "l1@example.net", "", ny(t, "2026-11-09 10:00"), "Who brings snacks?")
	e.clock.Set(ny(t, "2026-11-06 09:00"))
	if _, _, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle"); err != nil {
		t.Fatal(err)
	}
	for addr, ans := range map[string]string{"alice@example.net": "yes", "carol@example.net": "No thanks", "fay@example.net": "maybe"} {
		rsvp(t, e, ss[1].ID, addr, ans)
	}

	e.run(ny(t, "2026-11-10 19:00"))
	all := e.ofKind(kindSessionDigest)
	if len(all) != 4 {
		t.Fatalf("%d session digests", len(all))
	}
	staff, members := all[2], all[3]
	if got := staff.addrs(); !slices.Equal(got, []string{"fay@example.net"}) {
		t.Errorf("staff copy to %v", got)
	}
	if got := members.addrs(); !slices.Equal(got, []string{"alice@example.net", "bob@example.net", "carol@example.net"}) {
		t.Errorf("member copy to %v (digest members included, nomail not)", got)
	}
	text := textOf(t, members.Raw)
	for _, want := range []string{
		"Thursday, November 12, 2026, 19:00–20:30 EST", "https://meet.example.org/t", "Teshuvah", "(session 2 of 2)",
		"* Reading list\n  3 posts by Alice and Bob\n  | First line here.\n  | Second line.\n  | Third line.",
		"* Logistics\n  1 post by Carol\n  | Who brings snacks?",
		"Yes: 1   No: 1   Maybe: 1",
		"CHEVRUTA PAIRS",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("session digest lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"Old topic", "quoted from somewhere", "Fourth line", "\"Alice\" <alice@example.net>"} {
		if strings.Contains(text, not) {
			t.Errorf("member copy contains %q:\n%s", not, text)
		}
	}
	stext := textOf(t, staff.Raw)
	for _, want := range []string{"Yes:   \"Alice\" <alice@example.net>", "No:    \"Carol\" <carol@example.net>", "Maybe: \"Fay\" <fay@example.net>"} {
		if !strings.Contains(stext, want) {
			t.Errorf("staff copy lacks %q:\n%s", want, stext)
		}
	}
	p, _ := e.s.Pairs("circle")
	for _, g := range p.Groups {
		names := []string{}
		for _, a := range g {
			names = append(names, map[string]string{"fay@example.net": "Fay", "alice@example.net": "Alice", "bob@example.net": "Bob", "carol@example.net": "Carol"}[a])
		}
		if !strings.Contains(text, "* "+listserv.JoinNames(names)) {
			t.Errorf("pair %v missing:\n%s", names, text)
		}
	}
	_, ev := calendarOf(t, members.Raw)
	if uid, _ := ev.Props.Text(ical.PropUID); uid != SessionUID("circle", ss[1].ID, domain) {
		t.Errorf("calendar UID %s", uid)
	}
}

// rsvp answers for a member through the reply handler, as listserv does
// for a reply to NAME-confirm+TOKEN.
func rsvp(t *testing.T, e *env, session uint64, addr, line string) string {
	t.Helper()
	var tok string
	e.st.Update(func(tx *store.Tx) error {
		var err error
		tok, err = e.svc.IssueToken(tx, TokenRSVP, "circle", addr, session, "", 0)
		return err
	})
	var token store.Token
	e.st.View(func(tx *store.Tx) error {
		token, _ = tx.Token(tok)
		return nil
	})
	answer, err := e.s.handleRSVP(context.Background(), &listserv.Reply{List: "circle", Token: token, From: addr, Lines: []string{line}})
	if err != nil {
		t.Fatal(err)
	}
	return answer
}

func TestRSVPByReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil, "alice@example.net::each:Alice", "bob@example.net")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})[0]
	if a := rsvp(t, e, s.ID, "alice@example.net", "Yes! See you"); a != "" {
		t.Errorf("a clear yes got the answer %q", a)
	}
	notes := e.ofKind("notice")
	if len(notes) != 1 || notes[0].addrs()[0] != "alice@example.net" || !strings.Contains(textOf(t, notes[0].Raw), `Your answer "yes"`) {
		t.Fatalf("acknowledgement: %+v", notes)
	}
	if a := rsvp(t, e, s.ID, "bob@example.net", "I am not sure what to bring"); !strings.Contains(a, "yes, no or maybe") {
		t.Errorf("an unclear reply got %q", a)
	}
	rsvp(t, e, s.ID, "alice@example.net", "no, sorry") // changed her mind
	ls, err := e.s.Sessions(t.Context(), listserv.Operator(listserv.DoorCLI), "circle")
	if err != nil || len(ls) != 1 {
		t.Fatal(err)
	}
	if ls[0].RSVP.Counts() != "yes=0 no=1 maybe=0" || ls[0].RSVP.Answers() != "no:alice@example.net" {
		t.Errorf("session ls RSVP %q %q", ls[0].RSVP.Counts(), ls[0].RSVP.Answers())
	}
	e.clock.Set(ny(t, "2026-11-05 21:00"))
	if a := rsvp(t, e, s.ID, "bob@example.net", "yes"); !strings.Contains(a, "no longer taken") {
		t.Errorf("an answer after the session got %q", a)
	}
}

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"yes": "yes", "Yes!": "yes", "YES, see you": "yes", "y": "yes", "no": "no", "No.": "no", "nope": "no",
		"maybe": "maybe", "Maybe?": "maybe", "": "", "yesterday": "", "I think yes": "", "non": "",
	} {
		if got := ParseAnswer(in); got != want {
			t.Errorf("ParseAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPairsAvoidEarlierPairs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil, "a@example.net", "b@example.net", "c@example.net", "d@example.net", "n@example.net::nomail")
	seen := map[string]int{}
	for round := 1; round <= 3; round++ {
		p, repeats, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle")
		if err != nil {
			t.Fatal(err)
		}
		if repeats != 0 || len(p.Groups) != 2 || p.Round != round {
			t.Fatalf("round %d: %+v, %d repeats", round, p, repeats)
		}
		for _, g := range p.Groups {
			if slices.Contains(g, "n@example.net") {
				t.Errorf("a nomail member was paired")
			}
			seen[strings.Join(g, "+")]++
		}
	}
	// Four people have exactly three repeat-free rounds: all six pairs.
	if len(seen) != 6 {
		t.Errorf("pairs over three rounds: %v", seen)
	}
	if _, repeats, _ := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle"); repeats == 0 {
		t.Error("a fourth round of four people cannot avoid repeats")
	}
	got, _ := e.s.Pairs("circle")
	if got.Round != 4 {
		t.Errorf("round %d", got.Round)
	}

	e.list("odd", "community", nil, "a@example.net", "b@example.net", "c@example.net", "d@example.net", "e@example.net", "f@example.net", "g@example.net")
	p, _, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "odd")
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{}
	for _, g := range p.Groups {
		sizes = append(sizes, len(g))
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{2, 2, 3}) {
		t.Errorf("seven people grouped as %v", sizes)
	}
	e.list("solo", "community", nil, "a@example.net")
	if _, _, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "solo"); err == nil {
		t.Error("one person was paired")
	}
}

func TestPairCheckinAndShareReminder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets=", "session_digest_before=0"},
		"alice@example.net::each:Alice", "bob@example.net::digest:Bob")
	ss := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Every: EveryWeekly, Count: 3})
	if _, _, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle"); err != nil {
		t.Fatal(err)
	}
	mid := ss[0].Start.Add(ss[1].Start.Sub(ss[0].Start) / 2)
	e.run(mid.Add(-time.Second))
	if n := len(e.ofKind(kindCheckin)); n != 0 {
		t.Fatalf("check-in before midway")
	}
	e.run(mid)
	ci := e.ofKind(kindCheckin)
	if len(ci) != 1 {
		t.Fatalf("%d check-ins", len(ci))
	}
	h, _ := parts(t, ci[0].Raw)
	for _, k := range []string{"To", "Reply-To"} {
		if got := h.Get(k); got != `"Alice" <alice@example.net>, "Bob" <bob@example.net>` {
			t.Errorf("check-in %s = %q, want both partners", k, got)
		}
	}
	if got := ci[0].addrs(); !slices.Equal(got, []string{"alice@example.net", "bob@example.net"}) {
		t.Errorf("check-in to %v", got)
	}
	if text := textOf(t, ci[0].Raw); !strings.Contains(text, "Hello Alice and Bob") || !strings.Contains(text, "Thursday, November 12, 2026") {
		t.Errorf("check-in text:\n%s", text)
	}
	shareDue := before(ss[2], defaultShareBefore)
	e.run(shareDue)
	if n := len(e.ofKind(kindCheckin)); n != 2 {
		t.Errorf("%d check-ins after the second gap", n)
	}
	sh := e.ofKind(kindShare)
	if len(sh) != 1 {
		t.Fatalf("%d share reminders", len(sh))
	}
	if text := textOf(t, sh[0].Raw); !strings.Contains(text, "share what your pair produced") || !strings.Contains(text, "circle@lists.example.org") {
		t.Errorf("share text:\n%s", text)
	}
	e.run(ss[2].End)
	if n := len(e.queued()); n != 3 {
		t.Errorf("%d mails in all", n)
	}
}

func TestDeletedAndRecreatedListStartsClean(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0"}, "alice@example.net")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})
	if err := e.svc.DeleteList(context.Background(), listserv.Operator(listserv.DoorCLI), "circle"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(time.Minute))
	e.list("circle", "community", []string{"session_digest_before=0"}, "alice@example.net")
	e.run(ny(t, "2026-11-04 19:00"))
	if n := len(e.queued()); n != 0 {
		t.Errorf("the old list's session sent %d mails to the new list", n)
	}
	if ls, _ := e.s.Sessions(t.Context(), listserv.Operator(listserv.DoorCLI), "circle"); len(ls) != 0 {
		t.Errorf("the new list shows old sessions: %+v", ls)
	}
}

// The loop does a pass at start and another whenever it is kicked; it
// stops when its context ends.
func TestRunLoopPassesOnStartAndKick(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0"}, "alice@example.net")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.s.Run(ctx) }()
	// A session whose reminder is already due: AddSessions kicks the
	// loop, which sends it without anyone calling RunDue.
	e.addSession(AddRequest{List: "circle", Start: "2026-11-03 09:00"})
	deadline := time.Now().Add(10 * time.Second)
	for len(e.ofKind(kindReminder)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the kicked loop did not send the due reminder")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
