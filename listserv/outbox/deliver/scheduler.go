package deliver

import (
	"context"
	"time"

	"minyan/store"
)

// scheduler is the state of the one goroutine that decides what is sent
// when. Nothing else touches it.
type scheduler struct {
	w        *Worker
	inflight map[store.RcptKey]struct{}
	msgs     map[uint64]*message
	pending  []*job
	// wantScan asks for a look at the queue (kick, timer, or the last scan
	// stopped at its limit and capacity was freed since).
	wantScan bool
	// more says the last scan stopped at its limit.
	more bool
	// next is when the earliest recipient not yet in flight falls due
	// (zero: none known).
	next time.Time
	// retryScan backs off after a failed scan.
	retryScan time.Time
	// unsettled counts the recipients handed to connections whose
	// outcome is not committed yet (see mayDispatch).
	unsettled int
	// sent holds the keys of those recipients.
	sent map[store.RcptKey]struct{}
}

// mayDispatch tells whether a job of n recipients may go to a connection
// now. Recipients a connection has sent but whose outcome is not yet
// committed are what a crash (kill -9) delivers twice, so their number
// is bounded: at most maxUnsettled, or, for batch transactions larger
// than that, one transaction per connection. When commits slow down
// (a busy disk, other writers), dispatch waits for them instead of
// piling up delivered-but-unrecorded mail.
func (s *scheduler) mayDispatch(n int) bool {
	return s.unsettled == 0 || s.unsettled+n <= max(maxUnsettled, s.w.o.Relay.Connections*n)
}

// dispatched notes a job handed to a connection.
func (s *scheduler) dispatched(j *job) {
	for _, r := range j.rcpts {
		s.sent[r.Key()] = struct{}{}
	}
	s.unsettled += len(j.rcpts)
}

// schedule runs the dispatch loop until ctx is done. It is the only
// caller of Store.Due and the only owner of the in-flight set.
func (w *Worker) schedule(ctx context.Context, jobs chan<- *job, committed <-chan commitReport) {
	s := &scheduler{
		w:        w,
		inflight: map[store.RcptKey]struct{}{},
		sent:     map[store.RcptKey]struct{}{},
		msgs:     map[uint64]*message{},
		wantScan: true,
	}
	limit := w.o.scanLimit()
	timer := time.NewTimer(maxPoll)
	defer timer.Stop()
	for {
		now := w.o.Clock.Now()
		// Scan when half the in-flight allowance is free, so each scan
		// (which walks the due index) fetches a worthwhile amount.
		if s.wantScan && len(s.inflight) <= limit/2 && !now.Before(s.retryScan) {
			s.scan(now, limit)
		}
		var out chan<- *job
		var head *job
		if len(s.pending) > 0 && s.mayDispatch(len(s.pending[0].rcpts)) {
			out, head = jobs, s.pending[0]
		}
		timer.Reset(s.wait(now))
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
			s.wantScan = true
		case <-timer.C:
			s.wantScan = true
		case rep := <-committed:
			s.release(rep)
		case out <- head:
			s.pending[0] = nil
			s.pending = s.pending[1:]
			s.dispatched(head)
		}
	}
}

// wait is how long the loop may sleep before it must look at the queue.
func (s *scheduler) wait(now time.Time) time.Duration {
	if s.wantScan {
		// A scan is owed: it waits for a failed scan's back-off, or for
		// in-flight capacity, which a commit report brings.
		if s.retryScan.After(now) {
			return s.retryScan.Sub(now)
		}
		return maxPoll
	}
	if s.next.IsZero() {
		return maxPoll
	}
	return min(maxPoll, max(s.next.Sub(now), 0))
}

// scan fetches due recipients that are not in flight and turns them into
// pending jobs.
func (s *scheduler) scan(now time.Time, limit int) {
	due, next, err := s.w.o.Store.Due(now, limit, func(k store.RcptKey) bool {
		_, busy := s.inflight[k]
		return busy
	})
	if err != nil {
		s.w.log.Error("reading the queue", "err", err)
		s.retryScan = now.Add(time.Second)
		return
	}
	s.retryScan = time.Time{}
	s.next = next
	s.more = len(due) >= limit
	s.wantScan = false

	// Open batch jobs by message and envelope sender, so a batch message's
	// recipients share transactions up to MaxRecipients.
	type batchKey struct {
		msg  uint64
		from string
	}
	open := map[batchKey]*job{}
	maxRcpt := s.w.o.Relay.MaxRecipients
	for _, r := range due {
		m := s.message(r.MsgID)
		s.inflight[r.Key()] = struct{}{}
		m.refs++
		if !m.q.Batch || r.Header != "" || r.Fill != "" || m.broken != nil {
			s.pending = append(s.pending, &job{msg: m, rcpts: []store.QueuedRcpt{r}})
			continue
		}
		k := batchKey{r.MsgID, r.EnvelopeFrom}
		j := open[k]
		if j == nil || len(j.rcpts) >= maxRcpt {
			j = &job{msg: m, rcpts: make([]store.QueuedRcpt, 0, min(maxRcpt, len(due)))}
			open[k] = j
			s.pending = append(s.pending, j)
		}
		j.rcpts = append(j.rcpts, r)
	}
	if len(due) > 0 {
		s.w.log.Debug("dispatching", "recipients", len(due), "jobs", len(s.pending), "in_flight", len(s.inflight))
	}
}

// message returns the cached message id, loading its body from the store
// the first time. A message that cannot be loaded is returned marked
// broken so its recipients are given up rather than retried for ever.
func (s *scheduler) message(id uint64) *message {
	if m := s.msgs[id]; m != nil {
		return m
	}
	q, body, err := s.w.o.Store.QueuedMessage(id)
	var m *message
	if err != nil {
		s.w.log.Error("loading a queued message", "msg", id, "err", err)
		m = &message{q: store.QueuedMessage{ID: id}, broken: err}
	} else {
		if s.w.o.DKIM != nil {
			// A signature must survive a next hop without 8BITMIME,
			// which would re-encode an 8-bit body itself.
			body = SevenBit(body)
		}
		m = newMessage(q, body, s.w.o.Relay.Address != "")
		if s.w.o.DKIM != nil {
			m.canon = wireText(body)
			m.canonMarks = findMarks(m.canon, q.Mark)
		}
	}
	s.msgs[id] = m
	return m
}

// release forgets recipients whose outcome is committed, and the bodies
// nobody in flight needs any more.
func (s *scheduler) release(rep commitReport) {
	for _, k := range rep.keys {
		if _, ok := s.sent[k]; ok {
			delete(s.sent, k)
			s.unsettled--
		}
		if _, ok := s.inflight[k]; !ok {
			continue
		}
		delete(s.inflight, k)
		if m := s.msgs[k.Msg]; m != nil {
			if m.refs--; m.refs <= 0 {
				delete(s.msgs, k.Msg)
			}
		}
	}
	if !rep.retry.IsZero() && (s.next.IsZero() || rep.retry.Before(s.next)) {
		s.next = rep.retry
	}
	if s.more || rep.unrecorded {
		s.wantScan = true
	}
}
