package deliver

import (
	"time"

	"minyan/store"
)

// commitReport tells the scheduler which recipients' outcomes are settled,
// so it can release them from the in-flight set.
type commitReport struct {
	keys []store.RcptKey
	// retry is the earliest RetryAt among deferred outcomes (zero: none).
	retry time.Time
	// unrecorded says some outcomes could not be committed; their
	// recipients are still queued as before and due again.
	unrecorded bool
}

// commitLoop is the single committer: it takes whatever outcomes arrived
// while the previous commit ran (up to maxCommit) and records them in one
// store transaction, so thousands of deliveries cost a handful of fsyncs
// while a 2xx is committed within milliseconds. It closes out when in is
// closed and drained.
func (w *Worker) commitLoop(in <-chan []store.Outcome, out chan<- commitReport) {
	defer close(out)
	var batch []store.Outcome
	for first := range in {
		batch = append(batch[:0], first...)
	drain:
		for len(batch) < maxCommit {
			select {
			case more, ok := <-in:
				if !ok {
					break drain
				}
				batch = append(batch, more...)
			default:
				break drain
			}
		}
		out <- w.commit(batch)
	}
}

// commit records one group of outcomes. If the group's transaction fails
// (a hook error, a full disk), each outcome is tried on its own so one bad
// record cannot hold back the rest; those that still fail stay queued as
// they were and are attempted again (for a delivered one, a duplicate).
func (w *Worker) commit(batch []store.Outcome) commitReport {
	rep := commitReport{keys: make([]store.RcptKey, len(batch))}
	for i, o := range batch {
		rep.keys[i] = o.Key
	}
	err := w.o.Store.Finish(batch, w.o.Hook)
	if err == nil {
		w.committed(batch, &rep)
		return rep
	}
	w.log.Error("recording delivery outcomes; retrying one by one", "outcomes", len(batch), "err", err)
	for i := range batch {
		one := batch[i : i+1]
		if err := w.o.Store.Finish(one, w.o.Hook); err != nil {
			w.log.Error("recording a delivery outcome", "msg", one[0].Key.Msg, "idx", one[0].Key.Index, "delivered", one[0].Delivered, "err", err)
			rep.unrecorded = true
			continue
		}
		w.committed(one, &rep)
	}
	return rep
}

// committed counts and logs outcomes that are now durable.
func (w *Worker) committed(done []store.Outcome, rep *commitReport) {
	var ok, deferred, failed int
	for _, o := range done {
		switch {
		case o.Delivered:
			ok++
		case !o.RetryAt.IsZero():
			deferred++
			if rep.retry.IsZero() || o.RetryAt.Before(rep.retry) {
				rep.retry = o.RetryAt
			}
		default:
			failed++
		}
	}
	if c := w.o.Deliveries; c != nil {
		c.WithLabelValues("ok").Add(float64(ok))
		c.WithLabelValues("deferred").Add(float64(deferred))
		c.WithLabelValues("failed").Add(float64(failed))
	}
}
