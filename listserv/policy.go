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

// Rule names a rule of the posting chain; it is logged with every
// decision, so an operator can tell why a post went where it went.
type Rule string

// The rules of the posting chain, in the order they are tried.
const (
	RuleLoop          Rule = "loop"
	RuleAutomatic     Rule = "automatic"
	RuleDuplicate     Rule = "duplicate"
	RuleBanned        Rule = "banned"
	RuleAuthorUnclear Rule = "author-unclear"
	RuleSenderCheck   Rule = "sender-check"
	RuleEnvelopeOnly  Rule = "envelope-unverified"
	RuleEmergency     Rule = "emergency"
	RuleModerator     Rule = "moderator"
	RuleAnnounce      Rule = "announce"
	RuleOpen          Rule = "open"
	RuleNonmember     Rule = "nonmember"
	RuleApproved      Rule = "approved-sender"
	RuleModerated     Rule = "moderated"
	RuleNewMember     Rule = "new-member"
	RuleMember        Rule = "member"
	RuleNone          Rule = "none"
	// RuleCohortFinished refuses posts to a community whose cohort
	// ended and closed; the author gets a kind note (cohort.go).
	RuleCohortFinished Rule = "cohort-finished"
)

// Decision is the result of the posting chain: the action, the rule that
// chose it and a reason in plain words for people (moderators, the author).
type Decision struct {
	Action Action
	Rule   Rule
	Reason string
}

// postFacts is what the rules look at.
type postFacts struct {
	list   store.List
	sender string // the author, normalized: the only reading of From
	// member is the membership the post claims: the author's, or else
	// the envelope sender's (viaEnvelope). nil for non-members and for
	// pending or waitlisted people.
	member      *store.Membership
	viaEnvelope bool
	duplicate   bool
	loop        bool   // the post already carries this list's List-Id
	robot       string // why the post looks automatic, "" if it does not
	verdict     SenderVerdict
}

type rule struct {
	name  Rule
	check func(f *postFacts) (Action, string, bool)
}

// postingChain is the posting policy, first match wins. Reasons are
// written for the people who will read them.
var postingChain = []rule{
	{RuleLoop, func(f *postFacts) (Action, string, bool) {
		return Discard, "the post already carries this list's List-Id (a mail loop)", f.loop
	}},
	{RuleAutomatic, func(f *postFacts) (Action, string, bool) {
		return Discard, "an automatic message (" + f.robot + ")", f.robot != ""
	}},
	{RuleDuplicate, func(f *postFacts) (Action, string, bool) {
		return Discard, "a message with the same Message-ID is already in the archive", f.duplicate
	}},
	{RuleBanned, func(f *postFacts) (Action, string, bool) {
		return Discard, "the sender is banned from this list", f.member != nil && f.member.Status == StatusBanned
	}},
	{RuleAuthorUnclear, func(f *postFacts) (Action, string, bool) {
		why := f.verdict.Unclear()
		return Hold, ReasonUnverified + ": " + why, why != "" && authGuarded(f.list, f.member)
	}},
	{RuleSenderCheck, func(f *postFacts) (Action, string, bool) {
		if f.viaEnvelope {
			return "", "", false
		}
		hold, reason := senderHold(f.list, f.member, f.verdict)
		return Hold, reason, hold
	}},
	{RuleEnvelopeOnly, func(f *postFacts) (Action, string, bool) {
		open := f.list.Settings.Posting == store.PostingOpen && f.list.Kind != KindCaucus
		if f.member == nil || !f.viaEnvelope || open || f.verdict.EnvelopeVouched() {
			return "", "", false
		}
		return Hold, fmt.Sprintf("%s is a member only as the envelope sender, and that domain did not confirm it sent this post (SPF %s); the From address is %s",
			f.member.Address, f.verdict.Result.SPF, f.sender), true
	}},
	{RuleCohortFinished, func(f *postFacts) (Action, string, bool) {
		return Refuse, "the community finished; its archive stays open", CohortClosed(f.list)
	}},
	{RuleEmergency, func(f *postFacts) (Action, string, bool) {
		return Hold, "the list is in emergency moderation, so every post is reviewed first", f.list.Settings.Emergency
	}},
	{RuleModerator, func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.member != nil && RoleRank(f.member.Role) >= RoleRank(ListModerator)
	}},
	{RuleAnnounce, func(f *postFacts) (Action, string, bool) {
		return Hold, "only moderators and owners post to this announcement list", f.list.Settings.Posting == store.PostingAnnounce && f.member != nil
	}},
	{RuleOpen, func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.list.Settings.Posting == store.PostingOpen
	}},
	{RuleNonmember, func(f *postFacts) (Action, string, bool) {
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
	{RuleApproved, func(f *postFacts) (Action, string, bool) {
		return Accept, "", f.member.PostFreely
	}},
	{RuleModerated, func(f *postFacts) (Action, string, bool) {
		return Hold, "every post to this list is reviewed by a moderator", f.list.Settings.Posting == store.PostingModerated
	}},
	{RuleNewMember, func(f *postFacts) (Action, string, bool) {
		n := f.list.Settings.ModerateNewMembers
		return Hold, fmt.Sprintf("the first %d posts of a new member are reviewed by a moderator", n), n > 0 && f.member.Posts < n
	}},
	{RuleMember, func(f *postFacts) (Action, string, bool) { return Accept, "", true }},
}

func decide(f *postFacts) Decision {
	for _, r := range postingChain {
		if a, reason, ok := r.check(f); ok {
			return Decision{Action: a, Rule: r.name, Reason: reason}
		}
	}
	return Decision{Action: Hold, Rule: RuleNone, Reason: "no rule matched"}
}
