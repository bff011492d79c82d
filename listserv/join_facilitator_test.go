package listserv

import (
	"errors"
	"strings"
	"testing"

	"minyan/store"
)

// TestFacilitatorDecidesJoinRequests: on a community list the join
// request goes to the facilitator, who may decide it (SPEC "Roles": a
// facilitator approves posts and join requests) by replying to the
// notice and on the console; a ban still needs a moderator, and the
// notice names the console page and who may decide.
func TestFacilitatorDecidesJoinRequests(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("circle", "community", map[string]string{"fac@example.org": "facilitator", "ann@example.org": "member"})
	join := func(addr string) store.Held {
		t.Helper()
		e.send(addr, "circle-join@lists.example.org", msg(addr, "circle-join@lists.example.org", "join", ""))
		if _, err := e.svc.Confirm(bg, e.lastToken(addr, "circle")); err != nil {
			t.Fatal(err)
		}
		held, err := e.svc.HeldItems(bg, op, "circle")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range held {
			if h.From == addr && h.Kind == store.HeldJoin {
				return h
			}
		}
		t.Fatalf("no join request from %s held: %+v", addr, held)
		return store.Held{}
	}

	first := join("bea@example.net")
	notices := e.mailsTo("fac@example.org")
	if len(notices) == 0 {
		t.Fatal("the facilitator was not told of the join request")
	}
	notice := notices[len(notices)-1].body
	for _, want := range []string{"https://lists.example.org/lists/circle/admin/held", "Who may decide: fac@example.org"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the join notice does not carry %q:\n%s", want, notice)
		}
	}
	// The facilitator approves by replying to the notice.
	e.replyTo("fac@example.org", "circle", RoleConfirm, e.lastToken("fac@example.org", "circle"), "approve")
	if mb, _ := e.member("circle", "bea@example.net"); mb.Status != StatusOK {
		t.Fatalf("a facilitator's mailed approve did not add bea: %+v", mb)
	}
	if h := heldItem(t, e, first.ID); h.Status != store.HeldApproved || h.DecidedBy != "fac@example.org" {
		t.Errorf("decision recorded: %s by %q", h.Status, h.DecidedBy)
	}

	// On the console (the web door): reject works, a ban is refused.
	second := join("cy@example.net")
	fac := Person("fac@example.org", DoorWeb)
	if _, err := e.svc.Decide(bg, fac, "circle", second.ID, DecideBan, ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("a facilitator banned: %v, want ErrForbidden", err)
	}
	if _, err := e.svc.Decide(bg, fac, "circle", second.ID, DecideReject, "we are full this year"); err != nil {
		t.Fatalf("a facilitator's reject on the web: %v", err)
	}
	if _, ok := e.member("circle", "cy@example.net"); ok {
		t.Error("a rejected request left a membership behind")
	}
	// A plain member decides nothing.
	third := join("dee@example.net")
	if _, err := e.svc.Decide(bg, Person("ann@example.org", DoorWeb), "circle", third.ID, DecideApprove, ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member approved a join request: %v, want ErrForbidden", err)
	}
}

func heldItem(t *testing.T, e *doorEnv, id uint64) store.Held {
	t.Helper()
	var h store.Held
	if err := e.st.View(func(tx *store.Tx) (err error) { h, err = tx.Held(id); return err }); err != nil {
		t.Fatal(err)
	}
	return h
}
