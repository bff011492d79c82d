package listserv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"minyan/listserv/search"
	"minyan/store"
)

// archiveState holds the archive's derived views: the search index and
// resource hub (while StartSearch runs) and the thread lists. Its zero
// value is ready to use.
type archiveState struct {
	search atomic.Pointer[search.Indexer]
	gate   searchGate

	mu      sync.Mutex
	threads map[string]*threadCache
}

// ErrSearchOff answers a search while the index is not open (the daemon
// is starting, or the command line runs without it).
var ErrSearchOff = errors.New("search is not available right now; try again in a minute")

// ErrSearchBusy answers a search when as many are running and waiting
// as the server takes; the person may try again in a moment.
var ErrSearchBusy = errors.New("many people are searching right now; please try again in a few seconds")

// ErrBadQuery wraps what is wrong with a search someone typed.
var ErrBadQuery = errors.New("the search could not be understood")

// StartSearch opens the search index and the resource hub under dataDir
// (rebuilding them from the archive if missing or damaged), catches them
// up in the background and keeps them up to date after each archive
// commit. stop closes them.
func (s *Service) StartSearch(ctx context.Context, dataDir string) (stop func() error, err error) {
	ix, err := openIndexer(s.st, dataDir, s.log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	unsub := s.OnArchived(func(e ArchiveEvent) {
		if e.Kind == ArchiveGrew {
			ix.Notify(e.List)
		}
	})
	s.archive.search.Store(ix)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ix.Run(ctx)
	}()
	return func() error {
		unsub()
		cancel()
		<-done
		s.archive.search.CompareAndSwap(ix, nil)
		return errors.Join(ix.Index().Close(), ix.Hub().Close(), ix.Terms().Close())
	}, nil
}

func openIndexer(st *store.Store, dataDir string, log interface {
	Warn(string, ...any)
}) (*search.Indexer, error) {
	idxDir, hubFile := search.Paths(dataDir)
	if err := os.MkdirAll(filepath.Dir(idxDir), 0o750); err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	idx, rebuilt, err := search.OpenIndex(idxDir)
	if err != nil {
		return nil, err
	}
	if rebuilt {
		log.Warn("the search index could not be read (damaged or outdated); rebuilding it from the archive", "dir", idxDir)
	}
	hub, rebuilt, err := search.OpenHub(hubFile)
	if err != nil {
		idx.Close()
		return nil, err
	}
	if rebuilt {
		log.Warn("the resource hub could not be read (damaged); moved it aside and rebuilding it from the archive", "file", hubFile, "damaged_copy", hubFile+".damaged")
	}
	termsFile := search.TermsPath(dataDir)
	terms, rebuilt, err := search.OpenTerms(termsFile)
	if err != nil {
		idx.Close()
		hub.Close()
		return nil, err
	}
	if rebuilt {
		log.Warn("the search word index could not be read; rebuilding it from the archive", "file", termsFile)
	}
	return search.NewIndexer(st, idx, hub, terms, nil), nil
}

// IndexArchive brings list's search index and hub up to date now, with
// progress (after `archive import`). With StartSearch running it uses the
// daemon's index; otherwise it opens the one under dataDir for the call.
func (s *Service) IndexArchive(ctx context.Context, dataDir, list string, progress func(done, total int64)) (int, error) {
	if ix := s.archive.search.Load(); ix != nil {
		n, err := ix.CatchUp(ctx, list, progress)
		if err == nil && n >= compactAfter {
			err = ix.Index().Compact(ctx)
		}
		return n, err
	}
	ix, err := openIndexer(s.st, dataDir, s.log)
	if err != nil {
		return 0, err
	}
	n, err := ix.CatchUp(ctx, list, progress)
	if err == nil && n >= compactAfter {
		err = ix.Index().Compact(ctx)
	}
	err = errors.Join(err, ix.Index().Close(), ix.Hub().Close(), ix.Terms().Close())
	if err == nil && n >= compactAfter {
		// Closed, so nothing reads it while it is rewritten.
		err = search.CompactTerms(search.TermsPath(dataDir))
	}
	return n, err
}

// compactAfter is how many posts a catch-up must index for the index to
// be merged into one segment right after it (an import), rather than
// merged in the background while people search.
const compactAfter = 10_000

// SearchPerPage is how many hits a page of results holds.
const SearchPerPage = 20

