package listserv

import (
	"strings"
	"testing"
	"time"
)

// TestNextCohortInvitesTheWaitlistInOrder: the next cohort has the old
// list's settings and leaders; the waitlist is invited in order, each
// confirms, capacity applies, and the one over it waits on the new list.
func TestNextCohortInvitesTheWaitlistInOrder(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("c1", "community", map[string]string{"own@example.org": "owner", "a@example.org": "member", "b@example.org": "member"},
		"capacity=2", "title=Cohort One", "digest_time=07:30")
	for _, w := range []string{"w1@example.org", "w2@example.org", "w3@example.org"} {
		e.clock.Advance(time.Minute)
		if _, err := e.svc.AddMembers(bg, op, "c1", []MemberSpec{{Address: w}}, false); err != nil {
			t.Fatal(err)
		}
		if mb, _ := e.member("c1", w); mb.Status != StatusWaitlist {
			t.Fatalf("%s is %s on c1, want waitlist", w, mb.Status)
		}
	}
	if _, err := e.svc.NextCohort(bg, Person("own@example.org", DoorCLI), "c1", "c2", ""); err == nil {
		t.Fatal("a list owner who is not a site admin made a new list")
	}
	res, err := e.svc.NextCohort(bg, op, "c1", "c2", "Cohort Two")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Invited, " "); got != "w1@example.org w2@example.org w3@example.org" {
		t.Fatalf("invited %q", got)
	}
	l, err := e.svc.GetList("c2")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != KindCommunity || l.Settings.Capacity != 2 || l.Settings.DigestTime != "07:30" || l.Settings.Title != "Cohort Two" || l.Settings.SubjectPrefix != "[c2] " {
		t.Fatalf("new list = %+v", l)
	}
	if mb, ok := e.member("c2", "own@example.org"); !ok || mb.Role != ListOwner {
		t.Errorf("the owner on c2: %+v %v", mb, ok)
	}
	if _, ok := e.member("c2", "a@example.org"); ok {
		t.Error("a member of the old cohort is on the new one")
	}
	// Each confirms, in the order they answer: two seats, then the
	// waitlist (no moderator is asked: the owner chose them).
	for i, w := range []string{"w2@example.org", "w1@example.org", "w3@example.org"} {
		mails := e.mailsTo(w)
		if len(mails) != 1 || !strings.Contains(mails[0].body, "A place in Cohort Two") {
			t.Fatalf("mails to %s: %+v", w, mails)
		}
		if _, err := e.svc.Confirm(bg, e.lastToken(w, "c2")); err != nil {
			t.Fatal(err)
		}
		mb, _ := e.member("c2", w)
		want := StatusOK
		if i == 2 {
			want = StatusWaitlist
		}
		if mb.Status != want {
			t.Errorf("%s is %s on c2, want %s", w, mb.Status, want)
		}
	}
	if held, _ := e.svc.HeldItems(bg, op, "c2"); len(held) != 0 {
		t.Errorf("invited people were held for a moderator: %+v", held)
	}
	if _, err := e.svc.NextCohort(bg, op, "c1", "c2", ""); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second c2: %v", err)
	}
	if _, err := e.svc.NextCohort(bg, op, "c1", "c3-request", ""); err == nil {
		t.Error("a reserved name was accepted")
	}
}
