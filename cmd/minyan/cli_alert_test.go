package main

import "testing"

// TestAlertCLIErrors: the alert commands' answers to a missing list, a
// bad ID and a list without alerts, in direct mode.
func TestAlertCLIErrors(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	cliSetupList(t, app, "team", "announce", "own@example.org")
	cliRun(t, app, "alert", "ls", "team").expect(t, 0, "", "")
	cliRun(t, app, "alert", "ls", "nope").expect(t, 1, "", "minyan: alert ls: no list named nope\n")
	cliRun(t, app, "alert", "show", "team", "x").expect(t, 1, "", "minyan: \"x\" is not an alert ID (a number from 'minyan alert ls')\nusage: minyan alert show LIST ID\n")
	cliRun(t, app, "alert", "show", "team", "3").expect(t, 1, "", "minyan: alert show: team has no alert 3\n")
	cliRun(t, app, "alert", "ls").expect(t, 1, "", "minyan: missing arguments\nusage: minyan alert ls LIST\n")
}
