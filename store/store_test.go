package store

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestSecondOpenIsRefusedNotBlocked(t *testing.T) {
	_, dir := openTest(t)
	_, err := Open(dir, 50*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	s, dir := openTest(t)
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion+1)) })
	s.Close()
	if _, err := Open(dir, time.Second); err == nil {
		t.Fatal("opened a file written by a newer minyan")
	}
}

func TestArchiveThreadsAndIndex(t *testing.T) {
	s, _ := openTest(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.CreateList(List{Name: "team", UIDValidity: 7}); err != nil {
			return err
		}
		for _, m := range []ArchiveMeta{
			{MessageID: "root@x"},
			{MessageID: "reply@x", InReplyTo: "root@x"},
			{MessageID: "deep@x", References: []string{"root@x", "reply@x"}},
			{MessageID: "other@x"},
		} {
			if _, err := tx.Archive("team", m, []byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		want := map[uint64]uint64{1: 1, 2: 1, 3: 1, 4: 4}
		for seq, thread := range want {
			m, err := tx.ArchiveMeta("team", seq)
			if err != nil || m.Thread != thread || m.Seq != seq {
				t.Errorf("#%d: %+v %v, want thread %d", seq, m, err, thread)
			}
		}
		if got := tx.ArchiveSeqByMessageID("team", "REPLY@x"); got != 2 {
			t.Errorf("Message-ID index: %d", got)
		}
		n, next, _ := tx.ArchiveStats("team")
		if n != 4 || next != 5 {
			t.Errorf("stats: %d %d", n, next)
		}
		return nil
	})
}

// A failed transaction leaves nothing: the archive entry and the queued
// deliveries of a post are all or nothing.
func TestPostIsAllOrNothing(t *testing.T) {
	s, _ := openTest(t)
	s.Update(func(tx *Tx) error { return tx.CreateList(List{Name: "team"}) })
	boom := errors.New("disk full")
	err := s.Update(func(tx *Tx) error {
		if _, err := tx.Archive("team", ArchiveMeta{MessageID: "a@x"}, []byte("x")); err != nil {
			return err
		}
		if _, err := tx.Enqueue(QueuedMessage{List: "team", Created: time.Unix(100, 0)}, []byte("x"), []QueuedRcpt{{Address: "a@x"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if n, _, _ := tx.ArchiveStats("team"); n != 0 {
			t.Errorf("archive kept %d posts of a rolled-back transaction", n)
		}
		return nil
	})
	if d := s.QueueDepth(); d != 0 {
		t.Errorf("queue kept %d recipients of a rolled-back transaction", d)
	}
}

func TestQueueLifecycle(t *testing.T) {
	s, _ := openTest(t)
	t0 := time.Unix(1000, 0)
	var id uint64
	s.Update(func(tx *Tx) error {
		var err error
		id, err = tx.Enqueue(QueuedMessage{List: "team", Kind: "post", Created: t0}, []byte("body"),
			[]QueuedRcpt{{Address: "a@x"}, {Address: "b@x"}, {Address: "c@x"}})
		return err
	})
	due, next, err := s.Due(t0, 10, nil)
	if err != nil || len(due) != 3 || !next.IsZero() {
		t.Fatalf("due: %d %v %v", len(due), next, err)
	}
	// a delivered, b deferred a minute, c failed for good.
	err = s.Finish([]Outcome{
		{Key: due[0].Key(), Delivered: true, At: t0},
		{Key: due[1].Key(), RetryAt: t0.Add(time.Minute), Error: "451 later", At: t0},
		{Key: due[2].Key(), Permanent: true, Error: "550 no such user", At: t0},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	due, next, _ = s.Due(t0, 10, nil)
	if len(due) != 0 || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after finish: %d due, next %v", len(due), next)
	}
	due, _, _ = s.Due(t0.Add(time.Minute), 10, nil)
	if len(due) != 1 || due[0].Address != "b@x" || due[0].Attempts != 1 || due[0].LastError != "451 later" {
		t.Fatalf("retry: %+v", due)
	}
	var failed []QueuedRcpt
	s.View(func(tx *Tx) error {
		return tx.EachFailed(func(_ QueuedMessage, r QueuedRcpt) error { failed = append(failed, r); return nil })
	})
	if len(failed) != 1 || failed[0].Address != "c@x" || !failed[0].Permanent {
		t.Fatalf("failure log: %+v", failed)
	}
	// The body stays while b waits, and goes with the last recipient.
	if _, body, _ := s.QueuedMessage(id); string(body) != "body" {
		t.Fatal("body gone while a recipient still waits")
	}
	if err := s.Finish([]Outcome{{Key: due[0].Key(), Delivered: true}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.QueuedMessage(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("finished message still stored: %v", err)
	}
	// A duplicate report of a finished recipient is harmless.
	if err := s.Finish([]Outcome{{Key: due[0].Key(), Delivered: true}}, nil); err != nil {
		t.Fatal(err)
	}
	// The given-up recipient still says what it was once its message
	// record is gone (`minyan queue ls` shows LIST and KIND).
	s.View(func(tx *Tx) error {
		return tx.EachFailed(func(m QueuedMessage, r QueuedRcpt) error {
			if m.List != "team" || m.Kind != "post" {
				t.Errorf("given-up %s shows list %q kind %q, want team post", r.Address, m.List, m.Kind)
			}
			return nil
		})
	})
}

// TestFinishHookSeesMessage: the hook gets the message a recipient belongs
// to, so bounce accounting reads the list from the queue, not from the
// envelope sender.
func TestFinishHookSeesMessage(t *testing.T) {
	s, _ := openTest(t)
	t0 := time.Unix(1000, 0)
	s.Update(func(tx *Tx) error {
		_, err := tx.Enqueue(QueuedMessage{List: "team", Kind: "probe", Created: t0}, []byte("b"), []QueuedRcpt{{Address: "a@x"}})
		return err
	})
	due, _, _ := s.Due(t0, 10, nil)
	var got QueuedMessage
	err := s.Finish([]Outcome{{Key: due[0].Key(), Permanent: true, At: t0}}, func(_ *Tx, m QueuedMessage, _ QueuedRcpt, _ Outcome) error {
		got = m
		return nil
	})
	if err != nil || got.List != "team" || got.Kind != "probe" {
		t.Fatalf("hook saw %+v (%v)", got, err)
	}
}

func TestDueRespectsLimitAndSkip(t *testing.T) {
	s, _ := openTest(t)
	t0 := time.Unix(1000, 0)
	rcpts := make([]QueuedRcpt, 10)
	for i := range rcpts {
		rcpts[i].Address = string(rune('a'+i)) + "@x"
	}
	s.Update(func(tx *Tx) error {
		_, err := tx.Enqueue(QueuedMessage{Created: t0}, []byte("b"), rcpts)
		return err
	})
	due, next, _ := s.Due(t0, 4, func(k RcptKey) bool { return k.Index == 0 })
	if len(due) != 4 || due[0].Index != 1 || next.IsZero() {
		t.Fatalf("limit/skip: %d, first %d, next %v", len(due), due[0].Index, next)
	}
}

func TestMembershipTokensDieWithIt(t *testing.T) {
	s, _ := openTest(t)
	var m Membership
	s.Update(func(tx *Tx) error {
		tx.CreateList(List{Name: "team"})
		if err := tx.PutMembership(Membership{List: "team", Address: "A@X.org", Role: "member"}); err != nil {
			return err
		}
		m, _ = tx.Membership("team", "a@x.org")
		return nil
	})
	if len(m.UnsubToken) != 32 || len(m.BounceToken) != 32 || m.UnsubToken == m.BounceToken {
		t.Fatalf("tokens: %q %q", m.UnsubToken, m.BounceToken)
	}
	s.Update(func(tx *Tx) error { return tx.DeleteMembership("team", "a@x.org") })
	s.View(func(tx *Tx) error {
		if _, err := tx.Token(m.UnsubToken); !errors.Is(err, ErrNotFound) {
			t.Error("unsubscribe token outlived the membership")
		}
		if lists, _ := tx.ListsOf("a@x.org"); len(lists) != 0 {
			t.Errorf("ListsOf after delete: %v", lists)
		}
		return nil
	})
}

func TestJobsAreMarkedOnce(t *testing.T) {
	s, _ := openTest(t)
	s.Update(func(tx *Tx) error { return tx.MarkJob("reminder/team/1/24h", time.Unix(5, 0)) })
	s.View(func(tx *Tx) error {
		if !tx.JobDone("reminder/team/1/24h") || tx.JobDone("reminder/team/1/1h") {
			t.Error("JobDone wrong")
		}
		return nil
	})
}

func TestUIDValidityNeverRepeats(t *testing.T) {
	s, _ := openTest(t)
	var got []uint32
	for i := 0; i < 3; i++ {
		s.Update(func(tx *Tx) error {
			if err := tx.CreateList(List{Name: "team", UIDValidity: 1000}); err != nil {
				return err
			}
			l, _ := tx.List("team")
			got = append(got, l.UIDValidity)
			return tx.DeleteList("team")
		})
	}
	if got[0] != 1000 || got[1] != 1001 || got[2] != 1002 {
		t.Fatalf("UIDVALIDITY of a recreated list: %v", got)
	}
}
