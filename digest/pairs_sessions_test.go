package digest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

func TestSetPairsChecksAndAudits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	e.list("circle", "community", nil, "fac@example.org:facilitator", "a@example.org", "b@example.org", "c@example.org",
		"d@example.org", "quiet@example.org:member:nomail")
	e.list("other", "discussion", nil, "boss@example.org:owner")
	ctx := context.Background()
	fac := listserv.Person("fac@example.org", listserv.DoorWeb)
	bad := map[string][][]string{
		"not a member":  {{"a@example.org", "zed@example.org"}},
		"nomail member": {{"a@example.org", "quiet@example.org"}},
		"twice":         {{"a@example.org", "b@example.org"}, {"a@example.org", "c@example.org"}},
		"alone":         {{"a@example.org"}},
		"empty":         {},
	}
	for what, g := range bad {
		if _, err := e.s.SetPairs(ctx, fac, "circle", g); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
	if _, err := e.s.SetPairs(ctx, listserv.Person("a@example.org", listserv.DoorWeb), "circle", [][]string{{"a@example.org", "b@example.org"}}); !errors.Is(err, listserv.ErrForbidden) {
		t.Errorf("a member set pairs: %v", err)
	}
	if _, err := e.s.SetPairs(ctx, listserv.Person("boss@example.org", listserv.DoorWeb), "circle", [][]string{{"a@example.org", "b@example.org"}}); !errors.Is(err, listserv.ErrForbidden) {
		t.Errorf("another list's owner set pairs: %v", err)
	}
	p, err := e.s.SetPairs(ctx, fac, "circle", [][]string{{"A@example.org", "b@example.org"}, {"c@example.org", "d@example.org", "fac@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Round != 1 || len(p.Groups) != 2 || p.Groups[0][0] != "a@example.org" {
		t.Errorf("pairs: %+v", p)
	}
	got, people, err := e.s.ConsolePairs(ctx, fac, "circle")
	if err != nil || len(got.Groups) != 2 || len(people) != 5 {
		t.Errorf("console pairs: %+v %v %v", got, people, err)
	}
	var n int
	e.st.View(func(tx *store.Tx) error { n = tx.TimesPaired("circle", "a@example.org", "b@example.org"); return nil })
	if n != 1 {
		t.Errorf("pair history: %d", n)
	}
	log, err := e.svc.Audit(ctx, fac, "circle", 1)
	if err != nil || len(log) != 1 || !strings.Contains(log[0].What, "set pairs (round 1): a@example.org+b@example.org") || log[0].Door != "web" {
		t.Errorf("audit: %+v %v", log, err)
	}
}

func TestConsoleSessionsNeedsTheRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	e.list("circle", "caucus", nil, "fac@example.org:facilitator", "a@example.org")
	ctx := context.Background()
	fac := listserv.Person("fac@example.org", listserv.DoorWeb)
	if _, err := e.s.AddSessions(ctx, fac, AddRequest{List: "circle", Start: "2026-12-03 19:00", Every: EveryMonthly, Count: 3}); err != nil {
		t.Fatal(err)
	}
	ls, err := e.s.Sessions(ctx, fac, "circle")
	if err != nil || len(ls) != 3 {
		t.Fatalf("sessions: %d %v", len(ls), err)
	}
	if _, err := e.s.Sessions(ctx, listserv.Person("a@example.org", listserv.DoorWeb), "circle"); !errors.Is(err, listserv.ErrForbidden) {
		t.Errorf("member: %v", err)
	}
	if _, err := e.s.Sessions(ctx, listserv.Person("x@example.org", listserv.DoorWeb), "circle"); !errors.Is(err, listserv.ErrNotFound) {
		t.Errorf("outsider of a caucus: %v", err)
	}
}
