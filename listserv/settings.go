package listserv

import (
	"errors"
	"fmt"
	"slices"

	"minyan/listserv/i18n"
	"sort"
	"strconv"
	"strings"
	"time"

	"minyan/store"
)

// The vocabulary of the records is typed in the store (store/vocab.go)
// and aliased here, where its meaning lives: a membership's role, mode
// and status, a list's kind and its subscribe, posting and archive
// policies are these types inside the records too.

// Kind is a kind of list (store.List.Kind): each is only a preset of
// settings.
type Kind = store.ListKind

// The kinds of list.
const (
	KindCommunity  = store.KindCommunity
	KindCaucus     = store.KindCaucus
	KindDiscussion = store.KindDiscussion
	KindAnnounce   = store.KindAnnounce
	KindCoalition  = store.KindCoalition
)

// ListRole is a person's role on a list (store.Membership.Role).
type ListRole = store.ListRole

// Roles in increasing order of rights.
const (
	ListMember      = store.ListMember
	ListFacilitator = store.ListFacilitator
	ListModerator   = store.ListModerator
	ListOwner       = store.ListOwner
)

var roles = []ListRole{ListMember, ListFacilitator, ListModerator, ListOwner}

// Mode is how a member gets a list's mail (store.Membership.Mode).
type Mode = store.Mode

// The delivery modes.
const (
	ModeEach   = store.ModeEach
	ModeDigest = store.ModeDigest
	ModeNomail = store.ModeNomail
)

var modes = []Mode{ModeEach, ModeDigest, ModeNomail}

// SubscribePolicy is a list's `subscribe` setting: how people join.
type SubscribePolicy = store.SubscribePolicy

// The subscribe policies.
const (
	SubscribeOpen    = store.SubscribeOpen
	SubscribeConfirm = store.SubscribeConfirm
	SubscribeApprove = store.SubscribeApprove
	SubscribeClosed  = store.SubscribeClosed
)

func subscribePolicy(l store.List) SubscribePolicy { return l.Settings.Subscribe }

// Status is where a membership stands (store.Membership.Status), as
// `minyan member ls` prints it.
type Status = store.Status

// The statuses a membership can have.
const (
	StatusOK       = store.StatusOK
	StatusBouncing = store.StatusBouncing
	StatusDisabled = store.StatusDisabled
	StatusWaitlist = store.StatusWaitlist
	StatusPending  = store.StatusPending
	StatusBanned   = store.StatusBanned
	StatusAlumni   = store.StatusAlumni
)

// RoleRank orders roles so "at least moderator" is a comparison; unknown
// roles rank below member.
func RoleRank[R ~string](role R) int {
	for i, r := range roles {
		if string(r) == string(role) {
			return i
		}
	}
	return -1
}

// CanModerate tells whether a role may decide on held posts: facilitators,
// moderators and owners may, plain members may not.
func CanModerate(role ListRole) bool { return RoleRank(role) >= RoleRank(ListFacilitator) }

// Preset returns the settings a new list of that kind starts with.
func Preset(kind, name string, server ServerDefaults) (store.Settings, error) {
	s := store.Settings{
		Title:                name,
		Posting:              store.PostingMembers,
		NonmemberAction:      "hold",
		Subscribe:            SubscribeConfirm,
		Archive:              store.ArchiveMembers,
		ReplyTo:              "list",
		SubjectPrefix:        "[" + name + "] ",
		Personalize:          true,
		DMARCMitigation:      "auto",
		MaxMessageBytes:      server.MaxMessageBytes,
		Timezone:             server.Timezone,
		DigestDay:            "monday",
		DigestTime:           "08:00",
		ReminderOffsets:      []time.Duration{24 * time.Hour},
		SessionDigestBefore:  48 * time.Hour,
		HoldRemindAfter:      48 * time.Hour,
		HoldExpireAfter:      14 * 24 * time.Hour,
		BounceScoreThreshold: 5,
		BounceWindow:         168 * time.Hour,
		Advertised:           new(Kind(kind) != KindCaucus),
	}
	switch Kind(kind) {
	case KindCommunity:
		s.Subscribe = SubscribeApprove
		s.Capacity = 15
	case KindCaucus:
		s.Subscribe = SubscribeApprove
	case KindDiscussion:
	case KindAnnounce:
		s.Posting = store.PostingAnnounce
		s.Archive = store.ArchivePublic
		s.ReplyTo = "sender"
	case KindCoalition:
		// Members are the organizations' delegates, whom their contacts
		// add (orgs.go): nobody joins by asking.
		s.Subscribe = SubscribeClosed
	default:
		return s, fmt.Errorf("unknown kind %q (choose one of community, caucus, discussion, announce, coalition)", kind)
	}
	return s, nil
}

