package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// analyzerName is the one analyzer of every text field: Unicode word
// boundaries (Hebrew, Spanish, Yiddish in Latin letters alike), accents
// folded (canción finds cancion) and lowercase. No stemming: the
// archive speaks several languages and an English stemmer would mangle
// the others.
const analyzerName = "minyan"

// Index is the full-text index of every list's archive. Document IDs are
// "LIST/SEQ"; nothing is stored in it but what searching needs, so a hit
// is read back from the archive (which also drops redacted posts).
type Index struct {
	bi  bleve.Index
	dir string
}

// Doc is one post as the index sees it.
type Doc struct {
	List    string
	Seq     uint64
	Subject string
	From    string // "Name address"
	Body    string
	Date    time.Time
}

// Ref names one post.
type Ref struct {
	List string
	Seq  uint64
}

func (r Ref) id() string { return r.List + "/" + strconv.FormatUint(r.Seq, 10) }

func parseID(id string) (Ref, bool) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 {
		return Ref{}, false
	}
	seq, err := strconv.ParseUint(id[i+1:], 10, 64)
	if err != nil {
		return Ref{}, false
	}
	return Ref{List: id[:i], Seq: seq}, true
}

func newMapping() (mapping.IndexMapping, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"char_filters":  []string{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	m.DefaultAnalyzer = analyzerName
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false

	text := func(vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = vectors // positions, for phrases
		f.DocValues = false
		return f
	}
	kw := bleve.NewKeywordFieldMapping()
	kw.Store, kw.IncludeInAll, kw.IncludeTermVectors, kw.DocValues = false, false, false, false
	date := bleve.NewDateTimeFieldMapping()
	date.Store, date.IncludeInAll, date.DocValues = false, false, false
	// The order of hits by date: one fixed-width term a post, so sorting
	// reads one small value a hit (a date field's doc values hold every
	// precision of the date, sixteen terms, which made sorting the
	// larger part of a search).
	order := bleve.NewKeywordFieldMapping()
	order.Store, order.IncludeInAll, order.IncludeTermVectors, order.DocValues = false, false, false, true

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("subject", text(true))
	dm.AddFieldMappingsAt("from", text(true))
	dm.AddFieldMappingsAt("body", text(true))
	dm.AddFieldMappingsAt("list", kw)
	dm.AddFieldMappingsAt("date", date)
	dm.AddFieldMappingsAt("order", order)
	m.DefaultMapping = dm
	return m, nil
}

// indexFormat names the index's fields and how they are filled; an index
// of another format is rebuilt. Bump it with every change to newMapping
// or to what Put writes.
const indexFormat = "2"

var formatKey = []byte("format")

// ErrDamaged wraps the reason an index could not be opened; OpenIndex
// answers it by starting over.
var ErrDamaged = errors.New("the search index is damaged")

// OpenIndex opens the index in dir, creating it if missing. An index
// that cannot be opened is moved aside and a new empty one is made
// (rebuilt is true then, and the caller's catch-up refills it).
func OpenIndex(dir string) (x *Index, rebuilt bool, err error) {
	bi, err := bleve.Open(dir)
	if err == nil {
		f, ferr := bi.GetInternal(formatKey)
		if ferr == nil && string(f) == indexFormat {
			return &Index{bi: bi, dir: dir}, false, nil
		}
		// Made by an older version, with other fields: start again
		// from the archive (the marks go with it).
		bi.Close()
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, false, fmt.Errorf("replace the outdated search index in %s: %w", dir, rerr)
		}
		rebuilt = true
	} else if _, statErr := os.Stat(dir); statErr == nil {
		// Present but unreadable: start again from the archive.
		bad := dir + ".damaged"
		os.RemoveAll(bad)
		if rerr := os.Rename(dir, bad); rerr != nil {
			if rerr := os.RemoveAll(dir); rerr != nil {
				return nil, false, fmt.Errorf("%w: %v; and it cannot be removed: %v", ErrDamaged, err, rerr)
			}
		}
		rebuilt = true
	}
	m, merr := newMapping()
	if merr != nil {
		return nil, false, fmt.Errorf("search index mapping: %w", merr)
	}
	bi, err = bleve.New(dir, m)
	if err != nil {
		return nil, false, fmt.Errorf("create the search index in %s: %w", dir, err)
	}
	if err := bi.SetInternal(formatKey, []byte(indexFormat)); err != nil {
		bi.Close()
		return nil, false, fmt.Errorf("create the search index in %s: %w", dir, err)
	}
	return &Index{bi: bi, dir: dir}, rebuilt, nil
}