// SearchHit is one post found.
type SearchHit struct {
	List    string
	Seq     uint64
	Thread  uint64
	Subject string
	// Author is the name shown for the sender (never the address).
	Author string
	Date   time.Time
	// Snippet is text around the match; Marked segments matched. Pages
	// escape every segment.
	Snippet []search.Segment
}

// SearchResults is one page of a search.
type SearchResults struct {
	Query string
	Hits  []SearchHit
	// Total counts the hits; with More there are more than Total (the
	// count stops at search.CountLimit); with Estimate it may count a
	// few posts that have a phrase's words but not in its order.
	Total    int
	More     bool
	Estimate bool
	Page     int
	PerPage  int
	Order    SearchOrder
	// Lists are the archives searched (the viewer's readable ones, or
	// the one asked for).
	Lists []string
}

// SearchOrder is the order of hits: newest first, or best match first.
type SearchOrder = search.Order

// The orders of a search.
const (
	SearchByDate      = search.ByDate
	SearchByRelevance = search.ByRelevance
)

// snippetScan bounds how much of a post's text a snippet looks through
// for the matched words: a very large post costs no more than this.
const snippetScan = 16 << 10

// Search runs a full-text search over the archives a may read (only
// list's, when list is not ""), returning page (from 1) of the hits,
// newest first. A list a may not read answers ErrNotFound; a malformed
// query answers an error wrapping ErrBadQuery with the reason.
func (s *Service) Search(ctx context.Context, a Actor, query, list string, page int) (SearchResults, error) {
	return s.SearchOrdered(ctx, a, query, list, page, SearchByDate)
}