// ServerDefaults are the server-wide values list settings default to and
// may not exceed.
type ServerDefaults struct {
	MaxMessageBytes int64
	Timezone        string
}

type setting struct {
	get func(s *store.Settings) string
	set func(s *store.Settings, v string, d ServerDefaults) error
}

func enum[T ~string](field func(*store.Settings) *T, allowed ...T) setting {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return setting{
		get: func(s *store.Settings) string { return string(*field(s)) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			v = strings.ToLower(strings.TrimSpace(v))
			for _, a := range allowed {
				if v == string(a) {
					*field(s) = a
					return nil
				}
			}
			return sayErr("setting_err.one_of", strings.Join(names, ", "))
		},
	}
}

func text(field func(*store.Settings) *string) setting {
	return setting{
		get: func(s *store.Settings) string { return *field(s) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			*field(s) = strings.ReplaceAll(v, `\n`, "\n")
			return nil
		},
	}
}

func boolean(field func(*store.Settings) *bool) setting {
	return setting{
		get: func(s *store.Settings) string { return strconv.FormatBool(*field(s)) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			b, err := ParseBool(v)
			if err != nil {
				return err
			}
			*field(s) = b
			return nil
		},
	}
}

func count(field func(*store.Settings) *int) setting {
	return setting{
		get: func(s *store.Settings) string { return strconv.Itoa(*field(s)) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return sayErr("setting_err.whole_number")
			}
			*field(s) = n
			return nil
		},
	}
}

func duration(field func(*store.Settings) *time.Duration) setting {
	return setting{
		get: func(s *store.Settings) string { return FormatDuration(*field(s)) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			d, err := ParseDuration(v)
			if err != nil {
				return err
			}
			*field(s) = d
			return nil
		},
	}
}

// optionalDuration is a duration setting whose empty value means "never"
// (0).
func optionalDuration(field func(*store.Settings) *time.Duration) setting {
	return setting{
		get: func(s *store.Settings) string {
			if *field(s) == 0 {
				return ""
			}
			return FormatDuration(*field(s))
		},
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			if strings.TrimSpace(v) == "" {
				*field(s) = 0
				return nil
			}
			d, err := ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%w, or empty for never", err)
			}
			*field(s) = d
			return nil
		},
	}
}

// Bounds of reminder_offsets: every offset is one mail to every member
// per session, so a list cannot ask for hundreds.
const (
	maxReminderOffsets = 5
	minReminderOffset  = time.Minute
	maxReminderOffset  = 60 * 24 * time.Hour
)

