package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"minyan/listserv"
	"minyan/listserv/testkit/chrome"
)

// TestRosterBrowser drives headless Chromium on a 320 px phone through
// the roster as an owner: search for 60 people (added in one import,
// not over HTTP), tick the 50 of the first page, set their delivery to
// digest with the bulk form, and check in the store that exactly those
// 50 changed; then order by a column and go to page 2. axe-core, the
// HTML checks and "no sideways scrolling" run on every page.
func TestRosterBrowser(t *testing.T) {
	t.Parallel()
	e := consoleEnv(t)
	svc := e.srv.App.Svc
	ctx, op := context.Background(), listserv.Operator(listserv.DoorCLI)
	var rows []listserv.MemberRow
	for i := range 120 {
		who := "Bulk"
		if i%2 == 1 {
			who = "Other"
		}
		// Addresses in another order than the names, so the page's
		// order by name is not the store's.
		rows = append(rows, listserv.MemberRow{Line: i + 2, Spec: listserv.MemberSpec{
			Address: fmt.Sprintf("p%03d@example.net", (i*37)%120), Name: fmt.Sprintf("%s Person %03d", who, i)}})
	}
	if p, err := svc.ImportMembers(ctx, op, "team", rows, nil); err != nil || p.Added != 120 {
		t.Fatalf("import: %+v %v", p, err)
	}

	b := chrome.Open(t, "http://"+e.srv.HTTPAddr, 320, 640)
	signInBrowser(b, e, "own@example.org", 0)
	b.Visit("roster", "/lists/team/admin/members", "table.roster-table")
	if got := b.Text("#count"); !strings.Contains(got, "1–50 of 124") {
		t.Fatalf("count: %q", got)
	}
	b.Follow("search", "#count", chromedp.SetValue(chromedp.CSS("#q"), "bulk person"), chromedp.Submit(chromedp.CSS("#q")))
	if got := b.Text("#count"); !strings.Contains(got, "1–50 of 60") {
		t.Fatalf("search count: %q", got)
	}
	// Tick every row of the page (a person would click the 50 boxes).
	picked := chrome.Eval[string](b, "tick", `JSON.stringify([...document.querySelectorAll('#bulk input[name=email]')].map(c => (c.checked = true, c.value)))`)
	var chosen []string
	if err := json.Unmarshal([]byte(picked), &chosen); err != nil || len(chosen) != 50 {
		t.Fatalf("ticked %q: %v", picked, err)
	}
	b.Follow("bulk digest", "#bulk-result", chromedp.SetValue(chromedp.CSS("#bulk-action"), "mode-digest"),
		chromedp.Click(chromedp.CSS(`#bulk button[type=submit]`)))
	if got := b.Text("#bulk-result"); !strings.Contains(got, "Changed 50 people.") {
		t.Fatalf("result: %q", got)
	}
	// Exactly those 50 changed: the first 50 Bulk people by name.
	entries, err := svc.Roster("team")
	if err != nil {
		t.Fatal(err)
	}
	var digest []string
	for _, en := range entries {
		if en.Mode == listserv.ModeDigest {
			digest = append(digest, en.Address)
			if !strings.HasPrefix(en.Name, "Bulk Person ") {
				t.Errorf("%s (%s) was changed", en.Address, en.Name)
			}
		}
	}
	slices.Sort(digest)
	slices.Sort(chosen)
	if !slices.Equal(digest, chosen) {
		t.Fatalf("digest now: %d people %v\nticked: %v", len(digest), digest, chosen)
	}
	// The page came back on the same search: order it by delivery,
	// digest last; page 2 holds the 10 left, in each mode.
	b.Follow("order by delivery", `th[aria-sort="ascending"] a[href*="sort=mode"]`, chromedp.Click(chromedp.CSS(`thead a[href*="sort=mode"]`)))
	if got := b.Text("tbody tr:first-child td:nth-child(5)"); got != "every message" {
		t.Errorf("first row's delivery by delivery order: %q", got)
	}
	b.Follow("page 2", "#count", chromedp.Click(chromedp.CSS(`a[rel=next]`)))
	if got := b.Text("#count"); !strings.Contains(got, "51–60 of 60") {
		t.Fatalf("page 2: %q", got)
	}
	if got := b.Text("tbody tr:first-child td:nth-child(5)"); got != "digest" {
		t.Errorf("page 2 by delivery starts with %q", got)
	}
}
