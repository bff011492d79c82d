package deliver

import (
	"bytes"
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
	// marks are where the body (wire in SMTP mode, raw in Maildir mode)
	// carries q.Mark, canonMarks the same in canon: each recipient's
	// Fill is written over them on the way out.
	marks, canonMarks []int
}

// newMessage prepares the shared bytes for the mode in use.
func newMessage(q store.QueuedMessage, body []byte, smtp bool) *message {
	m := &message{q: q, size: int64(len(body)), eightBit: hasEightBit(body)}
	if smtp {
		m.wire = dotStuff(nil, body)
		m.marks = findMarks(m.wire, q.Mark)
	} else {
		m.raw = body
		m.marks = findMarks(m.raw, q.Mark)
	}
	return m
}

// findMarks returns the offsets of every mark in body (none when mark is
// "").
func findMarks(body []byte, mark string) []int {
	if mark == "" {
		return nil
	}
	var out []int
	for at := 0; ; {
		i := bytes.Index(body[at:], []byte(mark))
		if i < 0 {
			return out
		}
		out = append(out, at+i)
		at += i + len(mark)
	}
}

// filled returns the pieces of one recipient's copy of body: the shared
// bytes between the marks and the recipient's fill over each mark (n is
// the mark's length). The shared bytes are never copied, so a personal
// link costs a few slice headers per recipient, not a rendered message.
func filled(body []byte, marks []int, n int, fill string) [][]byte {
	if fill == "" || len(marks) == 0 || len(fill) != n {
		return [][]byte{body}
	}
	f := []byte(fill)
	out := make([][]byte, 0, 2*len(marks)+1)
	prev := 0
	for _, at := range marks {
		out = append(out, body[prev:at], f)
		prev = at + n
	}
	return append(out, body[prev:])
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
