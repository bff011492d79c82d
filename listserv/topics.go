package listserv

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"minyan/store"
)

// Topics: a post's subject may carry #tags ("[organizers] #housing Tenant
// meeting"); they are the list's topics. A member may follow only some
// of them: posts tagged with none of those then reach the member only in
// their digest (at their digest frequency), not one by one. A list may
// limit the tags it knows (the topics setting); a tag outside that list
// is not a topic, so such a post counts as untagged.

// maxTopicLen bounds one topic name; maxTopics bounds how many a member
// follows or a list allows.
const (
	maxTopicLen = 40
	maxTopics   = 50
)

// validTopic tells whether t (already lower case) is a topic name:
// letters, digits, "-" and "_", starting with a letter or digit.
func validTopic(t string) bool {
	if t == "" || len(t) > maxTopicLen {
		return false
	}
	for i, r := range t {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ParseTopicList reads a comma- (or space-) separated list of topics, as
// in "housing, training" or "#housing #training", lower-cased, without
// duplicates, in the order given. "all" (alone) and "" give nil: every
// topic. ok is false when a name is not a topic name or there are too
// many.
func ParseTopicList(s string) (topics []string, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "all" {
		return nil, true
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' }) {
		f = strings.TrimPrefix(f, "#")
		if !validTopic(f) {
			return nil, false
		}
		if !slices.Contains(topics, f) {
			topics = append(topics, f)
		}
	}
	if len(topics) > maxTopics {
		return nil, false
	}
	return topics, true
}

// PostTopics returns the #tags of a subject that are topics of the list
// (allowed is the list's topics setting; empty allows any), lower-cased,
// without duplicates. A tag is "#" after a space, "]" or the start,
// followed by a topic name.
func PostTopics(subject, allowed string) []string {
	if strings.IndexByte(subject, '#') < 0 {
		return nil
	}
	var out []string
	for i := 0; i < len(subject); i++ {
		if subject[i] != '#' || (i > 0 && !strings.ContainsRune(" \t]([", rune(subject[i-1]))) {
			continue
		}
		j := i + 1
		for j < len(subject) && j-i-1 <= maxTopicLen && isTopicByte(subject[j]) {
			j++
		}
		t := strings.ToLower(subject[i+1 : j])
		if validTopic(t) && !slices.Contains(out, t) && topicAllowed(t, allowed) {
			out = append(out, t)
		}
		i = j - 1
	}
	return out
}

func isTopicByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_'
}

func topicAllowed(t, allowed string) bool {
	if strings.TrimSpace(allowed) == "" {
		return true
	}
	for _, a := range strings.Split(allowed, ",") {
		if strings.TrimPrefix(strings.ToLower(strings.TrimSpace(a)), "#") == t {
			return true
		}
	}
	return false
}

// FollowsPost tells whether a member following topics gets a post with
// these tags one by one: always when they follow every topic (none
// chosen), else when the post carries one of theirs.
func FollowsPost(following, tags []string) bool {
	if len(following) == 0 {
		return true
	}
	for _, t := range tags {
		if slices.Contains(following, t) {
			return true
		}
	}
	return false
}

// normalizeTopicsSetting checks and tidies the list setting "topics".
func normalizeTopicsSetting(v string) (string, error) {
	ts, ok := ParseTopicList(v)
	if !ok {
		return "", fmt.Errorf("topics: names of letters, digits, - and _ (at most %d characters each, %d topics), separated by commas", maxTopicLen, maxTopics)
	}
	return strings.Join(ts, ","), nil
}

// topicsAnswer says what following topics means for the member.
func topicsAnswer(list store.List, mb store.Membership) Said {
	if len(mb.Topics) == 0 {
		if mb.Mode == ModeDigest {
			return say("topics_go.digest_all", list.Settings.Title)
		}
		return say("topics_go.all", list.Settings.Title)
	}
	t := "#" + strings.Join(mb.Topics, ", #")
	if mb.Mode == ModeDigest {
		return say("topics_go.digest_some", t)
	}
	return say("topics_go.some_"+string(mb.Frequency()), t)
}

// setTopics records the topics a member follows and says what changes.
func (s *Service) setTopics(tx *store.Tx, a Actor, list store.List, mb store.Membership, topics []string) (string, error) {
	if allowed := list.Settings.Topics; allowed != "" {
		for _, t := range topics {
			if !topicAllowed(t, allowed) {
				return "", UnknownTopicError(fmt.Sprintf("%s has no topic #%s; its topics are #%s", list.Settings.Title, t, strings.ReplaceAll(allowed, ",", ", #")))
			}
		}
	}
	if err := s.setDigestPrefs(tx, mb, mb.DigestFormat, mb.DigestFrequency, topics); err != nil {
		return "", err
	}
	mb.Topics = topics
	what := "all"
	if len(topics) > 0 {
		what = strings.Join(topics, ",")
	}
	return topicsAnswer(list, mb).In(languageFor(tx, mb.Address, list.Name)), s.AuditChange(tx, a, list.Name, "topics of "+mb.Address+" set to "+what)
}

// SetTopics sets the topics a member follows (`minyan member set
// --topics`, the web); nil means every topic. A person may change their
// own; changing someone else's needs the roster right. The answer says
// what changes, and in digest mode that topics change nothing yet.
func (s *Service) SetTopics(ctx context.Context, a Actor, list, addr string, topics []string) (answer string, err error) {
	addr = NormalizeAddress(addr)
	err = s.st.Update(func(tx *store.Tx) error {
		l, mb, err := s.ownOrRoster(tx, a, list, addr)
		if err != nil {
			return err
		}
		answer, err = s.setTopics(tx, a, l, mb, topics)
		return err
	})
	return answer, err
}

// SetDigestFrequency sets how often a member's digest comes (`minyan
// member set --digest`, the web, the email command "digest daily").
func (s *Service) SetDigestFrequency(ctx context.Context, a Actor, list, addr string, f store.DigestFrequency) error {
	if _, ok := store.ParseDigestFrequency(string(f)); !ok {
		return fmt.Errorf("digest frequency %q: must be daily or weekly", f)
	}
	addr = NormalizeAddress(addr)
	return s.st.Update(func(tx *store.Tx) error {
		l, mb, err := s.ownOrRoster(tx, a, list, addr)
		if err != nil {
			return err
		}
		_, err = s.setDigestFrequency(tx, a, l, mb, f)
		return err
	})
}

func (s *Service) setDigestFrequency(tx *store.Tx, a Actor, list store.List, mb store.Membership, f store.DigestFrequency) (string, error) {
	if err := s.setDigestPrefs(tx, mb, mb.DigestFormat, f, mb.Topics); err != nil {
		return "", err
	}
	mb.DigestFrequency = f
	lang := languageFor(tx, mb.Address, list.Name) // the member reads the answer
	answer := say("volume_go.weekly", list.Settings.Title).In(lang)
	if f == store.DigestDaily {
		answer = say("volume_go.daily", list.Settings.Title).In(lang)
	}
	if mb.Mode != ModeDigest && len(mb.Topics) == 0 {
		answer += " " + say("volume_go.each_now").In(lang)
	}
	return answer, s.AuditChange(tx, a, list.Name, "digest frequency of "+mb.Address+" set to "+string(f))
}

// ownOrRoster loads a list and one membership for a change a person may
// make for themselves and the roster right allows for anyone.
func (s *Service) ownOrRoster(tx *store.Tx, a Actor, list, addr string) (store.List, store.Membership, error) {
	perm := PermRoster
	if a.Address != "" && a.Address == addr {
		perm = PermRead
	}
	l, err := s.authorize(tx, a, list, perm)
	if err != nil {
		return l, store.Membership{}, err
	}
	mb, err := tx.Membership(list, addr)
	if err != nil {
		return l, mb, notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
	}
	return l, mb, mayChangeHolder(tx, a, mb)
}

// topicsSetting is the list setting "topics": the #tags posts may carry,
// comma-separated; empty allows any.
var topicsSetting = setting{
	get: func(s *store.Settings) string { return s.Topics },
	set: func(s *store.Settings, v string, _ ServerDefaults) error {
		t, err := normalizeTopicsSetting(v)
		if err != nil {
			return err
		}
		s.Topics = t
		return nil
	},
}

// UnknownTopicError is the answer to following a topic the list does not
// allow; it is a sentence for the person who asked.
type UnknownTopicError string

func (e UnknownTopicError) Error() string { return string(e) }
