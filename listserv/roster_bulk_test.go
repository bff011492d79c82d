package listserv

import (
	"errors"
	"strings"
	"testing"

	"minyan/store"
)

// TestChangeMembers: one call changes many members in one transaction
// and says, person by person, what changed and what was refused and
// why — with the rules of the one-person operations: a moderator may
// change plain members' delivery but not give roles, not touch an
// owner, not remove one and not set good standing; a member may do
// nothing at all; a removal frees a seat for the waitlist.
func TestChangeMembers(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner", "mod@example.org": "moderator",
		"a@example.org": "member", "b@example.org": "member", "c@example.org": "member"}, "capacity=4")
	// Four seats: a, b and c hold three (owners and moderators hold
	// none), d takes the last, w waits.
	if _, err := e.svc.AddMembers(bg, op, "team", []MemberSpec{{Address: "d@example.org"}, {Address: "w@example.org"}}, false); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "w@example.org"); mb.Status != StatusWaitlist {
		t.Fatalf("w@: %s, want on the waitlist", mb.Status)
	}
	mod := Person("mod@example.org", DoorWeb)
	owner := Person("own@example.org", DoorWeb)
	audits := func() int {
		es, err := e.svc.Audit(bg, op, "team", 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	before := audits()

	res, err := e.svc.ChangeMembers(bg, mod, "team", []string{"A@example.org", "b@example.org", "own@example.org", "nobody@example.org", "a@example.org"},
		MemberChange{Action: ChangeSet, Mode: ModeDigest})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 2 || res.Refused != 2 || res.Unchanged != 0 || len(res.Outcomes) != 4 {
		t.Fatalf("moderator sets digest: %+v", res)
	}
	want := map[string]Refusal{"a@example.org": "", "b@example.org": "", "own@example.org": RefusedHolder, "nobody@example.org": RefusedNotMember}
	for _, o := range res.Outcomes {
		if r, ok := want[o.Address]; !ok || r != o.Refused || (r == "") != o.Changed {
			t.Errorf("%s: %+v", o.Address, o)
		}
		if o.Refused == RefusedHolder && !errors.Is(o.Err, ErrForbidden) {
			t.Errorf("%s refused without ErrForbidden: %v", o.Address, o.Err)
		}
	}
	for addr, mode := range map[string]Mode{"a@example.org": ModeDigest, "b@example.org": ModeDigest, "own@example.org": ModeEach, "c@example.org": ModeEach} {
		if mb, _ := e.member("team", addr); mb.Mode != mode {
			t.Errorf("%s: mode %s, want %s", addr, mb.Mode, mode)
		}
	}
	if n := audits() - before; n != 2 {
		t.Errorf("%d audit entries for two changes", n)
	}
	// Again: nothing to change, nothing refused, nothing recorded.
	before = audits()
	if res, err = e.svc.ChangeMembers(bg, mod, "team", []string{"a@example.org"}, MemberChange{Action: ChangeSet, Mode: ModeDigest}); err != nil || res.Unchanged != 1 {
		t.Fatalf("unchanged: %+v %v", res, err)
	}
	// The form sends the member's own role back with a mode: no role change.
	if res, err = e.svc.ChangeMembers(bg, mod, "team", []string{"c@example.org"}, MemberChange{Action: ChangeSet, Role: ListMember, Mode: ModeNomail}); err != nil || res.Changed != 1 {
		t.Fatalf("own role restated: %+v %v", res, err)
	}
	if audits()-before != 1 {
		t.Errorf("an unchanged member was recorded")
	}

	for _, c := range []struct {
		name string
		ch   MemberChange
		addr string
		want Refusal
	}{
		{"moderator makes an owner", MemberChange{Action: ChangeSet, Role: ListOwner}, "a@example.org", RefusedRoles},
		{"moderator removes an owner", MemberChange{Action: ChangeRemove}, "own@example.org", RefusedRoles},
		{"moderator sets good standing", MemberChange{Action: ChangeStanding, Good: true}, "a@example.org", RefusedStanding},
	} {
		res, err := e.svc.ChangeMembers(bg, mod, "team", []string{c.addr}, c.ch)
		if err != nil || res.Refused != 1 || res.Outcomes[0].Refused != c.want {
			t.Errorf("%s: %+v %v", c.name, res, err)
		}
	}
	if mb, _ := e.member("team", "a@example.org"); mb.Role != ListMember {
		t.Errorf("a@ became %s", mb.Role)
	}
	// A member may not use it at all; a caucus looks missing.
	if _, err := e.svc.ChangeMembers(bg, Person("a@example.org", DoorWeb), "team", []string{"b@example.org"}, MemberChange{Action: ChangeRemove}); !errors.Is(err, ErrForbidden) {
		t.Errorf("member: %v", err)
	}
	if _, err := e.svc.ChangeMembers(bg, mod, "team", nil, MemberChange{Action: ChangeRemove}); err == nil {
		t.Error("no addresses accepted")
	}
	if _, err := e.svc.ChangeMembers(bg, mod, "team", []string{"a@example.org"}, MemberChange{Action: "promote"}); err == nil {
		t.Error("an unknown change accepted")
	}

	// The owner gives a role and removes two members; the freed seats
	// go to the waitlist.
	if res, err = e.svc.ChangeMembers(bg, owner, "team", []string{"c@example.org"}, MemberChange{Action: ChangeSet, Role: ListModerator}); err != nil || res.Changed != 1 {
		t.Fatalf("owner gives a role: %+v %v", res, err)
	}
	if res, err = e.svc.ChangeMembers(bg, owner, "team", []string{"a@example.org", "b@example.org"}, MemberChange{Action: ChangeRemove}); err != nil || res.Changed != 2 {
		t.Fatalf("owner removes: %+v %v", res, err)
	}
	for addr, want := range map[string]bool{"a@example.org": false, "b@example.org": false, "c@example.org": true} {
		if _, ok := e.member("team", addr); ok != want {
			t.Errorf("%s on the list: %v", addr, ok)
		}
	}
	if mb, _ := e.member("team", "w@example.org"); mb.Status != StatusOK {
		t.Errorf("w@ after two seats freed: %s", mb.Status)
	}
	// A site admin sets good standing, on the person.
	admin := Actor{Door: DoorWeb, Address: "boss@example.org", SiteAdmin: true}
	if res, err = e.svc.ChangeMembers(bg, admin, "team", []string{"d@example.org", "w@example.org"}, MemberChange{Action: ChangeStanding, Good: true}); err != nil || res.Changed != 2 {
		t.Fatalf("standing: %+v %v", res, err)
	}
	e.st.View(func(tx *store.Tx) error {
		if p, err := tx.Person("d@example.org"); err != nil || !p.GoodStanding {
			t.Errorf("d@ standing: %+v %v", p, err)
		}
		return nil
	})
	es, _ := e.svc.Audit(bg, op, "team", 1)
	if len(es) != 1 || !strings.Contains(es[0].What, "good_standing=true") || es[0].Door != string(DoorWeb) {
		t.Errorf("last audit entry: %+v", es)
	}
}
