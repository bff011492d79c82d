package deliver

import (
	"context"
	"time"

	"minyan/store"
)

// sender delivers jobs for one connection goroutine, keeping whatever
// connection it has open between jobs.
type sender interface {
	// deliver attempts a job and returns a result per recipient, in order.
	deliver(j *job) []result
	// idle closes the connection after a quiet spell.
	idle()
	// abort bounds the job on the wire by a deadline at shutdown; it is
	// called from another goroutine.
	abort(deadline time.Time)
	// close ends the connection (QUIT) when the goroutine stops.
	close()
}

// connLoop is one connection goroutine: it takes jobs until the channel
// is closed, and reports each job's outcomes to the committer. Once ctx
// is done it starts no new job.
func (w *Worker) connLoop(ctx context.Context, snd sender, jobs <-chan *job, out chan<- []store.Outcome) {
	defer snd.close()
	stop := context.AfterFunc(ctx, func() { snd.abort(time.Now().Add(shutdownGrace)) })
	defer stop()
	idle := time.NewTimer(idleTimeout)
	defer idle.Stop()
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			if ctx.Err() != nil {
				continue // shutting down: drop it; it stays queued
			}
			res := w.attempt(snd, j)
			out <- w.outcomes(j, res, w.o.Clock.Now())
			idle.Reset(idleTimeout)
		case <-idle.C:
			snd.idle()
		}
	}
}

// attempt delivers a job, or gives its recipients up if the message
// could not even be loaded.
func (w *Worker) attempt(snd sender, j *job) []result {
	if j.msg.broken != nil {
		res := make([]result, len(j.rcpts))
		for i := range res {
			res[i] = result{abandoned, "queued message unreadable: " + j.msg.broken.Error(), ""}
		}
		return res
	}
	j.sig = w.signature(j)
	return snd.deliver(j)
}
