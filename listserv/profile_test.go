package listserv

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

const caucusTitle = "Quiet Room Caucus Title"

// networkEnv: lists "north" and "south" (discussion) and a caucus, with
// profiles. ann and bob share north; cleo is on south; dora is only on
// the caucus (with ann); eve is on north but unlisted.
func networkEnv(t *testing.T) *doorEnv {
	t.Helper()
	e := newDoorEnv(t, nil)
	e.list("north", "discussion", map[string]string{"ann@example.org": "member", "bob@example.org": "member", "eve@example.org": "member"})
	e.list("south", "discussion", map[string]string{"cleo@example.org": "member"})
	e.list("quiet", "caucus", map[string]string{"ann@example.org": "member", "dora@example.org": "member"}, "title="+caucusTitle)
	for addr, c := range map[string]ProfileChange{
		"ann@example.org":  {Name: ptrTo("Ann Arbor"), Region: ptrTo("Ohio"), Roles: &[]store.ProfileRole{store.RoleOrganizer}, About: ptrTo("Ran a Tisha b'Av action downtown"), Listed: ptrTo(true)},
		"bob@example.org":  {Name: ptrTo("Bob Baker"), Region: ptrTo("Oregon"), Roles: &[]store.ProfileRole{store.RoleSpiritualLeader}, Offers: ptrTo("text study"), Listed: ptrTo(true)},
		"cleo@example.org": {Name: ptrTo("Cleo Cohen"), Region: ptrTo("Columbus, Ohio"), Roles: &[]store.ProfileRole{store.RoleCulturalWorker, store.RoleOrganizer}, Listed: ptrTo(true)},
		"dora@example.org": {Name: ptrTo("Dora Dahan"), Listed: ptrTo(true)},
		"eve@example.org":  {Name: ptrTo("Eve Unlisted"), About: ptrTo("organizer in Ohio")},
	} {
		if _, err := e.svc.SetProfile(bg, Person(addr, DoorWeb), addr, c); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
	}
	return e
}

