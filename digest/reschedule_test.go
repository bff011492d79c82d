package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
)

// A session digest that already went out is not sent again when the
// session is moved by a little (the digest's moment for the new time has
// passed too), nor when it is moved back.
func TestMoveDoesNotResendSessionDigest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets=", "session_digest_before=48h"}, "alice@example.net")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})[0]
	e.run(ny(t, "2026-11-03 19:00"))
	if n := len(e.ofKind(kindSessionDigest)); n != 1 {
		t.Fatalf("%d session digests", n)
	}
	e.clock.Set(ny(t, "2026-11-04 09:00"))
	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, "2026-11-05 20:00"); err != nil {
		t.Fatal(err)
	}
	e.run(ny(t, "2026-11-04 09:01"))
	e.clock.Set(ny(t, "2026-11-04 10:00"))
	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, "2026-11-05 19:00"); err != nil {
		t.Fatal(err)
	}
	e.run(ny(t, "2026-11-04 10:01"))
	if n := len(e.ofKind(kindSessionDigest)); n != 1 {
		t.Errorf("%d session digests for one session after two small moves, want 1 (updates: %d)", n, len(e.ofKind(kindUpdate)))
	}
}

// Staff copy of the session digest names who answered; a non-ASCII name
// must read as the name, not as an RFC 2047 encoded-word in a text body.
func TestStaffSessionDigestNamesAreNotEncodedWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets="}, "fay@example.net:facilitator::Fay", "z@example.net::each:Zoë")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})[0]
	rsvp(t, e, s.ID, "z@example.net", "yes")
	e.run(ny(t, "2026-11-03 19:00"))
	staff := 0
	for _, m := range e.ofKind(kindSessionDigest) {
		if m.Rcpts[0].Address != "fay@example.net" {
			continue
		}
		text := textOf(t, m.Raw)
		if strings.Contains(text, "=?utf-8?") || !strings.Contains(text, "Zoë") {
			t.Errorf("staff digest names:\n%s", text)
		}
		staff++
	}
	if staff != 1 {
		t.Errorf("%d staff session digests to fay, want 1", staff)
	}
}

// Moving a session away after a check-in went out makes a new
// "consecutive" pair of sessions whose midpoint has already passed; that
// gap must not get a second check-in.
func TestMoveDoesNotRepeatCheckinForPassedGap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"reminder_offsets=", "session_digest_before=0"}, "alice@example.net", "bob@example.net")
	ss := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Every: EveryWeekly, Count: 3})
	if _, _, err := e.s.MakePairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle"); err != nil {
		t.Fatal(err)
	}
	mid := ss[0].Start.Add(ss[1].Start.Sub(ss[0].Start) / 2)
	e.run(mid)
	if n := len(e.ofKind(kindCheckin)); n != 1 {
		t.Fatalf("%d check-ins", n)
	}
	// Moving session 2 a week later: sessions 1 and 3 are now neighbours...
	e.clock.Set(mid.Add(time.Hour))
	if _, _, err := e.s.MoveSession(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", ss[1].ID, "2026-11-20 19:00"); err != nil {
		t.Fatal(err)
	}
	e.run(mid.Add(2 * time.Hour))
	if n := len(e.ofKind(kindCheckin)); n != 1 {
		t.Errorf("%d check-ins after the move, want still 1", n)
	}
}
