package listserv

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"minyan/store"
)

func TestAppPasswords(t *testing.T) {
	s := newArchiveService(t)
	pw, err := s.NewAppPassword("Alice@Example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^([a-km-np-z2-9]{4}-){6}[a-km-np-z2-9]{2}$`).MatchString(pw) {
		t.Errorf("password %q is not 26 unambiguous characters in groups of four", pw)
	}
	p, err := s.Person("alice@example.org")
	if err != nil {
		t.Fatalf("person not created: %v", err)
	}
	if !strings.HasPrefix(p.PasswordHash, "$2a$") || strings.Contains(p.PasswordHash, strings.ReplaceAll(pw, "-", "")) {
		t.Errorf("stored %q, want a bcrypt hash only", p.PasswordHash)
	}
	for _, try := range []string{pw, strings.ToUpper(pw), strings.ReplaceAll(pw, "-", ""), strings.ReplaceAll(pw, "-", " ")} {
		if !s.CheckAppPassword("ALICE@example.org", try) {
			t.Errorf("%q refused", try)
		}
	}
	for _, try := range []string{"", pw[:len(pw)-1], pw + "a", strings.Repeat("a", 200)} {
		if s.CheckAppPassword("alice@example.org", try) {
			t.Errorf("%q accepted", try)
		}
	}
	if s.CheckAppPassword("nobody@example.org", pw) || s.CheckAppPassword("", pw) {
		t.Error("password accepted for another address")
	}

	// A new password replaces the old; the person's other fields stay.
	name := "Alice"
	if err := s.SetPerson(context.Background(), Operator(DoorCLI), "alice@example.org", PersonChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	pw2, _ := s.NewAppPassword("alice@example.org")
	if pw2 == pw || s.CheckAppPassword("alice@example.org", pw) || !s.CheckAppPassword("alice@example.org", pw2) {
		t.Error("the new password did not replace the old one")
	}
	if p, _ := s.Person("alice@example.org"); p.Name != "Alice" {
		t.Errorf("person record lost its name: %+v", p)
	}
	if _, err := s.NewAppPassword("not an address"); err == nil {
		t.Error("password made for a non-address")
	}
}

func TestCanReadArchive(t *testing.T) {
	mb := func(role string, status Status) *store.Membership {
		return &store.Membership{Role: store.ListRole(role), Status: store.Status(status)}
	}
	for _, tc := range []struct {
		kind, setting string
		mb            *store.Membership
		want          bool
	}{
		{"announce", "public", nil, true},
		{"discussion", "public", nil, true},
		{"caucus", "public", nil, false}, // a caucus archive never opens to outsiders
		{"caucus", "public", mb("member", StatusOK), true},
		{"discussion", "members", nil, false},
		{"discussion", "members", mb("member", StatusOK), true},
		{"discussion", "members", mb("member", StatusDisabled), true},
		{"discussion", "members", mb("member", StatusBouncing), true},
		{"discussion", "members", mb("member", StatusPending), false},
		{"community", "members", mb("member", StatusWaitlist), false},
		{"discussion", "members", mb("owner", StatusBanned), false},
		{"discussion", "owners", mb("moderator", StatusOK), false},
		{"discussion", "owners", mb("owner", StatusOK), true},
		{"discussion", "off", mb("owner", StatusOK), false},
	} {
		l := store.List{Name: "x", Kind: store.ListKind(tc.kind), Settings: store.Settings{Archive: store.ArchivePolicy(tc.setting)}}
		if got := CanReadArchive(l, tc.mb); got != tc.want {
			t.Errorf("%s/%s/%+v: %v, want %v", tc.kind, tc.setting, tc.mb, got, tc.want)
		}
	}
}

func TestReadableArchives(t *testing.T) {
	s := newArchiveService(t, "open", "team")
	if _, err := s.SetList(context.Background(), Operator(DoorCLI), "open", []string{"archive=public"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateList(context.Background(), Operator(DoorCLI), "caucus", "caucus", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembers(context.Background(), Operator(DoorCLI), "caucus", []MemberSpec{{Address: "bea@example.org"}}, false); err != nil {
		t.Fatal(err)
	}
	names := func(addr string) string {
		ls, err := s.ReadableArchives(addr)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, l.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names("bea@example.org"); got != "caucus,open" {
		t.Errorf("member sees %q", got)
	}
	if got := names("out@example.org"); got != "open" {
		t.Errorf("outsider sees %q", got)
	}
	if _, err := s.ReadableArchive("out@example.org", "caucus"); !errors.Is(err, ErrNoArchive) {
		t.Errorf("outsider reads the caucus: %v", err)
	}
	if _, err := s.ReadableArchive("out@example.org", "nope"); !errors.Is(err, ErrNoArchive) {
		t.Errorf("missing list: %v", err)
	}
	if l, err := s.ReadableArchive("BEA@example.org", "caucus"); err != nil || l.Name != "caucus" {
		t.Errorf("member reads the caucus: %v", err)
	}
}
