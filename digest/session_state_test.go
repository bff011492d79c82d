package digest

import (
	"testing"
	"time"

	"minyan/store"
)

// TestSessionState: a session's state follows its record and the clock,
// and only scheduled and moved sessions can still be changed.
func TestSessionState(t *testing.T) {
	start := time.Date(2026, 12, 8, 19, 0, 0, 0, time.UTC)
	si := SessionInfo{Start: start, End: start.Add(time.Hour)}
	moved := si
	moved.Sequence = 1
	cancelled := si
	cancelled.Session = store.Session{Status: store.SessionCancelled}
	for _, c := range []struct {
		si   SessionInfo
		now  time.Time
		want SessionState
		open bool
	}{
		{si, start.Add(-time.Hour), StateScheduled, true},
		{moved, start.Add(-time.Hour), StateMoved, true},
		{si, start.Add(time.Hour), StateDone, false},
		{cancelled, start.Add(-time.Hour), StateCancelled, false},
	} {
		if got := c.si.State(c.now); got != c.want || got.Open() != c.open {
			t.Errorf("State = %q (open %v), want %q (open %v)", got, got.Open(), c.want, c.open)
		}
	}
}
