package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func rcptKey(k RcptKey) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint64(b, k.Msg)
	binary.BigEndian.PutUint32(b[8:], k.Index)
	return b
}

func dueKey(at time.Time, k RcptKey) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint64(b, uint64(at.UnixNano()))
	copy(b[8:], rcptKey(k))
	return b
}

// Enqueue stores one outgoing message and its recipients, all due at
// msg.Created. The body is stored once however many recipients share it.
// It returns the message ID.
func (t *Tx) Enqueue(msg QueuedMessage, body []byte, rcpts []QueuedRcpt) (uint64, error) {
	if len(rcpts) == 0 {
		return 0, nil // nothing to deliver; storing the body would orphan it
	}
	mb := t.tx.Bucket(bQMsg)
	id, err := mb.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	msg.ID = id
	mb.FillPercent = 0.9
	if err := putJSON(mb, u64(id), msg); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	bb := t.tx.Bucket(bQBody)
	bb.FillPercent = 0.9
	if err := bb.Put(u64(id), body); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	rb, db := t.tx.Bucket(bQRcpt), t.tx.Bucket(bQDue)
	rb.FillPercent = 0.9
	for i := range rcpts {
		r := &rcpts[i]
		r.MsgID, r.Index = id, uint32(i)
		r.Created = msg.Created
		if r.NextAttempt.IsZero() {
			r.NextAttempt = msg.Created
		}
		if err := putJSON(rb, rcptKey(r.Key()), r); err != nil {
			return 0, fmt.Errorf("enqueue: %w", err)
		}
		if err := db.Put(dueKey(r.NextAttempt, r.Key()), nil); err != nil {
			return 0, fmt.Errorf("enqueue: %w", err)
		}
	}
	return id, nil
}

// Due returns up to limit recipients whose next attempt is at or before
// now, oldest first, skipping those skip reports as already in flight. It
// also returns when it should ask again: when the earliest not-yet-due
// recipient falls due, or (when limit was reached) now. Zero means the
// queue is empty.
func (s *Store) Due(now time.Time, limit int, skip func(RcptKey) bool) (due []QueuedRcpt, next time.Time, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		rb := tx.Bucket(bQRcpt)
		c := tx.Bucket(bQDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
			if at.After(now) {
				next = at
				return nil
			}
			if len(due) >= limit {
				// Full: the caller asks again after this batch, so
				// scanning the rest of a large backlog is wasted work.
				next = at
				return nil
			}
			key := RcptKey{binary.BigEndian.Uint64(k[8:16]), binary.BigEndian.Uint32(k[16:20])}
			if skip != nil && skip(key) {
				continue
			}
			var r QueuedRcpt
			if err := getJSON(rb, k[8:], &r); err != nil {
				return fmt.Errorf("queue due %v: %w", key, err)
			}
			due = append(due, r)
		}
		return nil
	})
	return due, next, err
}

// QueuedMessage returns a queued message and a copy of its body.
func (s *Store) QueuedMessage(id uint64) (QueuedMessage, []byte, error) {
	var m QueuedMessage
	var body []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bQMsg), u64(id), &m); err != nil {
			return fmt.Errorf("queued message %d: %w", id, err)
		}
		body = append([]byte(nil), tx.Bucket(bQBody).Get(u64(id))...)
		return nil
	})
	return m, body, err
}

// Outcome is what one delivery attempt to one recipient came to.
type Outcome struct {
	Key       RcptKey
	Delivered bool
	// RetryAt is when to try again after a temporary failure; zero means
	// the recipient is given up (a permanent failure or too old).
	RetryAt   time.Time
	Error     string
	Permanent bool
	At        time.Time
	// Stage is where the attempt ended (StageConnect, StageMail,
	// StageRcpt, StageData; "" for a local problem). Only RCPT and DATA
	// answers are about this recipient's mailbox; a MAIL FROM or size
	// rejection is about the relay or the message and is no bounce.
	Stage string
}

// FinishHook runs inside Finish's transaction for each recorded outcome,
// with the queued message the recipient belongs to (its list and kind)
// and the recipient record as updated.
type FinishHook func(tx *Tx, m QueuedMessage, r QueuedRcpt, o Outcome) error

