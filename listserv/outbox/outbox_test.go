package outbox

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"minyan/listserv/outbox/deliver"
	"minyan/store"
)

// TestEnqueueCommitOnly: mail queued in a transaction that rolls back is
// not stored and runs no commit hook; a kind is required; committed mail
// is stored with its list and kind.
func TestEnqueueCommitOnly(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob := New(deliver.Options{Store: st})
	woke := 0
	wake := func() { woke++ }
	m := Message{List: "team", Raw: []byte("Subject: x\r\n\r\nhi\r\n"), At: time.Unix(1000, 0)}
	rc := []store.QueuedRcpt{{Address: "a@example.net", EnvelopeFrom: "team-bounces@lists.example.org"}}
	rollback := errors.New("rolled back")
	err = st.Update(func(tx *store.Tx) error {
		if _, err := ob.Enqueue(tx, m, rc, KindPost); err != nil {
			return err
		}
		tx.OnCommit(wake)
		return rollback
	})
	if !errors.Is(err, rollback) || st.QueueDepth() != 0 || woke != 0 {
		t.Fatalf("rolled back: err %v, depth %d, woke %d", err, st.QueueDepth(), woke)
	}
	if err := st.Update(func(tx *store.Tx) error { _, err := ob.Enqueue(tx, m, rc, ""); return err }); err == nil {
		t.Fatal("a message without a kind was queued")
	}
	if err := st.Update(func(tx *store.Tx) error { _, err := ob.Enqueue(tx, m, rc, KindProbe); return err }); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(qm store.QueuedMessage, _ store.QueuedRcpt) error {
			kinds = append(kinds, qm.List+"/"+qm.Kind)
			return nil
		})
	})
	if len(kinds) != 1 || kinds[0] != "team/probe" {
		t.Fatalf("queued %v", kinds)
	}
}
