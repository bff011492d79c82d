package listserv

import (
	"fmt"

	"minyan/store"
)

// Action is what the posting policy decides for a post.
type Action string

// The outcomes of the posting chain.
const (
	Accept  Action = "accept"
	Hold    Action = "hold"
	Refuse  Action = "reject"
	Discard Action = "discard"
)

// Decision is the result of the posting chain: the action, the rule that
// chose it and a reason in plain words for people (moderators, the author).
type Decision struct {
	Action Action
	Rule   string
	Reason string
}

// postFacts is what the rules look at.
type postFacts struct {
	list      store.List
	sender    string
	member    *store.Membership // nil for non-members (and pending/waitlisted people)
	duplicate bool
}

type rule struct {
	name  string
	check func(f *postFacts) (Action, string, bool)
}

// postingChain is the posting policy, first match wins (SPEC "Posting
// pipeline" step 4). Reasons are written for the people who will read them.
var postingChain = []rule{
	{"duplicate", func(f *postFacts) (Action, string, bool) {
		return Discard, "a message with the same Message-ID is already in the archive", f.duplicate
	}},
	{"banned", func(f *postFacts) (Action, string, bool) {
		return Discard, "the sender is banned from this list", f.member != nil && f.member.Status == StatusBanned
	}},
	{"emergency", func(f *postFacts) (Action, string, bool) {
		return Hold, "the list is in emergency moderation, so every post is reviewed first", f.list.Settings.Emergency
	}},
	{"moderator", func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.member != nil && RoleRank(f.member.Role) >= RoleRank("moderator")
	}},
	{"announce", func(f *postFacts) (Action, string, bool) {
		return Hold, "only moderators and owners post to this announcement list", f.list.Settings.Posting == "announce" && f.member != nil
	}},
	{"open", func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.list.Settings.Posting == "open"
	}},
	{"nonmember", func(f *postFacts) (Action, string, bool) {
		if f.member != nil {
			return "", "", false
		}
		reason := fmt.Sprintf("%s is not a member of the list", f.sender)
		switch f.list.Settings.NonmemberAction {
		case "reject":
			return Refuse, reason + "; only members may post here", true
		case "discard":
			return Discard, reason, true
		}
		return Hold, reason, true
	}},
	{"approved-sender", func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.member.PostFreely
	}},
	{"moderated", func(f *postFacts) (Action, string, bool) {
		return Hold, "every post to this list is reviewed by a moderator", f.list.Settings.Posting == "moderated"
	}},
	{"new-member", func(f *postFacts) (Action, string, bool) {
		n := f.list.Settings.ModerateNewMembers
		return Hold, fmt.Sprintf("the first %d posts of a new member are reviewed by a moderator", n), n > 0 && f.member.Posts < n
	}},
	{"member", func(f *postFacts) (Action, string, bool) { return Accept, "", true }},
}

func decide(f *postFacts) Decision {
	for _, r := range postingChain {
		if a, reason, ok := r.check(f); ok {
			return Decision{Action: a, Rule: r.name, Reason: reason}
		}
	}
	return Decision{Action: Hold, Rule: "none", Reason: "no rule matched"}
}
