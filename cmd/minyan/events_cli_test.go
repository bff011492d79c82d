package main

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
)

// The event flags of session add, session ls --registrations [--csv] and
// session export, through the command line.
func TestSessionEventCommands(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "circle", "community", "alice@example.net", "bob@example.net", "carol@example.net", "fay@example.net:facilitator")

	cliRun(t, app, "session", "add", "--tz", "America/New_York", "--duration", "72h", "--location", "Auburn, MA", "--seats", "1",
		"--question", "Dietary needs?", "--question", "Access needs?", "--topic", "Convening", "--start", "2026-12-04 09:00", "circle").expect(t, 0,
		"added session 1 to circle: 2026-12-04T09:00:00-05:00 Convening\n"+
			"registration: 1 seats, 2 question(s); members are invited by mail and register by replying yes\n", "")
	cliRun(t, app, "session", "add", "--all-day", "--duration", "2 days", "--location", "Highlander", "--start", "2026-12-10", "circle").expect(t, 0,
		"added session 2 to circle: 2026-12-10T00:00:00-05:00\n", "")
	if r := cliRun(t, app, "session", "add", "--all-day", "--duration", "36h", "--start", "2026-12-10", "circle"); r.code == 0 || !strings.Contains(r.stderr, "whole days") {
		t.Errorf("36h all-day: %+v", r)
	}
	if r := cliRun(t, app, "session", "add", "--duration", "360h", "--start", "2026-12-10 10:00", "circle"); r.code == 0 || !strings.Contains(r.stderr, "14 days") {
		t.Errorf("15 days: %+v", r)
	}
	if r := cliRun(t, app, "session", "add", "--question", "a", "--question", "b", "--question", "c", "--question", "d", "--start", "2026-12-10 10:00", "circle"); r.code == 0 {
		t.Errorf("four questions: %+v", r)
	}

	sched := schedulerFor(app)
	for _, a := range []struct{ addr, answer, diet string }{{"alice@example.net", "yes", "vegan"}, {"bob@example.net", "yes", "=SUM(A1)"}, {"carol@example.net", "maybe", ""}} {
		if _, err := sched.RSVP(context.Background(), listserv.Person(a.addr, listserv.DoorWeb), "circle", 1, a.addr, a.answer, []string{a.diet, "none"}); err != nil {
			t.Fatal(err)
		}
	}
	r := cliRun(t, app, "session", "ls", "--registrations", "circle")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "1\talice@example.net\t-\tregistered\t-\t") || !strings.HasSuffix(lines[0], "\tvegan\tnone") ||
		!strings.HasPrefix(lines[1], "1\tbob@example.net\t-\twaitlisted\t1\t") || !strings.HasSuffix(lines[1], "\t=SUM(A1)\tnone") ||
		!strings.HasPrefix(lines[2], "1\tcarol@example.net\t-\tmaybe\t-\t") {
		t.Errorf("session ls --registrations:\n%s%s", r.stdout, r.stderr)
	}
	r = cliRun(t, app, "session", "ls", "--registrations", "--csv", "circle")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "session,address,name,status,waitlist,answered,answer1,answer2,answer3\n1,alice@example.net,,registered,,") ||
		!strings.Contains(r.stdout, ",'=SUM(A1),none,\n") {
		t.Errorf("--csv:\n%s%s", r.stdout, r.stderr)
	}
	r = cliRun(t, app, "session", "export", "circle", "1")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "address,name,status,waitlist,answered,Dietary needs?,Access needs?,attended,rating,comment\nalice@example.net,,registered,,") {
		t.Errorf("export:\n%s%s", r.stdout, r.stderr)
	}
	if r := cliRun(t, app, "session", "export", "circle", "9"); r.code == 0 {
		t.Errorf("export of a missing session: %+v", r)
	}
	if r := cliRun(t, app, "session", "ls", "--csv", "circle"); r.code == 0 {
		t.Errorf("--csv alone: %+v", r)
	}
	// Alice declines: Bob has her seat.
	if _, err := sched.RSVP(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", 1, "alice@example.net", "no", nil); err != nil {
		t.Fatal(err)
	}
	if r := cliRun(t, app, "session", "ls", "--registrations", "circle"); !strings.HasPrefix(r.stdout, "1\tbob@example.net\t-\tregistered\t") {
		t.Errorf("after alice's no:\n%s", r.stdout)
	}
}
