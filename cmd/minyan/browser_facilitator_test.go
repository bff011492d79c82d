package main

import (
	"context"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
	"minyan/listserv/testkit/chrome"
	"minyan/store"
)

// TestFacilitatorBrowserConveningAndJoin: a facilitator who needs no
// staff, on a phone. On a community list (made as the README makes one)
// the facilitator schedules a three-day convening with a place, seats
// and two questions in the console; a member registers on /me answering
// both; the facilitator reads the registrations with the answers on the
// session's page and marks her present, then approves a pending join
// request in the console.
// Every page is checked by axe-core and for width at 375 px, the console
// pages at 320 px too.
func TestFacilitatorBrowserConveningAndJoin(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	fac, ann, dee := "fac@example.org", "ann@example.org", "dee@example.net"
	e.setup("trainers", "community", map[string]string{fac: "facilitator", ann: "member"})
	svc := e.srv.App.Svc
	ctx := context.Background()

	// A join request waits (a community list approves joins).
	if _, err := svc.SelfJoin(ctx, listserv.Actor{Door: listserv.DoorWeb}, "trainers", dee, "Dee Levi"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, path.Base(mailLink(t, e, dee, "confirm", 0))); err != nil {
		t.Fatal(err)
	}

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 375, 740)
	at320 := func(where string) {
		b.Viewport(320, 640)
		b.Check(where + " at 320 px")
		b.Viewport(375, 740)
	}
	signInBrowser(b, e, fac, 0)
	b.Visit("sessions", "/lists/trainers/admin/sessions", "#start")
	at320("sessions")
	b.Follow("convening scheduled", ".notice",
		chromedp.SetValue(chromedp.CSS("#topic"), "Winter convening"),
		chromedp.SetValue(chromedp.CSS("#start"), "2026-11-16"),
		chromedp.Click(chromedp.CSS("#all_day")),
		chromedp.SetValue(chromedp.CSS("#end_date"), "2026-11-18"),
		chromedp.SetValue(chromedp.CSS("#zone"), "America/New_York"),
		chromedp.SetValue(chromedp.CSS("#location"), "Camp Ramah, Palmer MA"),
		chromedp.SetValue(chromedp.CSS("#seats"), "12"),
		chromedp.SetValue(chromedp.CSS("#q1"), "Any dietary needs?"),
		chromedp.SetValue(chromedp.CSS("#q2"), "Which workshop do you want to lead?"),
		chromedp.Click(chromedp.CSS(`form.session-form button[type=submit]`)))
	if s := b.Text(".notice"); !strings.Contains(s, "Scheduled one session") {
		t.Fatalf("after scheduling: %q", s)
	}
	var ss []store.Session
	e.srv.App.Store.View(func(tx *storeTx) error {
		return tx.EachSession("trainers", func(s store.Session) error { ss = append(ss, s); return nil })
	})
	if len(ss) != 1 || !ss[0].AllDay || ss[0].Days() != 3 || ss[0].Seats != 12 || len(ss[0].Questions) != 2 ||
		ss[0].Location != "Camp Ramah, Palmer MA" || ss[0].Zone != "America/New_York" || ss[0].Local != "2026-11-16 00:00" {
		t.Fatalf("the convening in the store: %+v", ss)
	}
	id := ss[0].ID
	row := b.Text(fmt.Sprintf("#session-%d", id))
	for _, want := range []string{"November 16, 2026", "November 18, 2026", "America/New York", "Winter convening", "Camp Ramah", "0 of 12"} {
		if !strings.Contains(row, want) {
			t.Errorf("the sessions table's row lacks %q: %q", want, row)
		}
	}
	at320("sessions with the convening")

	// The member registers on /me, answering both questions.
	signInBrowser(b, e, ann, 0)
	b.Visit("my lists", "/me", "form.rsvp")
	q := fmt.Sprintf("#q-trainers-%d-", id)
	b.Follow("registered", ".notice",
		chromedp.SetValue(chromedp.CSS(q+"0"), "Vegetarian, thanks"),
		chromedp.SetValue(chromedp.CSS(q+"1"), "Story circles"),
		chromedp.Click(chromedp.CSS(`form.rsvp button[value=yes]`)))

	// The facilitator reads the registrations with the answers.
	signInBrowser(b, e, fac, 1)
	b.Visit("the convening's page", fmt.Sprintf("/lists/trainers/admin/sessions/%d", id), "#attendance")
	main := b.Text("main")
	for _, want := range []string{ann, "Any dietary needs?", "Vegetarian, thanks", "Which workshop do you want to lead?", "Story circles", "1 of 12"} {
		if !strings.Contains(main, want) {
			t.Errorf("the session page lacks %q:\n%s", want, main)
		}
	}
	at320("the convening's page")
	// Attendance: the registered member ticked present (certificates
	// follow, as with `minyan session attend`).
	b.Follow("attendance marked", ".notice",
		chromedp.Click(chromedp.CSS(`#attendance input[name=present][value="`+ann+`"]`)),
		chromedp.Click(chromedp.CSS(`#attendance button[value=attend]`)))
	if s := b.Text(".notice"); !strings.Contains(s, "Marked one person present") {
		t.Errorf("attendance notice: %q", s)
	}
	e.srv.App.Store.View(func(tx *storeTx) error {
		rs, err := tx.RSVPs("trainers", id)
		if err != nil || len(rs) != 1 || rs[0].Attended.IsZero() {
			t.Errorf("attendance in the store: %+v, %v", rs, err)
		}
		return nil
	})

	// The join request, decided by the facilitator in the console.
	held, err := svc.HeldItems(ctx, listserv.Operator(listserv.DoorCLI), "trainers")
	if err != nil || len(held) != 1 || held[0].Kind != store.HeldJoin {
		t.Fatalf("held: %+v, %v", held, err)
	}
	b.Visit("held", "/lists/trainers/admin/held", fmt.Sprintf("#held-%d", held[0].ID))
	if n := chrome.Eval[int](b, "ban buttons", `document.querySelectorAll("button[value=ban]").length`); n != 0 {
		t.Errorf("a facilitator is offered %d ban buttons; a ban is for moderators and owners", n)
	}
	b.Follow("join approved", ".notice", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#held-%d button[value=approve]`, held[0].ID))))
	e.srv.App.Store.View(func(tx *storeTx) error {
		mb, err := tx.Membership("trainers", dee)
		if err != nil || mb.Status != listserv.StatusOK {
			t.Errorf("dee after the facilitator approved: %+v, %v", mb, err)
		}
		return nil
	})
}
