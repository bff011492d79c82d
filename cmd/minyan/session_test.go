package main

import (
	"context"
	"minyan/listserv"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

var rsvpReplyTo = regexp.MustCompile(`(?m)^Reply-To: <(circle-confirm\+[a-z2-7]{32}@lists\.example\.org)>\r?$`)

// Reminder with its calendar part, RSVP by reply, move (update with a
// higher SEQUENCE) and cancel (METHOD:CANCEL), over real SMTP with the
// commands run inside the daemon.
func TestSessionRemindersOverSMTP(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("circle", "community", map[string]string{
		"alice@example.net": "member", "bob@example.net": "member", "fay@example.net": "facilitator",
	}, "title=Study Circle", "session_digest_before=0")
	if err := e.srv.App.Svc.SetMember(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", "bob@example.net", "", "digest"); err != nil {
		t.Fatal(err)
	}
	out := e.mustCLI("session", "add", "--topic", "Pirkei Avot", "--link", "https://meet.example.org/pa", "--start", "2026-11-05 19:00", "circle")
	if out != "added session 1 to circle: 2026-11-05T19:00:00-05:00 Pirkei Avot\n" {
		t.Errorf("session add said %q", out)
	}
	everyone := []string{"alice@example.net", "bob@example.net", "fay@example.net"}

	// The reminder, 24 hours before.
	e.schedule(nyTime(t, "2026-11-04 19:00"))
	for _, r := range everyone {
		e.mailTo(r, "Subject: [circle] Reminder: Pirkei Avot")
	}
	e.schedule(nyTime(t, "2026-11-04 19:30"))
	e.drain()
	for _, r := range everyone {
		if n := e.countTo(r, "Subject: [circle] Reminder:"); n != 1 {
			t.Errorf("%s got %d reminders", r, n)
		}
	}
	rem := e.mailTo("alice@example.net", "Reminder")
	method, ev := calendarIn(t, rem.Data)
	if method != "PUBLISH" {
		t.Errorf("reminder METHOD %s", method)
	}
	uid, _ := ev.Props.Text(ical.PropUID)
	if uid != "session-1-circle@lists.example.org" {
		t.Errorf("UID %s", uid)
	}
	if seq, _ := ev.Props.Get(ical.PropSequence).Int(); seq != 0 {
		t.Errorf("SEQUENCE %d", seq)
	}
	if start, _ := ev.DateTimeStart(nil); !start.Equal(time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DTSTART %v", start)
	}
	if !strings.Contains(string(rem.Data), "Content-Type: text/calendar; charset=utf-8; method=PUBLISH") {
		t.Error("no text/calendar Content-Type with method")
	}
	// Addressed to the member, so "reply all" cannot post "yes" to the list.
	if h := header(t, rem.Data); h.Get("To") != "<alice@example.net>" || strings.Count(string(rem.Data), "\r\nTo: ") != 1 {
		t.Errorf("reminder To = %q", h.Get("To"))
	}

	// RSVP by replying to the reminder.
	m := rsvpReplyTo.FindStringSubmatch(string(rem.Data))
	if m == nil {
		t.Fatalf("no RSVP Reply-To in the reminder:\n%s", rem.Data)
	}
	e.reply("alice@example.net", m[1], "[circle] Reminder: Pirkei Avot", "Yes, I'll be there")
	e.mailTo("alice@example.net", "RSVP noted")
	ls := e.mustCLI("session", "ls", "circle")
	if ls != "1\t2026-11-05T19:00:00-05:00\tscheduled\tPirkei Avot\tyes=1 no=0 maybe=0\tyes:alice@example.net\n" {
		t.Errorf("session ls after the RSVP:\n%q", ls)
	}

	// Move: an update with SEQUENCE 1 and the new time, same UID.
	out = e.mustCLI("session", "move", "--start", "2026-11-05 20:00", "circle", "1")
	if out != "moved session 1 of circle to 2026-11-05T20:00:00-05:00 (update sent to 3 members)\n" {
		t.Errorf("session move said %q", out)
	}
	for _, r := range everyone {
		up := e.mailTo(r, "Subject: [circle] Moved: Pirkei Avot")
		method, ev := calendarIn(t, up.Data)
		seq, _ := ev.Props.Get(ical.PropSequence).Int()
		u, _ := ev.Props.Text(ical.PropUID)
		start, _ := ev.DateTimeStart(nil)
		if method != "PUBLISH" || seq != 1 || u != uid || !start.Equal(time.Date(2026, 11, 6, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("update to %s: %s SEQUENCE %d UID %s DTSTART %v", r, method, seq, u, start)
		}
	}

	// Cancel: METHOD:CANCEL, SEQUENCE 2, STATUS:CANCELLED.
	out = e.mustCLI("session", "cancel", "circle", "1")
	if out != "cancelled session 1 of circle at 2026-11-05T20:00:00-05:00 (cancellation sent to 3 members)\n" {
		t.Errorf("session cancel said %q", out)
	}
	for _, r := range everyone {
		c := e.mailTo(r, "Subject: [circle] Cancelled: Pirkei Avot")
		method, ev := calendarIn(t, c.Data)
		seq, _ := ev.Props.Get(ical.PropSequence).Int()
		st, _ := ev.Status()
		if method != "CANCEL" || seq != 2 || st != ical.EventCancelled {
			t.Errorf("cancel to %s: %s SEQUENCE %d STATUS %s", r, method, seq, st)
		}
	}
	if ls := e.mustCLI("session", "ls", "circle"); !strings.Contains(ls, "\tcancelled\t") {
		t.Errorf("session ls after cancel: %q", ls)
	}
	e.schedule(nyTime(t, "2026-11-05 21:00"))
	e.drain()
	if n := e.countTo("alice@example.net", "Reminder"); n != 1 {
		t.Errorf("alice got %d reminders in the end", n)
	}
}

func TestSessionCommands(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "circle", "community", "alice@example.net", "bob@example.net", "carol@example.net", "dan@example.net", "fay@example.net:facilitator")

	cliRun(t, app, "session", "add", "--every", "monthly", "--count", "3", "--tz", "Europe/Berlin", "--duration", "2h",
		"--topic", "Fifth Thursdays", "--start", "2026-12-31 18:30", "circle").expect(t, 0,
		"added session 1 to circle: 2026-12-31T18:30:00+01:00 Fifth Thursdays\n"+
			"added session 2 to circle: 2027-04-29T18:30:00+02:00 Fifth Thursdays\n"+
			"added session 3 to circle: 2027-07-29T18:30:00+02:00 Fifth Thursdays\n"+
			"the series meets on the fifth Thursday of each month\n"+
			"note: months without a fifth Thursday are skipped; the series still has all its sessions\n", "")
	cliRun(t, app, "session", "add", "--every", "weekly", "--count", "2", "--start", "2026-11-05 19:00", "circle").expect(t, 0,
		"added session 4 to circle: 2026-11-05T19:00:00-05:00\n"+
			"added session 5 to circle: 2026-11-12T19:00:00-05:00\n", "")
	cliRun(t, app, "session", "ls", "circle").expect(t, 0,
		"4\t2026-11-05T19:00:00-05:00\tscheduled\t-\tyes=0 no=0 maybe=0\t-\n"+
			"5\t2026-11-12T19:00:00-05:00\tscheduled\t-\tyes=0 no=0 maybe=0\t-\n"+
			"1\t2026-12-31T18:30:00+01:00\tscheduled\tFifth Thursdays\tyes=0 no=0 maybe=0\t-\n"+
			"2\t2027-04-29T18:30:00+02:00\tscheduled\tFifth Thursdays\tyes=0 no=0 maybe=0\t-\n"+
			"3\t2027-07-29T18:30:00+02:00\tscheduled\tFifth Thursdays\tyes=0 no=0 maybe=0\t-\n", "")

	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"session", "add", "circle"}, "minyan: --start \"YYYY-MM-DD HH:MM\" is required\n"},
		{[]string{"session", "add", "--every", "weekly", "--start", "2026-11-05 19:00", "circle"}, "minyan: --every needs --count N"},
		{[]string{"session", "add", "--start", "2026-11-01 19:00", "circle"}, "is in the past"},
		{[]string{"session", "add", "--start", "5 Nov 2026", "circle"}, "YYYY-MM-DD HH:MM"},
		{[]string{"session", "add", "--start", "2026-11-05 19:00", "nolist"}, "no list named nolist"},
		{[]string{"session", "move", "--start", "2026-11-06 19:00", "circle", "x"}, "is not a session ID"},
		{[]string{"session", "move", "circle", "4"}, "--start"},
		{[]string{"session", "cancel", "circle", "99"}, "circle has no session 99"},
		{[]string{"pairs", "make", "nolist"}, "no list named nolist"},
	} {
		r := cliRun(t, app, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.err) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.err)
		}
	}

	// Without a daemon, changes still queue their mail for later.
	cliRun(t, app, "session", "move", "--start", "2026-11-05 20:00", "circle", "4").expect(t, 0,
		"moved session 4 of circle to 2026-11-05T20:00:00-05:00 (update sent to 5 members)\n", "")
	if q := cliRun(t, app, "queue", "ls").mustOK(t); strings.Count(q, "session-update") != 5 {
		t.Errorf("queue after move:\n%s", q)
	}

	pairs := cliRun(t, app, "pairs", "make", "circle").mustOK(t)
	lines := strings.Split(strings.TrimSuffix(pairs, "\n"), "\n")
	if len(lines) != 2 || strings.Count(pairs, "\t") != 3 {
		t.Errorf("five people should make a pair and a trio:\n%s", pairs)
	}
	cliRun(t, app, "pairs", "ls", "circle").expect(t, 0, pairs, "")

	cliRun(t, app, "digest", "send", "circle").expect(t, 0, "nothing to send: no posts on circle since its last digest\n", "")
	if h := cliRun(t, app, "session", "--help").mustOK(t); !strings.Contains(h, "minyan session move --start") || !strings.Contains(h, "minyan session ls [--registrations [--csv]] LIST") {
		t.Errorf("help session:\n%s", h)
	}
}
