package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestMuteTarget(t *testing.T) {
	if tok, n, ok := muteTarget("ABCdef234", "17"); !ok || tok != "abcdef234" || n != 17 {
		t.Errorf("muteTarget = %q %d %v", tok, n, ok)
	}
	for _, c := range [][2]string{{"", "1"}, {"abc", "0"}, {"abc", "-1"}, {"abc", "x"}, {"a/b", "1"}, {strings.Repeat("a", 65), "1"}, {"abc", "18446744073709551616"}} {
		if _, _, ok := muteTarget(c[0], c[1]); ok {
			t.Errorf("muteTarget(%q, %q) accepted", c[0], c[1])
		}
	}
}

// FuzzMuteForm: the mute link's path and the forms of the mute page and
// /me never panic, and accept only what they document.
func FuzzMuteForm(f *testing.F) {
	f.Add("abcdefghij234567", "12", "action=mute")
	f.Add("ABC", "0", "action=unmute")
	f.Add("", "", "action=leave&digest=daily&topics=housing,training")
	f.Add("x%2Fy", "99999999999999999999", "digest=hourly&topics=%23a%20%23b")
	f.Add("tok", "1", "topics=&digest=weekly")
	f.Fuzz(func(t *testing.T, token, thread, body string) {
		if tok, n, ok := muteTarget(token, thread); ok {
			if n == 0 || tok == "" || tok != strings.ToLower(tok) || strings.ContainsAny(tok, "/ .") {
				t.Fatalf("muteTarget(%q, %q) = %q, %d", token, thread, tok, n)
			}
		}
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if _, err := muteChoice(v); err == nil {
			if a := strings.TrimSpace(v.Get("action")); a != "" && a != "mute" && a != "unmute" {
				t.Fatalf("muteChoice accepted action %q", a)
			}
		}
		if f, err := volumeValues(v); err == nil {
			if f.Frequency != "" && f.Frequency != "daily" && f.Frequency != "weekly" {
				t.Fatalf("volumeValues gave frequency %q", f.Frequency)
			}
			if f.SetTopics != v.Has("topics") {
				t.Fatalf("topics set %v, field present %v", f.SetTopics, v.Has("topics"))
			}
		}
	})
}
