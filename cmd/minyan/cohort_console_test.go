package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"minyan/listserv"
)

// TestConsoleNextCohort: a site admin starts the next cohort from the
// community's console (the same operation as `minyan cohort next`): the
// new list is made and its console opens, the old waitlist is invited;
// the list's owner, not a site admin, is refused, and the form is not
// offered to them.
func TestConsoleNextCohort(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Admins = []string{"root@example.org"} })
	e.setup("circle", "community", map[string]string{"own@example.org": "owner", "ann@example.org": "member"}, "capacity=1")
	svc := e.srv.App.Svc
	if _, err := svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "circle",
		[]memberSpec{{Address: "wl1@example.org"}, {Address: "wl2@example.org"}}, false); err != nil {
		t.Fatal(err)
	}
	if st := e.status("circle", "wl1@example.org"); !strings.HasPrefix(st, "waitlist") {
		t.Fatalf("wl1 is %q, want waitlist", st)
	}

	owner := newWebClient(t, e)
	signIn(t, e, owner, "own@example.org", 0)
	if _, body := owner.get("/lists/circle/admin"); strings.Contains(body, "Start the next cohort") {
		t.Error("the owner (not a site admin) is offered the next cohort")
	}
	if code, _ := owner.post("/lists/circle/admin/cohort/next", url.Values{"name": {"circle2"}}); code != 403 {
		t.Errorf("the owner starting the next cohort: %d, want 403", code)
	}

	root := newWebClient(t, e)
	signIn(t, e, root, "root@example.org", 0)
	if _, body := root.get("/lists/circle/admin"); !strings.Contains(body, "Start the next cohort") {
		t.Fatalf("the site admin is not offered the next cohort:\n%s", body)
	}
	if code, body := root.post("/lists/circle/admin/cohort/next", url.Values{"name": {"Bad Name!"}}); code != 422 || !strings.Contains(body, "The next cohort was not started") {
		t.Errorf("a bad name: %d\n%s", code, body)
	}
	code, body := root.post("/lists/circle/admin/cohort/next", url.Values{"name": {"circle2"}, "title": {"Circle II"}})
	if code != 200 || !strings.Contains(body, "circle2@") {
		t.Fatalf("next cohort: %d, want the new list's console\n%s", code, body)
	}
	if _, err := svc.GetList("circle2"); err != nil {
		t.Fatalf("circle2 was not made: %v", err)
	}
	for _, w := range []string{"wl1@example.org", "wl2@example.org"} {
		mailLink(t, e, w, "confirm", 0) // each waitlisted person is invited to confirm
	}
}
