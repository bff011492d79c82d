package main

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
)

// The directory is kept rendered between requests; a change to any list
// must show on the very next request, and a caucus never.
func TestWebDirectoryFollowsListChanges(t *testing.T) {
	t.Parallel()
	e := webEnv(t)
	anon := newWebClient(t, e)
	ana := newWebClient(t, e)
	signIn(t, e, ana, "ana@example.org", 0)
	svc := e.srv.App.Svc
	op := listserv.Operator(listserv.DoorCLI)
	set := func(list string, pairs ...string) {
		t.Helper()
		if _, err := svc.SetList(context.Background(), op, list, pairs); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // the second round is served from what the first kept
		for who, c := range map[string]*webClient{"anonymous": anon, "signed-in": ana} {
			if _, dir := c.get("/"); !strings.Contains(dir, "/lists/team") || strings.Contains(dir, "quiet") || strings.Contains(dir, "circle") {
				t.Fatalf("%s directory:\n%s", who, dir)
			}
		}
	}
	if _, dir := ana.get("/"); !strings.Contains(dir, "ana@example.org") && !strings.Contains(dir, "My lists") {
		t.Errorf("signed-in directory does not show the signed-in header:\n%s", dir)
	}
	if _, dir := anon.get("/"); strings.Contains(dir, "My lists") {
		t.Errorf("anonymous directory shows a signed-in header (kept page of another viewer):\n%s", dir)
	}

	set("team", "title=Team Together")
	set("quiet", "advertised=true")
	set("circle", "advertised=true") // a caucus stays hidden whatever it says
	for who, c := range map[string]*webClient{"anonymous": anon, "signed-in": ana} {
		_, dir := c.get("/")
		if !strings.Contains(dir, "Team Together") || !strings.Contains(dir, "/lists/quiet") || strings.Contains(dir, "circle") {
			t.Errorf("%s directory after the changes:\n%s", who, dir)
		}
	}
	set("team", "advertised=false")
	if _, dir := anon.get("/"); strings.Contains(dir, "/lists/team") {
		t.Errorf("a list hidden a moment ago is still shown:\n%s", dir)
	}
}
