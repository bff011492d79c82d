package main

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
)

// TestCLIPersonSetProfile: `person set` changes the profile with its
// flags (alone or with --name), refuses bad values with the reason, and
// `intros run` prints the pairs.
func TestCLIPersonSetProfile(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "north", "discussion", "ann@example.org")
	cliSetupList(t, app, "south", "discussion", "bob@example.org")
	cliRun(t, app, "person", "set", "--name", "Ann", "--pronouns", "she/her", "--region", "Ohio", "--roles", "organizer, Spiritual Leader",
		"--about", "Organizer", "--offers", "training", "--listed", "true", "--intros", "yes", "--lang", "he", "ann@example.org").
		expect(t, 0, "updated ann@example.org: name=\"Ann\" pronouns=\"she/her\" region=\"Ohio\" about=\"Organizer\" offers=\"training\" roles=[organizer spiritual-leader] listed=true intros=true lang=he\n", "")
	v, err := app.Svc.Profile(context.Background(), listserv.Operator(listserv.DoorCLI), "ann@example.org")
	if err != nil || v.Name != "Ann" || !v.Listed || !v.Intros || v.Lang != "he" || len(v.Roles) != 2 || v.Offers != "training" {
		t.Fatalf("profile: %+v %v", v, err)
	}
	cliRun(t, app, "person", "set", "--intros", "true", "bob@example.org").mustOK(t)
	for _, bad := range [][]string{{"--roles", "astronaut"}, {"--listed", "maybe"}, {"--lang", "fr"}} {
		r := cliRun(t, app, append(append([]string{"person", "set"}, bad...), "ann@example.org")...)
		if r.code == 0 || !strings.Contains(r.stderr, strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("%v: exit %d, %q", bad, r.code, r.stderr)
		}
	}
	cliRun(t, app, "intros", "run").expect(t, 0, "ann@example.org\tbob@example.org\n", "1 introduction(s) mailed\n")
	cliRun(t, app, "intros", "run").expect(t, 0, "", "0 introduction(s) mailed\n")
}
