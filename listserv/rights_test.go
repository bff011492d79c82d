package listserv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/store"
)

// consoleService is a Service with a template directory and two lists:
// "team" (discussion) and "circle" (caucus), each with one person per
// role, and "other" owned by someone else.
func consoleService(t *testing.T) (*Service, *store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, st := newServiceWith(t, func(o *Options) { o.TemplateDir = dir })
	op := Operator(DoorCLI)
	ctx := context.Background()
	for _, l := range [][2]string{{"team", "discussion"}, {"circle", "caucus"}, {"other", "discussion"}} {
		if _, err := s.CreateList(ctx, op, l[0], l[1], "", ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"team", "circle"} {
		if _, err := s.AddMembers(ctx, op, l, []MemberSpec{{Address: "mem@example.org", Role: "member"},
			{Address: "fac@example.org", Role: "facilitator"}, {Address: "mod@example.org", Role: "moderator"},
			{Address: "own@example.org", Role: "owner"}}, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddMembers(ctx, op, "other", []MemberSpec{{Address: "boss@example.org", Role: "owner"}}, false); err != nil {
		t.Fatal(err)
	}
	return s, st, dir
}

func TestSettingGroupsCoverEveryKey(t *testing.T) {
	seen := map[string]int{}
	for _, g := range SettingGroups() {
		for _, h := range g.Settings {
			seen[h.Key]++
			if h.Help == "" || h.Label == "" {
				t.Errorf("%s has no label or help", h.Key)
			}
		}
	}
	for _, k := range SettingNames() {
		if seen[k] != 1 {
			t.Errorf("setting %s appears %d times in the groups", k, seen[k])
		}
		delete(seen, k)
	}
	for k := range seen {
		t.Errorf("group names %s, which is no setting", k)
	}
}

func TestSetListNamesTheFailingKey(t *testing.T) {
	s, _, _ := consoleService(t)
	a := Person("own@example.org", DoorWeb)
	_, err := s.SetList(context.Background(), a, "team", []string{"title=New title", "capacity=many", "posting=moderated"})
	var se *SettingError
	if !errors.As(err, &se) || se.Key != "capacity" || !strings.Contains(se.Reason, "whole number") {
		t.Fatalf("error = %#v", err)
	}
	if err.Error() != "capacity: must be a whole number, 0 or more" {
		t.Errorf("text = %q", err.Error())
	}
	v, err := s.ListSettings(context.Background(), a, "team")
	if err != nil {
		t.Fatal(err)
	}
	if v.Values["title"] != "team" || v.Values["posting"] != "members" {
		t.Errorf("a refused change applied part: %v", v.Values)
	}
	if v.Presets["subscribe"] != "confirm" {
		t.Errorf("preset subscribe = %q", v.Presets["subscribe"])
	}
	if _, err := s.ListSettings(context.Background(), Person("mod@example.org", DoorWeb), "team"); !errors.Is(err, ErrForbidden) {
		t.Errorf("moderator reading settings: %v", err)
	}
}

func TestConsoleRightsByRole(t *testing.T) {
	s, _, _ := consoleService(t)
	ctx := context.Background()
	type want struct {
		err                                 error
		held, sessions, roster, set, remove bool
	}
	cases := map[string]want{
		"mem@example.org":      {err: ErrForbidden},
		"nobody@example.org":   {err: ErrForbidden},
		"boss@example.org":     {err: ErrForbidden},
		"fac@example.org":      {held: true, sessions: true},
		"mod@example.org":      {held: true, sessions: true, roster: true},
		"own@example.org":      {held: true, sessions: true, roster: true, set: true},
		"operator (site)":      {held: true, sessions: true, roster: true, set: true, remove: true},
		"marked@example.org":   {held: true, sessions: true, roster: true, set: true, remove: true},
		"nobody-on-caucus":     {err: ErrNotFound},
		"member-of-caucus-not": {err: ErrNotFound},
	}
	yes := true
	if err := s.SetPerson(ctx, Operator(DoorCLI), "marked@example.org", PersonChange{Admin: &yes}); err != nil {
		t.Fatal(err)
	}
	for who, w := range cases {
		a, list := Person(who, DoorWeb), "team"
		switch who {
		case "operator (site)":
			a = Operator(DoorCLI)
		case "nobody-on-caucus":
			a, list = Person("nobody@example.org", DoorWeb), "circle"
		case "member-of-caucus-not":
			a, list = Person("boss@example.org", DoorWeb), "circle"
		}
		r, err := s.Console(ctx, a, list)
		if w.err != nil {
			if !errors.Is(err, w.err) {
				t.Errorf("%s: err = %v, want %v", who, err, w.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", who, err)
			continue
		}
		got := want{held: r.SeeHeld, sessions: r.Sessions, roster: r.Roster, set: r.Settings, remove: r.Admin}
		if got != w {
			t.Errorf("%s: rights %+v, want %+v", who, got, w)
		}
	}
	_, errMissing := s.Console(ctx, Person("nobody@example.org", DoorWeb), "missing")
	_, errCaucus := s.Console(ctx, Person("nobody@example.org", DoorWeb), "circle")
	if errMissing == nil || errCaucus == nil || strings.ReplaceAll(errCaucus.Error(), "circle", "X") != strings.ReplaceAll(errMissing.Error(), "missing", "X") {
		t.Errorf("caucus %v vs missing %v", errCaucus, errMissing)
	}
	if !s.IsSiteAdmin(Person("marked@example.org", DoorWeb)) || s.IsSiteAdmin(Person("own@example.org", DoorWeb)) {
		t.Errorf("IsSiteAdmin does not follow the person record")
	}
}

func TestMailTemplateOverride(t *testing.T) {
	s, st, dir := consoleService(t)
	ctx := context.Background()
	own := Person("own@example.org", DoorWeb)
	src := "Subject: Hello from {{.Title}}\n\nWelcome, {{if .Name}}{{.Name}}{{else}}friend{{end}}!\n"
	if err := s.SetMailTemplate(ctx, own, "team", "welcome", src); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "team", "welcome.txt"))
	if err != nil || string(b) != src {
		t.Fatalf("stored %q, %v", b, err)
	}
	subj, body, err := s.render("team", "welcome", map[string]any{"Title": "Team", "Name": ""})
	if err != nil || subj != "Hello from Team" || !strings.Contains(body, "Welcome, friend!") {
		t.Errorf("render after override: %q %q %v", subj, body, err)
	}
	var te *TemplateError
	if err := s.SetMailTemplate(ctx, own, "team", "welcome", "Subject: x\n\n{{.Title"); !errors.As(err, &te) {
		t.Errorf("broken text: %v", err)
	}
	if err := s.SetMailTemplate(ctx, own, "team", "../../etc/passwd", src); !errors.Is(err, errNoSuchTemplate) {
		t.Errorf("unknown name: %v", err)
	}
	if err := s.SetMailTemplate(ctx, Person("mod@example.org", DoorWeb), "team", "welcome", src); !errors.Is(err, ErrForbidden) {
		t.Errorf("moderator: %v", err)
	}
	if err := s.SetMailTemplate(ctx, Person("boss@example.org", DoorWeb), "circle", "welcome", src); !errors.Is(err, ErrNotFound) {
		t.Errorf("other list's owner on a caucus: %v", err)
	}
	ts, err := s.MailTemplates(ctx, own, "team")
	if err != nil || len(ts) != len(MailTemplateNames())-len(siteOnlyTemplates) {
		t.Fatalf("templates: %d %v", len(ts), err)
	}
	subj, body, err = s.PreviewMailTemplate(ctx, own, "team", "welcome", "")
	if err != nil || subj != "Hello from «Title»" || !strings.Contains(body, "Welcome, «Name»!") {
		t.Errorf("preview: %q %q %v", subj, body, err)
	}
	if err := s.ResetMailTemplate(ctx, own, "team", "welcome"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "team", "welcome.txt")); !os.IsNotExist(err) {
		t.Errorf("reset left the file: %v", err)
	}
	var log []store.AuditEntry
	st.View(func(tx *store.Tx) error { log, _ = tx.AuditLog("team", 0); return nil })
	var whats []string
	for _, e := range log {
		whats = append(whats, e.What+" by "+e.Who)
	}
	all := strings.Join(whats, "\n")
	for _, w := range []string{"replaced the mail text welcome by own@example.org via web", "reset the mail text welcome to the built-in one by own@example.org via web"} {
		if !strings.Contains(all, w) {
			t.Errorf("audit log lacks %q:\n%s", w, all)
		}
	}
}

// Every built-in text previews with sample data: the preview never
// fails on a text the server itself sends.
func TestPreviewEveryBuiltin(t *testing.T) {
	s, _, _ := consoleService(t)
	for _, n := range MailTemplateNames() {
		if !listOverridable(n) {
			continue // a list has no text of its own to preview
		}
		subj, _, err := s.PreviewMailTemplate(context.Background(), Operator(DoorCLI), "team", n, "")
		if err != nil || subj == "" {
			t.Errorf("%s: %q %v", n, subj, err)
		}
	}
}

func TestSiteOverview(t *testing.T) {
	s, _, _ := consoleService(t)
	ctx := context.Background()
	if _, err := s.SiteOverview(ctx, Person("own@example.org", DoorWeb)); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an owner sees the overview: %v", err)
	}
	sum, err := s.SiteOverview(ctx, Person("root@example.org", DoorWeb).asSiteAdmin())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 3 || sum[2].Name != "team" || sum[2].Members != 4 || sum[0].Name != "circle" || sum[0].Kind != "caucus" {
		t.Errorf("overview: %+v", sum)
	}
}

func (a Actor) asSiteAdmin() Actor { a.SiteAdmin = true; return a }
