package deliver

import (
	"sync"

	"minyan/store"
)

// message is a queued message's shared bytes, loaded once and kept while
// any of its recipients is in flight. Everything but refs is immutable
// after loading, so connection goroutines read it without locks; refs
// belongs to the scheduler, and sig is guarded by sigOnce.
type message struct {
	q store.QueuedMessage
	// raw is the body as stored (Maildir mode).
	raw []byte
	// wire is the body ready for DATA (SMTP mode): CRLF line endings,
	// dot-stuffed, ending in CRLF, without the final ".".
	wire []byte
	// size is the body's length as stored, for SIZE.
	size int64
	// eightBit says the body has bytes above 127 (BODY=8BITMIME).
	eightBit bool
	// broken is set when the body could not be loaded; the recipients of
	// such a message are given up instead of sent.
	broken error
	refs   int
	// canon is the body as the receiver sees it (wireText), kept for
	// DKIM signing; nil when mail is not signed.
	canon []byte
	// sig is the message's one DKIM signature for recipients without a
	// per-recipient header (batched mail), made once on first use.
	sigOnce sync.Once
	sig     string
}

// newMessage prepares the shared bytes for the mode in use.
func newMessage(q store.QueuedMessage, body []byte, smtp bool) *message {
	m := &message{q: q, size: int64(len(body)), eightBit: hasEightBit(body)}
	if smtp {
		m.wire = dotStuff(nil, body)
	} else {
		m.raw = body
	}
	return m
}

// job is the unit of work handed to a connection goroutine: one SMTP
// transaction's worth of recipients of one message.
type job struct {
	msg   *message
	rcpts []store.QueuedRcpt
	// sig is the DKIM-Signature field to put in front of this job's
	// copy ("" when unsigned); set just before the job is attempted.
	sig string
}

func hasEightBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
