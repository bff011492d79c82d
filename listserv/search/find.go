package search

import (
	"context"
	"errors"
	"slices"
	"time"

	"minyan/store"
)

// Order is how hits are ordered.
type Order int

// The orders of hits.
const (
	// ByDate: newest first (the default). Answered by the word index,
	// which stops once the page is full.
	ByDate Order = iota
	// ByRelevance: best match first, newest first among equals. Answered
	// by bleve, which ranks every hit.
	ByRelevance
)

// Found is one page of hits.
type Found struct {
	Refs []Ref
	// Total counts the hits; More says there are more than Total (the
	// count stopped); Estimate says Total may count posts that a phrase
	// would refuse.
	Total    int
	More     bool
	Estimate bool
}

// maxPhraseChecks bounds how many candidates a phrase search reads to
// fill a page; a phrase that needs more goes to bleve.
const maxPhraseChecks = 400

// Search runs q over the lists named in readable (the caller's access
// decision), skipping skip hits and returning at most size, in order.
// ctx ending stops it.
func (x *Indexer) Search(ctx context.Context, q Query, readable []string, skip, size int, order Order) (Found, error) {
	lists := allowedLists(q, readable)
	if len(lists) == 0 {
		return Found{}, nil
	}
	if order == ByDate {
		checks := 0
		res, err := x.terms.Search(ctx, q, lists, skip, size, func(r Ref, phrases [][]string) (bool, error) {
			if checks++; checks > maxPhraseChecks {
				return false, errFallback
			}
			return x.hasPhrases(r, phrases)
		})
		if err == nil {
			return Found(res), nil
		}
		if !errors.Is(err, errFallback) {
			return Found{}, err
		}
	}
	r, err := x.idx.search(ctx, q, lists, skip, size, order)
	if err != nil {
		return Found{}, err
	}
	return Found{Refs: r.Refs, Total: int(r.Total)}, nil
}

// hasPhrases reads post r and reports whether each phrase is in one of
// its fields (subject, author, text) word for word.
func (x *Indexer) hasPhrases(r Ref, phrases [][]string) (bool, error) {
	var fields [][]string
	err := x.st.View(func(tx *store.Tx) error {
		m, err := tx.ArchiveMeta(r.List, r.Seq)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		raw, err := tx.ArchiveRaw(r.List, r.Seq)
		if err != nil {
			return err
		}
		p := ParseText(raw, maxTextBytes)
		fields = [][]string{x.terms.termList(m.Subject), x.terms.termList(m.FromName + " " + m.From),
			x.terms.termList(IndexText(p.Body()))}
		return nil
	})
	if err != nil || fields == nil {
		return false, err
	}
	for _, ph := range phrases {
		found := false
		for _, f := range fields {
			if containsRun(f, ph) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// containsRun reports whether words holds run in order, side by side.
func containsRun(words, run []string) bool {
	if len(run) == 0 {
		return true
	}
	for i := 0; i+len(run) <= len(words); i++ {
		if words[i] == run[0] && slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// allowedLists is readable narrowed to q's list: filters.
func allowedLists(q Query, readable []string) []string {
	if len(q.Lists) == 0 {
		return readable
	}
	var out []string
	for _, l := range readable {
		if slices.Contains(q.Lists, l) {
			out = append(out, l)
		}
	}
	return out
}

// bleveTimes are the dates bleve can hold (nanoseconds since 1970 in an
// int64); a search date outside them is moved to the nearest end.
var (
	bleveEarliest = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	bleveLatest   = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

func clampBleve(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if t.Before(bleveEarliest) {
		return bleveEarliest
	}
	if t.After(bleveLatest) {
		return bleveLatest
	}
	return t
}
