package listserv

import "sync"

// Archive events tell live readers (IMAP sessions in IDLE) that a list's
// archive grew. They are sent after the commit that archived the posts,
// from the committing goroutine, so listeners must return quickly and
// never call back into the store from the callback itself: they note the
// change and wake their own goroutines, which then read the store.
//
// An event only says "the archive of List now holds posts up to at least
// Seq". Events of concurrent commits may arrive out of order; listeners
// re-read the store rather than trusting the order.

// ArchiveEventKind tells what happened to an archive.
type ArchiveEventKind int

// The kinds of archive events.
const (
	// ArchiveGrew: posts up to Seq were archived.
	ArchiveGrew ArchiveEventKind = iota
	// ArchiveRedacted: post Seq was removed by an owner; readers that
	// show it (an open IMAP mailbox) must drop it (EXPUNGE).
	ArchiveRedacted
)

// ArchiveEvent is one archive change.
type ArchiveEvent struct {
	List string
	Seq  uint64
	Kind ArchiveEventKind
}

// events is the Service's hub. Its zero value is ready to use.
type events struct {
	mu   sync.Mutex
	next int
	subs map[int]func(ArchiveEvent)
}

// subscribe registers fn and returns the function that removes it.
func (e *events) subscribe(fn func(ArchiveEvent)) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.subs == nil {
		e.subs = map[int]func(ArchiveEvent){}
	}
	id := e.next
	e.next++
	e.subs[id] = fn
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.subs, id)
	}
}

// archived tells every listener that list's archive reached seq. It runs
// the callbacks without holding the hub's lock, so a callback may
// subscribe or cancel.
func (e *events) archived(list string, seq uint64) {
	e.send(ArchiveEvent{List: list, Seq: seq})
}

// send tells every listener about ev.
func (e *events) send(ev ArchiveEvent) {
	e.mu.Lock()
	fns := make([]func(ArchiveEvent), 0, len(e.subs))
	for _, fn := range e.subs {
		fns = append(fns, fn)
	}
	e.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

// OnArchived registers fn to be told, after each commit, that a list's
// archive grew (posts distributed, mbox imports). fn runs on the
// committing goroutine: it must not block or touch the store. The
// returned function unregisters it.
func (s *Service) OnArchived(fn func(ArchiveEvent)) (cancel func()) {
	return s.events.subscribe(fn)
}
