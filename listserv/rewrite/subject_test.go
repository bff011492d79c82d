package rewrite

import (
	"strings"
	"testing"
)

func TestPrefixSubject(t *testing.T) {
	const p = "[team] "
	tests := []struct {
		subject, prefix, want string
	}{
		// The examples the posting pipeline relies on.
		{"hi", p, "[team] hi"},
		{"[team] hi", p, "[team] hi"},
		{"Re: [team] hi", p, "Re: [team] hi"},
		{"[team] Re: [team] hi", p, "Re: [team] hi"},
		{"RE: Re: [TEAM] hi", p, "Re: [team] hi"},
		{"Re: [team] Re: [team] hi", p, "Re: [team] hi"},
		{"AW: [team] hi", p, "Re: [team] hi"},
		// More reply markers and their variants.
		{"re: hi", p, "Re: [team] hi"},
		{"Re[2]: hi", p, "Re: [team] hi"},
		{"Re(3): [team] hi", p, "Re: [team] hi"},
		{"RE : hi", p, "Re: [team] hi"},
		{"SV: Sv: hi", p, "Re: [team] hi"},
		{"Antw: hi", p, "Re: [team] hi"},
		{"VS: [team] hi", p, "Re: [team] hi"},
		{"Aw: Re: AW: hi", p, "Re: [team] hi"},
		{"[team] [team] hi", p, "[team] hi"},
		{"[Team]hi", p, "[team] hi"},
		// Words that merely start like a marker are not markers.
		{"Resume: draft", p, "[team] Resume: draft"},
		{"Reply to all", p, "[team] Reply to all"},
		{"Sverige", p, "[team] Sverige"},
		// Forwards keep their marker after the tag.
		{"Fwd: x", p, "[team] Fwd: x"},
		{"[team] Fwd: x", p, "[team] Fwd: x"},
		{"Re: Fwd: [team] x", p, "Re: [team] Fwd: x"},
		{"Fw: [team] x", p, "[team] Fw: x"},
		// Empty and whitespace.
		{"", p, "[team] (no subject)"},
		{"   ", p, "[team] (no subject)"},
		{"Re:", p, "Re: [team] (no subject)"},
		{"[team]", p, "[team] (no subject)"},
		{"  hi  there  ", p, "[team] hi  there"},
		// A tag elsewhere in the subject is removed too: the tag appears
		// exactly once.
		{"about [team] stuff", p, "[team] about stuff"},
		{"[[team]team] x", p, "[team] x"},
		// Other tags are kept.
		{"[other] hi", p, "[team] [other] hi"},
		{"Re: [other] hi", p, "Re: [team] [other] hi"},
		// Non-ASCII text.
		{"Re: Grüße aus Köln", p, "Re: [team] Grüße aus Köln"},
		{"日本語", p, "[team] 日本語"},
		// The prefix is trimmed; one space separates tag and text.
		{"hi", "[team]", "[team] hi"},
		{"hi", "  [team]   ", "[team] hi"},
		{"Re: hi", "team:", "Re: team: hi"},
		// No prefix: only trimmed.
		{"  Re: [team] hi ", "", "Re: [team] hi"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := PrefixSubject(tt.subject, tt.prefix); got != tt.want {
			t.Errorf("PrefixSubject(%q, %q) = %q, want %q", tt.subject, tt.prefix, got, tt.want)
		}
		if got := PrefixSubject(PrefixSubject(tt.subject, tt.prefix), tt.prefix); got != tt.want {
			t.Errorf("PrefixSubject applied twice to %q = %q, want %q", tt.subject, got, tt.want)
		}
	}
}

func TestPrefixSubjectHostileRepetition(t *testing.T) {
	// 200,000 tags must be removed in linear time; a quadratic removal
	// would take minutes here.
	s := strings.Repeat("[T]", 200000)
	if got := PrefixSubject(s+" x", "[t] "); got != "[t] x" {
		t.Fatalf("got %q", got)
	}
	if got := PrefixSubject(strings.Repeat("Re: ", 200000)+"x", "[t] "); got != "Re: [t] x" {
		t.Fatalf("got %q", got)
	}
}
