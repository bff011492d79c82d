package imapd

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"

	"minyan/store"
)

// errGone means the list behind a mailbox was deleted (or deleted and
// created again, with a new UIDVALIDITY).
var errGone = errors.New("the list was deleted")

// run maps n consecutive sequence numbers from seq to n consecutive UIDs
// from uid.
type run struct{ seq, uid, n uint32 }

// span is a piece of a request: n messages from sequence number seq and
// UID uid, all existing and consecutive in both numberings.
type span struct{ seq, uid, n uint32 }

// mailbox is the state all sessions share for one list's archive: its
// UIDVALIDITY and the sequence-number to UID map, which only grows. It is
// loaded on first use and refreshed from the last known UID.
type mailbox struct {
	name string

	mu          sync.Mutex
	loaded      bool
	uidValidity uint32
	runs        []run
	count       uint32
	uidNext     uint32
	sizeSum     int64  // bytes of the posts up to sizeThrough (STATUS SIZE)
	sizeThrough uint32 // last UID counted in sizeSum

	// redLog are the UIDs redacted since the map was loaded, in order
	// (sessions tell their clients with EXPUNGE; see redact.go).
	redLog []uint32

	stale      atomic.Bool
	notifyMu   sync.Mutex
	notify     chan struct{}
	pendingRed []uint32 // redacted, not yet applied (under notifyMu)
}

// lastUID is the highest UID known; b.mu must be held.
func (b *mailbox) lastUIDLocked() uint32 {
	if len(b.runs) == 0 {
		return 0
	}
	r := b.runs[len(b.runs)-1]
	return r.uid + r.n - 1
}

// addLocked appends a UID above every known one; b.mu must be held.
func (b *mailbox) addLocked(uid uint32) {
	if k := len(b.runs); k > 0 {
		r := &b.runs[k-1]
		if uid == r.uid+r.n {
			r.n++
			b.count++
			return
		}
	}
	b.count++
	b.runs = append(b.runs, run{seq: b.count, uid: uid, n: 1})
}

// changed returns a channel closed at the next change of the archive.
// Take it before reading the state, so no change is missed.
func (b *mailbox) changed() <-chan struct{} {
	b.notifyMu.Lock()
	defer b.notifyMu.Unlock()
	if b.notify == nil {
		b.notify = make(chan struct{})
	}
	return b.notify
}

// markStale records that the archive grew and wakes idling sessions. It
// runs on the goroutine that committed, so it only flips a flag and
// closes a channel.
func (b *mailbox) markStale() {
	b.stale.Store(true)
	b.notifyMu.Lock()
	if b.notify != nil {
		close(b.notify)
		b.notify = nil
	}
	b.notifyMu.Unlock()
}

// snapshot is what SELECT and STATUS report.
type snapshot struct {
	uidValidity uint32
	count       uint32
	uidNext     uint32
}

// refresh brings the map up to date with the store (one read of the
// list record and a cursor seek past the last known UID) and returns the
// current numbers, or errGone.
func (b *mailbox) refresh(st ArchiveReader) (snapshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stale.Store(false) // before reading: a later commit marks it again
	err := st.View(func(tx *store.Tx) error {
		l, err := tx.List(b.name)
		if errors.Is(err, store.ErrNotFound) {
			return errGone
		}
		if err != nil {
			return err
		}
		if !b.loaded || l.UIDValidity != b.uidValidity {
			b.loaded, b.uidValidity = true, l.UIDValidity
			b.runs, b.count, b.uidNext, b.sizeSum, b.sizeThrough = nil, 0, 0, 0, 0
			b.redLog = nil
		}
		b.applyRedactionsLocked()
		if err := tx.ArchiveSeqs(b.name, uint64(b.lastUIDLocked())+1, func(seq uint64) error {
			b.addLocked(uint32(seq))
			return nil
		}); err != nil {
			return err
		}
		next, err := tx.ArchiveNext(b.name)
		if err != nil {
			return err
		}
		b.uidNext = max(uint32(next), b.lastUIDLocked()+1)
		return nil
	})
	if err != nil {
		if errors.Is(err, errGone) || errors.Is(err, store.ErrNotFound) {
			b.loaded = false
			return snapshot{}, errGone
		}
		return snapshot{}, err
	}
	return snapshot{uidValidity: b.uidValidity, count: b.count, uidNext: b.uidNext}, nil
}

// current returns the numbers as they are, refreshing only if an archive
// event arrived since the last refresh.
func (b *mailbox) current(st ArchiveReader) (snapshot, error) {
	b.mu.Lock()
	fresh := b.loaded && !b.stale.Load()
	s := snapshot{uidValidity: b.uidValidity, count: b.count, uidNext: b.uidNext}
	b.mu.Unlock()
	if fresh {
		return s, nil
	}
	return b.refresh(st)
}

