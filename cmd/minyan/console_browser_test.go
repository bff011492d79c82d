package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
	"minyan/listserv/testkit/chrome"
	"minyan/store"
)

// TestConsoleBrowserSettingsSessionsPairsAdmin drives headless Chromium
// through the settings, sessions and pairs half of a list's console and
// the site admin's pages, checking every page with axe-core and the
// store after every change: an owner signs in by mail, saves settings
// with one refused value (nothing changes, the reason sits at its field),
// corrects it, then (on a phone-sized screen) schedules a monthly series
// on a fifth weekday and makes study pairs; a site admin makes a list and
// removes it after typing its name.
func TestConsoleBrowserSettingsSessionsPairsAdmin(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Admins = []string{"root@example.org"} })
	own := "own@example.org"
	people := []string{own, "ana@example.org", "ben@example.org", "cy@example.org", "dov@example.org"}
	e.setup("circle", "community", map[string]string{own: "owner", people[1]: "member", people[2]: "member", people[3]: "member", people[4]: "member"})
	e.setup("office", "discussion", map[string]string{"root@example.org": "member"})
	svc := e.srv.App.Svc
	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 1024, 768)
	button := chromedp.CSS(`main form button[type=submit]`)

	signInBrowser(b, e, own, 0)
	b.Visit("console", "/lists/circle/admin", `a[href="/lists/circle/admin/settings"]`)

	// Settings: one refused value, nothing changes.
	before, err := svc.GetList("circle")
	if err != nil {
		t.Fatal(err)
	}
	values := func() map[string]string {
		sv, err := svc.ListSettings(context.Background(), listserv.Operator(listserv.DoorCLI), "circle")
		if err != nil {
			t.Fatal(err)
		}
		return sv.Values
	}
	valuesBefore := values()
	b.Follow("settings", "#s-capacity", chromedp.Click(chromedp.CSS(`main li a[href="/lists/circle/admin/settings"]`)))
	b.Follow("settings refused", "#e-capacity",
		chromedp.SetValue(chromedp.CSS("#s-title"), "Thursday study circle"),
		chromedp.SetValue(chromedp.CSS("#s-capacity"), "lots"),
		chromedp.Click(button))
	if s := b.Text("#e-capacity"); !strings.Contains(s, "whole number") {
		t.Errorf("the capacity's error: %q", s)
	}
	if s := b.Text(".problem"); !strings.Contains(s, "Nothing was changed") {
		t.Errorf("the page's problem: %q", s)
	}
	at := chrome.Eval[string](b, "error placement", `(() => {
  const f = document.getElementById("s-capacity"), e = document.getElementById("e-capacity");
  return [e.closest("p") === f.closest("p"), f.getAttribute("aria-invalid"), f.getAttribute("aria-describedby"),
    document.getElementById("s-title").value, document.querySelectorAll("[aria-invalid]").length].join("|");
})()`)
	if at != "true|true|h-capacity e-capacity|Thursday study circle|1" {
		t.Errorf("the error is not at its field, or the typed values are lost: %s", at)
	}
	after, _ := svc.GetList("circle")
	if after.Settings.Title != before.Settings.Title || after.Settings.Capacity != before.Settings.Capacity {
		t.Errorf("a refused form changed the list: title %q, capacity %d", after.Settings.Title, after.Settings.Capacity)
	}
	b.Follow("settings saved", ".notice", chromedp.SetValue(chromedp.CSS("#s-capacity"), "20"), chromedp.Click(button))
	if s := b.Text(".notice"); !strings.Contains(s, "Saved 2 changes") {
		t.Errorf("saved notice: %q", s)
	}
	after, _ = svc.GetList("circle")
	if after.Settings.Title != "Thursday study circle" || after.Settings.Capacity != 20 {
		t.Errorf("settings not applied: title %q, capacity %d", after.Settings.Title, after.Settings.Capacity)
	}
	for k, v := range values() {
		if k != "title" && k != "capacity" && v != valuesBefore[k] {
			t.Errorf("saving the form changed %s, which nobody touched: %q, was %q", k, v, valuesBefore[k])
		}
	}

	// Sessions, on a phone: a monthly series from a fifth Tuesday.
	// On a 375 px phone the settings and held pages fit the screen (they
	// were 10 px too wide).
	e.setup("team", "discussion", map[string]string{own: "owner"})
	held := holdPost(t, e, "x@example.com", "A question from outside")
	b.Viewport(375, 667)
	b.Visit("held at 375 px", "/lists/team/admin/held", fmt.Sprintf("#held-%d", held))
	b.Visit("settings at 375 px", "/lists/circle/admin/settings", "#s-capacity")

	// From the settings page just checked (at 375 px, so it fits 390).
	b.Viewport(390, 844)
	b.Follow("sessions", "#start", chromedp.Click(chromedp.CSS(`nav a[href="/lists/circle/admin/sessions"]`)))
	b.Follow("series scheduled", ".notice",
		chromedp.SetValue(chromedp.CSS("#start"), "2026-12-29"),
		chromedp.SetValue(chromedp.CSS("#start-time"), "19:00"),
		chromedp.SetValue(chromedp.CSS("#every"), "monthly"),
		chromedp.SetValue(chromedp.CSS("#count"), "3"),
		chromedp.SetValue(chromedp.CSS("#topic"), "Chapter one"),
		chromedp.Click(button))
	main := b.Text("main")
	for _, want := range []string{"Scheduled 3 sessions.", "the fifth Tuesday of each month", "Note: Months without a fifth Tuesday are skipped"} {
		if !strings.Contains(main, want) {
			t.Errorf("sessions page lacks %q:\n%s", want, main)
		}
	}
	var sessions []store.Session
	e.srv.App.Store.View(func(tx *storeTx) error {
		return tx.EachSession("circle", func(s store.Session) error { sessions = append(sessions, s); return nil })
	})
	if len(sessions) != 3 {
		t.Fatalf("%d sessions in the store, want 3: %+v", len(sessions), sessions)
	}
	for _, s := range sessions {
		d, err := time.Parse("2006-01-02 15:04", s.Local)
		if err != nil || s.Every != "monthly" || s.Topic != "Chapter one" || d.Weekday() != time.Tuesday || d.Day() < 29 || d.Hour() != 19 {
			t.Errorf("session %d is not on a fifth Tuesday at 19:00 of a monthly series: %+v", s.ID, s)
		}
	}
	if n := chrome.Eval[int](b, "session cards", `document.querySelectorAll("tr[id^=session-]").length`); n != 3 {
		t.Errorf("%d sessions shown, want 3", n)
	}
	// Pairs: at random, then by hand.
	b.Follow("pairs", "#groups-text", chromedp.Click(chromedp.CSS(`nav a[href="/lists/circle/admin/pairs"]`)))
	b.Follow("pairs made", "#groups", chromedp.Click(chromedp.CSS(`main form:has(input[value=make]) button`)))
	pairing := func() (p store.Pairing) {
		e.srv.App.Store.View(func(tx *storeTx) error { p, _ = tx.Pairing("circle"); return nil })
		return p
	}
	p := pairing()
	var paired []string
	for _, g := range p.Groups {
		if len(g) < 2 {
			t.Errorf("a group of %d: %v", len(g), p.Groups)
		}
		paired = append(paired, g...)
	}
	slices.Sort(paired)
	wantPeople := slices.Sorted(slices.Values(people))
	if p.Round != 1 || len(p.Groups) != 2 || !slices.Equal(paired, wantPeople) {
		t.Errorf("pairs in the store: round %d, %v", p.Round, p.Groups)
	}
	if n := chrome.Eval[int](b, "groups shown", `document.querySelectorAll("#groups li").length`); n != len(p.Groups) {
		t.Errorf("%d groups shown, %d stored", n, len(p.Groups))
	}
	b.Follow("pairs set", ".notice",
		chromedp.SetValue(chromedp.CSS("#groups-text"), "ana@example.org, dov@example.org\nben@example.org, cy@example.org, own@example.org"),
		chromedp.Click(chromedp.CSS(`main form:has(input[value=set]) button`)))
	if p := pairing(); p.Round != 2 || len(p.Groups) != 2 || strings.Join(p.Groups[0], " ") != "ana@example.org dov@example.org" ||
		strings.Join(p.Groups[1], " ") != "ben@example.org cy@example.org own@example.org" {
		t.Errorf("typed pairs in the store: round %d, %v", p.Round, p.Groups)
	}

	// A site admin, still on the phone: make a list, then remove it.
	b.Follow("signed out", `a[href="/login"]`, chromedp.Click(chromedp.CSS(`header form button`)))
	signInBrowser(b, e, "root@example.org", 0)
	// The community's console offers the site admin the next cohort.
	b.Visit("next cohort form", "/lists/circle/admin", "#cohort-name")
	b.Visit("site admin", "/admin", "#name")
	if s := b.Text("main table"); !strings.Contains(s, "circle") || !strings.Contains(s, "office") {
		t.Errorf("the overview lacks a list:\n%s", s)
	}
	b.Follow("list made", ".notice",
		chromedp.SetValue(chromedp.CSS("#name"), "reading"),
		chromedp.SetValue(chromedp.CSS("#kind"), "community"),
		chromedp.SetValue(chromedp.CSS("#title"), "Reading group"),
		chromedp.Click(button))
	if s := b.Text(".notice"); !strings.Contains(s, "Made the list reading@") {
		t.Errorf("made notice: %q", s)
	}
	l, err := svc.GetList("reading")
	if err != nil || l.Kind != "community" || l.Settings.Title != "Reading group" || l.Settings.Capacity != 15 {
		t.Fatalf("made list: %+v %v", l, err)
	}
	b.Follow("new list's console", `a[href="/admin/lists/reading/remove"]`, chromedp.Click(chromedp.CSS(`a[href="/lists/reading/admin"]`)))
	b.Follow("remove page", "#confirm", chromedp.Click(chromedp.CSS(`a[href="/admin/lists/reading/remove"]`)))
	b.Follow("remove refused", ".problem", chromedp.SetValue(chromedp.CSS("#confirm"), "readin"), chromedp.Click(button))
	if _, err := svc.GetList("reading"); err != nil {
		t.Fatalf("removed without the right name: %v", err)
	}
	b.Follow("removed", ".notice", chromedp.SetValue(chromedp.CSS("#confirm"), "reading"), chromedp.Click(button))
	if s := b.Text(".notice"); !strings.Contains(s, "Removed the list reading") {
		t.Errorf("removed notice: %q", s)
	}
	if _, err := svc.GetList("reading"); err == nil {
		t.Errorf("the list is still there")
	}
}
