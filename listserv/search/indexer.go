package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"minyan/store"
)

// Indexer keeps the index and the hub level with the archive. Every post
// is read once (one parse for both), in batches; each batch moves the
// index's and the hub's per-list marks with the batch itself, so after a
// crash catching up from the lower mark redoes at most one batch.
type Indexer struct {
	st    *store.Store
	idx   *Index
	hub   *Hub
	terms *Terms
	log   *slog.Logger
	// BatchSize is how many posts go into one index batch.
	BatchSize int
	// Gather is how long Run waits after a new post before indexing, so
	// that posts arriving together go into one batch: each batch is a
	// segment the index later merges, and a segment per post made the
	// merges take more CPU than taking the posts in. Search is derived
	// data: a post is findable this much later, never lost.
	Gather time.Duration

	run     sync.Mutex // one catch-up at a time
	pmu     sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

// Paths of the derived data under a data directory.
func Paths(dataDir string) (indexDir, hubFile string) {
	d := filepath.Join(dataDir, "search")
	return filepath.Join(d, "index.bleve"), filepath.Join(d, "resources.db")
}

// TermsPath is the word index's file under a data directory.
func TermsPath(dataDir string) string {
	return filepath.Join(dataDir, "search", "terms.db")
}

// NewIndexer ties an index, a hub and a word index to the store they
// derive from.
func NewIndexer(st *store.Store, idx *Index, hub *Hub, terms *Terms, log *slog.Logger) *Indexer {
	if log == nil {
		log = slog.Default()
	}
	return &Indexer{st: st, idx: idx, hub: hub, terms: terms, log: log, BatchSize: 1000, Gather: 250 * time.Millisecond,
		pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Index and Hub give readers the open index and hub.
func (x *Indexer) Index() *Index { return x.idx }

// Hub is the open resource hub.
func (x *Indexer) Hub() *Hub { return x.hub }

// Terms is the open word index.
func (x *Indexer) Terms() *Terms { return x.terms }

// Notify asks Run to catch list up. It never blocks: it is called on
// the goroutine that committed to the archive.
func (x *Indexer) Notify(list string) {
	x.pmu.Lock()
	x.pending[list] = true
	x.pmu.Unlock()
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run catches every list up, then follows Notify until ctx ends. A list
// that fails is tried again a little later.
func (x *Indexer) Run(ctx context.Context) error {
	if err := x.CatchUpAll(ctx, true); err != nil && ctx.Err() == nil {
		x.log.Error("search index: catching up at start failed; retrying on the next post", "err", err)
	}
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-x.wake:
			if x.Gather > 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(x.Gather):
				}
			}
		case <-retry.C:
		}
		x.pmu.Lock()
		lists := x.pending
		x.pending = map[string]bool{}
		x.pmu.Unlock()
		for l := range lists {
			if _, err := x.CatchUp(ctx, l, nil); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				x.log.Error("search index: catching up failed; will retry", "list", l, "err", err)
				x.pmu.Lock()
				x.pending[l] = true
				x.pmu.Unlock()
				retry.Reset(30 * time.Second)
			}
		}
	}
}