// size returns the total bytes of the first count posts (STATUS SIZE),
// decoding only the metadata of posts it has not counted before.
func (b *mailbox) size(st ArchiveReader) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	last := b.lastUIDLocked()
	if b.sizeThrough >= last {
		return b.sizeSum, nil
	}
	err := st.View(func(tx *store.Tx) error {
		return tx.ScanArchive(b.name, uint64(b.sizeThrough)+1, uint64(last), func(it *store.ArchiveItem) error {
			m, err := it.Meta()
			if err != nil {
				return err
			}
			b.sizeSum += int64(m.Size)
			b.sizeThrough = uint32(it.Seq)
			return nil
		})
	})
	return b.sizeSum, err
}

// spans resolves a number set, as a client that knows the first known
// messages sees the mailbox, into the spans of existing messages it
// names, in sequence order, without duplicates. "*" is the last message
// the client knows. It fails with errGone when the mailbox is no longer
// the one with UIDVALIDITY uidValidity.
func (b *mailbox) spans(uidValidity, known uint32, set imap.NumSet) ([]span, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.loaded || b.uidValidity != uidValidity {
		return nil, errGone
	}
	known = min(known, b.count)
	var out []span
	switch set := set.(type) {
	case imap.SeqSet:
		for _, r := range set {
			if lo, hi, ok := clampRange(r.Start, r.Stop, known); ok {
				out = b.seqSpansLocked(out, lo, hi)
			}
		}
	case imap.UIDSet:
		lastKnown := uint32(0)
		if known > 0 {
			lastKnown = b.uidOfLocked(known)
		}
		for _, r := range set {
			if lo, hi, ok := clampRange(uint32(r.Start), uint32(r.Stop), lastKnown); ok {
				out = b.uidSpansLocked(out, lo, hi)
			}
		}
	}
	return mergeSpans(out), nil
}

// uidOfLocked returns the UID of sequence number seq (1 <= seq <= count).
func (b *mailbox) uidOfLocked(seq uint32) uint32 {
	i := sort.Search(len(b.runs), func(i int) bool { return b.runs[i].seq+b.runs[i].n > seq })
	r := b.runs[i]
	return r.uid + (seq - r.seq)
}

// seqSpansLocked appends the spans of sequence numbers lo..hi.
func (b *mailbox) seqSpansLocked(out []span, lo, hi uint32) []span {
	i := sort.Search(len(b.runs), func(i int) bool { return b.runs[i].seq+b.runs[i].n > lo })
	for ; i < len(b.runs) && b.runs[i].seq <= hi; i++ {
		r := b.runs[i]
		from := max(lo, r.seq)
		to := min(hi, r.seq+r.n-1)
		out = append(out, span{seq: from, uid: r.uid + (from - r.seq), n: to - from + 1})
	}
	return out
}

// uidSpansLocked appends the spans of the existing UIDs in lo..hi.
func (b *mailbox) uidSpansLocked(out []span, lo, hi uint32) []span {
	i := sort.Search(len(b.runs), func(i int) bool { return b.runs[i].uid+b.runs[i].n > lo })
	for ; i < len(b.runs) && b.runs[i].uid <= hi; i++ {
		r := b.runs[i]
		from := max(lo, r.uid)
		to := min(hi, r.uid+r.n-1)
		out = append(out, span{seq: r.seq + (from - r.uid), uid: from, n: to - from + 1})
	}
	return out
}

// mergeSpans sorts spans by sequence number and merges overlapping and
// adjacent ones (adjacent only when their UIDs are adjacent too).
func mergeSpans(in []span) []span {
	if len(in) < 2 {
		return in
	}
	sort.Slice(in, func(i, j int) bool { return in[i].seq < in[j].seq })
	out := in[:1]
	for _, s := range in[1:] {
		last := &out[len(out)-1]
		end := last.seq + last.n // first seq after last
		if s.seq <= end && s.uid-s.seq == last.uid-last.seq {
			if e := s.seq + s.n; e > end {
				last.n = e - last.seq
			}
			continue
		}
		if s.seq < end { // overlapping, across a gap in UIDs: cut the overlap
			cut := end - s.seq
			if cut >= s.n {
				continue
			}
			s = span{seq: s.seq + cut, uid: s.uid + cut, n: s.n - cut}
		}
		out = append(out, s)
	}
	return out
}

// mailboxes is the registry of list mailboxes, one per list name, created
// on first use. Entries of deleted lists stay (tiny, and a list of the
// same name may come back).
type mailboxes struct {
	mu sync.Mutex
	m  map[string]*mailbox
}

// get returns the mailbox of list name, creating it.
func (r *mailboxes) get(name string) *mailbox {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*mailbox{}
	}
	b := r.m[name]
	if b == nil {
		b = &mailbox{name: name}
		r.m[name] = b
	}
	return b
}

// lookup returns the mailbox of list name if it exists.
func (r *mailboxes) lookup(name string) *mailbox {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[name]
}

// clampRange resolves one IMAP range against the last number the client
// knows: '*' (0) is that number, reversed ranges are turned around, and
// the range is cut at the end. ok is false when nothing is left.
func clampRange(lo, hi, last uint32) (uint32, uint32, bool) {
	if lo == 0 {
		lo = last
	}
	if hi == 0 {
		hi = last
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	hi = min(hi, last)
	return lo, hi, lo != 0 && lo <= hi
}
