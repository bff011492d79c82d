package store

import "time"

// Settings are a list's settings, one field per key of `minyan list set
// LIST KEY VALUE` (the json names below are those keys). They live in the
// store (not the config file) because owners change them at runtime with
// `minyan list set`; listserv owns their names, presets and validation.
type Settings struct {
	Title                string          `json:"title"`
	Description          string          `json:"description"`
	Posting              PostingPolicy   `json:"posting"`
	NonmemberAction      string          `json:"nonmember_action"`
	Subscribe            SubscribePolicy `json:"subscribe"`
	Archive              ArchivePolicy   `json:"archive"`
	ReplyTo              string          `json:"reply_to"`
	SubjectPrefix        string          `json:"subject_prefix"`
	Footer               string          `json:"footer"`
	Personalize          bool            `json:"personalize"`
	DMARCMitigation      string          `json:"dmarc_mitigation"`
	ModerateNewMembers   int             `json:"moderate_new_members"`
	MaxMessageBytes      int64           `json:"max_message_bytes"`
	Capacity             int             `json:"capacity"`
	RequireGoodStanding  bool            `json:"require_good_standing"`
	Timezone             string          `json:"timezone"`
	DigestDay            string          `json:"digest_day"`
	DigestTime           string          `json:"digest_time"`
	ReminderOffsets      []time.Duration `json:"reminder_offsets"`
	SessionDigestBefore  time.Duration   `json:"session_digest_before"`
	HoldRemindAfter      time.Duration   `json:"hold_remind_after"`
	HoldExpireAfter      time.Duration   `json:"hold_expire_after"`
	BounceScoreThreshold int             `json:"bounce_score_threshold"`
	BounceWindow         time.Duration   `json:"bounce_window"`
	Emergency            bool            `json:"emergency"`
	// Language is what the list writes in to people who chose none
	// (en, he, es; "" is English).
	Language string `json:"language,omitempty"`
	// Advertised shows the list in the web directory; nil (lists made
	// before the setting existed) means the kind's default.
	Advertised    *bool  `json:"advertised,omitempty"`
	LapsedMembers string `json:"lapsed_members,omitempty"` // keep | notify | nomail
	// Topics are the #tags posts may carry (comma-separated); empty
	// means any tag.
	Topics string `json:"topics,omitempty"`
	// AlertFollowupAfter is how long after an action alert its one
	// follow-up goes to the members who have not acted (0: never).
	AlertFollowupAfter time.Duration `json:"alert_followup_after,omitempty"`
	// CohortEnd is a community's last day (YYYY-MM-DD); empty means the
	// day of its last scheduled session.
	CohortEnd string `json:"cohort_end,omitempty"`
	// AfterEnd is what happens after the cohort's end: close (the
	// default, also when empty) or continue.
	AfterEnd string `json:"after_end,omitempty"`
	// ConfirmBefore is how long before a session with registration its
	// registered people are asked "still coming?" (0: never).
	ConfirmBefore time.Duration `json:"confirm_before,omitempty"`
	// FeedbackAfter is how long after a session's end the people who
	// attended are asked for feedback (0: never).
	FeedbackAfter time.Duration `json:"feedback_after,omitempty"`
	// HarvestAfter is how long after a cohort's end the "What we made"
	// mail goes (0: the default, 168h).
	HarvestAfter time.Duration `json:"harvest_after,omitempty"`
}

// List is one mailing list. UIDValidity is fixed at creation so IMAP
// clients can cache the archive for ever.
type List struct {
	Name        string    `json:"name"`
	Kind        ListKind  `json:"kind"`
	Created     time.Time `json:"created"`
	UIDValidity uint32    `json:"uid_validity"`
	Settings    Settings  `json:"settings"`
	// Cohort records that a community's cohort ended (nil: it has not).
	Cohort *CohortState `json:"cohort,omitempty"`
}

// CohortState is what a community keeps of its cohort's end.
type CohortState struct {
	// Finished is the cohort's last day (YYYY-MM-DD), for people.
	Finished string `json:"finished"`
	// At is the instant the end was carried out.
	At time.Time `json:"at"`
	// Closed: after_end was close, so members became alumni and
	// later posts are answered and not distributed.
	Closed bool `json:"closed"`
	// Next names the list of the next cohort, once made.
	Next string `json:"next,omitempty"`
}

