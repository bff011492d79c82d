package rewrite

import "time"

// Options is what a list's settings say about redistributing a post. The
// header values are given whole (e.g. Post "<mailto:team@example.org>") so
// this package does not need to know how URLs and addresses are built;
// "" omits a field. Line breaks in values are turned into spaces.
type Options struct {
	// ListAddress is the posting address, NAME@domain. It is needed for
	// ReplyToList and MungeFrom.
	ListAddress string
	// ListName is NAME, shown in a munged From as "Author via NAME"
	// (defaults to the local part of ListAddress).
	ListName string
	// ListID is the whole List-Id value, see ListIDValue.
	ListID string
	// Prefix is the subject tag, e.g. "[team] ", or "" for none.
	Prefix string
	// Footer is appended with AddFooter ("" for none).
	Footer string
	// Tail is text added after the post and its footer as an inline
	// text/plain part of its own (AddFooterPart), never merged into the
	// post's text, so its ASCII lines reach readers byte for byte: an
	// action alert's personal link is spliced into it on the way out.
	Tail string
	// Subject, when set, replaces the post's decoded subject before the
	// tag is applied (an alert's subject without its #alert).
	Subject string
	// DropReplyTo leaves Reply-To out of the copy: each recipient gets
	// their own (an alert's NAME-act+TOKEN), spliced in at delivery.
	DropReplyTo bool
	// ReplyToList directs replies to the list (see the package doc for
	// the Reply-To rule).
	ReplyToList bool
	// MungeFrom rewrites From to the list address: the DMARC mitigation
	// for authors whose domain publishes p=quarantine or p=reject.
	MungeFrom bool
	// AuthorOrg is the organization a coalition list's delegate speaks
	// for; with MungeFrom the From reads "Author (ORG) via NAME".
	AuthorOrg string

	// Post is the List-Post value; "" omits it (announce lists).
	Post string
	// Help, Subscribe and Unsubscribe are the List-Help, List-Subscribe
	// and List-Unsubscribe values.
	Help, Subscribe, Unsubscribe string
	// UnsubscribePost adds "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
	// (RFC 8058) when Unsubscribe is set.
	UnsubscribePost bool
	// Archive and ArchivedAt are the List-Archive and Archived-At values.
	Archive, ArchivedAt string
	// Sender is the Sender address, e.g. NAME-bounces@domain.
	Sender string

	// MessageID is the id (with or without <>) given to a post that has
	// none; "" generates a random one at Domain.
	MessageID string
	// Domain is the right-hand side of generated Message-IDs (defaults to
	// the domain of ListAddress).
	Domain string
	// Now is the Date given to a post without a valid one (zero: the
	// current time).
	Now time.Time
}
