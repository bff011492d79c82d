package deliver

import (
	"testing"

	"minyan/store"
)

// TestUnsettledBound: the scheduler stops handing out jobs while
// maxUnsettled recipients (single-recipient jobs) or one batch
// transaction per connection are sent but not recorded, and resumes as
// commits settle them. This bounds what a kill -9 can deliver twice.
func TestUnsettledBound(t *testing.T) {
	w := New(Options{Relay: Relay{Connections: 4, MaxRecipients: 500}})
	s := &scheduler{w: w, inflight: map[store.RcptKey]struct{}{}, sent: map[store.RcptKey]struct{}{}, msgs: map[uint64]*message{}}
	mk := func(msg uint64, n int) *job {
		j := &job{msg: &message{}}
		for i := range n {
			k := store.QueuedRcpt{MsgID: msg, Index: uint32(i)}
			j.rcpts = append(j.rcpts, k)
			s.inflight[k.Key()] = struct{}{}
		}
		return j
	}
	var singles []*job
	for i := range 1000 {
		j := mk(uint64(i+1), 1)
		if !s.mayDispatch(1) {
			break
		}
		s.dispatched(j)
		singles = append(singles, j)
	}
	if len(singles) != maxUnsettled {
		t.Fatalf("%d single-recipient jobs out before a commit, want %d", len(singles), maxUnsettled)
	}
	// One commit report settles ten: ten more may go.
	var keys []store.RcptKey
	for _, j := range singles[:10] {
		keys = append(keys, j.rcpts[0].Key())
	}
	s.release(commitReport{keys: keys})
	if s.unsettled != maxUnsettled-10 || !s.mayDispatch(10) || s.mayDispatch(11) {
		t.Fatalf("after settling 10: unsettled %d", s.unsettled)
	}
	keys = keys[:0]
	for _, j := range singles[10:] {
		keys = append(keys, j.rcpts[0].Key())
	}
	s.release(commitReport{keys: keys})
	if s.unsettled != 0 {
		t.Fatalf("all settled, %d left", s.unsettled)
	}
	// Batch transactions: one per connection.
	n := 0
	for i := range 10 {
		if !s.mayDispatch(500) {
			break
		}
		s.dispatched(mk(uint64(5000+i), 500))
		n++
	}
	if n != 4 {
		t.Fatalf("%d batch transactions out before a commit, want one per connection (4)", n)
	}
}