func (e *doorEnv) profileID(addr string) string {
	e.t.Helper()
	v, err := e.svc.Profile(bg, op, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

func names(cards []PersonCard) string {
	var out []string
	for _, c := range cards {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

// TestProfileOwnership: off by default; a person edits only their own
// profile, site admins and the operator anyone's; bad values are refused
// with a sentence; the audit names fields, never the person's words.
func TestProfileOwnership(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("north", "discussion", map[string]string{"ann@example.org": "member", "bob@example.org": "member"})
	ann := Person("ann@example.org", DoorWeb)
	v, err := e.svc.Profile(bg, ann, "ann@example.org")
	if err != nil || v.Listed || v.Intros {
		t.Fatalf("a new profile: %+v %v", v, err)
	}
	v, err = e.svc.SetProfile(bg, ann, "ann@example.org", ProfileChange{Name: ptrTo("Ann"), About: ptrTo("line one\r\nline two\x07"), Lang: ptrTo(LangHebrew)})
	if err != nil || v.Listed || v.Intros || v.About != "line one\nline two" || v.Lang != "he" || v.Name != "Ann" || v.ID == "" {
		t.Fatalf("own edit: %+v %v", v, err)
	}
	if _, err := e.svc.SetProfile(bg, ann, "bob@example.org", ProfileChange{Listed: ptrTo(true)}); !errors.Is(err, ErrForbidden) {
		t.Errorf("ann edited bob's profile: %v", err)
	}
	if _, err := e.svc.Profile(bg, ann, "bob@example.org"); !errors.Is(err, ErrForbidden) {
		t.Errorf("ann read bob's private profile: %v", err)
	}
	if _, err := e.svc.SetProfile(bg, Person("stranger@example.net", DoorWeb), "stranger@example.net", ProfileChange{Listed: ptrTo(true)}); !errors.Is(err, ErrForbidden) {
		t.Errorf("an unknown address made a profile: %v", err)
	}
	if _, err := e.svc.SetProfile(bg, op, "bob@example.org", ProfileChange{Intros: ptrTo(true)}); err != nil {
		t.Errorf("operator: %v", err)
	}
	for _, c := range []ProfileChange{
		{Lang: ptrTo(Lang("fr"))},
		{Roles: &[]store.ProfileRole{"astronaut"}},
		{Pronouns: ptrTo(strings.Repeat("x", 41))},
	} {
		if _, err := e.svc.SetProfile(bg, ann, "ann@example.org", c); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	if rs, err := ParseProfileRoles("Organizer, political educator,organizer"); err != nil || fmt.Sprint(rs) != "[political-educator organizer]" {
		t.Errorf("roles: %v %v", rs, err)
	}
	entries, err := e.svc.Audit(bg, op, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range entries {
		if strings.Contains(a.What, "line one") {
			t.Errorf("the audit holds profile text: %q", a.What)
		}
		found = found || strings.Contains(a.What, "profile of ann@example.org: name about lang=he")
	}
	if !found {
		t.Errorf("no audit entry of ann's change: %+v", entries)
	}
}

// TestDirectoryPrivacy: only listed profiles, only for people on a list
// that is not a caucus, never a caucus named, unlisting at once.
func TestDirectoryPrivacy(t *testing.T) {
	e := networkEnv(t)
	bob := Person("bob@example.org", DoorWeb)
	res, err := e.svc.People(bg, bob, PeopleQuery{})
	if err != nil || names(res.People) != "Ann Arbor,Bob Baker,Cleo Cohen,Dora Dahan" || res.Total != 4 {
		t.Fatalf("directory: %q %+v %v", names(res.People), res, err)
	}
	for q, want := range map[PeopleQuery]string{
		{Q: "ohio"}:                       "Ann Arbor,Cleo Cohen",
		{Q: "tish"}:                       "Ann Arbor",
		{Q: "organ ohio"}:                 "Ann Arbor,Cleo Cohen",
		{Region: "columbus"}:              "Cleo Cohen",
		{Role: store.RoleSpiritualLeader}: "Bob Baker",
		{Q: "ohio", Role: store.RoleCulturalWorker}: "Cleo Cohen",
		{Q: "eve"}:      "",
		{Q: "unlisted"}: "",
		{Q: "quiet"}:    "",
	} {
		res, err := e.svc.People(bg, bob, q)
		if err != nil || names(res.People) != want {
			t.Errorf("%+v: %q, want %q (%v)", q, names(res.People), want, err)
		}
	}
	// Dora is only on a caucus: no directory for her, and the answer
	// names no list.
	if _, err := e.svc.People(bg, Person("dora@example.org", DoorWeb), PeopleQuery{}); !errors.Is(err, ErrDirectoryClosed) || strings.Contains(err.Error(), "quiet") {
		t.Errorf("caucus-only viewer: %v", err)
	}
	if _, err := e.svc.People(bg, Person("nobody@example.org", DoorWeb), PeopleQuery{}); err == nil {
		t.Error("someone on no list saw the directory")
	}
	// Ann and dora share the caucus; the caucus is named to nobody, not
	// even to ann, who is in it.
	for _, pair := range [][2]string{{"ann@example.org", "dora@example.org"}, {"bob@example.org", "ann@example.org"}, {"ann@example.org", "bob@example.org"}} {
		pv, err := e.svc.PersonProfile(bg, Person(pair[0], DoorWeb), e.profileID(pair[1]))
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprintf("%+v", pv); strings.Contains(s, "quiet") || strings.Contains(s, caucusTitle) {
			t.Errorf("%s sees a caucus on %s: %s", pair[0], pair[1], s)
		}
	}
	pv, _ := e.svc.PersonProfile(bg, bob, e.profileID("ann@example.org"))
	if len(pv.Shared) != 1 || pv.Shared[0].Name != "north" {
		t.Errorf("shared lists of bob and ann: %+v", pv.Shared)
	}
	if _, err := e.svc.PersonProfile(bg, bob, e.profileID("eve@example.org")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlisted eve shown: %v", err)
	}
	// Ann leaves the directory: gone at once, by list, search and id.
	annID := e.profileID("ann@example.org")
	if _, err := e.svc.SetProfile(bg, Person("ann@example.org", DoorWeb), "ann@example.org", ProfileChange{Listed: ptrTo(false)}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.People(bg, bob, PeopleQuery{Q: "ohio"}); names(res.People) != "Cleo Cohen" {
		t.Errorf("after unlisting: %q", names(res.People))
	}
	if _, err := e.svc.PersonProfile(bg, bob, annID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlisted ann still shown by id: %v", err)
	}
	// A new name, from SetProfile (incrementally) or from SetPerson (by a
	// rebuild), is searched at once.
	if _, err := e.svc.SetProfile(bg, Person("cleo@example.org", DoorWeb), "cleo@example.org", ProfileChange{Name: ptrTo("Cleo Renamed")}); err != nil {
		t.Fatal(err)
	}
	var v uint64
	e.st.View(func(tx *store.Tx) error { v = tx.ProfilesVersion(); return nil })
	if !e.svc.people.current(v) {
		t.Error("a profile change with a new name made the index rebuild")
	}
	if err := e.svc.SetPerson(bg, op, "bob@example.org", PersonChange{Name: ptrTo("Robert Baker")}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"renamed": "Cleo Renamed", "robert": "Robert Baker", "bob": ""} {
		if res, _ := e.svc.People(bg, bob, PeopleQuery{Q: q}); names(res.People) != want {
			t.Errorf("after renaming, %q finds %q, want %q", q, names(res.People), want)
		}
	}
	// An index behind the store (another process wrote) is rebuilt.
	if err := e.st.Update(func(tx *store.Tx) error {
		p, err := tx.Profile("eve@example.org")
		if err != nil {
			return err
		}
		p.Listed = true
		_, err = tx.PutProfile(p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.People(bg, bob, PeopleQuery{Q: "eve"}); names(res.People) != "Eve Unlisted" {
		t.Errorf("index did not catch up: %q", names(res.People))
	}
}

// TestRelayLimits: the third message of a day to one person and the
// eleventh in all are refused; the mail comes from the site with the
// sender in Reply-To; the next day counts afresh.
func TestRelayLimits(t *testing.T) {
	e := networkEnv(t)
	bob := Person("bob@example.org", DoorWeb)
	ann := e.profileID("ann@example.org")
	for i := 0; i < 2; i++ {
		if _, err := e.svc.MessagePerson(bg, bob, ann, fmt.Sprintf("hello %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.svc.MessagePerson(bg, bob, ann, "third")
	var rl *RelayLimitError
	if !errors.As(err, &rl) || !rl.ToOne || !errors.Is(err, ErrRelayLimit) {
		t.Fatalf("third message: %v", err)
	}
	mails := e.mailsTo("ann@example.org")
	if len(mails) != 2 {
		t.Fatalf("mails to ann: %d", len(mails))
	}
	for _, h := range []string{"From: \"Bob Baker via lists.example.org\" <minyan@lists.example.org>", "Reply-To: bob@example.org", "hello 0"} {
		if !strings.Contains(mails[0].body, h) {
			t.Errorf("relayed mail lacks %q:\n%s", h, mails[0].body)
		}
	}
	if _, err := e.svc.MessagePerson(bg, bob, e.profileID("eve@example.org"), "hi"); !errors.Is(err, ErrNotFound) {
		t.Errorf("message to an unlisted person: %v", err)
	}
	if _, err := e.svc.MessagePerson(bg, bob, e.profileID("bob@example.org"), "hi"); err == nil {
		t.Error("message to oneself")
	}
	if _, err := e.svc.MessagePerson(bg, Person("dora@example.org", DoorWeb), ann, "hi"); !errors.Is(err, ErrDirectoryClosed) {
		t.Errorf("caucus-only sender: %v", err)
	}
	if _, err := e.svc.MessagePerson(bg, bob, e.profileID("cleo@example.org"), "  "); err == nil {
		t.Error("empty message sent")
	}
	// Up to ten in all: eight more to new listed people.
	for i := 0; i < 9; i++ {
		addr := fmt.Sprintf("p%d@example.org", i)
		e.svc.AddMembers(bg, op, "south", []MemberSpec{{Address: addr}}, false)
		if _, err := e.svc.SetProfile(bg, op, addr, ProfileChange{Name: ptrTo("P" + addr), Listed: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.MessagePerson(bg, bob, e.profileID(addr), "hi")
		if i < 8 && err != nil {
			t.Fatalf("message %d: %v", i+3, err)
		}
		if i == 8 && (!errors.As(err, &rl) || rl.ToOne) {
			t.Fatalf("eleventh message: %v", err)
		}
	}
	e.clock.Advance(24 * time.Hour)
	if _, err := e.svc.MessagePerson(bg, bob, ann, "next day"); err != nil {
		t.Errorf("next day: %v", err)
	}
}

var notNowLink = regexp.MustCompile(`/intros/not-now/([a-z0-9]+)`)

// TestIntrosAcrossLists: six opted-in people on three lists, two on
// each: one round makes three introductions, none within a list; the
// next repeats no pair; nobody unopted and no caucus appears; "not now"
// skips one round.
func TestIntrosAcrossLists(t *testing.T) {
	e := newDoorEnv(t, nil)
	lists := map[string][]string{"l1": {"a1@example.org", "a2@example.org"}, "l2": {"b1@example.org", "b2@example.org"}, "l3": {"c1@example.org", "c2@example.org"}}
	for name, people := range lists {
		e.list(name, "discussion", map[string]string{people[0]: "member", people[1]: "member"})
		for i, addr := range people {
			if _, err := e.svc.SetProfile(bg, op, addr, ProfileChange{Name: ptrTo("Person " + addr[:2]), Intros: ptrTo(true), Region: ptrTo([]string{"Ohio", "Texas"}[i])}); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(time.Hour)
	}
	// A caucus joining a1 and b1 keeps them apart; x is on l1 but did not
	// opt in.
	e.list("quiet", "caucus", map[string]string{"a1@example.org": "member", "b1@example.org": "member"}, "title="+caucusTitle)
	e.svc.AddMembers(bg, op, "l1", []MemberSpec{{Address: "x@example.org"}}, false)
	listOf := map[string]string{}
	for l, ps := range lists {
		for _, p := range ps {
			listOf[p] = l
		}
	}
	seen := map[IntroPair]bool{}
	check := func(pairs []IntroPair) {
		t.Helper()
		for _, p := range pairs {
			if listOf[p.A] == listOf[p.B] || (p.A[:2] == "a1" && p.B[:2] == "b1") || (p.A[:2] == "b1" && p.B[:2] == "a1") {
				t.Errorf("pair shares a list: %+v", p)
			}
			k := p
			if k.B < k.A {
				k.A, k.B = k.B, k.A
			}
			if seen[k] {
				t.Errorf("pair repeated: %+v", p)
			}
			seen[k] = true
		}
	}
	pairs, err := e.svc.RunIntros(bg, op)
	if err != nil || len(pairs) != 3 {
		t.Fatalf("first round: %+v %v", pairs, err)
	}
	check(pairs)
	byBody := map[string][]string{}
	for _, m := range e.queued() {
		byBody[m.body] = append(byBody[m.body], m.to)
		if strings.Contains(m.body, caucusTitle) || strings.Contains(m.body, "quiet") || strings.Contains(m.to, "x@") {
			t.Errorf("intro mail names a caucus or someone not opted in: %s", m.body)
		}
	}
	if len(byBody) != 3 {
		t.Fatalf("%d mails, want 3", len(byBody))
	}
	var tok string
	for body, to := range byBody {
		if len(to) != 2 || !strings.Contains(body, "Introduction: ") || !strings.Contains(body, "Reply-To: ") {
			t.Errorf("intro mail to %v:\n%s", to, body)
		}
		if strings.Contains(body, "a1@example.org") {
			m := notNowLink.FindAllStringSubmatch(body, -1)
			if len(m) != 2 {
				t.Fatalf("not-now links: %v", m)
			}
			// The links are in the order of the people; find a1's.
			if strings.Index(body, "Person a1: ") < strings.Index(body, m[1][0]) && strings.Index(body, "Person a1: ") > strings.Index(body, m[0][0]) {
				tok = m[1][1]
			} else {
				tok = m[0][1]
			}
		}
	}
	if who, ok := e.svc.NotNowInfo(tok); !ok || who != "Person a1" {
		t.Fatalf("not-now link: %q %v", who, ok)
	}
	if err := e.svc.NotNow(bg, tok); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.NotNow(bg, tok); !errors.Is(err, ErrBadIntroLink) {
		t.Errorf("not-now link used twice: %v", err)
	}
	pairs, err = e.svc.RunIntros(bg, op)
	if err != nil {
		t.Fatal(err)
	}
	check(pairs)
	for _, p := range pairs {
		if p.A == "a1@example.org" || p.B == "a1@example.org" {
			t.Errorf("a1 said not now but was paired: %+v", p)
		}
	}
	if v, _ := e.svc.Profile(bg, op, "a1@example.org"); v.SkipNextIntro {
		t.Error("the skip outlived its round")
	}
	for i := 0; i < 4; i++ {
		pairs, err = e.svc.RunIntros(bg, op)
		if err != nil {
			t.Fatal(err)
		}
		check(pairs)
	}
	// 6 people, 3 lists of 2, a1-b1 kept apart: 15 - 3 - 1 = 11 pairs.
	if len(seen) != 11 {
		t.Errorf("%d distinct pairs over all rounds, want 11", len(seen))
	}
	var history []store.Intro
	e.st.View(func(tx *store.Tx) error { history, err = tx.Intros(); return err })
	if len(history) != 11 {
		t.Errorf("history holds %d introductions, want 11", len(history))
	}
	if _, err := e.svc.RunIntros(bg, Person("a1@example.org", DoorWeb)); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member ran introductions: %v", err)
	}
}

// TestIntrosClock: the clock runs a round when intros_every has passed.
func TestIntrosClock(t *testing.T) {
	e := newDoorEnv(t, nil)
	every := 720 * time.Hour
	for _, step := range []struct {
		advance time.Duration
		ran     bool
	}{{0, true}, {time.Hour, false}, {every - 2*time.Hour, false}, {time.Hour, true}, {time.Hour, false}} {
		e.clock.Advance(step.advance)
		ran, _, err := e.svc.RunIntrosIfDue(bg, every)
		if err != nil || ran != step.ran {
			t.Errorf("after %v: ran %v, want %v (%v)", step.advance, ran, step.ran, err)
		}
	}
	if ran, _, _ := e.svc.RunIntrosIfDue(bg, 0); ran {
		t.Error("intros_every = 0 ran a round")
	}
}

// TestDirectoryPages: people listed after the index was built take their
// place by name; pages of 50 cover everyone once, in order.
func TestDirectoryPages(t *testing.T) {
	e := networkEnv(t)
	bob := Person("bob@example.org", DoorWeb)
	if _, err := e.svc.People(bg, bob, PeopleQuery{}); err != nil { // builds the index
		t.Fatal(err)
	}
	for i := 0; i < 120; i++ {
		addr := fmt.Sprintf("m%03d@example.org", i)
		e.svc.AddMembers(bg, op, "south", []MemberSpec{{Address: addr}}, false)
		name := fmt.Sprintf("Member %03d", (i*37)%120) // listed out of name order
		if _, err := e.svc.SetProfile(bg, op, addr, ProfileChange{Name: &name, Listed: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	for page := 1; page <= 3; page++ {
		res, err := e.svc.People(bg, bob, PeopleQuery{Q: "member", Page: page})
		if err != nil || res.Total != 120 || res.Pages != 3 {
			t.Fatalf("page %d: %+v %v", page, res, err)
		}
		for _, c := range res.People {
			all = append(all, c.Name)
		}
	}
	if len(all) != 120 || !slices.IsSorted(all) || all[0] != "Member 000" || all[119] != "Member 119" {
		t.Errorf("pages: %d names, sorted %v: %v", len(all), slices.IsSorted(all), all)
	}
	if res, _ := e.svc.People(bg, bob, PeopleQuery{Q: "member", Page: 4}); len(res.People) != 0 || res.Total != 120 {
		t.Errorf("page 4: %+v", res)
	}
}