var settingsTable = map[string]setting{
	"title":                text(func(s *store.Settings) *string { return &s.Title }),
	"description":          text(func(s *store.Settings) *string { return &s.Description }),
	"posting":              enum(func(s *store.Settings) *store.PostingPolicy { return &s.Posting }, store.PostingMembers, store.PostingModerated, store.PostingOpen, store.PostingAnnounce),
	"nonmember_action":     enum(func(s *store.Settings) *string { return &s.NonmemberAction }, "hold", "reject", "discard"),
	"subscribe":            enum(func(s *store.Settings) *store.SubscribePolicy { return &s.Subscribe }, SubscribeOpen, SubscribeConfirm, SubscribeApprove, SubscribeClosed),
	"archive":              enum(func(s *store.Settings) *store.ArchivePolicy { return &s.Archive }, store.ArchivePublic, store.ArchiveMembers, store.ArchiveOwners, store.ArchiveOff),
	"reply_to":             enum(func(s *store.Settings) *string { return &s.ReplyTo }, "list", "sender"),
	"subject_prefix":       text(func(s *store.Settings) *string { return &s.SubjectPrefix }),
	"footer":               text(func(s *store.Settings) *string { return &s.Footer }),
	"topics":               topicsSetting,
	"personalize":          boolean(func(s *store.Settings) *bool { return &s.Personalize }),
	"dmarc_mitigation":     enum(func(s *store.Settings) *string { return &s.DMARCMitigation }, "auto", "always", "never"),
	"moderate_new_members": count(func(s *store.Settings) *int { return &s.ModerateNewMembers }),
	"max_message_bytes": {
		get: func(s *store.Settings) string { return strconv.FormatInt(s.MaxMessageBytes, 10) },
		set: func(s *store.Settings, v string, d ServerDefaults) error {
			n, err := ParseBytes(v)
			if err != nil {
				return err
			}
			if n < 1024 {
				return sayErr("setting_err.min_bytes")
			}
			if d.MaxMessageBytes > 0 && n > d.MaxMessageBytes {
				return sayErr("setting_err.server_max_bytes", d.MaxMessageBytes)
			}
			s.MaxMessageBytes = n
			return nil
		},
	},
	"capacity":              count(func(s *store.Settings) *int { return &s.Capacity }),
	"require_good_standing": boolean(func(s *store.Settings) *bool { return &s.RequireGoodStanding }),
	"language": {
		get: func(s *store.Settings) string { return string(Lang(s.Language).Or(LangEnglish)) },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			l, ok := i18n.Parse(v)
			if !ok {
				return sayErr("setting_err.language")
			}
			s.Language = string(l)
			return nil
		},
	},
	"timezone": {
		get: func(s *store.Settings) string { return s.Timezone },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			v = strings.TrimSpace(v)
			if _, err := time.LoadLocation(v); err != nil || v == "" || v == "Local" {
				return sayErr("setting_err.timezone")
			}
			s.Timezone = v
			return nil
		},
	},
	"digest_day": {
		get: func(s *store.Settings) string { return s.DigestDay },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			d, ok := ParseWeekday(v)
			if !ok {
				return sayErr("setting_err.weekday")
			}
			s.DigestDay = strings.ToLower(d.String())
			return nil
		},
	},
	"digest_time": {
		get: func(s *store.Settings) string { return s.DigestTime },
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			t, err := time.Parse("15:04", strings.TrimSpace(v))
			if err != nil {
				return sayErr("setting_err.clock")
			}
			s.DigestTime = t.Format("15:04")
			return nil
		},
	},
	"reminder_offsets": {
		get: func(s *store.Settings) string {
			parts := make([]string, len(s.ReminderOffsets))
			for i, d := range s.ReminderOffsets {
				parts[i] = FormatDuration(d)
			}
			return strings.Join(parts, ",")
		},
		set: func(s *store.Settings, v string, _ ServerDefaults) error {
			var out []time.Duration
			for _, p := range strings.Split(v, ",") {
				if strings.TrimSpace(p) == "" {
					continue
				}
				d, err := ParseDuration(p)
				if err != nil {
					return err
				}
				if d < minReminderOffset || d > maxReminderOffset {
					return sayErr("setting_err.reminder_range", strings.TrimSpace(p), FormatDuration(minReminderOffset), FormatDuration(maxReminderOffset))
				}
				if slices.Contains(out, d) {
					return sayErr("setting_err.twice", strings.TrimSpace(p))
				}
				out = append(out, d)
			}
			if len(out) > maxReminderOffsets {
				return sayErr("setting_err.too_many_reminders", maxReminderOffsets)
			}
			sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
			s.ReminderOffsets = out
			return nil
		},
	},
	"session_digest_before":  duration(func(s *store.Settings) *time.Duration { return &s.SessionDigestBefore }),
	"hold_remind_after":      duration(func(s *store.Settings) *time.Duration { return &s.HoldRemindAfter }),
	"hold_expire_after":      duration(func(s *store.Settings) *time.Duration { return &s.HoldExpireAfter }),
	"bounce_score_threshold": count(func(s *store.Settings) *int { return &s.BounceScoreThreshold }),
	"bounce_window":          duration(func(s *store.Settings) *time.Duration { return &s.BounceWindow }),
	"emergency":              boolean(func(s *store.Settings) *bool { return &s.Emergency }),
	"advertised":             advertisedSetting,
	"alert_followup_after":   optionalDuration(func(s *store.Settings) *time.Duration { return &s.AlertFollowupAfter }),
	"cohort_end":             cohortEndSetting,
	"after_end":              afterEndSetting,
	"harvest_after":          harvestAfterSetting,
	"confirm_before":         optionalDuration(func(s *store.Settings) *time.Duration { return &s.ConfirmBefore }),
	"feedback_after":         optionalDuration(func(s *store.Settings) *time.Duration { return &s.FeedbackAfter }),
	"lapsed_members":         enum(func(s *store.Settings) *string { return &s.LapsedMembers }, LapseKeep, LapseNotify, LapseNomail),
}

