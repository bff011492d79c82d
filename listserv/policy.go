package listserv

import "minyan/store"

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
	// Reason is Why in English: what the log and the held item keep.
	Reason string
	// Why is the reason as a catalogue sentence, for the mail that tells
	// the author and the moderators, each in their own language.
	Why Said
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
	check func(f *postFacts) (Action, Said, bool)
}

// postingChain is the posting policy, first match wins. Reasons are
// written for the people who will read them.
var postingChain = []rule{
	{RuleLoop, func(f *postFacts) (Action, Said, bool) {
		return Discard, say("hold_go.loop"), f.loop
	}},
	{RuleAutomatic, func(f *postFacts) (Action, Said, bool) {
		return Discard, say("hold_go.automatic", f.robot), f.robot != ""
	}},
	{RuleDuplicate, func(f *postFacts) (Action, Said, bool) {
		return Discard, say("hold_go.duplicate"), f.duplicate
	}},
	{RuleBanned, func(f *postFacts) (Action, Said, bool) {
		return Discard, say("hold_go.banned"), f.member != nil && f.member.Status == StatusBanned
	}},
	{RuleAuthorUnclear, func(f *postFacts) (Action, Said, bool) {
		why := f.verdict.Unclear()
		return Hold, say("hold_go.unverified_why", why), why != "" && authGuarded(f.list, f.member)
	}},
	{RuleSenderCheck, func(f *postFacts) (Action, Said, bool) {
		if f.viaEnvelope {
			return "", Said{}, false
		}
		hold, reason := senderHold(f.list, f.member, f.verdict)
		why := say("hold_go.unverified")
		if reason == ReasonUnverifiedDNS {
			why = say("hold_go.unverified_dns")
		}
		return Hold, why, hold
	}},
	{RuleEnvelopeOnly, func(f *postFacts) (Action, Said, bool) {
		open := f.list.Settings.Posting == store.PostingOpen && f.list.Kind != KindCaucus
		if f.member == nil || !f.viaEnvelope || open || f.verdict.EnvelopeVouched() {
			return "", Said{}, false
		}
		return Hold, say("hold_go.envelope_only", f.member.Address, f.verdict.Result.SPF, f.sender), true
	}},
	{RuleCohortFinished, func(f *postFacts) (Action, Said, bool) {
		return Refuse, say("hold_go.cohort_finished"), CohortClosed(f.list)
	}},
	{RuleEmergency, func(f *postFacts) (Action, Said, bool) {
		return Hold, say("hold_go.emergency"), f.list.Settings.Emergency
	}},
	{RuleModerator, func(f *postFacts) (Action, Said, bool) {
		return Accept, Said{}, f.member != nil && RoleRank(f.member.Role) >= RoleRank(ListModerator)
	}},
	{RuleAnnounce, func(f *postFacts) (Action, Said, bool) {
		return Hold, say("hold_go.announce"), f.list.Settings.Posting == store.PostingAnnounce && f.member != nil
	}},
	{RuleOpen, func(f *postFacts) (Action, Said, bool) {
		return Accept, Said{}, f.list.Settings.Posting == store.PostingOpen
	}},
	{RuleNonmember, func(f *postFacts) (Action, Said, bool) {
		if f.member != nil {
			return "", Said{}, false
		}
		switch f.list.Settings.NonmemberAction {
		case "reject":
			return Refuse, say("hold_go.nonmember_reject", f.sender), true
		case "discard":
			return Discard, say("hold_go.nonmember", f.sender), true
		}
		return Hold, say("hold_go.nonmember", f.sender), true
	}},
	{RuleApproved, func(f *postFacts) (Action, Said, bool) {
		return Accept, Said{}, f.member.PostFreely
	}},
	{RuleModerated, func(f *postFacts) (Action, Said, bool) {
		return Hold, say("hold_go.moderated"), f.list.Settings.Posting == store.PostingModerated
	}},
	{RuleNewMember, func(f *postFacts) (Action, Said, bool) {
		n := f.list.Settings.ModerateNewMembers
		return Hold, say("hold_go.new_member", n), n > 0 && f.member.Posts < n
	}},
	{RuleMember, func(f *postFacts) (Action, Said, bool) { return Accept, Said{}, true }},
}

func decide(f *postFacts) Decision {
	for _, r := range postingChain {
		if a, why, ok := r.check(f); ok {
			return Decision{Action: a, Rule: r.name, Reason: why.In(LangEnglish), Why: why}
		}
	}
	why := say("hold_go.no_rule")
	return Decision{Action: Hold, Rule: RuleNone, Reason: why.In(LangEnglish), Why: why}
}
