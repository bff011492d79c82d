package listserv

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"minyan/store"
)

// archiveAt archives post n, a reply to post parent (0: a new thread),
// dated when, and returns its seq.
func archiveAt(t testing.TB, s *Service, list string, parent int, when time.Time, n int) uint64 {
	t.Helper()
	var seq uint64
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		seq, err = archiveAtTx(tx, list, parent, when, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func archiveAtTx(tx *store.Tx, list string, parent int, when time.Time, n int) (uint64, error) {
	reply := ""
	if parent != 0 {
		reply = fmt.Sprintf("In-Reply-To: <p%d@x>\r\n", parent)
	}
	raw := fmt.Sprintf("From: User %d <u%d@example.org>\r\nSubject: topic %d\r\nMessage-ID: <p%d@x>\r\n%s\r\nwords %d\r\n", n%7, n%7, max(parent, n), n, reply, n)
	m := archiveMetaOf([]byte(raw))
	m.Archived = when.UTC()
	return tx.Archive(list, m, []byte(raw))
}

// views is everything the kept thread views answer for list.
type views struct {
	Pages  []ThreadPage
	Months []MonthCount
	ByMon  map[string]ThreadPage
}

func readViews(t *testing.T, s *Service, list string) views {
	t.Helper()
	ctx := context.Background()
	a := Operator(DoorCLI)
	var v views
	for page := 1; ; page++ {
		p, err := s.Threads(ctx, a, list, page)
		if err != nil {
			t.Fatal(err)
		}
		v.Pages = append(v.Pages, p)
		if page >= p.Pages {
			break
		}
	}
	ms, err := s.ArchiveMonths(ctx, a, list)
	if err != nil {
		t.Fatal(err)
	}
	v.Months = ms
	v.ByMon = map[string]ThreadPage{}
	for _, m := range ms {
		p, err := s.ThreadsInMonth(ctx, a, list, m.Year, m.Month)
		if err != nil {
			t.Fatal(err)
		}
		v.ByMon[fmt.Sprintf("%d-%02d", m.Year, m.Month)] = p
	}
	return v
}

// TestThreadViewsKeptIncrementally checks the kept views (thread pages,
// months and their counts, each month's threads) against views built
// from nothing over the same store, after posts arrive between reads,
// replies revive old threads, and posts are redacted — also one
// redacted before any read saw it.
func TestThreadViewsKeptIncrementally(t *testing.T) {
	s := newArchiveService(t, "big")
	ctx := context.Background()
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	var starts []int      // the n of each thread's first post
	var startSeq []uint64 // and its seq
	n := 0
	post := func(parent int, when time.Time) uint64 {
		n++
		return archiveAt(t, s, "big", parent, when, n)
	}
	for i := range 70 {
		when := t0.Add(time.Duration(i) * 36 * time.Hour)
		if i%3 == 0 || len(starts) == 0 {
			startSeq = append(startSeq, post(0, when))
			starts = append(starts, n)
		} else {
			// a reply to an older thread, now and then a much older one
			post(starts[(i*7)%len(starts)], when)
		}
		if i%9 == 0 {
			readViews(t, s, "big") // the views are kept between posts
		}
	}
	check := func(stage string) {
		t.Helper()
		kept := readViews(t, s, "big")
		fresh := New(s.st, Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1", Clock: s.clock})
		built := readViews(t, fresh, "big")
		if !reflect.DeepEqual(kept, built) {
			t.Fatalf("%s: kept views differ from views built anew:\nkept  %+v\nbuilt %+v", stage, kept, built)
		}
	}
	check("after posts")
	if len(readViews(t, s, "big").Months) < 3 {
		t.Fatal("the fixture should span several months")
	}
	// Redact a thread's latest post, a thread's only post in its month,
	// and a whole one-post thread.
	for _, seq := range []uint64{uint64(n - 1), startSeq[1], startSeq[len(startSeq)-1]} {
		if err := s.RedactMessage(ctx, Operator(DoorCLI), "big", seq, "test"); err != nil {
			t.Fatal(err)
		}
	}
	check("after redactions")
	// A post redacted before any read has seen it.
	seq := post(starts[0], t0.AddDate(1, 0, 0))
	if err := s.RedactMessage(ctx, Operator(DoorCLI), "big", seq, "test"); err != nil {
		t.Fatal(err)
	}
	check("after an unseen post was redacted")
	for _, m := range readViews(t, s, "big").Months {
		if m.Year == 2027 {
			t.Errorf("the redacted post's month is still listed: %+v", m)
		}
	}
}

// BenchmarkArchiveMonths reads a thread page and the months of archives
// of different sizes: the kept views make both cost the same at any
// size (the months were counted from every post before).
func BenchmarkArchiveMonths(b *testing.B) {
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("posts=%d", size), func(b *testing.B) {
			st := testStore(b)
			s := New(st, Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1"})
			ctx := context.Background()
			if _, err := s.CreateList(ctx, Operator(DoorCLI), "big", "discussion", "", ""); err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			for lo := 0; lo < size; lo += 10_000 {
				if err := st.Update(func(tx *store.Tx) error {
					for i := lo; i < min(lo+10_000, size); i++ {
						if _, err := archiveAtTx(tx, "big", 0, t0.Add(time.Duration(i)*10*time.Minute), i); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.ArchiveMonths(ctx, Operator(DoorCLI), "big"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Threads(ctx, Operator(DoorCLI), "big", 2); err != nil {
					b.Fatal(err)
				}
				if _, err := s.ArchiveMonths(ctx, Operator(DoorCLI), "big"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