// SearchOrdered is Search in the order asked for. At most a few searches
// run at once and a few more wait their turn (ErrSearchBusy beyond);
// ctx ending (the person left) stops the search and the snippets.
func (s *Service) SearchOrdered(ctx context.Context, a Actor, query, list string, page int, order SearchOrder) (SearchResults, error) {
	ctx = ctxOr(ctx)
	res := SearchResults{Query: query, Page: max(page, 1), PerPage: SearchPerPage, Order: order}
	ix := s.archive.search.Load()
	if ix == nil {
		return res, ErrSearchOff
	}
	q, err := search.ParseQuery(query)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	var names []string
	if list != "" {
		l, err := s.ArchiveFor(a, list)
		if err != nil {
			return res, err
		}
		names = []string{l.Name}
	} else {
		ls, err := s.ReadableArchivesFor(a)
		if err != nil {
			return res, err
		}
		for _, l := range ls {
			names = append(names, l.Name)
		}
	}
	res.Lists = names
	if q.Empty() || len(names) == 0 {
		return res, nil
	}
	release, err := s.archive.gate.enter(ctx, s.searchLimits())
	if err != nil {
		return res, err
	}
	defer release()
	found, err := ix.Search(ctx, q, names, (res.Page-1)*SearchPerPage, SearchPerPage, order)
	if err != nil {
		return res, err
	}
	res.Total, res.More, res.Estimate = found.Total, found.More, found.Estimate
	terms := q.Terms()
	for _, r := range found.Refs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var hit *SearchHit
		err := s.st.View(func(tx *store.Tx) error {
			m, err := tx.ArchiveMeta(r.List, r.Seq)
			if errors.Is(err, store.ErrNotFound) {
				return nil // redacted since it was indexed
			}
			if err != nil {
				return err
			}
			raw, err := tx.ArchiveRaw(r.List, r.Seq)
			if err != nil {
				return err
			}
			p := search.ParseText(raw, snippetScan)
			text := p.Body()
			hit = &SearchHit{
				List: r.List, Seq: r.Seq, Thread: m.Thread, Subject: m.Subject,
				Author: displayName(m), Date: m.Archived,
				Snippet: search.Snippet(search.IndexText(text), terms, 240),
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		if hit == nil {
			res.Total--
			continue
		}
		res.Hits = append(res.Hits, *hit)
	}
	return res, nil
}

// searchLimits are the gate's sizes: Options, or as many searches at
// once as the machine has processors, 32 more waiting up to 2 seconds.
func (s *Service) searchLimits() gateLimits {
	g := gateLimits{running: s.o.SearchSlots, waiting: s.o.SearchQueue, wait: s.o.SearchWait}
	if g.running <= 0 {
		g.running = max(2, runtime.GOMAXPROCS(0))
	}
	if g.waiting == 0 {
		g.waiting = 32
	}
	if g.wait == 0 {
		g.wait = 2 * time.Second
	}
	return g
}

// gateLimits size a searchGate; waiting < 0 means none may wait.
type gateLimits struct {
	running, waiting int
	wait             time.Duration
}

// searchGate caps the searches running at once; a few more wait their
// turn (for a while), the rest are turned away with ErrSearchBusy.
type searchGate struct {
	mu      sync.Mutex
	running int
	queue   []chan struct{} // waiting searches, first come first served
}

// enter waits for a turn; release ends it.
func (g *searchGate) enter(ctx context.Context, lim gateLimits) (release func(), err error) {
	g.mu.Lock()
	if g.running < lim.running && len(g.queue) == 0 {
		g.running++
		g.mu.Unlock()
		return g.leave, nil
	}
	if len(g.queue) >= max(lim.waiting, 0) {
		g.mu.Unlock()
		return nil, ErrSearchBusy
	}
	turn := make(chan struct{})
	g.queue = append(g.queue, turn)
	g.mu.Unlock()
	t := time.NewTimer(lim.wait)
	defer t.Stop()
	select {
	case <-turn:
		return g.leave, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = ErrSearchBusy
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := slices.Index(g.queue, turn); i >= 0 {
		g.queue = slices.Delete(g.queue, i, i+1)
		return nil, err
	}
	// The turn came as we gave up: pass it on.
	g.running++
	g.leaveLocked()
	return nil, err
}

// waiting and busy count the searches waiting and running.
func (g *searchGate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

func (g *searchGate) busy() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running
}

func (g *searchGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.leaveLocked()
}

// leaveLocked ends a turn, handing it to the first waiting search.
func (g *searchGate) leaveLocked() {
	g.running--
	if len(g.queue) > 0 {
		close(g.queue[0])
		g.queue = g.queue[1:]
		g.running++
	}
}

// ResourceFilter narrows the resource hub: by list, #tag, kind and
// words; Page counts from 1.
type ResourceFilter = search.HubFilter

// ResourcePage is one page of the hub. Each entry holds only the shares
// the viewer may see; a share's From is empty (authors are shown by
// name, FromName).
type ResourcePage = search.HubPage

// Resources lists the resource hub for a: entries shared in archives a
// may read, newest share first. A list a may not read answers
// ErrNotFound.
func (s *Service) Resources(ctx context.Context, a Actor, f ResourceFilter) (ResourcePage, error) {
	ix := s.archive.search.Load()
	if ix == nil {
		return ResourcePage{}, ErrSearchOff
	}
	var readable []string
	if f.List != "" {
		l, err := s.ArchiveFor(a, f.List)
		if err != nil {
			return ResourcePage{}, err
		}
		f.List = l.Name
		readable = []string{l.Name}
	} else {
		names, err := s.readableArchiveNames(a)
		if err != nil {
			return ResourcePage{}, err
		}
		readable = names
	}
	if err := ctx.Err(); err != nil {
		return ResourcePage{}, err
	}
	p := ix.Hub().List(f, readable)
	for i := range p.Entries {
		p.Entries[i] = withoutAddresses(p.Entries[i])
	}
	return p, nil
}

// ResourceTags counts the #tags on the hub entries a may see.
func (s *Service) ResourceTags(a Actor) (map[string]int, error) {
	ix := s.archive.search.Load()
	if ix == nil {
		return nil, ErrSearchOff
	}
	names, err := s.readableArchiveNames(a)
	if err != nil {
		return nil, err
	}
	return ix.Hub().Tags(names), nil
}

// SharedResources returns the resources shared in list's posts with
// from <= seq <= to (to 0: no end), first shared first, for the
// "Resources shared" section of the weekly and session digests (which
// go to the list's own members). Empty when the hub is not open.
func (s *Service) SharedResources(list string, from, to uint64) []search.Entry {
	ix := s.archive.search.Load()
	if ix == nil {
		return nil
	}
	out := ix.Hub().SharedIn(list, from, to)
	for i := range out {
		out[i] = withoutAddresses(out[i])
	}
	return out
}

// withoutAddresses blanks the sharers' addresses (names stay).
func withoutAddresses(e search.Entry) search.Entry {
	shares := make([]search.Share, len(e.Shares))
	for i, sh := range e.Shares {
		if strings.TrimSpace(sh.FromName) == "" {
			sh.FromName = displayName(store.ArchiveMeta{From: sh.From})
		}
		sh.From = ""
		shares[i] = sh
	}
	e.Shares = shares
	return e
}
