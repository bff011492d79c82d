package imapd

import (
	"sort"

	"github.com/emersion/go-imap/v2/imapserver"
)

// Redaction: an owner removed a post from the archive. The mailbox drops
// its UID from the shared map (sequence numbers after it move down by
// one; UIDVALIDITY and every other UID stay) and keeps the UID in its
// redaction log. Each session with the mailbox selected tells its client
// with EXPUNGE, in its own numbering, at the next moment IMAP allows one
// (after a command other than FETCH, STORE and SEARCH, or at once in
// IDLE).
//
// Between the redaction and that moment, a client that asks by sequence
// number is answered in the mailbox's new numbering; UID commands, which
// mail apps use, are exact throughout.

// redacted records, from an archive event, that uid was removed. Like
// markStale it runs on the committing goroutine: it only notes the UID
// and wakes idling sessions; refresh applies it.
func (b *mailbox) redacted(uid uint32) {
	b.notifyMu.Lock()
	b.pendingRed = append(b.pendingRed, uid)
	b.notifyMu.Unlock()
	b.markStale()
}

// applyRedactionsLocked removes the UIDs redacted since the last refresh
// from the map and appends those it held to the log; b.mu must be held.
func (b *mailbox) applyRedactionsLocked() {
	b.notifyMu.Lock()
	pending := b.pendingRed
	b.pendingRed = nil
	b.notifyMu.Unlock()
	for _, uid := range pending {
		if b.removeLocked(uid) {
			b.redLog = append(b.redLog, uid)
		}
	}
}

// removeLocked drops uid from the map; false if it was not there.
func (b *mailbox) removeLocked(uid uint32) bool {
	i := sort.Search(len(b.runs), func(i int) bool { return b.runs[i].uid+b.runs[i].n > uid })
	if i == len(b.runs) || b.runs[i].uid > uid {
		return false
	}
	r := b.runs[i]
	var repl []run
	if uid > r.uid {
		repl = append(repl, run{seq: r.seq, uid: r.uid, n: uid - r.uid})
	}
	if end := r.uid + r.n - 1; uid < end {
		repl = append(repl, run{seq: r.seq + (uid - r.uid), uid: uid + 1, n: end - uid})
	}
	b.runs = append(b.runs[:i], append(repl, b.runs[i+1:]...)...)
	for j := i + len(repl); j < len(b.runs); j++ {
		b.runs[j].seq--
	}
	b.count--
	if b.sizeThrough >= uid {
		b.sizeSum, b.sizeThrough = 0, 0 // recounted on the next STATUS SIZE
	}
	return true
}

// countBelowLocked is how many UIDs of the map are below uid.
func (b *mailbox) countBelowLocked(uid uint32) uint32 {
	i := sort.Search(len(b.runs), func(i int) bool { return b.runs[i].uid+b.runs[i].n > uid })
	if i == len(b.runs) {
		return b.count
	}
	r := b.runs[i]
	if uid <= r.uid {
		return r.seq - 1
	}
	return r.seq - 1 + (uid - r.uid)
}

// expungeRedacted tells the client of v about every redaction it has not
// heard of, as EXPUNGE in the numbering it knows.
func (s *session) expungeRedacted(w *imapserver.UpdateWriter, v *view) error {
	b := v.box
	b.mu.Lock()
	if v.redSeen >= len(b.redLog) {
		b.mu.Unlock()
		return nil
	}
	news := append([]uint32(nil), b.redLog[v.redSeen:]...)
	v.redSeen = len(b.redLog)
	// The client's numbering still holds every redacted UID it has not
	// been told about; it knows UIDs up to v.lastUID.
	var seqs []uint32
	for i, uid := range news {
		if uid > v.lastUID {
			continue // never announced to this client
		}
		seq := b.countBelowLocked(uid) + 1
		for _, later := range news[i+1:] {
			if later < uid && later <= v.lastUID {
				seq++
			}
		}
		seqs = append(seqs, seq)
	}
	b.mu.Unlock()
	for _, seq := range seqs {
		if err := w.WriteExpunge(seq); err != nil {
			return err
		}
		v.known--
	}
	return nil
}
