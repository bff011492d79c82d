package rewrite

import (
	"net/mail"
	"time"

	"github.com/emersion/go-message/textproto"
)

// Message is a parsed inbound post. The header and body are kept as the
// bytes that arrived so the list only changes what it means to change; the
// other fields are decoded views of the header that routing, moderation,
// loop detection and archiving need.
type Message struct {
	// Raw is the message exactly as given to Parse.
	Raw []byte
	// Header is the byte-exact header (go-message textproto).
	Header textproto.Header
	// Body is the raw bytes after the blank line that ends the header,
	// with the line endings they arrived with.
	Body []byte

	// From is the author: the first address of the one From field. It
	// is the only reading of From in minyan; the sender check judges
	// this address and no other.
	From *mail.Address
	// FromAddresses is how many distinct addresses the From field names
	// (1 for an ordinary post).
	FromAddresses int
	// Subject is the RFC 2047-decoded subject; encoded words in unknown
	// charsets are kept as they were.
	Subject string
	// MessageID is the Message-ID without angle brackets, "" if none.
	MessageID string
	// InReplyTo is the first id of In-Reply-To, without angle brackets.
	InReplyTo string
	// References are the ids of References, oldest first.
	References []string
	// Date is the parsed Date header, zero if missing or unparseable.
	Date time.Time
	// ListIDs are the lowercased ids (between < and >) of every List-Id
	// header: a post that already carries this list's id is a loop.
	ListIDs []string
	// AutoSubmitted is the lowercased Auto-Submitted token ("" if none).
	AutoSubmitted string
	// Precedence is the lowercased Precedence token ("" if none).
	Precedence string
}