// SettingNames returns every key `minyan list set` accepts, sorted.
func SettingNames() []string {
	out := make([]string, 0, len(settingsTable))
	for k := range settingsTable {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ApplySetting changes one setting from its text form, with an error that
// names the key and says what is allowed.
func ApplySetting(s *store.Settings, key, value string, d ServerDefaults) error {
	st, ok := settingsTable[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return &SettingError{Key: key, Unknown: true, Reason: fmt.Sprintf("unknown setting %q (known: %s)", key, strings.Join(SettingNames(), ", "))}
	}
	if err := st.set(s, value, d); err != nil {
		se := &SettingError{Key: key, Reason: err.Error()}
		if rf := (*SaidError)(nil); errors.As(err, &rf) {
			se.Why = rf.Said
		}
		return se
	}
	return nil
}

// SettingValue returns one setting in the text form ApplySetting accepts.
func SettingValue(s *store.Settings, key string) string {
	if st, ok := settingsTable[key]; ok {
		return st.get(s)
	}
	return ""
}

// ParseBool accepts the spellings people type: true/false, yes/no, on/off, 1/0.
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, sayErr("setting_err.bool")
}

// ParseDuration reads a duration of a setting or a form: Go's syntax,
// whole days ("14d", since owners think of hold expiry in days) or words
// ("1 hour", "2 days"); see ParseHumanDuration.
func ParseDuration(v string) (time.Duration, error) { return ParseHumanDuration(v) }

// FormatDuration prints durations the way people wrote them ("48h", not
// "48h0m0s").
func FormatDuration(d time.Duration) string {
	s := d.String() // e.g. 1h30m0s, 48h0m0s, 30m0s, 1m30s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseBytes reads a size as bytes, with optional KB/MB/KiB/MiB suffixes.
func ParseBytes(v string) (int64, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, suf := range []struct {
		s string
		m int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1000}, {"MB", 1000 * 1000}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(v, suf.s) {
			mult = suf.m
			v = strings.TrimSpace(strings.TrimSuffix(v, suf.s))
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, sayErr("setting_err.bytes")
	}
	return n * mult, nil
}

// ParseWeekday reads a day name or its first three letters.
func ParseWeekday(v string) (time.Weekday, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if v == name || (len(v) >= 3 && strings.HasPrefix(name, v)) {
			return d, true
		}
	}
	return 0, false
}
