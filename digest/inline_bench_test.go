package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

var errRollback = errors.New("rollback")

// bigDigest is a list with members digest members (a tenth of them in
// plain format) and posts archived last week.
func bigDigest(tb testing.TB, members, posts int) (*env, store.List, time.Time) {
	e := newEnvTB(tb)
	if _, err := e.svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", "discussion", "Big", ""); err != nil {
		tb.Fatal(err)
	}
	l, err := e.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York", "personalize=true"})
	if err != nil {
		tb.Fatal(err)
	}
	specs := make([]listserv.MemberSpec, members)
	for i := range specs {
		specs[i] = listserv.MemberSpec{Address: fmt.Sprintf("m%d@example.net", i), Mode: "digest"}
	}
	if _, err := e.svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "big", specs, false); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < members; i += 10 {
		if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "big", fmt.Sprintf("m%d@example.net", i), store.DigestPlain); err != nil {
			tb.Fatal(err)
		}
	}
	start := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	para := strings.Repeat("A paragraph about the week's reading and what it asks of us. ", 5)
	err = e.st.Update(func(tx *store.Tx) error {
		for i := range posts {
			at := start.Add(time.Duration(i) * 5 * time.Minute)
			subj := fmt.Sprintf("Topic %d", i/5)
			raw := fmt.Sprintf("From: P%d <p%d@example.net>\r\nSubject: %s\r\nMessage-ID: <b%d@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n> quoted line\r\n-- \r\nsig\r\n",
				i%40, i%40, subj, i, para)
			if _, err := tx.Archive("big", store.ArchiveMeta{MessageID: fmt.Sprintf("b%d@example.net", i), From: fmt.Sprintf("p%d@example.net", i%40),
				FromName: fmt.Sprintf("P%d", i%40), Subject: subj, Date: at, Archived: at}, []byte(raw)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e, l, time.Date(2026, 11, 9, 13, 0, 0, 0, time.UTC)
}

// composeAndQueue runs one weekly digest in one transaction; commit
// false rolls it back so it can run again.
func composeAndQueue(tb testing.TB, e *env, l store.List, upTo time.Time, commit bool) digestResult {
	var res digestResult
	err := e.st.Update(func(tx *store.Tx) error {
		state := store.DigestState{List: l.Name, ListUID: l.UIDValidity}
		var err error
		res, err = e.s.queueDigest(tx, l, store.DigestWeekly, state, upTo, "digest/big/bench", upTo)
		if err == nil && !commit {
			return errRollback
		}
		return err
	})
	if err != nil && !errors.Is(err, errRollback) {
		tb.Fatal(err)
	}
	return res
}

// BenchmarkWeeklyDigest1000x1000 composes a digest of 1,000 posts for
// 1,000 digest members (render once per format, splice per member) and
// queues it in one transaction (rolled back, so no fsync is counted).
func BenchmarkWeeklyDigest1000x1000(b *testing.B) {
	e, l, upTo := bigDigest(b, 1000, 1000)
	b.ResetTimer()
	for b.Loop() {
		if res := composeAndQueue(b, e, l, upTo, false); res.posts != 1000 || res.rcpts != 1000 {
			b.Fatalf("%+v", res)
		}
	}
}

// TestWeeklyDigest1000x1000 queues the same digest once, committed, and
// checks what was queued: one copy per format, every member once.
func TestWeeklyDigest1000x1000(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large")
	}
	e, l, upTo := bigDigest(t, 1000, 1000)
	res := composeAndQueue(t, e, l, upTo, true)
	if res.posts != 1000 || res.rcpts != 1000 {
		t.Fatalf("%+v", res)
	}
	q := e.ofKind(kindWeekly)
	if len(q) != 2 || len(q[0].Rcpts)+len(q[1].Rcpts) != 1000 || len(q[1].Rcpts) != 100 {
		t.Fatalf("%d copies", len(q))
	}
	doc := string(clientParts(t, q[0].Raw)["text/html"][0])
	if len(doc) >= 100_000 {
		t.Errorf("HTML %d bytes", len(doc))
	}
}
