package listserv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"minyan/store"
)

// Thread lists come from the archive's metadata (each post's thread is
// fixed when it is archived). They are kept per list in memory, read
// incrementally from the last post seen, and dropped on a redaction.

type threadPost struct {
	seq    uint64
	when   time.Time
	author string
}

type threadInfo struct {
	id      uint64
	subject string
	posts   []threadPost // in archive order
}

type threadCache struct {
	mu          sync.Mutex
	uidValidity uint32
	through     uint64
	threads     map[uint64]*threadInfo
	byLatest    []*threadInfo // newest activity first; nil when stale
}

// ThreadSummary is one thread in a listing.
type ThreadSummary struct {
	Thread  uint64 // the seq of its first post
	Subject string
	Posts   int
	First   time.Time
	Last    time.Time
	LastSeq uint64
	// Authors are names (never addresses), first poster first, each once,
	// at most five.
	Authors []string
}

// ThreadPage is one page of a list's threads.
type ThreadPage struct {
	List    string
	Threads []ThreadSummary
	Page    int
	Pages   int
	Total   int
}

// ThreadsPerPage is how many threads one page lists.
const ThreadsPerPage = 30

// ThreadPost is one post of a thread, for the thread view.
type ThreadPost struct {
	Seq    uint64
	Author string
	Date   time.Time
}

func (s *Service) threadCacheFor(list string) *threadCache {
	s.archive.mu.Lock()
	defer s.archive.mu.Unlock()
	if s.archive.threads == nil {
		s.archive.threads = map[string]*threadCache{}
	}
	c := s.archive.threads[list]
	if c == nil {
		c = &threadCache{}
		s.archive.threads[list] = c
	}
	return c
}

func (s *Service) dropThreadCache(list string) {
	s.archive.mu.Lock()
	defer s.archive.mu.Unlock()
	delete(s.archive.threads, list)
}

// refreshLocked reads posts after c.through; c.mu must be held.
func (c *threadCache) refreshLocked(tx *store.Tx, l store.List) error {
	if c.threads == nil || c.uidValidity != l.UIDValidity {
		c.threads, c.through, c.byLatest, c.uidValidity = map[uint64]*threadInfo{}, 0, nil, l.UIDValidity
	}
	return tx.ScanArchive(l.Name, c.through+1, 0, func(it *store.ArchiveItem) error {
		m, err := it.Meta()
		if err != nil {
			return err
		}
		t := c.threads[m.Thread]
		if t == nil {
			t = &threadInfo{id: m.Thread, subject: m.Subject}
			c.threads[m.Thread] = t
		}
		t.posts = append(t.posts, threadPost{seq: m.Seq, when: m.Archived, author: displayName(m)})
		c.through = m.Seq
		c.byLatest = nil
		return nil
	})
}

func (c *threadCache) sortedLocked() []*threadInfo {
	if c.byLatest != nil {
		return c.byLatest
	}
	out := make([]*threadInfo, 0, len(c.threads))
	for _, t := range c.threads {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *threadInfo) int {
		la, lb := a.posts[len(a.posts)-1].seq, b.posts[len(b.posts)-1].seq
		switch {
		case la > lb:
			return -1
		case la < lb:
			return 1
		}
		return 0
	})
	c.byLatest = out
	return out
}

func summarize(t *threadInfo, posts []threadPost) ThreadSummary {
	sum := ThreadSummary{Thread: t.id, Subject: t.subject, Posts: len(posts),
		First: posts[0].when, Last: posts[len(posts)-1].when, LastSeq: posts[len(posts)-1].seq}
	for _, p := range posts {
		if len(sum.Authors) < 5 && !slices.Contains(sum.Authors, p.author) {
			sum.Authors = append(sum.Authors, p.author)
		}
	}
	return sum
}

