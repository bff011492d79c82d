package listserv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestGoodStandingIsForSiteAdmins: good standing is a fact about a person
// on the whole network (dues), so no list role may change it: not through
// the roster's standing switch, nor through an import's good_standing
// column. Site admins and the operator may.
func TestGoodStandingIsForSiteAdmins(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"mem@example.org": "member", "mod@example.org": "moderator", "own@example.org": "owner"})
	if err := e.svc.SetPerson(bg, op, "admin@example.org", PersonChange{Admin: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	standing := func() bool { p, _ := e.svc.Person("mem@example.org"); return p.GoodStanding }
	for _, who := range []string{"mod@example.org", "own@example.org"} {
		if err := e.svc.SetStanding(bg, Person(who, DoorWeb), "disc", "mem@example.org", true); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s set good standing: %v", who, err)
		}
		res, err := e.svc.AddMembers(bg, Person(who, DoorWeb), "disc", []MemberSpec{{Address: "mem@example.org", GoodStanding: ptrTo(true)}}, true)
		if err == nil && res[0].Err == nil {
			t.Errorf("%s set good standing through an import", who)
		}
		if standing() {
			t.Fatalf("%s made mem@ in good standing", who)
		}
	}
	if err := e.svc.SetStanding(bg, Person("admin@example.org", DoorWeb), "disc", "mem@example.org", true); err != nil || !standing() {
		t.Errorf("site admin: %v, standing %v", err, standing())
	}
	res, err := e.svc.AddMembers(bg, op, "disc", []MemberSpec{{Address: "mem@example.org", GoodStanding: ptrTo(false)}}, true)
	if err != nil || res[0].Err != nil || standing() {
		t.Errorf("operator import: %v %v, standing %v", err, res, standing())
	}
}

// TestDeliveryOfRoleHoldersIsTheOwners: a moderator may change a plain
// member's delivery, but not that of someone holding a role (an owner, a
// fellow moderator): that takes the owner's right, as removing them does.
func TestDeliveryOfRoleHoldersIsTheOwners(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"mem@example.org": "member", "mod@example.org": "moderator",
		"mod2@example.org": "moderator", "own@example.org": "owner"})
	mod := Person("mod@example.org", DoorWeb)
	if err := e.svc.SetMember(bg, mod, "disc", "mem@example.org", "", "digest"); err != nil {
		t.Errorf("moderator changing a member's mode: %v", err)
	}
	for _, target := range []string{"own@example.org", "mod2@example.org"} {
		if err := e.svc.SetMember(bg, mod, "disc", target, "", "nomail"); !errors.Is(err, ErrForbidden) {
			t.Errorf("moderator changed %s's mode: %v", target, err)
		}
		if err := e.svc.SetDigestFrequency(bg, mod, "disc", target, "weekly"); !errors.Is(err, ErrForbidden) {
			t.Errorf("moderator changed %s's digest: %v", target, err)
		}
		if err := e.svc.SetDigestFormat(bg, mod, "disc", target, "html"); !errors.Is(err, ErrForbidden) {
			t.Errorf("moderator changed %s's digest format: %v", target, err)
		}
		res, err := e.svc.AddMembers(bg, mod, "disc", []MemberSpec{{Address: target, Mode: "nomail"}}, true)
		if err == nil && res[0].Err == nil {
			t.Errorf("moderator changed %s's mode through an import", target)
		}
		if mb, _ := e.member("disc", target); mb.Mode != "each" {
			t.Errorf("%s's mode is now %q", target, mb.Mode)
		}
	}
	if err := e.svc.SetMember(bg, Person("own@example.org", DoorWeb), "disc", "mod2@example.org", "", "nomail"); err != nil {
		t.Errorf("owner changing a moderator's mode: %v", err)
	}
	if err := e.svc.SetMember(bg, Person("mod2@example.org", DoorWeb), "disc", "mod2@example.org", "", "each"); err != nil {
		t.Errorf("moderator changing their own mode: %v", err)
	}
}

// TestSecretTextsAreNotListOverridable: the password mail carries the
// network-wide archive password and the sign-in mail a sign-in link; an
// owner rewording them could phish every member. Only the operator's
// server-wide replacement applies; a list's file is refused at save and
// ignored at render.
func TestSecretTextsAreNotListOverridable(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"own@example.org": "owner"})
	own := Person("own@example.org", DoorWeb)
	for _, name := range []string{"password", "web-login"} {
		err := e.svc.SetMailTemplate(bg, own, "disc", name, "Subject: hi\n\nsend your password {{.Password}} to evil@example.net")
		if err == nil {
			t.Errorf("owner replaced %s", name)
		}
		if err := e.svc.SetMailTemplate(bg, op, "disc", name, "Subject: hi\n\nlist text"); err == nil {
			t.Errorf("operator replaced %s for one list (only server-wide is allowed)", name)
		}
		// A list file put there by hand (or by an older version) is ignored.
		os.MkdirAll(filepath.Join(e.tmpl, "disc"), 0o755)
		os.WriteFile(filepath.Join(e.tmpl, "disc", name+".txt"), []byte("Subject: evil\n\nevil"), 0o644)
		if subj, _, _ := e.svc.render("disc", name, map[string]any{}); subj == "evil" {
			t.Errorf("a list's file of %s was used", name)
		}
		os.WriteFile(filepath.Join(e.tmpl, name+".txt"), []byte("Subject: site\n\nsite text"), 0o644)
		if subj, _, _ := e.svc.render("disc", name, map[string]any{}); subj != "site" {
			t.Errorf("the server-wide %s was not used: %q", name, subj)
		}
	}
	ts, err := e.svc.MailTemplates(bg, own, "disc")
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range ts {
		if mt.Name == "password" || mt.Name == "web-login" {
			t.Errorf("the console offers %s for the list", mt.Name)
		}
	}
}
