package listserv

import (
	"errors"
	"strings"
	"testing"
)

// TestSyncRosterRolesAreTheOwners: a roster sync follows the rule of
// AddMembers: a moderator may sync plain members, but giving someone a
// role (here: owner) needs an owner's right, whichever door asks.
func TestSyncRosterRolesAreTheOwners(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"mod@example.org": "moderator", "own@example.org": "owner", "mem@example.org": "member"})
	mod := Person("mod@example.org", DoorAPI)
	keep := []MemberSpec{{Address: "mod@example.org"}, {Address: "own@example.org"}, {Address: "mem@example.org"}}

	// A new person as owner.
	specs := append(append([]MemberSpec(nil), keep...), MemberSpec{Address: "new@example.org", Role: "owner"})
	if _, err := e.svc.SyncRoster(bg, mod, "disc", specs, SyncOptions{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("moderator's sync adding an owner: %v, want ErrForbidden", err)
	}
	if mb, ok := e.member("disc", "new@example.org"); ok {
		t.Errorf("new@ was added with role %q", mb.Role)
	}
	// An existing member made owner.
	specs = []MemberSpec{{Address: "mod@example.org"}, {Address: "own@example.org"}, {Address: "mem@example.org", Role: "owner"}}
	if _, err := e.svc.SyncRoster(bg, mod, "disc", specs, SyncOptions{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("moderator's sync making a member owner: %v, want ErrForbidden", err)
	}
	if mb, _ := e.member("disc", "mem@example.org"); mb.Role != "member" {
		t.Errorf("mem@ is now %q", mb.Role)
	}
	// A moderator may still sync plain members, and restating a role
	// someone already has changes nothing.
	specs = append(append([]MemberSpec(nil), keep...), MemberSpec{Address: "plain@example.org"})
	specs[1].Role = "owner"
	res, err := e.svc.SyncRoster(bg, mod, "disc", specs, SyncOptions{})
	if err != nil || len(res.Added) != 1 {
		t.Fatalf("moderator's plain sync: %+v, %v", res, err)
	}
	// The owner may give the role.
	specs = append(specs, MemberSpec{Address: "new@example.org", Role: "owner"})
	if _, err := e.svc.SyncRoster(bg, Person("own@example.org", DoorAPI), "disc", specs, SyncOptions{}); err != nil {
		t.Fatalf("owner's sync: %v", err)
	}
	if mb, _ := e.member("disc", "new@example.org"); mb.Role != "owner" {
		t.Errorf("new@ is %q, want owner", mb.Role)
	}
}

// TestSyncRosterNotifyWaitlisted: a sync with notify tells someone it
// put on the waitlist that they are on the waitlist, not that they are
// now a member.
func TestSyncRosterNotifyWaitlisted(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("small", "discussion", map[string]string{"own@example.org": "owner", "a@example.org": "member"}, "capacity=2")
	specs := []MemberSpec{{Address: "own@example.org"}, {Address: "a@example.org"}, {Address: "b@example.org"}, {Address: "c@example.org"}}
	if _, err := e.svc.SyncRoster(bg, op, "small", specs, SyncOptions{Notify: true}); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("small", "c@example.org"); mb.Status != "waitlist" {
		t.Fatalf("c@ is %q, want waitlist", mb.Status)
	}
	for addr, want := range map[string]string{"b@example.org": "You are now a member", "c@example.org": "waitlist"} {
		mails := e.mailsTo(addr)
		if len(mails) != 1 {
			t.Fatalf("%s got %d mails, want 1", addr, len(mails))
		}
		if !strings.Contains(mails[0].body, want) {
			t.Errorf("mail to %s does not say %q:\n%s", addr, want, mails[0].body)
		}
		if addr == "c@example.org" && strings.Contains(mails[0].body, "You are now a member") {
			t.Errorf("waitlisted c@ was welcomed as a member:\n%s", mails[0].body)
		}
	}
}
