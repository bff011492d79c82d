package listserv

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"minyan/store"
)

// coalitionEnv is a coalition list "co" owned by own@example.org with
// two organizations: ACME (contact ca@example.org, 2 seats) and BETA
// (contact cb@example.org, 3 seats). example.org is vouched for.
func coalitionEnv(t *testing.T) *doorEnv {
	t.Helper()
	e := newDoorEnv(t, vouched)
	e.list("co", "coalition", map[string]string{"own@example.org": "owner"})
	for _, o := range []OrgSpec{{Slug: "ACME", Contacts: []string{"ca@example.org"}, Seats: 2, Partner: PartnerImmigrantLed, Note: "ask in person"},
		{Slug: "BETA", Contacts: []string{"cb@example.org"}, Seats: 3}} {
		if _, err := e.svc.AddOrg(bg, op, "co", o); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// request sends one command mail to co-request@ and returns the answer.
func (e *doorEnv) request(from, body string) string {
	e.t.Helper()
	before := len(e.mailsTo(from))
	e.send(from, "co-request@lists.example.org", msg(from, "co-request@lists.example.org", "commands", body))
	m := e.mailsTo(from)
	if len(m) <= before {
		e.t.Fatalf("%s %q: no answer", from, body)
	}
	return m[len(m)-1].body
}

// confirmDelegate answers addr's outstanding delegate confirmation.
func (e *doorEnv) confirmDelegate(addr string) {
	e.t.Helper()
	mb, ok := e.member("co", addr)
	if !ok || mb.ConfirmToken == "" || mb.Status != StatusPending {
		e.t.Fatalf("%s: no pending delegate confirmation: %+v", addr, mb)
	}
	if _, err := e.svc.Confirm(bg, e.lastToken(addr, "co")); err != nil {
		e.t.Fatal(err)
	}
}

// TestCoalitionDelegatesByMail: a contact names delegates by mail up to
// the seat cap and is told clearly past it; delegates are pending (no
// posts) until they confirm; a delegate's post says whom they speak for;
// `who` shows organizations and never another organization's delegates;
// removing the organization removes its delegates and tells its contact.
func TestCoalitionDelegatesByMail(t *testing.T) {
	e := coalitionEnv(t)
	for _, d := range []string{"d1@example.org", "d2@example.org"} {
		if a := e.request("ca@example.org", "delegate add "+d); !strings.Contains(a, "named a delegate of ACME") {
			t.Fatalf("delegate add %s: %q", d, a)
		}
		if mb, _ := e.member("co", d); mb.Status != StatusPending || mb.Org != "ACME" {
			t.Fatalf("%s before confirming: %+v", d, mb)
		}
	}
	if a := e.request("ca@example.org", "delegate add d3@example.org d4@example.org"); !strings.Contains(a, `Write "delegate add ADDRESS"`) {
		t.Fatalf("two addresses on one line: %q", a)
	}
	a := e.request("ca@example.org", "delegate add d3@example.org")
	if !strings.Contains(a, "2 of 2 seats filled") || !strings.Contains(a, "Nothing changed") {
		t.Fatalf("third delegate over the cap: %q", a)
	}
	if _, ok := e.member("co", "d3@example.org"); ok {
		t.Fatal("a delegate over the seat cap was added")
	}
	if len(e.mailsTo("d3@example.org")) != 0 {
		t.Fatal("the refused delegate got mail")
	}
	e.request("cb@example.org", "delegate add b1@example.org")
	e.confirmDelegate("b1@example.org")
	// A post while d1 is pending does not reach d1.
	e.send("b1@example.org", "co@lists.example.org", msg("Bea <b1@example.org>", "co@lists.example.org", "first", "hello"))
	for _, m := range e.mailsTo("d1@example.org") {
		if strings.Contains(m.body, "hello") {
			t.Fatal("a pending delegate got a post")
		}
	}
	e.confirmDelegate("d1@example.org")
	e.confirmDelegate("d2@example.org")
	e.send("d1@example.org", "co@lists.example.org", msg("Dina <d1@example.org>", "co@lists.example.org", "from acme", "we are in"))
	got := false
	for _, m := range e.mailsTo("b1@example.org") {
		if strings.Contains(m.body, "we are in") {
			got = true
			if !strings.Contains(m.body, "From: \"Dina (ACME) via co\" <co@lists.example.org>") {
				t.Fatalf("delegate's post From does not name the organization:\n%s", m.body)
			}
		}
	}
	if !got {
		t.Fatal("the other organization's delegate did not get the post")
	}
	if raw := e.archivedRaw("co", 2); !strings.Contains(raw, "(ACME) via co") {
		t.Fatalf("archive copy lacks the organization:\n%s", raw)
	}
	var meta store.ArchiveMeta
	if err := e.st.View(func(tx *store.Tx) (err error) { meta, err = tx.ArchiveMeta("co", 2); return err }); err != nil || meta.FromName != "Dina (ACME)" {
		t.Fatalf("archive (and digests) name %q, want Dina (ACME): %v", meta.FromName, err)
	}
	// The roster export carries organization, partner type and note.
	var csv strings.Builder
	if err := e.svc.RosterCSV(bg, op, "co", &csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), ",org,partner_type,org_note\n") || !strings.Contains(csv.String(), ",ACME,immigrant-led,ask in person\n") {
		t.Fatalf("roster CSV:\n%s", csv.String())
	}
	// who from BETA's delegate: both organizations, BETA's own people,
	// none of ACME's delegates or contacts.
	who := e.request("b1@example.org", "who")
	if !strings.Contains(who, "ACME: 2 delegate(s)") || !strings.Contains(who, "BETA: 1 delegate(s)") ||
		strings.Contains(who, "d1@example.org") || strings.Contains(who, "ca@example.org") {
		t.Fatalf("who from a delegate:\n%s", who)
	}
	if info := e.request("b1@example.org", "info"); !strings.Contains(info, "contacts name its delegates") {
		t.Fatalf("info on a coalition list:\n%s", info)
	}
	// who from the owner shows every contact.
	if who := e.request("own@example.org", "who"); !strings.Contains(who, "ca@example.org") || !strings.Contains(who, "cb@example.org") {
		t.Fatalf("who from the owner:\n%s", who)
	}
	// A roster sync (the membership database's) leaves delegates alone:
	// they are their organizations' to remove.
	if res, err := e.svc.SyncRoster(bg, op, "co", nil, SyncOptions{IncludeSelfJoined: true}); err != nil || len(res.Removed) != 0 {
		t.Fatalf("sync removed %v (%v)", res.Removed, err)
	}
	// A contact of BETA cannot touch ACME's delegates.
	if a := e.request("cb@example.org", "delegate rm d1@example.org"); !strings.Contains(a, "not a delegate of BETA") {
		t.Fatalf("BETA's contact removing ACME's delegate: %q", a)
	}
	if mb, _ := e.member("co", "d1@example.org"); mb.Status != StatusOK {
		t.Fatal("another organization's contact removed a delegate")
	}
	removed, err := e.svc.RemoveOrg(bg, op, "co", "ACME")
	if err != nil || len(removed) != 2 {
		t.Fatalf("RemoveOrg: %v %v", removed, err)
	}
	for _, d := range []string{"d1@example.org", "d2@example.org"} {
		if _, ok := e.member("co", d); ok {
			t.Fatalf("%s still on the list after its organization was removed", d)
		}
	}
	told := false
	for _, m := range e.mailsTo("ca@example.org") {
		told = told || strings.Contains(m.body, "ACME was removed from co")
	}
	if !told {
		t.Fatal("the removed organization's contact was not told")
	}
}

// TestCoalitionForgedDelegateCommand: a delegate command from someone who
// is no contact changes nothing; one claiming a contact's address that
// the sender check cannot vouch for only mails the contact a
// confirmation, and acts once the contact confirms.
func TestCoalitionForgedDelegateCommand(t *testing.T) {
	e := coalitionEnv(t)
	if a := e.request("mallory@example.org", "delegate add m@example.org"); !strings.Contains(a, "Nothing changed") {
		t.Fatalf("non-contact: %q", a)
	}
	if _, ok := e.member("co", "m@example.org"); ok {
		t.Fatal("a non-contact named a delegate")
	}
	// Forged From: the contact's address, sent from a host example.net's
	// record does not allow (nothing vouches for it).
	forged := newDoorEnv(t, nil)
	forged.list("co", "coalition", map[string]string{"own@example.org": "owner"})
	if _, err := forged.svc.AddOrg(bg, op, "co", OrgSpec{Slug: "ACME", Contacts: []string{"ca@example.net"}, Seats: 2}); err != nil {
		t.Fatal(err)
	}
	forged.send("mallory@example.com", "co-request@lists.example.org", msg("ca@example.net", "co-request@lists.example.org", "x", "delegate add m@example.com"))
	if _, ok := forged.member("co", "m@example.com"); ok {
		t.Fatal("a forged delegate add named a delegate")
	}
	var tok string
	for _, m := range forged.mailsTo("ca@example.net") {
		if mm := regexp.MustCompile(`co-confirm\+([a-z2-7]+)@`).FindStringSubmatch(m.body); mm != nil {
			tok = mm[1]
		}
	}
	if tok == "" {
		t.Fatalf("no confirmation mailed to the contact: %+v", forged.mailsTo("ca@example.net"))
	}
	if _, err := forged.svc.Confirm(bg, tok); err != nil {
		t.Fatal(err)
	}
	if mb, ok := forged.member("co", "m@example.com"); !ok || mb.Org != "ACME" || mb.Status != StatusPending {
		t.Fatalf("confirmed delegate add: %+v", mb)
	}
}

// TestCoalitionPermissions: only owners add and list organizations; only
// an organization's contacts and owners see or change it; the owners'
// note is hidden from contacts; other kinds of list have none.
func TestCoalitionPermissions(t *testing.T) {
	e := coalitionEnv(t)
	e.request("ca@example.org", "delegate add d1@example.org")
	e.confirmDelegate("d1@example.org")
	del := Person("d1@example.org", DoorWeb)
	if _, err := e.svc.AddOrg(bg, del, "co", OrgSpec{Slug: "X", Contacts: []string{"x@example.org"}}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a delegate adding an organization: %v", err)
	}
	if _, err := e.svc.ListOrgs(bg, del, "co"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a delegate listing organizations: %v", err)
	}
	if _, err := e.svc.GetOrg(bg, Person("cb@example.org", DoorWeb), "co", "ACME"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("BETA's contact reading ACME: %v", err)
	}
	v, err := e.svc.GetOrg(bg, Person("ca@example.org", DoorWeb), "co", "ACME")
	if err != nil || v.Note != "" || len(v.Delegates) != 1 {
		t.Fatalf("ACME's contact reading ACME: %+v %v", v, err)
	}
	if v, _ := e.svc.GetOrg(bg, Person("own@example.org", DoorWeb), "co", "ACME"); v.Note != "ask in person" || v.Partner != PartnerImmigrantLed {
		t.Fatalf("the owner reading ACME: %+v", v)
	}
	if _, err := e.svc.AddDelegate(bg, Person("cb@example.org", DoorWeb), "co", "ACME", "z@example.org"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("BETA's contact adding to ACME: %v", err)
	}
	if _, err := e.svc.RemoveOrg(bg, Person("ca@example.org", DoorWeb), "co", "ACME"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a contact using RemoveOrg: %v", err)
	}
	// The contact's own org leave removes it with its delegates.
	if a := e.request("ca@example.org", "org leave"); !strings.Contains(a, "ACME has left") {
		t.Fatalf("org leave: %q", a)
	}
	if _, ok := e.member("co", "d1@example.org"); ok {
		t.Fatal("org leave kept a delegate")
	}
	e.list("team", "discussion", nil)
	if _, err := e.svc.AddOrg(bg, op, "team", OrgSpec{Slug: "ACME", Contacts: []string{"ca@example.org"}}); !errors.Is(err, ErrNotCoalition) {
		t.Fatalf("organization on a discussion list: %v", err)
	}
	// A stale delegate confirmation admits nobody once the delegate was
	// removed.
	e.request("cb@example.org", "delegate add b1@example.org")
	stale := e.lastToken("b1@example.org", "co")
	e.request("cb@example.org", "delegate rm b1@example.org")
	if _, err := e.svc.Confirm(bg, stale); err != nil && !errors.Is(err, ErrBadToken) {
		t.Fatal(err)
	}
	if _, ok := e.member("co", "b1@example.org"); ok {
		t.Fatal("a removed delegate's confirmation admitted them")
	}
}
