package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"minyan/store"
)

// Worker delivers the outbound queue. Build it with New, start it with
// Run, and call Kick whenever new mail was committed to the queue.
type Worker struct {
	o    Options
	log  *slog.Logger
	kick chan struct{}
}

// New prepares a Worker; nothing runs until Run. Zero fields of o and
// o.Relay get the documented `[relay]` defaults (see withDefaults).
func New(o Options) *Worker {
	o = o.withDefaults()
	return &Worker{o: o, log: o.Logger.With("component", "deliver"), kick: make(chan struct{}, 1)}
}

// Kick wakes the scheduler to look at the queue now. It never blocks, so
// it is safe to call from a commit hook; several kicks before the
// scheduler wakes count as one.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then lets the jobs already on the wire
// finish, commits their outcomes, closes the connections and returns.
// It returns an error only if it cannot start (bad configuration, outbox
// not writable). Call it once.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.check(); err != nil {
		return err
	}
	conns := w.o.Relay.Connections
	jobs := make(chan *job, conns)
	outcomes := make(chan []store.Outcome, 1024)
	committed := make(chan commitReport, 16)

	var senders sync.WaitGroup
	for i := range conns {
		snd, err := w.newSender(i)
		if err != nil {
			close(jobs) // lets the senders already started return
			senders.Wait()
			return err
		}
		senders.Go(func() { w.connLoop(ctx, snd, jobs, outcomes) })
	}
	go w.commitLoop(outcomes, committed)

	w.schedule(ctx, jobs, committed)

	// Shutdown: no new jobs; wait for the ones on the wire, then for
	// their outcomes to be committed.
	close(jobs)
	go func() {
		senders.Wait()
		close(outcomes)
	}()
	for range committed {
	}
	w.log.Info("delivery stopped")
	return nil
}

// check validates the options Run depends on.
func (w *Worker) check() error {
	if w.o.Store == nil {
		return errors.New("deliver: no store")
	}
	switch w.o.Relay.TLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("deliver: relay tls %q is not none, starttls or tls", w.o.Relay.TLS)
	}
	if w.o.Relay.Address == "" && w.o.OutboxDir == "" {
		return errors.New("deliver: neither a relay address nor an outbox directory")
	}
	return nil
}

// newSender builds what one connection goroutine delivers with.
func (w *Worker) newSender(id int) (sender, error) {
	if w.o.Relay.Address == "" {
		return newMaildirSender(w.o.OutboxDir, w.log.With("conn", id))
	}
	return newSMTPSender(w.o.Relay, w.o.HeloName, w.log.With("conn", id)), nil
}