// Person holds the network-wide facts about an address, shared by all of
// its memberships (dues status is per person, not per list).
type Person struct {
	Address      string `json:"address"`
	Name         string `json:"name,omitempty"`
	GoodStanding bool   `json:"good_standing"`
	PasswordHash string `json:"password_hash,omitempty"`
	// NewPasswordHash is an app password issued but not used yet: the
	// old one keeps working until the new one logs in once, so a forged
	// request for a password cannot lock anyone out.
	NewPasswordHash string    `json:"new_password_hash,omitempty"`
	Created         time.Time `json:"created"`
	// Admin marks a site admin (every list, list creation).
	Admin bool `json:"admin,omitempty"`
}

// Membership ties a person to a list with a role, a delivery mode and a
// status. The two tokens are made once per membership: the one-click
// unsubscribe URL and the VERP bounce address carry them, so neither
// reveals the address and both die with the membership.
type Membership struct {
	List       string    `json:"list"`
	Address    string    `json:"address"`
	Role       ListRole  `json:"role"`
	Mode       Mode      `json:"mode"`
	Status     Status    `json:"status"`
	Joined     time.Time `json:"joined"`
	Posts      int       `json:"posts"`
	PostFreely bool      `json:"post_freely,omitempty"`
	// UnsubToken and BounceToken are derived from TokenNonce when the
	// record is read and are not stored (membertokens.go); a record from
	// before that carries them in clear until the first open migrates it.
	UnsubToken  string `json:"unsub_token,omitempty"`
	BounceToken string `json:"bounce_token,omitempty"`
	TokenNonce  string `json:"token_nonce,omitempty"`
	// LegacyTokens are the clear tokens a migrated record had: their
	// hashes stay indexed (links already sent work) until the membership
	// ends. Only the keyed hashes are kept, hex-encoded.
	LegacyTokens []string `json:"legacy_tokens,omitempty"`
	// Bounces are the times of counted bounces inside the window.
	Bounces []time.Time `json:"bounces,omitempty"`
	// BounceError is the last refusal counted as a bounce.
	BounceError string `json:"bounce_error,omitempty"`
	// ConfirmToken is the one outstanding join or leave confirmation of
	// this address on this list, ConfirmSent when it was last mailed: a
	// request repeated within a day sends nothing more.
	ConfirmToken string    `json:"confirm_token,omitempty"`
	ConfirmSent  time.Time `json:"confirm_sent,omitzero"`
	// SelfJoined marks a person who asked to join (mail or web), as
	// opposed to one an operator or a roster sync put on the list.
	SelfJoined bool `json:"self_joined,omitempty"`
	// LapsedMode is the delivery mode a lapse of good standing paused
	// (delivery is then nomail); it is restored when standing returns.
	LapsedMode Mode `json:"lapsed_mode,omitempty"`
	// DigestFormat is how digests reach the member ("" means html).
	DigestFormat DigestFormat `json:"digest_format,omitempty"`
	// DigestFrequency is how often digests come ("" means weekly).
	DigestFrequency DigestFrequency `json:"digest_frequency,omitempty"`
	// Topics are the list topics the member follows: posts tagged with
	// none of them come only in the digest. Empty means every post.
	Topics []string `json:"topics,omitempty"`
	// Org is the organization a delegate on a coalition list speaks for
	// (an Org's Slug); "" for everyone else.
	Org string `json:"org,omitempty"`
}

