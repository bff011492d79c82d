package listserv

import (
	"context"

	"minyan/store"
)

// SettingError is a setting that could not be applied: which key, and
// why, so a form can show the reason next to the field it concerns.
type SettingError struct {
	Key    string
	Reason string
	// Unknown marks a key that is no setting at all.
	Unknown bool
	// Why is Reason as a sentence of the catalogue, zero when the
	// reason has no key yet (a duration's parse error).
	Why Said
}

// ReasonIn is the reason in language l.
func (e *SettingError) ReasonIn(l Lang) string {
	if e.Why.IsZero() {
		return e.Reason
	}
	return e.Why.In(l)
}

func (e *SettingError) Error() string {
	if e.Unknown {
		return e.Reason
	}
	return e.Key + ": " + e.Reason
}

// SettingHelp describes one list setting for people: the group it
// belongs to, a label and a sentence of help.
type SettingHelp struct {
	Key, Label, Help string
	// Choices are the allowed values of an enumerated setting (nil for
	// text, numbers, durations).
	Choices []string
	// Long marks free text that may span lines.
	Long bool
}

// SettingGroup is a titled group of settings, in the order the console
// shows them.
type SettingGroup struct {
	Title    string
	Settings []SettingHelp
}

// SettingGroups returns every list setting, grouped and explained. Every
// key of the settings table appears exactly once (a test keeps it so).
func SettingGroups() []SettingGroup {
	return []SettingGroup{
		{"About the list", []SettingHelp{
			{Key: "title", Label: "Title", Help: "The name people see in mail and on the web pages."},
			{Key: "description", Label: "Description", Help: "A few sentences on what the list is for; shown on its page and in the welcome mail.", Long: true},
			{Key: "advertised", Label: "Shown in the directory", Help: "Whether the list appears on the front page (true or false). A caucus is never shown.", Choices: []string{"true", "false"}},
		}},
		{"Posting", []SettingHelp{
			{Key: "posting", Label: "Who may post", Help: "members: members post; moderated: every post is reviewed; open: anyone; announce: only moderators and owners.", Choices: []string{"members", "moderated", "open", "announce"}},
			{Key: "nonmember_action", Label: "Posts from non-members", Help: "hold for a moderator, reject with a note, or discard silently.", Choices: []string{"hold", "reject", "discard"}},
			{Key: "moderate_new_members", Label: "Review new members' first posts", Help: "How many first posts of a new member a moderator reviews (0: none).", Choices: nil},
			{Key: "max_message_bytes", Label: "Largest message", Help: "In bytes (5MiB works too); at most the server's limit."},
			{Key: "emergency", Label: "Emergency brake", Help: "true holds every post for a moderator until switched off.", Choices: []string{"false", "true"}},
		}},
		{"Joining", []SettingHelp{
			{Key: "subscribe", Label: "How people join", Help: "open or confirm: after confirming their address; approve: a moderator also agrees; closed: only owners add people.", Choices: []string{"open", "confirm", "approve", "closed"}},
			{Key: "capacity", Label: "Seats", Help: "How many members at most, with a waitlist beyond (0: unlimited)."},
			{Key: "require_good_standing", Label: "Members in good standing only", Help: "true admits only people whose dues are marked in good standing.", Choices: []string{"false", "true"}},
			{Key: "lapsed_members", Label: "When someone's standing lapses", Help: "keep them, notify them, or pause their mail (nomail).", Choices: []string{LapseKeep, LapseNotify, LapseNomail}},
		}},
		{"Messages", []SettingHelp{
			{Key: "reply_to", Label: "Replies go to", Help: "list: everyone; sender: only the author.", Choices: []string{"list", "sender"}},
			{Key: "subject_prefix", Label: "Subject prefix", Help: "Put in front of every subject, e.g. [team] (empty: none)."},
			{Key: "footer", Label: "Footer", Help: "Text added at the end of every post.", Long: true},
			{Key: "topics", Label: "Topics", Help: "The #tags a subject may carry, comma-separated, e.g. housing,training (empty: any tag). Members can follow only some topics."},
			{Key: "personalize", Label: "Personal copies", Help: "true gives each member their own bounce address, unsubscribe link and mute-this-thread link.", Choices: []string{"true", "false"}},
			{Key: "language", Label: "Language", Help: "What minyan writes in to people who chose no language themselves: en (English), he (Hebrew) or es (Spanish).", Choices: []string{"en", "he", "es"}},
			{Key: "dmarc_mitigation", Label: "Rewrite From for strict domains", Help: "auto: only when the author's domain asks for it (DMARC); always; never.", Choices: []string{"auto", "always", "never"}},
		}},
		{"Archive", []SettingHelp{
			{Key: "archive", Label: "Who reads the archive", Help: "public, members, owners, or off.", Choices: []string{"public", "members", "owners", "off"}},
		}},
		{"Sessions and digests", []SettingHelp{
			{Key: "timezone", Label: "Time zone", Help: "An IANA zone such as America/New_York; sessions and digests follow it."},
			{Key: "digest_day", Label: "Digest day", Help: "The weekday the weekly digest goes out.", Choices: []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}},
			{Key: "digest_time", Label: "Digest time", Help: "HH:MM, 24-hour clock, in the list's zone."},
			{Key: "reminder_offsets", Label: "Session reminders", Help: "How long before a session reminders go out, comma-separated (e.g. 24h,1h)."},
			{Key: "session_digest_before", Label: "Session digest", Help: "How long before a session its digest of recent threads goes out (e.g. 48h)."},
			{Key: "confirm_before", Label: "Ask \"still coming?\"", Help: "How long before a session with seats its registered people are asked whether they still come (e.g. 72h); empty for never."},
			{Key: "feedback_after", Label: "Ask for feedback", Help: "How long after a session ends the people marked present are asked for a rating and words (e.g. 24h); empty for never."},
			{Key: "cohort_end", Label: "Cohort's last day", Help: "A community's last day as YYYY-MM-DD; empty for the day of its last session."},
			{Key: "harvest_after", Label: "\"What we made\" after", Help: "How long after the cohort's end the mail listing every pair's harvest goes out (default 168h)."},
			{Key: "after_end", Label: "After the cohort ends", Help: "close: members become alumni who keep the archive, new posts are answered and not sent; continue: the list goes on.", Choices: []string{AfterEndClose, AfterEndContinue}},
		}},
		{"Moderation", []SettingHelp{
			{Key: "hold_remind_after", Label: "Remind moderators after", Help: "A duration such as 48h; d for days works."},
			{Key: "hold_expire_after", Label: "Drop undecided posts after", Help: "A duration such as 14d; the author is told."},
			{Key: "alert_followup_after", Label: "Follow up alerts after", Help: "How long after an action alert one reminder goes to those who have not acted (e.g. 48h); empty for never."},
		}},
		{"Bounces", []SettingHelp{
			{Key: "bounce_score_threshold", Label: "Bounces before pausing", Help: "How many bounces within the window pause a member's mail."},
			{Key: "bounce_window", Label: "Bounce window", Help: "The time bounces are counted over, e.g. 168h."},
		}},
	}
}

// SettingsView is a list's settings as the console shows them: each
// value in the text form SetList accepts, beside its kind's preset.
type SettingsView struct {
	List    store.List
	Values  map[string]string
	Presets map[string]string
}

// ListSettings returns a list's settings and its kind's presets. It needs
// PermSettings.
func (s *Service) ListSettings(ctx context.Context, a Actor, name string) (SettingsView, error) {
	var v SettingsView
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, name, PermSettings)
		if err != nil {
			return err
		}
		v.List = l
		return nil
	})
	if err != nil {
		return v, err
	}
	preset, err := Preset(string(v.List.Kind), v.List.Name, s.o.Defaults)
	if err != nil {
		return v, err
	}
	v.Values, v.Presets = map[string]string{}, map[string]string{}
	for k := range settingsTable {
		v.Values[k] = SettingValue(&v.List.Settings, k)
		v.Presets[k] = SettingValue(&preset, k)
	}
	return v, nil
}
