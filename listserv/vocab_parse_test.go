package listserv

import "testing"

func TestParseRole(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ListRole
		ok   bool
	}{
		{"member", ListMember, true}, {"facilitator", ListFacilitator, true},
		{"moderator", ListModerator, true}, {"owner", ListOwner, true},
		{"", "", false}, {"Owner", "", false}, {" owner", "", false}, {"admin", "", false}, {"banned", "", false},
	} {
		if got, ok := ParseRole(c.in); got != c.want || ok != c.ok {
			t.Errorf("ParseRole(%q) = %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Mode
		ok   bool
	}{
		{"each", ModeEach, true}, {"digest", ModeDigest, true}, {"nomail", ModeNomail, true},
		{"", "", false}, {"Digest", "", false}, {"digest ", "", false}, {"weekly", "", false}, {"on", "", false},
	} {
		if got, ok := ParseMode(c.in); got != c.want || ok != c.ok {
			t.Errorf("ParseMode(%q) = %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