// withThreads runs fn with list's fresh thread cache, after checking a
// may read the archive.
func (s *Service) withThreads(ctx context.Context, a Actor, list string, fn func(l store.List, c *threadCache) error) error {
	if err := ctxOr(ctx).Err(); err != nil {
		return err
	}
	return s.st.View(func(tx *store.Tx) error {
		l, err := s.archiveForTx(tx, a, list)
		if err != nil {
			return err
		}
		c := s.threadCacheFor(l.Name)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err := c.refreshLocked(tx, l); err != nil {
			return fmt.Errorf("threads of %s: %w", l.Name, err)
		}
		return fn(l, c)
	})
}

// Threads lists list's threads by latest activity, page (from 1) of
// them.
func (s *Service) Threads(ctx context.Context, a Actor, list string, page int) (ThreadPage, error) {
	var p ThreadPage
	err := s.withThreads(ctx, a, list, func(l store.List, c *threadCache) error {
		all := c.sortedLocked()
		p = ThreadPage{List: l.Name, Page: max(page, 1), Total: len(all)}
		p.Pages = max(1, (len(all)+ThreadsPerPage-1)/ThreadsPerPage)
		lo := (p.Page - 1) * ThreadsPerPage
		for i := lo; i < len(all) && i < lo+ThreadsPerPage; i++ {
			p.Threads = append(p.Threads, summarize(all[i], all[i].posts))
		}
		return nil
	})
	return p, err
}

// ThreadsInMonth lists the threads with posts archived in month (UTC),
// each counting only that month's posts, latest activity first.
func (s *Service) ThreadsInMonth(ctx context.Context, a Actor, list string, year int, month time.Month) (ThreadPage, error) {
	var p ThreadPage
	if month < 1 || month > 12 || year < 1970 || year > 9999 {
		return p, errors.New("no such month")
	}
	start := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	err := s.withThreads(ctx, a, list, func(l store.List, c *threadCache) error {
		p = ThreadPage{List: l.Name, Page: 1, Pages: 1}
		for _, t := range c.sortedLocked() {
			var in []threadPost
			for _, po := range t.posts {
				if !po.when.Before(start) && po.when.Before(end) {
					in = append(in, po)
				}
			}
			if len(in) > 0 {
				p.Threads = append(p.Threads, summarize(t, in))
			}
		}
		slices.SortStableFunc(p.Threads, func(a, b ThreadSummary) int { return b.Last.Compare(a.Last) })
		p.Total = len(p.Threads)
		return nil
	})
	return p, err
}

// MonthCount is how many posts a month of an archive holds.
type MonthCount struct {
	Year  int
	Month time.Month
	Posts int
}

// ArchiveMonths lists the months with posts, newest first.
func (s *Service) ArchiveMonths(ctx context.Context, a Actor, list string) ([]MonthCount, error) {
	var out []MonthCount
	err := s.withThreads(ctx, a, list, func(_ store.List, c *threadCache) error {
		counts := map[[2]int]int{}
		for _, t := range c.threads {
			for _, po := range t.posts {
				w := po.when.UTC()
				counts[[2]int{w.Year(), int(w.Month())}]++
			}
		}
		for k, n := range counts {
			out = append(out, MonthCount{Year: k[0], Month: time.Month(k[1]), Posts: n})
		}
		slices.SortFunc(out, func(a, b MonthCount) int {
			if a.Year != b.Year {
				return b.Year - a.Year
			}
			return int(b.Month) - int(a.Month)
		})
		return nil
	})
	return out, err
}

// ThreadPosts lists the posts of thread in list, in archive order.
func (s *Service) ThreadPosts(ctx context.Context, a Actor, list string, thread uint64) ([]ThreadPost, error) {
	var out []ThreadPost
	err := s.withThreads(ctx, a, list, func(_ store.List, c *threadCache) error {
		t := c.threads[thread]
		if t == nil {
			return ErrNoMessage
		}
		for _, p := range t.posts {
			out = append(out, ThreadPost{Seq: p.seq, Author: p.author, Date: p.when})
		}
		return nil
	})
	return out, err
}