// CatchUpAll catches up every list; with redactions it also removes
// every redacted post again (a crash may have come between a redaction
// and its removal from the index).
func (x *Indexer) CatchUpAll(ctx context.Context, redactions bool) error {
	var lists []store.List
	if err := x.st.View(func(tx *store.Tx) error {
		var err error
		lists, err = tx.Lists()
		return err
	}); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	var errs []error
	for _, l := range lists {
		if redactions {
			if err := x.applyRedactions(l.Name); err != nil {
				errs = append(errs, err)
			}
		}
		if _, err := x.CatchUp(ctx, l.Name, nil); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (x *Indexer) applyRedactions(list string) error {
	var refs []Ref
	err := x.st.View(func(tx *store.Tx) error {
		rs, err := tx.ArchiveRedactions(list)
		for _, r := range rs {
			refs = append(refs, Ref{list, r.Seq})
		}
		return err
	})
	if err != nil || len(refs) == 0 {
		return err
	}
	return x.Remove(refs...)
}

// Remove takes posts out of the index and the hub (after a redaction).
func (x *Indexer) Remove(refs ...Ref) error {
	x.run.Lock()
	defer x.run.Unlock()
	return errors.Join(x.idx.Delete(refs...), x.hub.Delete(refs...), x.terms.Delete(refs...))
}

// errBatchFull stops a scan at the end of a batch.
var errBatchFull = errors.New("batch full")

// CatchUp indexes list's posts after the lower of its two marks and
// returns how many it indexed. progress, if set, hears (done, total).
func (x *Indexer) CatchUp(ctx context.Context, list string, progress func(done, total int64)) (int, error) {
	x.run.Lock()
	defer x.run.Unlock()
	var (
		l    store.List
		next uint64
		gone bool
	)
	err := x.st.View(func(tx *store.Tx) error {
		var err error
		l, err = tx.List(list)
		if errors.Is(err, store.ErrNotFound) {
			gone = true
			return nil
		}
		if err != nil {
			return err
		}
		next, err = tx.ArchiveNext(list)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("search index %s: %w", list, err)
	}
	if gone {
		return 0, errors.Join(x.idx.DropList(list), x.hub.DropList(list), x.terms.DropList(list))
	}
	mi, err := x.idx.Mark(list)
	if err != nil {
		return 0, err
	}
	mh, err := x.hub.Mark(list)
	if err != nil {
		return 0, err
	}
	mt, err := x.terms.Mark(list)
	if err != nil {
		return 0, err
	}
	// A list made again under an old name starts from nothing.
	if mi.UIDValidity != 0 && mi.UIDValidity != l.UIDValidity {
		if err := x.idx.DropList(list); err != nil {
			return 0, err
		}
		mi = Mark{}
	}
	if mh.UIDValidity != 0 && mh.UIDValidity != l.UIDValidity {
		if err := x.hub.DropList(list); err != nil {
			return 0, err
		}
		mh = Mark{}
	}
	if mt.UIDValidity != 0 && mt.UIDValidity != l.UIDValidity {
		if err := x.terms.DropList(list); err != nil {
			return 0, err
		}
		mt = Mark{}
	}
	from := min(mi.Seq, mh.Seq, mt.Seq) + 1
	total := int64(0)
	if next > from {
		total = int64(next - from)
	}
	if progress != nil {
		progress(0, total)
	}
	done := 0
	batch := x.BatchSize
	if batch <= 0 {
		batch = 1000
	}
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		var (
			docs  []Doc
			posts []PostShares
			last  uint64
			n     int
		)
		err := x.st.View(func(tx *store.Tx) error {
			err := tx.ScanArchive(list, from, 0, func(it *store.ArchiveItem) error {
				if n == batch {
					return errBatchFull
				}
				m, err := it.Meta()
				if err != nil {
					return err
				}
				p := Parse(it.Raw())
				ref := Ref{list, m.Seq}
				if m.Seq > min(mi.Seq, mt.Seq) {
					docs = append(docs, Doc{List: list, Seq: m.Seq, Subject: m.Subject,
						From: m.FromName + " " + m.From, Body: IndexText(p.Body()), Date: m.Archived})
				}
				if m.Seq > mh.Seq {
					posts = append(posts, PostShares{Ref: ref, Shares: SharesOf(ref, m.Thread, m.Subject, m.From, m.FromName, m.Archived, &p)})
				}
				last = m.Seq
				n++
				return nil
			})
			if errors.Is(err, errBatchFull) {
				return nil
			}
			return err
		})
		if err != nil {
			return done, fmt.Errorf("search index %s: read the archive: %w", list, err)
		}
		if n == 0 {
			// Nothing after from; still move the marks past redacted tail
			// posts so the next start does not rescan.
			return done, nil
		}
		mark := Mark{UIDValidity: l.UIDValidity, Seq: last}
		if last > mh.Seq {
			if err := x.hub.Put(list, posts, mark); err != nil {
				return done, err
			}
			mh = mark
		}
		if last > mi.Seq {
			if err := x.idx.Put(list, after(docs, mi.Seq), mark); err != nil {
				return done, err
			}
			mi = mark
		}
		if last > mt.Seq {
			if err := x.terms.Put(list, after(docs, mt.Seq), mark); err != nil {
				return done, err
			}
			mt = mark
		}
		done += n
		from = last + 1
		if progress != nil {
			progress(min(int64(done), total), total)
		}
	}
}

// after is the docs after seq.
func after(docs []Doc, seq uint64) []Doc {
	for i, d := range docs {
		if d.Seq > seq {
			return docs[i:]
		}
	}
	return nil
}
