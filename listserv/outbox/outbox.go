// Package outbox is the one owner of minyan's outgoing mail. Everything
// minyan sends (a post's fan-out, a notice, a bounce probe, a digest, a
// reminder) enters the durable queue through Outbox.Enqueue, inside the
// transaction that decides to send it, and leaves through the delivery
// worker beneath it (package deliver), which the outbox runs and wakes.
//
// # The contract
//
//   - Enqueue writes the message and its recipients in the caller's
//     store transaction: the mail exists exactly when the state change
//     that caused it was committed, never one without the other.
//   - Enqueue wakes the worker itself once that transaction commits
//     (never if it rolls back). No caller wakes anything.
//   - Every queued message carries a Kind from the closed set below.
//   - Each delivery outcome (delivered, deferred, given up) is recorded in
//     a store transaction, and the Hook given to Run sees it inside that
//     same transaction, with the list and kind of the queued message the
//     recipient belongs to.
//
// # Adding another kind of outgoing work
//
// Whatever else must leave the server reliably follows the same shape:
// the domain writes the work in its own transaction through one Enqueue
// of the owner of that work, the owner wakes its worker on commit, and
// outcomes come back to the domain through an interface, inside the
// transaction that records them.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"minyan/listserv/outbox/deliver"
	"minyan/store"
)

// Kind says what a queued message is. The value is stored with the
// message and shown by `minyan queue ls`.
type Kind string

// The kinds of mail minyan sends.
const (
	// KindPost is a list post fanned out to the members.
	KindPost Kind = "post"
	// KindNotice is a message minyan writes to one person or a few:
	// confirmations, rejections, moderator notes, command results.
	KindNotice Kind = "notice"
	// KindProbe tests a member's mailbox after delivery was disabled by
	// bounces; the relay accepting it re-enables delivery.
	KindProbe Kind = "probe"
	// KindWeeklyDigest is a list's weekly digest.
	KindWeeklyDigest Kind = "digest"
	// KindSessionDigest is the digest sent before a session.
	KindSessionDigest Kind = "session-digest"
	// KindReminder is a session reminder.
	KindReminder Kind = "reminder"
	// KindSessionUpdate tells members a session moved.
	KindSessionUpdate Kind = "session-update"
	// KindSessionCancel tells members a session was cancelled.
	KindSessionCancel Kind = "session-cancel"
	// KindPairsCheckin asks chevruta pairs how they are getting on.
	KindPairsCheckin Kind = "pairs-checkin"
	// KindPairsShare asks chevruta pairs what to share with the session.
	KindPairsShare Kind = "pairs-share"
	// KindAlert is an action alert's fan-out: every copy carries the
	// member's own link and Reply-To (see Message.Mark).
	KindAlert Kind = "alert"
	// KindAlertFollowup is the one follow-up of an alert, to the
	// members who have not acted.
	KindAlertFollowup Kind = "alert-followup"
	// KindStillComing asks the people registered for a session whether
	// they still come (confirm_before).
	KindStillComing Kind = "still-coming"
	// KindFeedback asks the people who attended a session for a rating
	// and words (feedback_after).
	KindFeedback Kind = "feedback"
	// KindHarvest asks a cohort's chevruta pairs what they made, and
	// later lists it ("What we made").
	KindHarvest Kind = "harvest"
)

// Message is one outgoing message whose bytes all its recipients share.
type Message struct {
	// List is the list the mail belongs to ("" for the site's own mail).
	// Outcomes are reported for this list.
	List string
	// Raw is the complete message (header and body).
	Raw []byte
	// Batch allows several recipients in one SMTP transaction: only for
	// recipients without a per-recipient header that share an envelope
	// sender.
	Batch bool
	// At is when the message was queued (the caller's clock); its
	// recipients are due from then on.
	At time.Time
	// Mark is a placeholder in Raw that each recipient's Fill replaces
	// on the way out (an alert's personal link), so the body is still
	// rendered once; "" for none. A recipient's Fill must be as long as
	// the Mark.
	Mark string
}

// Delivery is one recipient's recorded outcome, as the Hook sees it.
type Delivery struct {
	// List and Kind are those of the queued message.
	List string
	Kind Kind
	// Rcpt is the recipient's queue record (address, envelope sender,
	// attempts so far).
	Rcpt store.QueuedRcpt
	// Outcome is what the attempt came to.
	Outcome store.Outcome
}

// Hook hears every recorded delivery outcome, inside the transaction
// that records it (the domain's bounce accounting). An error rolls back
// the group of outcomes; the worker then records them one by one, so a
// Hook should fail only for real.
type Hook interface {
	DeliveryOutcome(tx *store.Tx, d Delivery) error
}

// Outbox owns the outbound queue. Build one per store with New; any
// number of goroutines may Enqueue; one Run delivers.
type Outbox struct {
	worker *deliver.Worker
	// hook is set by Run before the worker starts and never changes
	// after.
	hook Hook
}

// New prepares an outbox over the queue in o.Store, delivering as o says
// (relay, DKIM, clock, metrics). o.Hook must be nil: outcomes go to the
// Hook given to Run. Nothing is sent until Run; an outbox that is never
// run (a command working on the store while no daemon runs) only queues,
// and the daemon sends that mail when it starts.
func New(o deliver.Options) *Outbox {
	ob := &Outbox{}
	o.Hook = ob.finished
	ob.worker = deliver.New(o)
	return ob
}

// Enqueue queues m for rcpts, as kind, inside tx, and wakes the delivery
// worker when tx commits. It is the only way mail enters the queue. It
// returns the queued message's ID (0 when rcpts is empty: nothing is
// stored).
func (ob *Outbox) Enqueue(tx *store.Tx, m Message, rcpts []store.QueuedRcpt, kind Kind) (uint64, error) {
	if kind == "" {
		return 0, errors.New("outbox: a message without a kind")
	}
	for _, r := range rcpts {
		if r.Fill != "" && len(r.Fill) != len(m.Mark) {
			return 0, fmt.Errorf("queue %s mail: a recipient's fill does not match the message's mark", kind)
		}
	}
	id, err := tx.Enqueue(store.QueuedMessage{List: m.List, Kind: string(kind), Created: m.At, Batch: m.Batch, Mark: m.Mark}, m.Raw, rcpts)
	if err != nil {
		return 0, fmt.Errorf("queue %s mail: %w", kind, err)
	}
	if id != 0 {
		tx.OnCommit(ob.worker.Kick)
	}
	return id, nil
}

// Wake makes the worker look at the queue now rather than at its next
// planned moment: after the clock moved (tests) or an operator asked for
// a retry. Mail that was enqueued needs no Wake.
func (ob *Outbox) Wake() { ob.worker.Kick() }

// Run delivers the queue until ctx ends, reporting every outcome to
// hook (which may be nil). Call it once.
func (ob *Outbox) Run(ctx context.Context, hook Hook) error {
	ob.hook = hook
	return ob.worker.Run(ctx)
}

// finished is the worker's store hook: it hands the outcome on with the
// message's list and kind.
func (ob *Outbox) finished(tx *store.Tx, m store.QueuedMessage, r store.QueuedRcpt, o store.Outcome) error {
	if ob.hook == nil {
		return nil
	}
	return ob.hook.DeliveryOutcome(tx, Delivery{List: m.List, Kind: Kind(m.Kind), Rcpt: r, Outcome: o})
}