// Close flushes and closes the index.
func (x *Index) Close() error { return x.bi.Close() }

// DocCount is how many posts are indexed.
func (x *Index) DocCount() (uint64, error) { return x.bi.DocCount() }

func markKey(list string) []byte { return []byte("mark/" + list) }

// Mark is how far list's archive is indexed: the list's UIDVALIDITY when
// it was indexed and the last sequence number done.
type Mark struct {
	UIDValidity uint32
	Seq         uint64
}

func encodeMark(m Mark) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint32(b, m.UIDValidity)
	binary.BigEndian.PutUint64(b[4:], m.Seq)
	return b
}

func decodeMark(b []byte) Mark {
	if len(b) != 12 {
		return Mark{}
	}
	return Mark{UIDValidity: binary.BigEndian.Uint32(b), Seq: binary.BigEndian.Uint64(b[4:])}
}

// Mark returns how far list is indexed.
func (x *Index) Mark(list string) (Mark, error) {
	b, err := x.bi.GetInternal(markKey(list))
	if err != nil {
		return Mark{}, fmt.Errorf("search index mark of %s: %w", list, err)
	}
	return decodeMark(b), nil
}

// Put indexes docs and moves list's mark to m in one batch: after a
// crash both are there or neither is.
func (x *Index) Put(list string, docs []Doc, m Mark) error {
	b := x.bi.NewBatch()
	for _, d := range docs {
		if err := b.Index(Ref{d.List, d.Seq}.id(), map[string]any{
			"subject": d.Subject,
			"from":    d.From,
			"body":    d.Body,
			"list":    d.List,
			"date":    d.Date.UTC(),
			"order":   orderTerm(d.Date),
		}); err != nil {
			return fmt.Errorf("index %s #%d: %w", d.List, d.Seq, err)
		}
	}
	b.SetInternal(markKey(list), encodeMark(m))
	if err := x.bi.Batch(b); err != nil {
		return fmt.Errorf("index %s: %w", list, err)
	}
	return nil
}

// Delete removes posts from the index.
func (x *Index) Delete(refs ...Ref) error {
	b := x.bi.NewBatch()
	for _, r := range refs {
		b.Delete(r.id())
	}
	if err := x.bi.Batch(b); err != nil {
		return fmt.Errorf("remove from the search index: %w", err)
	}
	return nil
}

