package deliver

import (
	"testing"
)

func TestRunCommitsInFlightOnShutdown(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.gate = make(chan struct{})
		s.entered = make(chan struct{}, 1)
	})
	h := startWorker(t, relayTo(s))
	h.enqueue(t, false, testBody, personalized(1))
	<-s.entered // the message is on the wire
	stopped := make(chan struct{})
	go func() {
		h.stop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("Run returned while a transaction was on the wire")
	default:
	}
	close(s.gate)
	<-stopped
	if d := h.st.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d after shutdown; the delivery was not committed", d)
	}
	if s.deliveredCount() != 1 {
		t.Errorf("not delivered")
	}
	if h.counter(t, "ok") != 1 {
		t.Errorf("ok counter %v", h.counter(t, "ok"))
	}
}

func TestKickNeverBlocks(t *testing.T) {
	w := New(Options{})
	for range 10 {
		w.Kick()
	}
}