// Stages of a delivery attempt, for Outcome.Stage.
const (
	StageConnect = "connect" // reaching or talking to the relay
	StageMail    = "mail"    // MAIL FROM, the DATA command, or a size refusal: the whole transaction
	StageRcpt    = "rcpt"    // the RCPT TO answer for this recipient
	StageData    = "data"    // the answer after the message data
)

// Finish records delivery outcomes in one transaction: delivered
// recipients leave the queue, deferred ones are rescheduled, failed ones
// move to the failure log. A message whose recipients are all done is
// removed. hook, if not nil, runs in the same transaction for each outcome
// with the message and recipient records (bounce accounting).
func (s *Store) Finish(outcomes []Outcome, hook FinishHook) error {
	return s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{btx, s}
		rb, db, fb, mb := btx.Bucket(bQRcpt), btx.Bucket(bQDue), btx.Bucket(bQFailed), btx.Bucket(bQMsg)
		touched := map[uint64]bool{}
		msgs := map[uint64]QueuedMessage{}
		for _, o := range outcomes {
			k := rcptKey(o.Key)
			var r QueuedRcpt
			if err := getJSON(rb, k, &r); err != nil {
				continue // already finished (e.g. duplicate report)
			}
			m, ok := msgs[o.Key.Msg]
			if !ok {
				m = QueuedMessage{ID: o.Key.Msg}
				_ = getJSON(mb, u64(o.Key.Msg), &m) // kept while a recipient waits; zero if damaged
				msgs[o.Key.Msg] = m
			}
			if err := db.Delete(dueKey(r.NextAttempt, o.Key)); err != nil {
				return err
			}
			r.Attempts++
			r.LastError = o.Error
			switch {
			case o.Delivered:
				if err := rb.Delete(k); err != nil {
					return err
				}
				touched[o.Key.Msg] = true
			case !o.RetryAt.IsZero():
				r.NextAttempt = o.RetryAt
				if err := putJSON(rb, k, r); err != nil {
					return err
				}
				if err := db.Put(dueKey(r.NextAttempt, o.Key), nil); err != nil {
					return err
				}
			default:
				r.Failed = o.At
				r.Permanent = o.Permanent
				r.Header = ""
				r.List, r.Kind = m.List, m.Kind
				if err := putJSON(fb, k, r); err != nil {
					return err
				}
				if err := rb.Delete(k); err != nil {
					return err
				}
				touched[o.Key.Msg] = true
			}
			if hook != nil {
				if err := hook(tx, m, r, o); err != nil {
					return err
				}
			}
		}
		for id := range touched {
			prefix := u64(id)
			if k, _ := rb.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
				continue
			}
			if err := btx.Bucket(bQMsg).Delete(prefix); err != nil {
				return err
			}
			if err := btx.Bucket(bQBody).Delete(prefix); err != nil {
				return err
			}
		}
		return nil
	})
}

// EachQueued calls fn for every recipient still waiting for delivery, in
// queue order.
func (t *Tx) EachQueued(fn func(m QueuedMessage, r QueuedRcpt) error) error {
	return t.eachRcpt(bQRcpt, fn)
}

// EachFailed calls fn for every recipient that was given up.
func (t *Tx) EachFailed(fn func(m QueuedMessage, r QueuedRcpt) error) error {
	return t.eachRcpt(bQFailed, fn)
}

func (t *Tx) eachRcpt(bucket []byte, fn func(m QueuedMessage, r QueuedRcpt) error) error {
	mb := t.tx.Bucket(bQMsg)
	var cur QueuedMessage
	c := t.tx.Bucket(bucket).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r QueuedRcpt
		if err := jsonUnmarshal(v, &r); err != nil {
			return err
		}
		if cur.ID != r.MsgID {
			cur = QueuedMessage{ID: r.MsgID}
			_ = getJSON(mb, u64(r.MsgID), &cur) // gone once all are done
		}
		if cur.List == "" && cur.Kind == "" {
			// A given-up recipient keeps its message's list and kind.
			cur.List, cur.Kind = r.List, r.Kind
		}
		if err := fn(cur, r); err != nil {
			return err
		}
	}
	return nil
}

// QueueDepth is how many recipients wait for delivery.
func (s *Store) QueueDepth() int {
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bQRcpt).Stats().KeyN
		return nil
	})
	return n
}
