package digest

import (
	"context"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// reopen closes e's store and opens the same directory again with a new
// service and scheduler, as a restarted daemon would, at the clock's
// time.
func (e *env) reopen(t *testing.T, dir string) *env {
	t.Helper()
	now := e.clock.Now()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	return openEnvDir(t, dir, now)
}

// digestsTo returns the subjects of the digests queued for addr, in
// order.
func (e *env) digestsTo(addr string) []string {
	var out []string
	for _, q := range e.ofKind(kindWeekly) {
		if slices.Contains(q.addrs(), addr) {
			h, _ := parts(e.t.(*testing.T), q.Raw)
			subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if err != nil {
				e.t.Fatal(err)
			}
			out = append(out, subj)
		}
	}
	return out
}

// A list with weekly and daily digest members, a member who follows one
// topic and one who muted a thread, over a week of a fake clock with a
// restart in the middle: every member gets exactly the digests due to
// them, with the right posts, and nothing twice.
func TestDailyAndWeeklyDigestsOverAWeek(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := mustTime(t, "America/New_York", "2026-10-05 00:00") // a Monday
	e := openEnvDir(t, dir, start)
	e.list("circle", "discussion", []string{"timezone=America/New_York", "digest_day=monday", "digest_time=08:00"},
		"wendy@example.net:member:digest", "dora@example.net:member:digest", "tess@example.net", "mo@example.net:member:digest", "eve@example.net")
	ctx := context.Background()
	op := listserv.Operator(listserv.DoorCLI)
	for _, addr := range []string{"dora@example.net", "tess@example.net", "mo@example.net"} {
		if err := e.svc.SetDigestFrequency(ctx, op, "circle", addr, store.DigestDaily); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.SetTopics(ctx, op, "circle", "tess@example.net", []string{"housing"}); err != nil {
		t.Fatal(err)
	}
	at := func(local string) time.Time { return mustTime(t, "America/New_York", local) }
	e.run(start)

	p1 := e.archive("circle", "ann@example.net", "Ann", "Potluck on Sunday", "p1@example.net", "", at("2026-10-05 10:00"), "Bring a dish.")
	e.archive("circle", "ben@example.net", "Ben", "#housing Tenant meeting", "p2@example.net", "", at("2026-10-05 15:00"), "Thursday at 7.")
	// mo mutes the potluck thread; its replies stay out of mo's digests.
	if err := e.svc.SetThreadMuted(ctx, op, "circle", "mo@example.net", p1, true); err != nil {
		t.Fatal(err)
	}
	e.archive("circle", "cy@example.net", "Cy", "Re: Potluck on Sunday", "p3@example.net", "p1@example.net", at("2026-10-07 09:00"), "I will bring bread.")
	e.archive("circle", "di@example.net", "Di", "Reading list", "p4@example.net", "", at("2026-10-10 20:00"), "Three books.")

	restarted := false
	for h := time.Duration(0); h <= 8*24*time.Hour; h += time.Hour {
		now := start.Add(h)
		e.run(now)
		if !restarted && !now.Before(at("2026-10-08 08:00")) {
			// Restart right after Thursday's digest went out, and run
			// the same moment again: nothing is sent twice.
			before := len(e.ofKind(kindWeekly))
			e = e.reopen(t, dir)
			e.run(now)
			e.run(now.Add(time.Minute))
			if got := len(e.ofKind(kindWeekly)); got != before {
				t.Fatalf("after the restart %d digests are queued, want still %d", got, before)
			}
			restarted = true
		}
	}

	want := map[string][]string{
		"wendy@example.net": {"[circle] Weekly digest, Oct 5–Oct 12, 2026 (4 messages)"},
		"dora@example.net": {
			"[circle] Daily digest, Tue Oct 6, 2026 (2 messages)",
			"[circle] Daily digest, Thu Oct 8, 2026 (1 message)",
			"[circle] Daily digest, Sun Oct 11, 2026 (1 message)",
		},
		// tess follows #housing: the tenant meeting came one by one,
		// the rest in her daily digest.
		"tess@example.net": {
			"[circle] Daily digest, Tue Oct 6, 2026 (1 message)",
			"[circle] Daily digest, Thu Oct 8, 2026 (1 message)",
			"[circle] Daily digest, Sun Oct 11, 2026 (1 message)",
		},
		// mo muted the potluck: Tuesday holds only the tenant meeting,
		// and Thursday (only a potluck reply) sends mo nothing.
		"mo@example.net": {
			"[circle] Daily digest, Tue Oct 6, 2026 (1 message)",
			"[circle] Daily digest, Sun Oct 11, 2026 (1 message)",
		},
		"eve@example.net": nil, // every message, no digest
	}
	for addr, subjects := range want {
		if got := e.digestsTo(addr); !slices.Equal(got, subjects) {
			t.Errorf("%s got digests\n%q\nwant\n%q", addr, got, subjects)
		}
	}
	// What is inside: mo's Tuesday digest has no potluck; tess's has no
	// tenant meeting.
	for _, q := range e.ofKind(kindWeekly) {
		text := textOf(t, q.Raw)
		switch {
		case slices.Contains(q.addrs(), "mo@example.net"):
			if strings.Contains(text, "Potluck") {
				t.Errorf("a digest to mo shows the muted thread:\n%s", text)
			}
		case slices.Contains(q.addrs(), "tess@example.net"):
			if strings.Contains(text, "Tenant meeting") {
				t.Errorf("a digest to tess shows a post of her topic, which she got one by one:\n%s", text)
			}
		}
	}
}
