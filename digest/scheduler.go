package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"minyan/listserv"
	"minyan/listserv/outbox"
	"minyan/store"
)

// MaxWait is the longest the scheduler sleeps between two looks at the
// store, so changes made while it sleeps (a new setting, a list created
// from the command line with no kick) are seen within a minute.
const MaxWait = time.Minute

// Options wire a Scheduler to its environment.
type Options struct {
	Logger *slog.Logger
	// Rand draws the chevruta pairs; nil seeds one at random.
	Rand *rand.Rand
}

// Scheduler sends everything minyan sends because the clock says so. It
// keeps no state of its own: what is due is computed from the store
// (lists' digest settings, sessions, pairs) and what was sent is recorded
// there, by idempotency key, in the transaction that queues the mail.
type Scheduler struct {
	svc *listserv.Service
	st  *store.Store
	log *slog.Logger
	// outbox is the service's: the mail the scheduler queues wakes the
	// delivery worker itself when its transaction commits.
	outbox *outbox.Outbox
	wake   chan struct{}
	runMu  sync.Mutex // one RunDue at a time

	randMu sync.Mutex
	rand   *rand.Rand

	// beforeMark, when set by a test, runs inside a job's transaction
	// after its mail was queued and before the job is marked sent; an
	// error aborts the transaction there, as a crash would.
	beforeMark func(key string) error
}

// New builds a scheduler over a service and the store beneath it (the
// scheduler is the domain's clock-driven side: it reads due work and
// records what it sent in the store's transactions) and registers the
// RSVP reply handler ("rsvp" tokens) with the service.
func New(svc *listserv.Service, st *store.Store, o Options) *Scheduler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	s := &Scheduler{
		svc:    svc,
		st:     st,
		log:    o.Logger,
		outbox: svc.Outbox(),
		wake:   make(chan struct{}, 1),
		rand:   o.Rand,
	}
	svc.HandleTokenKind(TokenRSVP, s.handleRSVP)
	svc.HandleTokenKind(TokenFeedback, s.handleFeedback)
	svc.HandleSessionAudience(s.sessionAudience)
	return s
}

// Kick makes the running loop look at the store again now (after a
// session was added or moved, or a setting changed).
func (s *Scheduler) Kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends what is due until ctx ends: once at start (the catch-up after
// downtime), then whenever the next job falls due, at least every
// MaxWait, and on Kick. Each pass uses the injected clock.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		now := s.svc.Now()
		next, err := s.RunDue(ctx, now)
		if err != nil && ctx.Err() == nil {
			s.log.Error("scheduler pass", "err", err)
		}
		wait := MaxWait
		if !next.IsZero() {
			if d := next.Sub(s.svc.Now()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// RunDue sends every mail due at or before now that was not sent yet,
// skips (and logs) those whose moment has passed, and returns when the
// next one falls due (zero: nothing is scheduled). Tests call it with a
// fake clock's time. A failing job does not stop the others; the first
// error is returned and the job is tried again on the next pass.
func (s *Scheduler) RunDue(ctx context.Context, now time.Time) (time.Time, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	var lists []store.List
	if err := s.st.View(func(tx *store.Tx) error {
		var err error
		lists, err = tx.Lists()
		return err
	}); err != nil {
		return time.Time{}, fmt.Errorf("scheduler: %w", err)
	}
	var next time.Time
	note := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	var errs []error
	for _, l := range lists {
		if err := ctx.Err(); err != nil {
			return next, err
		}
		n, err := s.runDigest(l, store.DigestWeekly, now)
		note(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("weekly digest of %s: %w", l.Name, err))
		}
		n, err = s.runDigest(l, store.DigestDaily, now)
		note(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("daily digest of %s: %w", l.Name, err))
		}
		n, err = s.runSessions(ctx, l, now)
		note(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("sessions of %s: %w", l.Name, err))
		}
		n, err = s.runCohort(l, now)
		note(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("cohort of %s: %w", l.Name, err))
		}
	}
	return next, errors.Join(errs...)
}

// runSessions handles the session jobs of one list: reminders, the
// session digest, chevruta check-ins and the share reminder.
func (s *Scheduler) runSessions(ctx context.Context, l store.List, now time.Time) (time.Time, error) {
	var (
		sessions []SessionInfo
		pairing  *store.Pairing
		pending  []job
		next     time.Time
	)
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if sessions, err = loadSessions(tx, l, s.log); err != nil {
			return err
		}
		if p, err := tx.Pairing(l.Name); err == nil && p.ListUID == l.UIDValidity && len(p.Groups) > 0 {
			pairing = &p
		}
		for _, j := range planSessions(l, sessions, pairing != nil) {
			if j.Due.After(now) {
				if next.IsZero() || j.Due.Before(next) {
					next = j.Due
				}
				continue
			}
			if !tx.JobDone(j.Key) {
				pending = append(pending, j)
			}
		}
		return nil
	})
	if err != nil {
		return next, err
	}
	// Seats held by people who are no longer members go to those waiting.
	var errs []error
	for _, si := range sessions {
		if si.Seats > 0 && si.Status == store.SessionScheduled && now.Before(si.End) {
			if err := s.reconcile(l, si, now); err != nil {
				errs = append(errs, fmt.Errorf("registrations of session %d: %w", si.ID, err))
			}
		}
	}
	if len(pending) == 0 {
		return next, errors.Join(errs...)
	}
	// After downtime several reminders of one session can be due at
	// once; only the latest (closest to the session) is sent.
	latest := map[uint64]time.Time{}
	for _, j := range pending {
		if j.Kind == kindReminder && now.Before(j.Deadline) && j.Due.After(latest[j.S.ID]) {
			latest[j.S.ID] = j.Due
		}
	}
	for _, j := range pending {
		if ctx.Err() != nil {
			break
		}
		var err error
		switch {
		case !now.Before(j.Deadline):
			err = s.skip(j, now, "its session has already begun")
		case j.Kind == kindReminder && j.Due.Before(latest[j.S.ID]):
			err = s.skip(j, now, "a later reminder for the same session is due now")
		case (j.Kind == kindCheckin || j.Kind == kindShare) && pairing.Made.After(j.Due):
			err = s.skip(j, now, "the pairs were made after it fell due")
		default:
			err = s.send(l, j, now)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", j.Key, err))
		}
	}
	return next, errors.Join(errs...)
}

