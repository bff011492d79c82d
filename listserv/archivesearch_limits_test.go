package listserv

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSearchFarDates: dates bleve cannot hold (before 1678, after 2262)
// are a search like any other — no posts that old or that new — not a
// failure (they answered 500), in either order.
func TestSearchFarDates(t *testing.T) {
	s := newArchiveService(t, "lab")
	_, sync := startSearch(t, s)
	archivePost(t, s, "lab", "From: a@example.org\nSubject: zebra\nMessage-ID: <z@x>\n\nzebra crossing\n")
	sync("lab")
	ctx := context.Background()
	for _, q := range []string{"before:3000-01-01 zebra", "after:1500-01-01 zebra", "after:0001-01-01 before:9999-12-31", "after:9999-01-01", "before:0001-01-02"} {
		for _, order := range []SearchOrder{SearchByDate, SearchByRelevance} {
			res, err := s.SearchOrdered(ctx, Operator(DoorCLI), q, "", 1, order)
			if err != nil {
				t.Errorf("%q (order %d): %v", q, order, err)
				continue
			}
			want := 1
			if strings.HasPrefix(q, "after:9999") || strings.HasPrefix(q, "before:0001") {
				want = 0
			}
			if len(res.Hits) != want {
				t.Errorf("%q (order %d): %d hits, want %d", q, order, len(res.Hits), want)
			}
		}
	}
}

// leavingCtx is a request whose client leaves after its first n checks.
type leavingCtx struct {
	context.Context
	n      int32
	checks atomic.Int32
}

func (c *leavingCtx) Err() error {
	if c.checks.Add(1) > c.n {
		return context.Canceled
	}
	return nil
}

// TestSearchStopsWhenClientLeaves: once the person has gone, the search
// stops between hits instead of reading and cutting every snippet.
func TestSearchStopsWhenClientLeaves(t *testing.T) {
	s := newArchiveService(t, "lab")
	_, sync := startSearch(t, s)
	for range 30 {
		archivePost(t, s, "lab", "From: a@example.org\nSubject: zebra\n\nzebra crossing\n")
	}
	sync("lab")
	ctx := &leavingCtx{Context: context.Background(), n: 1}
	_, err := s.Search(ctx, Operator(DoorCLI), "zebra", "", 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the search ran on after the client left: %v", err)
	}
	if n := ctx.checks.Load(); n > 3 {
		t.Errorf("%d checks: it went on looking", n)
	}
}

// TestSearchGate: searches beyond the running and waiting room answer
// ErrSearchBusy at once; a waiting one runs when a turn ends; one that
// waits too long is turned away, and one whose client left stops waiting.
func TestSearchGate(t *testing.T) {
	s := newArchiveService(t, "lab")
	s.o.SearchSlots, s.o.SearchQueue, s.o.SearchWait = 1, 1, time.Hour
	_, sync := startSearch(t, s)
	archivePost(t, s, "lab", "From: a@example.org\nSubject: zebra\n\nzebra crossing\n")
	sync("lab")
	ctx := context.Background()
	// One search holds the only turn.
	release, err := s.archive.gate.enter(ctx, s.searchLimits())
	if err != nil {
		t.Fatal(err)
	}
	// A second waits for it.
	done := make(chan error, 1)
	go func() {
		_, err := s.Search(ctx, Operator(DoorCLI), "zebra", "", 1)
		done <- err
	}()
	for s.archive.gate.waiting() == 0 {
		runtime.Gosched() // until the second search is in the queue
	}
	// A third has no room at all: turned away at once.
	if _, err := s.Search(ctx, Operator(DoorCLI), "zebra", "", 1); !errors.Is(err, ErrSearchBusy) {
		t.Fatalf("third search: %v, want ErrSearchBusy", err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("the waiting search: %v", err)
	}
	// Waiting ends with the client, and after SearchWait.
	release, _ = s.archive.gate.enter(ctx, s.searchLimits())
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Search(gone, Operator(DoorCLI), "zebra", "", 1); !errors.Is(err, context.Canceled) {
		t.Errorf("a search whose client left: %v", err)
	}
	s.o.SearchWait = time.Nanosecond
	if _, err := s.Search(ctx, Operator(DoorCLI), "zebra", "", 1); !errors.Is(err, ErrSearchBusy) {
		t.Errorf("a search that waited too long: %v", err)
	}
	release()
	if s.archive.gate.waiting() != 0 || s.archive.gate.busy() != 0 {
		t.Errorf("turns left behind: %d waiting, %d running", s.archive.gate.waiting(), s.archive.gate.busy())
	}
	if _, err := s.Search(ctx, Operator(DoorCLI), "zebra", "", 1); err != nil {
		t.Errorf("after the rush: %v", err)
	}
}

// TestSearchLargePostSnippet: a snippet looks through the start of a
// post only, so a very large post costs a search no more than a page of
// text (whole large posts cost seconds of CPU a search).
func TestSearchLargePostSnippet(t *testing.T) {
	s := newArchiveService(t, "lab")
	_, sync := startSearch(t, s)
	filler := strings.Repeat("lorem ipsum dolor sit amet\n", 200_000/27+1)
	archivePost(t, s, "lab", "From: a@example.org\nSubject: needle report\n\n"+filler+"needle at the end\n")
	sync("lab")
	res, err := s.Search(context.Background(), Operator(DoorCLI), "needle", "", 1)
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, seg := range res.Hits[0].Snippet {
		if seg.Marked {
			t.Fatalf("the snippet looked %d bytes into the post", len(filler))
		}
	}
	if len(res.Hits[0].Snippet) == 0 || !strings.HasPrefix(res.Hits[0].Snippet[0].Text, "lorem ipsum") {
		t.Errorf("snippet %+v", res.Hits[0].Snippet)
	}
}

// BenchmarkSearchLargePosts is a page of 20 hits that are 2 MB posts
// each (a search page cost seconds of CPU when snippets read whole posts).
func BenchmarkSearchLargePosts(b *testing.B) {
	s := New(testStore(b), Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1", Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if _, err := s.CreateList(ctx, Operator(DoorCLI), "lab", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	_, sync := startSearch(b, s)
	filler := strings.Repeat("lorem ipsum dolor sit amet needle\n", 2<<20/34)
	for range 20 {
		archivePost(b, s, "lab", "From: a@example.org\nSubject: big report\n\n"+filler)
	}
	sync("lab")
	for b.Loop() {
		res, err := s.Search(ctx, Operator(DoorCLI), "needle", "", 1)
		if err != nil || len(res.Hits) != 20 {
			b.Fatalf("%d hits, %v", len(res.Hits), err)
		}
	}
}
