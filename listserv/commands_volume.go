package listserv

import (
	"errors"
	"strconv"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

func isFrequency(arg string) bool {
	_, ok := store.ParseDigestFrequency(arg)
	return ok
}

// volumeCommand tells the commands runVolumeCommand carries out.
func volumeCommand(c Command) bool {
	return c.Name == cmdMute || c.Name == cmdUnmute || c.Name == cmdTopics || (c.Name == cmdDigest && isFrequency(c.Arg))
}

// volumeChangesState tells the volume commands that change something (a
// "mute" whose thread was not found changes nothing, so it is answered
// at once instead of being confirmed first).
func volumeChangesState(c Command) bool {
	if (c.Name == cmdMute || c.Name == cmdUnmute) && c.Arg == "" {
		return false
	}
	return volumeCommand(c)
}

// parseVolumeCommand reads "mute", "unmute" (optionally with a thread
// number) and "topics LIST" once ParseCommand saw the command name; f
// are the line's lower-cased words.
func parseVolumeCommand(c Command, name CommandName, f []string) (Command, bool) {
	switch name {
	case cmdMute, cmdUnmute:
		c.Name = name
		switch len(f) {
		case 1:
			return c, true
		case 2:
			if _, ok := ParseThreadNumber(f[1]); ok {
				c.Arg = strings.TrimSpace(f[1])
				return c, true
			}
		}
		return c, false
	default: // topics, topic
		rest := strings.TrimRight(strings.TrimSpace(strings.Join(f[1:], " ")), ".!?")
		if rest == "" {
			return c, false
		}
		ts, ok := ParseTopicList(rest)
		if !ok {
			return c, false
		}
		c.Name, c.Arg = cmdTopics, "all"
		if len(ts) > 0 {
			c.Arg = strings.Join(ts, ",")
		}
		return c, true
	}
}

// resolveMuteThread gives a "mute" or "unmute" without a thread number
// the thread the command mail answers (In-Reply-To, References, else the
// subject), so a confirmation carries it as "mute 42".
func (s *Service) resolveMuteThread(list string, m *rewrite.Message, c *Command) {
	if (c.Name != cmdMute && c.Name != cmdUnmute) || c.Arg != "" {
		return
	}
	_ = s.st.View(func(tx *store.Tx) error {
		if t := threadOfReply(tx, list, m); t > 0 {
			c.Arg = strconv.FormatUint(t, 10)
		}
		return nil
	})
}

// runVolumeCommand carries out a volume command for a member whose
// sender is known.
func (s *Service) runVolumeCommand(tx *store.Tx, a Actor, list store.List, mb store.Membership, c Command) (string, error) {
	switch c.Name {
	case cmdMute, cmdUnmute:
		thread, ok := ParseThreadNumber(c.Arg)
		if !ok {
			return say("command_go.which_thread", c.Name, s.addr(list.Name, RoleRequest, "")).In(languageFor(tx, a.Address, list.Name)), nil
		}
		return s.setMute(tx, a, list, mb, thread, c.Name == cmdMute)
	case cmdTopics:
		topics, _ := ParseTopicList(c.Arg)
		answer, err := s.setTopics(tx, a, list, mb, topics)
		var unknown UnknownTopicError
		if errors.As(err, &unknown) {
			return unknown.Error() + ".", nil
		}
		return answer, err
	}
	f, _ := store.ParseDigestFrequency(c.Arg)
	return s.setDigestFrequency(tx, a, list, mb, f)
}
