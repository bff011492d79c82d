package main

import (
	"strings"
	"testing"
)

func TestMemberCommands(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "team", "discussion")

	cliRun(t, app, "member", "add", "--role", "owner", "--name", "Ada", "team", "Ada@Example.org").
		expect(t, 0, "added ada@example.org to team (ok)\n", "")
	// One bad address and one existing member fail on stderr; the rest
	// are still added, and the exit status says something failed.
	cliRun(t, app, "member", "add", "team", "bob@example.org", "not-an-address", "ada@example.org", "cy@example.org").
		expect(t, 1,
			"added bob@example.org to team (ok)\nadded cy@example.org to team (ok)\n",
			"minyan: \"not-an-address\" is not an email address\nminyan: ada@example.org is already a member of team\n")
	cliRun(t, app, "member", "add", "--role", "boss", "team", "dee@example.org").expect(t, 1, "",
		"minyan: --role \"boss\": must be member, facilitator, moderator or owner\n"+
			"usage: minyan member add [--role member|facilitator|moderator|owner] [--mode each|digest|nomail] [--name N] LIST ADDRESS...\n")
	cliRun(t, app, "member", "add", "nope", "dee@example.org").expect(t, 1, "", "minyan: member add: no list named nope\n")

	cliRun(t, app, "member", "set", "--mode", "digest", "team", "BOB@example.org").
		expect(t, 0, "updated bob@example.org on team: mode=digest\n", "")
	cliRun(t, app, "member", "set", "--role", "moderator", "--mode", "nomail", "team", "cy@example.org").
		expect(t, 0, "updated cy@example.org on team: role=moderator mode=nomail\n", "")
	cliRun(t, app, "member", "set", "team", "cy@example.org").expect(t, 1, "",
		"minyan: nothing to change: give --role, --mode, --digest, --digest-format and/or --topics\nusage: minyan member set [--role R] [--mode M] [--digest daily|weekly] [--digest-format html|plain] [--topics T,T|all] LIST ADDRESS\n")
	cliRun(t, app, "member", "set", "--mode", "weekly", "team", "cy@example.org").expect(t, 1, "",
		"minyan: --mode \"weekly\": must be each, digest or nomail\nusage: minyan member set [--role R] [--mode M] [--digest daily|weekly] [--digest-format html|plain] [--topics T,T|all] LIST ADDRESS\n")
	cliRun(t, app, "member", "set", "--digest-format", "plain", "team", "BOB@example.org").
		expect(t, 0, "updated bob@example.org on team: digest-format=plain\n", "")
	cliRun(t, app, "member", "set", "--digest-format", "rich", "team", "bob@example.org").expect(t, 1, "",
		"minyan: --digest-format rich: must be plain or html\nusage: minyan member set [--role R] [--mode M] [--digest daily|weekly] [--digest-format html|plain] [--topics T,T|all] LIST ADDRESS\n")
	cliRun(t, app, "member", "set", "--digest-format", "html", "team", "zed@example.org").
		expect(t, 1, "", "minyan: member set: zed@example.org is not a member of team\n")
	cliRun(t, app, "member", "set", "--mode", "each", "team", "zed@example.org").
		expect(t, 1, "", "minyan: member set: zed@example.org is not a member of team\n")

	cliRun(t, app, "member", "ls", "team").expect(t, 0,
		"ada@example.org\towner\teach\tok\n"+
			"bob@example.org\tmember\tdigest\tok\n"+
			"cy@example.org\tmoderator\tnomail\tok\n", "")

	cliRun(t, app, "member", "rm", "team", "Cy@example.org", "zed@example.org").
		expect(t, 1, "removed cy@example.org from team\n", "minyan: zed@example.org is not a member of team\n")
	cliRun(t, app, "member", "ls", "team").expect(t, 0,
		"ada@example.org\towner\teach\tok\nbob@example.org\tmember\tdigest\tok\n", "")
	cliRun(t, app, "member", "ls", "nope").expect(t, 1, "", "minyan: member ls: no list named nope\n")

	p, err := app.Svc.Person("ada@example.org")
	if err != nil || p.Name != "Ada" {
		t.Errorf("person after add --name: %+v %v", p, err)
	}
}

func TestMemberAddWaitlist(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "circle", "community")
	cliRun(t, app, "list", "set", "circle", "capacity=1").mustOK(t)
	cliRun(t, app, "member", "add", "circle", "a@example.org", "b@example.org").
		expect(t, 0, "added a@example.org to circle (ok)\nwaitlisted b@example.org on circle (the list is full)\n", "")
	cliRun(t, app, "member", "ls", "circle").expect(t, 0,
		"a@example.org\tmember\teach\tok\nb@example.org\tmember\teach\twaitlist\n", "")
	// A freed seat promotes the waitlist.
	cliRun(t, app, "member", "rm", "circle", "a@example.org").mustOK(t)
	cliRun(t, app, "member", "ls", "circle").expect(t, 0, "b@example.org\tmember\teach\tok\n", "")
}

func TestPersonSet(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliRun(t, app, "person", "set", "--name", "Bea Arthur", "--good-standing", "yes", "Bea@Example.org").
		expect(t, 0, "updated bea@example.org: name=\"Bea Arthur\" good_standing=true\n", "")
	p, err := app.Svc.Person("bea@example.org")
	if err != nil || p.Name != "Bea Arthur" || !p.GoodStanding {
		t.Fatalf("person: %+v %v", p, err)
	}
	cliRun(t, app, "person", "set", "--good-standing", "false", "bea@example.org").
		expect(t, 0, "updated bea@example.org: good_standing=false\n", "")
	if p, _ := app.Svc.Person("bea@example.org"); p.GoodStanding || p.Name != "Bea Arthur" {
		t.Errorf("person after good-standing=false: %+v", p)
	}
	r := cliRun(t, app, "person", "set", "--good-standing", "maybe", "bea@example.org")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "minyan: --good-standing \"maybe\": must be true or false\nusage: minyan person set") {
		t.Errorf("bad bool: %+v", r)
	}
	r = cliRun(t, app, "person", "set", "bea@example.org")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "minyan: nothing to change") {
		t.Errorf("no flags: %+v", r)
	}
	cliRun(t, app, "person", "set", "--name", "X", "nobody").
		expect(t, 1, "", "minyan: person set: \"nobody\" is not an email address\n")
}
