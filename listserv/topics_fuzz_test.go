package listserv

import (
	"slices"
	"strings"
	"testing"
)

func TestParseTopicsCommand(t *testing.T) {
	for line, want := range map[string]string{
		"topics housing,training":    "housing,training",
		"Topics #Housing, #training": "housing,training",
		"topics all":                 "all",
		"topic housing housing":      "housing",
		"topics housing; training.":  "housing,training",
		"mute":                       "",
		"unmute 42":                  "42",
		"digest daily":               "daily",
		"digest weekly":              "weekly",
	} {
		c, ok := ParseCommand(line)
		if !ok || c.Arg != want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want arg %q", line, c, ok, want)
		}
	}
	for _, line := range []string{"topics", "topics hous!ng", "topics " + strings.Repeat("a", 41), "mute this thread please", "mute 0", "mute x", "digest hourly"} {
		if c, ok := ParseCommand(line); ok {
			t.Errorf("ParseCommand(%q) = %+v, want not a command", line, c)
		}
	}
}

func TestPostTopics(t *testing.T) {
	for _, c := range []struct {
		subject, allowed string
		want             []string
	}{
		{"#housing Tenant meeting", "", []string{"housing"}},
		{"Re: [organizers] #Housing #training Tenant meeting", "", []string{"housing", "training"}},
		{"[organizers]#housing x", "", []string{"housing"}},
		{"Issue #12 and C# tips", "", []string{"12"}},
		{"#gardening Seeds", "housing,training", nil},
		{"#housing Seeds", "housing,training", []string{"housing"}},
		{"no tags here", "", nil},
		{"a#b not a tag", "", nil},
	} {
		if got := PostTopics(c.subject, c.allowed); !slices.Equal(got, c.want) {
			t.Errorf("PostTopics(%q, %q) = %q, want %q", c.subject, c.allowed, got, c.want)
		}
	}
}

// FuzzTopicsCommand: any line parses without panicking; a topics command
// always carries "all" or valid, lower-case, distinct topic names that
// parse back to themselves.
func FuzzTopicsCommand(f *testing.F) {
	for _, s := range []string{"topics housing,training", "topics all", "topic #a #b", "topics ,,,", "topics ü", "mute", "unmute 7", "digest daily", "topics " + strings.Repeat("x,", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, ok := ParseCommand(line)
		if !ok || c.Name != cmdTopics {
			return
		}
		if c.Arg == "all" {
			return
		}
		ts, ok := ParseTopicList(c.Arg)
		if !ok || strings.Join(ts, ",") != c.Arg || len(ts) == 0 || len(ts) > maxTopics {
			t.Fatalf("%q gave topics %q which do not read back (%q, %v)", line, c.Arg, ts, ok)
		}
		for _, x := range ts {
			if !validTopic(x) || strings.ToLower(x) != x {
				t.Fatalf("%q gave an invalid topic %q", line, x)
			}
		}
		// Tags found in a subject are always valid topics too.
		for _, x := range PostTopics(line, "") {
			if !validTopic(x) {
				t.Fatalf("PostTopics(%q) gave %q", line, x)
			}
		}
	})
}