// DropList removes every post of list and its mark (the list was deleted
// or made again under the same name).
func (x *Index) DropList(list string) error {
	for {
		tq := bleve.NewTermQuery(list)
		tq.SetField("list")
		req := bleve.NewSearchRequestOptions(tq, 5000, 0, false)
		res, err := x.bi.Search(req)
		if err != nil {
			return fmt.Errorf("clear %s from the search index: %w", list, err)
		}
		b := x.bi.NewBatch()
		for _, h := range res.Hits {
			b.Delete(h.ID)
		}
		if len(res.Hits) == 0 {
			b.DeleteInternal(markKey(list))
		}
		if err := x.bi.Batch(b); err != nil {
			return fmt.Errorf("clear %s from the search index: %w", list, err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
	}
}

// Compact merges the index's segments into one and waits for it. After
// a large catch-up (an import) the searches that follow then read one
// segment, and the background merging that would compete with them for
// the processor is already done.
func (x *Index) Compact(ctx context.Context) error {
	adv, err := x.bi.Advanced()
	if err != nil {
		return fmt.Errorf("compact the search index: %w", err)
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	if err := sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		return fmt.Errorf("compact the search index: %w", err)
	}
	return nil
}

// Result is one page of hits.
type Result struct {
	Refs  []Ref
	Total uint64
}

// Search runs q over the lists named in readable (the caller's access
// decision), skipping from hits and returning at most size, best first.
func (x *Index) Search(q Query, readable []string, from, size int) (Result, error) {
	return x.search(context.Background(), q, allowedLists(q, readable), from, size, ByRelevance)
}

// search asks bleve: in relevance order (best first, then newest), or
// newest first; ctx ending stops it.
func (x *Index) search(ctx context.Context, q Query, allowed []string, from, size int, order Order) (Result, error) {
	if len(allowed) == 0 {
		return Result{}, nil
	}
	var must []query.Query
	lq := make([]query.Query, 0, len(allowed))
	for _, l := range allowed {
		t := bleve.NewTermQuery(l)
		t.SetField("list")
		lq = append(lq, t)
	}
	must = append(must, bleve.NewDisjunctionQuery(lq...))
	scored := false
	for _, w := range q.Words {
		must = append(must, anyField(w, false, "subject", "from", "body"))
		scored = true
	}
	for _, p := range q.Phrases {
		must = append(must, anyField(p, true, "subject", "from", "body"))
		scored = true
	}
	for _, f := range q.From {
		mq := bleve.NewMatchPhraseQuery(f)
		mq.SetField("from")
		must = append(must, mq)
	}
	if !q.After.IsZero() || !q.Before.IsZero() {
		after, before := clampBleve(q.After), clampBleve(q.Before)
		if !after.IsZero() && !before.IsZero() && !after.Before(before) {
			return Result{}, nil
		}
		t, f := true, false
		dq := bleve.NewDateRangeInclusiveQuery(after, before, &t, &f)
		dq.SetField("date")
		must = append(must, dq)
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(must...)
	for _, n := range q.Not {
		bq.AddMustNot(anyField(n, strings.ContainsAny(n, " \t"), "subject", "from", "body"))
	}
	req := bleve.NewSearchRequestOptions(bq, size, from, false)
	if scored && order == ByRelevance {
		req.SortBy([]string{"-_score", "-order"})
	} else {
		req.SortBy([]string{"-order"})
		req.Score = "none"
	}
	res, err := x.bi.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	out := Result{Total: res.Total}
	for _, h := range res.Hits {
		if r, ok := parseID(h.ID); ok {
			out.Refs = append(out.Refs, r)
		}
	}
	return out, nil
}

// orderTerm is the "order" field of a post archived at t: its Unix time in
// nanoseconds as 16 hex digits, which sort as the times do (a time before
// 1970 counts as 1970).
func orderTerm(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(max(t.UnixNano(), 0)))
}

// anyField matches text (all its words, or as a phrase) in any of fields.
func anyField(text string, phrase bool, fields ...string) query.Query {
	qs := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		if phrase {
			p := bleve.NewMatchPhraseQuery(text)
			p.SetField(f)
			qs = append(qs, p)
			continue
		}
		m := bleve.NewMatchQuery(text)
		m.SetField(f)
		m.SetOperator(query.MatchQueryOperatorAnd)
		qs = append(qs, m)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// IndexText is the part of a body worth searching: quoted lines and the
// signature are left out (they are found in the posts that wrote them).
func IndexText(body string) string {
	var b strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimRight(line, " \r\t")
		if t == "--" && strings.HasPrefix(line, "-- ") || line == "-- " {
			break
		}
		if strings.HasPrefix(strings.TrimLeft(t, " "), ">") {
			continue
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}