// skip records a job whose mail is no longer worth sending, so it is
// logged once and never sent later.
func (s *Scheduler) skip(j job, now time.Time, why string) error {
	marked := false
	err := s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(j.Key) {
			return nil
		}
		marked = true
		return tx.MarkJob(j.Key, now)
	})
	if err == nil && marked {
		s.log.Info("scheduled mail skipped", "job", j.Key, "list", j.S.List, "session", j.S.ID, "due", j.Due, "reason", why)
	}
	return err
}

// send builds and queues one job's mail and marks the job sent, in one
// transaction: either the mail is queued and the job marked, or neither
// (exactly once, across crashes and restarts).
func (s *Scheduler) send(l store.List, j job, now time.Time) error {
	var rcpts int
	err := s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(j.Key) {
			return nil
		}
		fresh, ok, err := s.current(tx, l, j)
		if err != nil || !ok {
			return err // the plan went stale under us; the next pass replans
		}
		switch j.Kind {
		case kindReminder:
			rcpts, err = s.queueSessionMail(tx, fresh.list, fresh.s, sessionMail{
				kind: kindReminder, template: "reminder-session", method: MethodPublish, rsvp: true, key: j.Key,
			}, now)
		case kindSessionDigest:
			rcpts, err = s.queueSessionDigest(tx, fresh.list, fresh.s, j.Key, now)
		case kindAnnounce:
			rcpts, err = s.queueSessionMail(tx, fresh.list, fresh.s, sessionMail{
				kind: kindAnnounce, template: "session-announce", method: MethodPublish, rsvp: true, key: j.Key,
			}, now)
		case kindCheckin, kindShare:
			rcpts, err = s.queuePairMail(tx, fresh.list, fresh.s, j, now)
		case kindStillComing:
			rcpts, err = s.queueSessionMail(tx, fresh.list, fresh.s, sessionMail{
				kind: kindStillComing, template: "session-still-coming", method: MethodPublish, rsvp: true, key: j.Key, registered: true,
			}, now)
		case kindFeedback:
			rcpts, err = s.queueFeedback(tx, fresh.list, fresh.s, j.Key, now)
		default:
			err = fmt.Errorf("unknown job kind %q", j.Kind)
		}
		if err != nil {
			return err
		}
		return s.mark(tx, j.Key, now)
	})
	if err == nil && rcpts > 0 {
		s.log.Info("scheduled mail queued", "job", j.Key, "list", l.Name, "session", j.S.ID, "recipients", rcpts)
	}
	return err
}

// mark records a job as sent, inside the transaction that queued its
// mail.
func (s *Scheduler) mark(tx *store.Tx, key string, now time.Time) error {
	if s.beforeMark != nil {
		if err := s.beforeMark(key); err != nil {
			return err
		}
	}
	return tx.MarkJob(key, now)
}

type freshJob struct {
	list store.List
	s    SessionInfo
}

// current re-reads a job's list and session inside the sending
// transaction; ok is false when the job no longer applies (the session
// was cancelled or moved since it was planned).
func (s *Scheduler) current(tx *store.Tx, l store.List, j job) (freshJob, bool, error) {
	list, err := tx.List(l.Name)
	if errors.Is(err, store.ErrNotFound) {
		return freshJob{}, false, nil
	}
	if err != nil || list.UIDValidity != l.UIDValidity {
		return freshJob{}, false, err
	}
	ss, err := tx.Session(l.Name, j.S.ID)
	if errors.Is(err, store.ErrNotFound) {
		return freshJob{}, false, nil
	}
	if err != nil {
		return freshJob{}, false, err
	}
	if ss.Status != store.SessionScheduled || ss.Sequence != j.S.Sequence && j.Kind != kindAnnounce {
		return freshJob{}, false, nil
	}
	si, err := sessionInfo(ss)
	if err != nil {
		return freshJob{}, false, err
	}
	return freshJob{list: list, s: si}, true, nil
}

// loadSessions returns a list's sessions (those made for this incarnation
// of the list) with their instants, by start time.
func loadSessions(tx *store.Tx, l store.List, log *slog.Logger) ([]SessionInfo, error) {
	var out []SessionInfo
	err := tx.EachSession(l.Name, func(ss store.Session) error {
		if ss.ListUID != l.UIDValidity {
			return nil
		}
		si, err := sessionInfo(ss)
		if err != nil {
			if log != nil {
				log.Error("session has a time that cannot be read", "list", l.Name, "session", ss.ID, "err", err)
			}
			return nil
		}
		out = append(out, si)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, err
}
