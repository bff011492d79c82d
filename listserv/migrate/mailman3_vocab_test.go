package migrate

import (
	"testing"

	"minyan/listserv"
	"minyan/store"
)

// TestMailman3Vocabulary maps each of Mailman 3's exported words for
// the settings the import reads.
func TestMailman3Vocabulary(t *testing.T) {
	cases := []struct {
		field, value string
		want         map[string]string // setting -> value; absent: not set
		unmapped     bool
	}{
		{"subscription_policy", "open", map[string]string{"subscribe": "open"}, false},
		{"subscription_policy", "confirm", map[string]string{"subscribe": "confirm"}, false},
		{"subscription_policy", "moderate", map[string]string{"subscribe": "approve"}, false},
		{"subscription_policy", "confirm_then_moderate", map[string]string{"subscribe": "approve"}, true},
		{"subscription_policy", "Open", nil, false},
		{"archive_policy", "public", map[string]string{"archive": "public"}, false},
		{"archive_policy", "private", map[string]string{"archive": "members"}, false},
		{"archive_policy", "never", map[string]string{"archive": "off"}, false},
		{"archive_policy", "owners", nil, false},
		{"reply_goes_to_list", "no_munging", map[string]string{"reply_to": "sender"}, false},
		{"reply_goes_to_list", "point_to_list", map[string]string{"reply_to": "list"}, false},
		{"reply_goes_to_list", "explicit_header", nil, true},
		{"default_nonmember_action", "accept", map[string]string{"posting": "open"}, false},
		{"default_nonmember_action", "hold", map[string]string{"nonmember_action": "hold", "posting": "members"}, false},
		{"default_nonmember_action", "defer", map[string]string{"nonmember_action": "hold", "posting": "members"}, false},
		{"default_nonmember_action", "reject", map[string]string{"nonmember_action": "reject", "posting": "members"}, false},
		{"default_nonmember_action", "discard", map[string]string{"nonmember_action": "discard", "posting": "members"}, false},
		{"default_member_action", "hold", map[string]string{"posting": "moderated"}, false},
		{"default_member_action", "accept", nil, false},
		{"personalize", "none", map[string]string{"personalize": "false"}, false},
		{"personalize", "full", map[string]string{"personalize": "true"}, false},
		{"dmarc_mitigate_action", "no_mitigation", map[string]string{"dmarc_mitigation": "never"}, false},
		{"dmarc_mitigate_action", "munge_from", map[string]string{"dmarc_mitigation": "auto"}, false},
		{"dmarc_mitigate_action", "wrap_message", map[string]string{"dmarc_mitigation": "auto"}, false},
		{"dmarc_mitigate_action", "reject", nil, true},
	}
	for _, c := range cases {
		src := &Source{}
		mm3Settings(src, map[string]any{c.field: c.value})
		got := map[string]string{}
		for _, s := range src.Settings {
			got[s.Key] = s.Value
		}
		if len(got) != len(c.want) {
			t.Errorf("%s=%q: settings %v, want %v", c.field, c.value, got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s=%q: %s = %q, want %q", c.field, c.value, k, got[k], v)
			}
		}
		unmapped := false
		for _, u := range src.Unmapped {
			unmapped = unmapped || u.Field == c.field
		}
		if unmapped != c.unmapped {
			t.Errorf("%s=%q: reported unmapped %v, want %v", c.field, c.value, unmapped, c.unmapped)
		}
	}
}

// FuzzMailman3Settings: whatever words an export holds, the settings
// the import makes of them are ones `minyan list set` accepts.
func FuzzMailman3Settings(f *testing.F) {
	f.Add("confirm_then_moderate", "never", "point_to_list", "defer", "hold", "munge_from", "none")
	f.Add("open", "public", "explicit_header", "accept", "accept", "no_mitigation", "full")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, sub, archive, reply, nonmember, member, dmarc, personalize string) {
		src := &Source{}
		mm3Settings(src, map[string]any{"subscription_policy": sub, "archive_policy": archive, "reply_goes_to_list": reply,
			"default_nonmember_action": nonmember, "default_member_action": member, "dmarc_mitigate_action": dmarc, "personalize": personalize})
		var s store.Settings
		for _, set := range src.Settings {
			if err := listserv.ApplySetting(&s, set.Key, set.Value, listserv.ServerDefaults{}); err != nil {
				t.Fatalf("%s = %q (from %s): %v", set.Key, set.Value, set.From, err)
			}
		}
	})
}
