package main

import (
	"strings"
	"testing"

	"minyan/listserv"
)

func TestListCreateLsShowSetRm(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))

	cliRun(t, app, "list", "create", "team").expect(t, 0, "created list team (discussion)\n", "")
	cliRun(t, app, "list", "create", "--kind", "community", "--title", "Circle of practice", "--description", "monthly", "circle").
		expect(t, 0, "created list circle (community)\n", "")
	cliRun(t, app, "list", "create", "team").
		expect(t, 1, "", "minyan: list create: a list named team already exists\n")
	r := cliRun(t, app, "list", "create", "Bad Name")
	if r.code != 1 || !strings.HasPrefix(r.stderr, `minyan: list create: list name "Bad Name": a list name is 1 to 64`) {
		t.Errorf("bad name: %+v", r)
	}
	r = cliRun(t, app, "list", "create", "--kind", "party", "x")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown kind "party"`) {
		t.Errorf("bad kind: %+v", r)
	}
	cliRun(t, app, "member", "add", "team", "a@example.org", "b@example.org").mustOK(t)

	cliRun(t, app, "list", "ls").expect(t, 0,
		"circle\tcommunity\t0\tCircle of practice\n"+
			"team\tdiscussion\t2\tteam\n", "")

	cliRun(t, app, "list", "set", "team", "posting=MODERATED", "footer=line one\\nline two", "reminder_offsets=48h,1h").
		expect(t, 0, "set team posting=moderated\nset team footer=line one\\nline two\nset team reminder_offsets=48h,1h\n", "")
	// All or nothing: one bad pair changes nothing.
	r = cliRun(t, app, "list", "set", "team", "title=New", "posting=sometimes")
	if r.code != 1 || !strings.Contains(r.stderr, "minyan: list set team: posting: must be one of") {
		t.Errorf("bad value: %+v", r)
	}
	r = cliRun(t, app, "list", "set", "team", "nonsense=1")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown setting "nonsense"`) {
		t.Errorf("bad key: %+v", r)
	}
	r = cliRun(t, app, "list", "set", "team", "title")
	if r.code != 1 || !strings.Contains(r.stderr, "KEY=VALUE") {
		t.Errorf("no =: %+v", r)
	}

	out := cliRun(t, app, "list", "show", "team").mustOK(t)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	head := "name\tteam\nkind\tdiscussion\ncreated\t2026-11-02T15:04:05Z\nmembers\t2\narchived_posts\t0"
	if got := strings.Join(lines[:5], "\n"); got != head {
		t.Errorf("list show head:\n%s\nwant\n%s", got, head)
	}
	names := listserv.SettingNames()
	if len(lines) != 5+len(names) {
		t.Fatalf("list show has %d lines, want %d:\n%s", len(lines), 5+len(names), out)
	}
	for i, k := range names {
		key, _, ok := strings.Cut(lines[5+i], "\t")
		if !ok || key != k {
			t.Errorf("line %d = %q, want key %s", 6+i, lines[5+i], k)
		}
	}
	for _, want := range []string{"title\tteam", "posting\tmoderated", "footer\tline one\\nline two", "subject_prefix\t[team] ", "capacity\t0"} {
		if !strings.Contains(out, "\n"+want+"\n") {
			t.Errorf("list show lacks %q:\n%s", want, out)
		}
	}
	cliRun(t, app, "list", "show", "nope").expect(t, 1, "", "minyan: no list named nope\n")

	cliRun(t, app, "list", "rm", "circle").expect(t, 0, "removed list circle\n", "")
	cliRun(t, app, "list", "rm", "circle").expect(t, 1, "", "minyan: list rm: no list named circle\n")
	cliRun(t, app, "list", "ls").expect(t, 0, "team\tdiscussion\t2\tteam\n", "")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliRun(t, app, "list", "show").expect(t, 1, "", "minyan: missing arguments\nusage: minyan list show NAME\n")
	cliRun(t, app, "list", "ls", "extra").expect(t, 1, "", "minyan: unexpected argument \"extra\"\nusage: minyan list ls\n")
	cliRun(t, app, "list", "create", "team", "--kind", "caucus").expect(t, 1, "",
		"minyan: --kind: flags go before the arguments\n"+
			"usage: minyan list create [--kind community|caucus|discussion|announce|coalition] [--title T] [--description D] NAME\n")
	cliRun(t, app, "list", "create", "--colour", "red", "team").expect(t, 1, "",
		"minyan: flag provided but not defined: -colour\n"+
			"usage: minyan list create [--kind community|caucus|discussion|announce|coalition] [--title T] [--description D] NAME\n")
	cliRun(t, app, "list").expect(t, 1, "", "minyan: list needs a subcommand: create, set, show, ls, rm\nrun 'minyan help' for the list of commands\n")
	cliRun(t, app, "list", "frob").expect(t, 1, "", "minyan: unknown command \"list frob\" (list takes create, set, show, ls, rm)\nrun 'minyan help' for the list of commands\n")
	cliRun(t, app, "frob").expect(t, 1, "", "minyan: unknown command \"frob\"\nrun 'minyan help' for the list of commands\n")
	cliRun(t, app, "serve").expect(t, 1, "", "minyan: serve cannot be run through the admin socket\n")
	// "--" lets an argument start with a dash; it is then just a bad name.
	r := cliRun(t, app, "list", "create", "--", "-x")
	if r.code != 1 || !strings.Contains(r.stderr, `list name "-x"`) {
		t.Errorf("after --: %+v", r)
	}

	r = cliRun(t, app, "member", "add", "--help")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: minyan member add [--role") || !strings.Contains(r.stdout, "\n  --mode MODE\n") {
		t.Errorf("member add --help: %+v", r)
	}
	r = cliRun(t, app, "member", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "minyan member import LIST FILE.csv") || strings.Contains(r.stdout, "minyan list ls") {
		t.Errorf("member --help: %+v", r)
	}
}
