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
// fixed when it is archived). They are kept per list in memory, derived
// data like the search index: built from the archive on first use, then
// kept level with it incrementally — a new post moves its thread to the
// front and counts in its month, a redaction takes the post out again —
// so a page of threads, the months and a month's threads cost the same
// at a hundred posts and at a million.

type threadPost struct {
	seq    uint64
	when   time.Time
	author string
}

type threadInfo struct {
	id      uint64
	subject string
	posts   []threadPost // in archive order
	months  []monthKey   // the months it has posts in, each once
	// subjectStale: its first post was redacted; the subject is read
	// again from the new first post at the next refresh.
	subjectStale bool
}

// monthKey is a month of the archive (UTC).
type monthKey struct {
	year  int
	month time.Month
}

func monthOf(t time.Time) monthKey {
	t = t.UTC()
	return monthKey{t.Year(), t.Month()}
}

type threadCache struct {
	mu          sync.Mutex
	uidValidity uint32
	through     uint64
	threads     map[uint64]*threadInfo
	byLatest    []*threadInfo // newest activity first; nil when it must be sorted again
	// months counts the posts of each month; byMonth holds the threads
	// with posts in each month; monthList is months newest first, nil
	// when a month came or went.
	months    map[monthKey]int
	byMonth   map[monthKey][]*threadInfo
	monthList []MonthCount
	// gone are posts redacted before a refresh read them (a reader whose
	// snapshot predates the redaction must not bring them back).
	gone map[uint64]bool
	// stale are threads whose subject must be read again.
	stale []*threadInfo
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

// threadsRedacted takes a redacted post out of list's kept views.
func (s *Service) threadsRedacted(list string, seq, thread uint64) {
	s.archive.mu.Lock()
	c := s.archive.threads[list]
	s.archive.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(seq, thread)
}

// refreshLocked reads posts after c.through; c.mu must be held.
func (c *threadCache) refreshLocked(tx *store.Tx, l store.List) error {
	if c.threads == nil || c.uidValidity != l.UIDValidity {
		c.threads, c.through, c.byLatest, c.uidValidity = map[uint64]*threadInfo{}, 0, nil, l.UIDValidity
		c.months, c.byMonth, c.monthList, c.gone, c.stale = map[monthKey]int{}, map[monthKey][]*threadInfo{}, nil, nil, nil
	}
	var touched []*threadInfo // threads with new posts, oldest activity first
	err := tx.ScanArchive(l.Name, c.through+1, 0, func(it *store.ArchiveItem) error {
		m, err := it.Meta()
		if err != nil {
			return err
		}
		c.through = m.Seq
		if c.gone[m.Seq] {
			delete(c.gone, m.Seq)
			return nil
		}
		t := c.threads[m.Thread]
		if t == nil {
			t = &threadInfo{id: m.Thread, subject: m.Subject}
			c.threads[m.Thread] = t
		}
		t.posts = append(t.posts, threadPost{seq: m.Seq, when: m.Archived, author: displayName(m)})
		mk := monthOf(m.Archived)
		if c.months[mk] == 0 {
			c.monthList = nil
		}
		c.months[mk]++
		if !slices.Contains(t.months, mk) {
			t.months = append(t.months, mk)
			c.byMonth[mk] = append(c.byMonth[mk], t)
		}
		touched = append(touched, t)
		return nil
	})
	if len(touched) > 0 && c.byLatest != nil {
		c.byLatest = moveToFront(c.byLatest, touched)
	}
	if err != nil {
		return err
	}
	for _, t := range c.stale {
		if len(t.posts) == 0 || !t.subjectStale {
			continue
		}
		m, err := tx.ArchiveMeta(l.Name, t.posts[0].seq)
		if err != nil {
			return err
		}
		t.subject, t.subjectStale = m.Subject, false
	}
	c.stale = nil
	return nil
}

// moveToFront puts the threads of touched (in the order their new posts
// came, so the last is the newest) at the front of order, newest first,
// and keeps the others in their order: the thread list after new posts,
// without sorting every thread again.
func moveToFront(order, touched []*threadInfo) []*threadInfo {
	seen := make(map[*threadInfo]bool, len(touched))
	front := make([]*threadInfo, 0, len(touched))
	for i := len(touched) - 1; i >= 0; i-- {
		if t := touched[i]; !seen[t] {
			seen[t] = true
			front = append(front, t)
		}
	}
	out := make([]*threadInfo, 0, len(order)+len(front))
	out = append(out, front...)
	for _, t := range order {
		if !seen[t] {
			out = append(out, t)
		}
	}
	return out
}

// removeLocked takes a redacted post out of the views; c.mu must be held.
func (c *threadCache) removeLocked(seq, thread uint64) {
	if seq > c.through {
		if c.gone == nil {
			c.gone = map[uint64]bool{}
		}
		c.gone[seq] = true
		return
	}
	t := c.threads[thread]
	if t == nil {
		return
	}
	i := slices.IndexFunc(t.posts, func(p threadPost) bool { return p.seq == seq })
	if i < 0 {
		return
	}
	mk := monthOf(t.posts[i].when)
	t.posts = slices.Delete(t.posts, i, i+1)
	if i == 0 && len(t.posts) > 0 {
		t.subjectStale = true
		c.stale = append(c.stale, t)
	}
	if c.months[mk]--; c.months[mk] <= 0 {
		delete(c.months, mk)
		c.monthList = nil
	}
	if !slices.ContainsFunc(t.posts, func(p threadPost) bool { return monthOf(p.when) == mk }) {
		t.months = slices.DeleteFunc(t.months, func(k monthKey) bool { return k == mk })
		c.byMonth[mk] = slices.DeleteFunc(c.byMonth[mk], func(x *threadInfo) bool { return x == t })
		if len(c.byMonth[mk]) == 0 {
			delete(c.byMonth, mk)
		}
	}
	if len(t.posts) == 0 {
		delete(c.threads, thread)
	}
	c.byLatest = nil // its latest post may have changed: sort once again
}

func (c *threadCache) sortedLocked() []*threadInfo {
	if c.byLatest != nil {
		return c.byLatest
	}
	out := make([]*threadInfo, 0, len(c.threads))
	for _, t := range c.threads {
		out = append(out, t)
	}
	slices.SortFunc(out, byLatestPost)
	c.byLatest = out
	return out
}

func byLatestPost(a, b *threadInfo) int {
	la, lb := a.posts[len(a.posts)-1].seq, b.posts[len(b.posts)-1].seq
	switch {
	case la > lb:
		return -1
	case la < lb:
		return 1
	}
	return 0
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
		in := slices.Clone(c.byMonth[monthKey{year, month}])
		slices.SortFunc(in, byLatestPost)
		for _, t := range in {
			var posts []threadPost
			for _, po := range t.posts {
				if !po.when.Before(start) && po.when.Before(end) {
					posts = append(posts, po)
				}
			}
			if len(posts) > 0 {
				p.Threads = append(p.Threads, summarize(t, posts))
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
		if c.monthList == nil {
			c.monthList = make([]MonthCount, 0, len(c.months))
			for k := range c.months {
				c.monthList = append(c.monthList, MonthCount{Year: k.year, Month: k.month})
			}
			slices.SortFunc(c.monthList, func(a, b MonthCount) int {
				if a.Year != b.Year {
					return b.Year - a.Year
				}
				return int(b.Month) - int(a.Month)
			})
		}
		out = make([]MonthCount, len(c.monthList))
		for i, m := range c.monthList {
			out[i] = MonthCount{Year: m.Year, Month: m.Month, Posts: c.months[monthKey{m.Year, m.Month}]}
		}
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
