package store

import "slices"

// The list records are read on every web page, API call and post, and
// change only when an owner or operator changes a list. Decoding their
// JSON on each read was the largest cost of the web pages, so the store
// keeps the decoded records of the last committed version of the lists
// bucket in memory.
//
// Correctness rests on one rule: every change to the lists bucket
// (CreateList, PutList, DeleteList) raises the bucket's sequence in the
// same transaction. A transaction that sees sequence N therefore sees
// exactly the records the snapshot of version N was built from. Only
// read-only transactions build snapshots, because they see committed
// data only; a write transaction may use a snapshot of its own starting
// version (it has not changed a list yet while the sequence still
// matches) but never publishes one, since it may still roll back.

// listSnapshot is the decoded lists bucket at one sequence value.
type listSnapshot struct {
	version uint64
	byName  map[string]List
	names   []string // in name order, as the bucket iterates
}

// bumpListsVersion marks a change to the lists bucket; see above.
func (t *Tx) bumpListsVersion() error {
	_, err := t.tx.Bucket(bLists).NextSequence()
	return err
}

// ListsVersion is the version of the lists bucket this transaction sees:
// it changes whenever any list record is created, changed or deleted.
// Callers may key their own caches of what they derive from lists on it.
func (t *Tx) ListsVersion() uint64 { return t.tx.Bucket(bLists).Sequence() }

// listSnapshot returns the snapshot matching this transaction's view of
// the lists bucket, building (and, from a read-only transaction,
// publishing) it when the cached one is of another version. It returns
// nil when no snapshot can be used.
func (t *Tx) listSnapshot() (*listSnapshot, error) {
	if t.st == nil {
		return nil, nil
	}
	v := t.ListsVersion()
	if snap := t.st.lists.Load(); snap != nil && snap.version == v {
		return snap, nil
	}
	if t.tx.Writable() {
		return nil, nil
	}
	b := t.tx.Bucket(bLists)
	snap := &listSnapshot{version: v, byName: map[string]List{}}
	err := b.ForEach(func(k, _ []byte) error {
		var l List
		if err := getJSON(b, k, &l); err != nil {
			return err
		}
		snap.byName[string(k)] = l
		snap.names = append(snap.names, string(k))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Versions only grow, so keep the newest snapshot when readers race.
	for {
		cur := t.st.lists.Load()
		if cur != nil && cur.version >= v {
			break
		}
		if t.st.lists.CompareAndSwap(cur, snap) {
			break
		}
	}
	return snap, nil
}

// cloneList copies the parts of a List that share memory, so a caller
// changing its copy never changes the snapshot.
func cloneList(l List) List {
	if l.Settings.Advertised != nil {
		v := *l.Settings.Advertised
		l.Settings.Advertised = &v
	}
	l.Settings.ReminderOffsets = slices.Clone(l.Settings.ReminderOffsets)
	return l
}
