package migrate

import "minyan/store"

// The words Mailman 3 core's REST API exports for the settings the
// import maps, typed so each is read by a table instead of compared.
// Mailman 2 keeps the same policies as numbers; its tables below name
// them with these words, so both formats map them the same way.

// Mailman 2's numbered policies (config.pck), as Mailman 3's words.
var (
	mm2SubscribePolicy = map[int64]mm3SubscriptionPolicy{0: mm3SubscribeOpen, 1: mm3SubscribeConfirm,
		2: mm3SubscribeModerate, 3: mm3SubscribeConfirmThenModerate}
	mm2NonmemberAction = map[int64]mm3Action{0: mm3Accept, 1: mm3Hold, 2: mm3Reject, 3: mm3Discard}
	mm2ReplyGoesToList = map[int64]mm3ReplyGoesToList{0: "no_munging", 1: "point_to_list", 2: "explicit_header"}
)

// mm3SubscriptionPolicy is config.subscription_policy.
type mm3SubscriptionPolicy string

const (
	mm3SubscribeOpen                mm3SubscriptionPolicy = "open"
	mm3SubscribeConfirm             mm3SubscriptionPolicy = "confirm"
	mm3SubscribeModerate            mm3SubscriptionPolicy = "moderate"
	mm3SubscribeConfirmThenModerate mm3SubscriptionPolicy = "confirm_then_moderate"
)

// mm3Subscribe maps subscription_policy to the subscribe setting; a
// confirm_then_moderate list becomes approve (and is reported).
var mm3Subscribe = map[mm3SubscriptionPolicy]store.SubscribePolicy{
	mm3SubscribeOpen:                store.SubscribeOpen,
	mm3SubscribeConfirm:             store.SubscribeConfirm,
	mm3SubscribeModerate:            store.SubscribeApprove,
	mm3SubscribeConfirmThenModerate: store.SubscribeApprove,
}

// mm3ArchivePolicy is config.archive_policy.
type mm3ArchivePolicy string

const (
	mm3ArchivePublic  mm3ArchivePolicy = "public"
	mm3ArchivePrivate mm3ArchivePolicy = "private"
	mm3ArchiveNever   mm3ArchivePolicy = "never"
)

// mm3Archive maps archive_policy to the archive setting.
var mm3Archive = map[mm3ArchivePolicy]store.ArchivePolicy{
	mm3ArchivePublic:  store.ArchivePublic,
	mm3ArchivePrivate: store.ArchiveMembers,
	mm3ArchiveNever:   store.ArchiveOff,
}

// mm3Action is config.default_member_action and
// default_nonmember_action: what happens to a post.
type mm3Action string

const (
	mm3Accept  mm3Action = "accept"
	mm3Hold    mm3Action = "hold"
	mm3Defer   mm3Action = "defer"
	mm3Reject  mm3Action = "reject"
	mm3Discard mm3Action = "discard"
)

// mm3NonmemberAction maps default_nonmember_action to the
// nonmember_action setting (accept maps to posting = open instead).
var mm3NonmemberAction = map[mm3Action]string{mm3Hold: "hold", mm3Defer: "hold", mm3Reject: "reject", mm3Discard: "discard"}

// mm3ReplyGoesToList is config.reply_goes_to_list.
type mm3ReplyGoesToList string

// mm3ReplyTo maps reply_goes_to_list to the reply_to setting; an
// explicit address (explicit_header, explicit_header_only) has none.
var mm3ReplyTo = map[mm3ReplyGoesToList]string{"no_munging": "sender", "point_to_list": "list"}

// mm3DMARCAction is config.dmarc_mitigate_action.
type mm3DMARCAction string

const (
	mm3NoMitigation mm3DMARCAction = "no_mitigation"
	mm3MungeFrom    mm3DMARCAction = "munge_from"
	mm3WrapMessage  mm3DMARCAction = "wrap_message"
)

// mm3Personalize is config.personalize; none is off, the others
// (individual, full) on.
type mm3Personalize string

const mm3PersonalizeNone mm3Personalize = "none"

// mm3DeliveryEnabled is the delivery_status of a member who gets mail;
// the other statuses (by_user, by_moderator, by_bounces) pause it.
const mm3DeliveryEnabled = "enabled"