// ArchiveMeta is what the archive keeps beside the raw bytes of a post, so
// thread views, digests and IMAP ENVELOPE answers need not re-parse it.
type ArchiveMeta struct {
	Seq        uint64    `json:"seq"`
	MessageID  string    `json:"message_id"`
	InReplyTo  string    `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
	Thread     uint64    `json:"thread"`
	From       string    `json:"from"`
	FromName   string    `json:"from_name,omitempty"`
	Subject    string    `json:"subject"`
	Date       time.Time `json:"date"`
	Archived   time.Time `json:"archived"`
	Size       int       `json:"size"`
}

// Held is a post (or join request) waiting for a moderator. Decided items
// stay with their decision as history.
type Held struct {
	ID           uint64   `json:"id"`
	List         string   `json:"list"`
	Kind         HeldKind `json:"kind"` // post | join
	EnvelopeFrom string   `json:"envelope_from"`
	From         string   `json:"from"`
	Subject      string   `json:"subject"`
	// Reason is why the item was held, in English (the log, the CLI,
	// the API); ReasonKey and ReasonArgs are the same sentence as a
	// catalogue key and its arguments, so each reader sees it in their
	// language. Records written before they existed lack them and show
	// Reason as it is.
	Reason     string     `json:"reason"`
	ReasonKey  string     `json:"reason_key,omitempty"`
	ReasonArgs []string   `json:"reason_args,omitempty"`
	Raw        []byte     `json:"raw,omitempty"`
	Received   time.Time  `json:"received"`
	Status     HeldStatus `json:"status"` // pending | approved | rejected | discarded | withdrawn | expired
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  time.Time  `json:"decided_at,omitzero"`
	Note       string     `json:"note,omitempty"`
	Reminded   time.Time  `json:"reminded,omitzero"`
	// Token is the moderators' reply token, WithdrawToken the author's;
	// the store keeps references to their hashes (TokenRef).
	Token         string `json:"token,omitempty"`
	WithdrawToken string `json:"withdraw_token,omitempty"`
}

// Token is a random capability mailed or linked to a person. Confirmation
// tokens expire and are single-use; membership tokens (unsubscribe, bounce)
// live as long as the membership.
type Token struct {
	// Token is the clear value, in memory only: the store keeps the
	// record under the token's keyed hash, without it (tokenhash.go).
	Token   string    `json:"token,omitempty"`
	Kind    string    `json:"kind"`
	List    string    `json:"list"`
	Address string    `json:"address"`
	Ref     uint64    `json:"ref,omitempty"`
	Data    string    `json:"data,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"`
	Used    time.Time `json:"used,omitzero"`
	UsedBy  string    `json:"used_by,omitempty"`
}

// QueuedMessage is one rendered outgoing message whose bytes are shared by
// all of its recipients; the body is stored once, separately.
type QueuedMessage struct {
	ID      uint64    `json:"id"`
	List    string    `json:"list"`
	Kind    string    `json:"kind"` // post | notice | digest | reminder ...
	Created time.Time `json:"created"`
	// Batch allows several recipients in one SMTP transaction (no
	// per-recipient header and a shared envelope sender).
	Batch bool `json:"batch"`
	// Mark is a placeholder the body carries where each recipient's Fill
	// goes (an action alert's personal link); "" when the body is the
	// same for everyone.
	Mark string `json:"mark,omitempty"`
}

// QueuedRcpt is the delivery work for one recipient of a QueuedMessage.
// Header is spliced in front of the shared body (per-recipient List-
// Unsubscribe), EnvelopeFrom is the VERP return path.
type QueuedRcpt struct {
	MsgID        uint64 `json:"msg"`
	Index        uint32 `json:"idx"`
	Address      string `json:"addr"`
	EnvelopeFrom string `json:"env_from"`
	Header       string `json:"header,omitempty"`
	// Fill replaces the message's Mark, wherever the body carries it, in
	// this recipient's copy (same length as the Mark).
	Fill        string    `json:"fill,omitempty"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next"`
	Created     time.Time `json:"created"`
	LastError   string    `json:"last_error,omitempty"`
	// Set when the recipient left the queue without delivery.
	Failed    time.Time `json:"failed,omitzero"`
	Permanent bool      `json:"permanent,omitempty"`
	// List and Kind are copied from the message when the recipient is
	// given up: the message record goes once no recipient waits for it,
	// and the failure log must still say what the mail was.
	List string `json:"list,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// Key identifies a recipient record in the queue.
func (r QueuedRcpt) Key() RcptKey { return RcptKey{r.MsgID, r.Index} }

// RcptKey names one recipient of one queued message.
type RcptKey struct {
	Msg   uint64
	Index uint32
}
