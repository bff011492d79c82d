package store

// The typed vocabulary of the records. Each type is a string underneath
// and keeps the JSON value it always had, so a store written before the
// fields were typed opens and reads unchanged (store_compat_test.go
// reads one made by 837ae7d). listserv aliases these types and
// constants (listserv.ListRole, listserv.StatusOK, ...) and owns what
// they mean; the store only keeps them.

// ListRole is a person's role on a list (Membership.Role).
type ListRole string

// Roles in increasing order of rights.
const (
	ListMember      ListRole = "member"
	ListFacilitator ListRole = "facilitator"
	ListModerator   ListRole = "moderator"
	ListOwner       ListRole = "owner"
)

// Mode is how a member gets a list's mail (Membership.Mode).
type Mode string

// The delivery modes.
const (
	ModeEach   Mode = "each"
	ModeDigest Mode = "digest"
	ModeNomail Mode = "nomail"
)

// Status is where a membership stands (Membership.Status).
type Status string

// The statuses a membership can have.
const (
	StatusOK       Status = "ok"
	StatusBouncing Status = "bouncing"
	StatusDisabled Status = "disabled"
	StatusWaitlist Status = "waitlist"
	StatusPending  Status = "pending"
	StatusBanned   Status = "banned"
	// StatusAlumni is a member of a community whose cohort ended and
	// closed: they read the archive and the hub, get no mail and do
	// not post.
	StatusAlumni Status = "alumni"
)

// ListKind is a kind of list (List.Kind): a preset of settings.
type ListKind string

// The kinds of list.
const (
	KindCommunity  ListKind = "community"
	KindCaucus     ListKind = "caucus"
	KindDiscussion ListKind = "discussion"
	KindAnnounce   ListKind = "announce"
	KindCoalition  ListKind = "coalition"
)

// HeldKind is what a held item is (Held.Kind).
type HeldKind string

// The kinds of held item.
const (
	HeldPost HeldKind = "post"
	HeldJoin HeldKind = "join"
)

// HeldStatus is where a held item stands (Held.Status): pending until
// someone decides, then the decision.
type HeldStatus string

// The statuses of a held item.
const (
	HeldPending   HeldStatus = "pending"
	HeldApproved  HeldStatus = "approved"
	HeldRejected  HeldStatus = "rejected"
	HeldDiscarded HeldStatus = "discarded"
	HeldWithdrawn HeldStatus = "withdrawn"
	HeldExpired   HeldStatus = "expired"
	HeldBanned    HeldStatus = "banned"
)

// SubscribePolicy is a list's `subscribe` setting: how people join.
type SubscribePolicy string

// The subscribe policies.
const (
	SubscribeOpen    SubscribePolicy = "open"
	SubscribeConfirm SubscribePolicy = "confirm"
	SubscribeApprove SubscribePolicy = "approve"
	SubscribeClosed  SubscribePolicy = "closed"
)

// PostingPolicy is a list's `posting` setting: who may post unmoderated.
type PostingPolicy string

// The posting policies.
const (
	PostingMembers   PostingPolicy = "members"
	PostingModerated PostingPolicy = "moderated"
	PostingOpen      PostingPolicy = "open"
	PostingAnnounce  PostingPolicy = "announce"
)

// ArchivePolicy is a list's `archive` setting: who may read the archive.
type ArchivePolicy string

// The archive policies.
const (
	ArchivePublic  ArchivePolicy = "public"
	ArchiveMembers ArchivePolicy = "members"
	ArchiveOwners  ArchivePolicy = "owners"
	ArchiveOff     ArchivePolicy = "off"
)

// PartnerType is what kind of partner an organization on a coalition
// list is (Org.Partner), from the partner worksheet.
type PartnerType string

// The partner types.
const (
	PartnerImmigrantLed   PartnerType = "immigrant-led"
	PartnerJewish         PartnerType = "jewish"
	PartnerInterfaithAlly PartnerType = "interfaith-ally"
	PartnerOther          PartnerType = "other"
)
