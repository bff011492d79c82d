package search

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Terms is the word index that answers searches in date order, beside
// bleve (which keeps relevance order and is the fallback). Every post
// gets a document number that is its archive time in Unix seconds (the
// next free second when two posts share one), so the numbers are in date
// order, and each word has a posting list of document numbers: a roaring
// bitmap cut into shards of 65,536 seconds (about 18 hours), one bbolt
// key a shard. A search intersects the shards of its words newest shard
// first and stops as soon as the page is full and the count has passed
// CountLimit, however many posts match: the cost follows the page, not
// the number of hits.
//
// Posting lists are never rewritten on a redaction: the post leaves its
// list's posting list, and every search intersects with the lists the
// viewer may read, so it is never found again. Document numbers are
// never reused.
//
// It is derived data in DATA_DIR/search/terms.db, kept and rebuilt like
// the bleve index; its marks move with its batches.
type Terms struct {
	db *bolt.DB
	an analysis.Analyzer
}

var (
	termsPost  = []byte("post")  // kind, term, 0, shard (2 bytes) -> roaring bitmap
	termsDocs  = []byte("docs")  // docnum (4 bytes) -> "LIST/SEQ"
	termsRefs  = []byte("refs")  // "LIST/SEQ" -> docnum
	termsMarks = []byte("marks") // "mark/LIST" -> Mark; "format" -> termsFormat
)

// termsFormat names how terms.db is laid out; another one is rebuilt.
const termsFormat = "1"

// Kinds of posting lists.
const (
	kindWord byte = 't' // a word of the subject, author or text
	kindFrom byte = 'f' // a word of the author (name and address)
	kindList byte = 'l' // the list a post is archived in
)

// maxTermBytes: longer words are not kept (a search for one goes to
// bleve).
const maxTermBytes = 64

// CountLimit is how far a date-order search counts its hits; beyond it
// the total is "more than CountLimit".
const CountLimit = 10_000

// OpenTerms opens the word index at path, creating it if missing; a file
// that cannot be read or is of another format is moved aside or emptied
// and rebuilt is true (the caller's catch-up refills it).
func OpenTerms(path string) (t *Terms, rebuilt bool, err error) {
	m, err := newMapping()
	if err != nil {
		return nil, false, err
	}
	an := m.AnalyzerNamed(analyzerName)
	if an == nil {
		return nil, false, errors.New("search: the analyzer is missing")
	}
	db, err := openTermsDB(path)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, false, fmt.Errorf("search word index %s is in use by another process: %w", path, err)
	}
	if err != nil {
		if _, serr := os.Stat(path); serr != nil {
			return nil, false, err
		}
		os.Remove(path + ".damaged")
		if rerr := os.Rename(path, path+".damaged"); rerr != nil {
			return nil, false, fmt.Errorf("search word index %s is damaged (%v) and cannot be moved aside: %w", path, err, rerr)
		}
		rebuilt = true
		if db, err = openTermsDB(path); err != nil {
			return nil, false, err
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		mb := tx.Bucket(termsMarks)
		if mb != nil && string(mb.Get([]byte("format"))) == termsFormat {
			return nil
		}
		if mb != nil {
			rebuilt = true
		}
		for _, b := range [][]byte{termsPost, termsDocs, termsRefs, termsMarks} {
			if tx.Bucket(b) != nil {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(termsMarks).Put([]byte("format"), []byte(termsFormat))
	})
	if err != nil {
		db.Close()
		return nil, false, fmt.Errorf("search word index %s: %w", path, err)
	}
	return &Terms{db: db, an: an}, rebuilt, nil
}

func openTermsDB(path string) (db *bolt.DB, err error) {
	// A damaged file can make bbolt panic while it reads its meta pages.
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("open search word index %s: %v", path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, derivedBoltOptions())
	if err != nil {
		return nil, fmt.Errorf("open search word index %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file.
func (t *Terms) Close() error { return t.db.Close() }

// CompactTerms rewrites the closed word index at path with its pages
// full and without the free pages a large catch-up leaves behind (an
// import: about a third of the file).
func CompactTerms(path string) error {
	src, err := openTermsDB(path)
	if err != nil {
		return err
	}
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := openTermsDB(tmp)
	if err != nil {
		src.Close()
		return err
	}
	err = bolt.Compact(dst, src, 64<<20)
	err = errors.Join(err, dst.Close(), src.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact the search word index %s: %w", path, err)
	}
	return nil
}

// Mark returns how far list is indexed.
func (t *Terms) Mark(list string) (Mark, error) {
	var m Mark
	err := t.db.View(func(tx *bolt.Tx) error {
		m = decodeMark(tx.Bucket(termsMarks).Get(markKey(list)))
		return nil
	})
	return m, err
}

// docnumFor is the first document number of a post archived at when.
func docnumFor(when time.Time) uint32 {
	return uint32(min(max(when.Unix(), 0), math.MaxUint32))
}

func u32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func postingKey(kind byte, term string, shard uint16) []byte {
	k := make([]byte, 0, len(term)+4)
	k = append(k, kind)
	k = append(k, term...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint16(k, shard)
}

// tokens are the distinct words of text the word index keeps.
func (t *Terms) tokens(text string, into map[string]bool) {
	if text == "" {
		return
	}
	for _, tok := range t.an.Analyze([]byte(text)) {
		if kept(tok.Term) {
			into[string(tok.Term)] = true
		}
	}
}

// kept reports whether the word index keeps a word. Numbers are left
// to bleve: message, order and phone numbers are mostly each in one or
// two posts, and as many keys as posts made up a third of the file; a
// search for a number goes to bleve.
func kept[S ~string | ~[]byte](w S) bool {
	if len(w) == 0 || len(w) > maxTermBytes {
		return false
	}
	digits := true
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == 0:
			return false
		case c < '0' || c > '9':
			digits = false
		}
	}
	return !digits
}

// termList is the words of text in order (for phrases).
func (t *Terms) termList(text string) []string {
	var out []string
	for _, tok := range t.an.Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}

// freeDocnum is the first document number from n on that no document
// holds. Posts of the same second (an import, a burst of mail) share a
// starting number: walking the taken ones with a cursor costs a step
// each, where a lookup per number cost a descent of the tree each.
func freeDocnum(c *bolt.Cursor, n uint32) uint32 {
	for k, _ := c.Seek(u32(n)); k != nil && n < math.MaxUint32; k, _ = c.Next() {
		if binary.BigEndian.Uint32(k) != n {
			break
		}
		n++
	}
	return n
}

// Put indexes docs and moves list's mark to m in one transaction.
func (t *Terms) Put(list string, docs []Doc, m Mark) error {
	err := t.db.Update(func(tx *bolt.Tx) error {
		post, dn, refs := tx.Bucket(termsPost), tx.Bucket(termsDocs), tx.Bucket(termsRefs)
		// Document numbers mostly grow: their pages are filled.
		dn.FillPercent = 1
		adds := map[string][]uint32{}
		words, from := map[string]bool{}, map[string]bool{}
		for _, d := range docs {
			ref := Ref{d.List, d.Seq}.id()
			var n uint32
			if v := refs.Get([]byte(ref)); len(v) == 4 {
				n = binary.BigEndian.Uint32(v) // indexed again after a crash
			} else {
				n = freeDocnum(dn.Cursor(), docnumFor(d.Date))
				if err := dn.Put(u32(n), []byte(ref)); err != nil {
					return err
				}
				if err := refs.Put([]byte(ref), u32(n)); err != nil {
					return err
				}
			}
			shard := uint16(n >> 16)
			clear(words)
			clear(from)
			t.tokens(d.Subject, words)
			t.tokens(d.Body, words)
			t.tokens(d.From, from)
			for w := range from {
				words[w] = true
				k := string(postingKey(kindFrom, w, shard))
				adds[k] = append(adds[k], n)
			}
			for w := range words {
				k := string(postingKey(kindWord, w, shard))
				adds[k] = append(adds[k], n)
			}
			k := string(postingKey(kindList, d.List, shard))
			adds[k] = append(adds[k], n)
		}
		keys := make([]string, 0, len(adds))
		for k := range adds {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			bm := roaring.New()
			if v := post.Get([]byte(k)); v != nil {
				if err := bm.UnmarshalBinary(v); err != nil {
					return fmt.Errorf("posting list %q: %w", k, err)
				}
			}
			bm.AddMany(adds[k])
			b, err := bm.ToBytes()
			if err != nil {
				return err
			}
			if err := post.Put([]byte(k), b); err != nil {
				return err
			}
		}
		return tx.Bucket(termsMarks).Put(markKey(list), encodeMark(m))
	})
	if err != nil {
		return fmt.Errorf("search word index %s: %w", list, err)
	}
	return nil
}

// Delete takes posts out of their lists' posting lists: no search finds
// them again.
func (t *Terms) Delete(refs ...Ref) error {
	return t.db.Update(func(tx *bolt.Tx) error {
		post, rb := tx.Bucket(termsPost), tx.Bucket(termsRefs)
		for _, r := range refs {
			v := rb.Get([]byte(r.id()))
			if len(v) != 4 {
				continue
			}
			n := binary.BigEndian.Uint32(v)
			k := postingKey(kindList, r.List, uint16(n>>16))
			old := post.Get(k)
			if old == nil {
				continue
			}
			bm := roaring.New()
			if err := bm.UnmarshalBinary(old); err != nil {
				return err
			}
			bm.Remove(n)
			if bm.IsEmpty() {
				if err := post.Delete(k); err != nil {
					return err
				}
				continue
			}
			b, err := bm.ToBytes()
			if err != nil {
				return err
			}
			if err := post.Put(k, b); err != nil {
				return err
			}
		}
		return nil
	})
}

// DropList forgets every post of list and its mark.
func (t *Terms) DropList(list string) error {
	return t.db.Update(func(tx *bolt.Tx) error {
		post := tx.Bucket(termsPost)
		prefix := append([]byte{kindList}, list...)
		prefix = append(prefix, 0)
		c := post.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+2; k, _ = c.Seek(prefix) {
			if err := post.Delete(k); err != nil {
				return err
			}
		}
		return tx.Bucket(termsMarks).Delete(markKey(list))
	})
}

// errFallback: the query needs what only bleve has (a negated phrase, a
// word too long to be kept); the caller asks bleve.
var errFallback = errors.New("search: this query goes to the full index")

// shards of one posting list: shard -> its bytes (valid in the tx).
type shards map[uint16][]byte

func loadShards(c *bolt.Cursor, kind byte, term string) shards {
	prefix := append([]byte{kind}, term...)
	prefix = append(prefix, 0)
	out := shards{}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) == len(prefix)+2 {
			out[binary.BigEndian.Uint16(k[len(prefix):])] = v
		}
	}
	return out
}

func bitmapOf(v []byte) (*roaring.Bitmap, error) {
	bm := roaring.New()
	if _, err := bm.FromUnsafeBytes(v); err != nil {
		return nil, fmt.Errorf("search word index: a posting list is damaged: %w", err)
	}
	return bm, nil
}

// group is terms that must all be in one post.
type group struct {
	kind  byte
	terms []string
}

// plan is a query as posting lists.
type plan struct {
	must   []group    // every group must match
	not    []group    // no group may match
	lo, hi int64      // document numbers lo..hi (inclusive)
	phrase [][]string // phrases the caller checks on each candidate
}

func (t *Terms) plan(q Query) (plan, error) {
	p := plan{lo: 0, hi: math.MaxUint32}
	words := func(kind byte, text string) (group, error) {
		g := group{kind: kind}
		for _, w := range t.termList(text) {
			if !kept(w) {
				return g, errFallback
			}
			if !slices.Contains(g.terms, w) {
				g.terms = append(g.terms, w)
			}
		}
		return g, nil
	}
	for _, w := range q.Words {
		g, err := words(kindWord, w)
		if err != nil {
			return p, err
		}
		p.must = append(p.must, g)
	}
	for _, ph := range q.Phrases {
		g, err := words(kindWord, ph)
		if err != nil {
			return p, err
		}
		p.must = append(p.must, g)
		if len(g.terms) > 1 {
			p.phrase = append(p.phrase, t.termList(ph))
		}
	}
	for _, f := range q.From {
		g, err := words(kindFrom, f)
		if err != nil {
			return p, err
		}
		p.must = append(p.must, g)
	}
	for _, n := range q.Not {
		if strings.ContainsAny(n, " \t") {
			return p, errFallback
		}
		g, err := words(kindWord, n)
		if err != nil {
			return p, err
		}
		if len(g.terms) > 0 {
			p.not = append(p.not, g)
		}
	}
	if !q.After.IsZero() {
		p.lo = max(q.After.Unix(), 0)
	}
	if !q.Before.IsZero() {
		p.hi = min(q.Before.Unix()-1, math.MaxUint32)
	}
	return p, nil
}

// DateResult is what a date-order search found.
type DateResult struct {
	Refs []Ref
	// Total counts the hits; More: there are more than Total (counting
	// stopped at CountLimit). With a phrase, Total counts the posts that
	// have all its words, checked only on the page.
	Total    int
	More     bool
	Estimate bool
}

// Search finds the posts matching q in lists, newest first: it skips
// skip of them and returns up to size. check, if set, is asked about
// each candidate of a query with a phrase (whether the post has the
// words in that order); a candidate it refuses is not counted. ctx
// ending stops the search.
func (t *Terms) Search(ctx context.Context, q Query, lists []string, skip, size int, check func(Ref, [][]string) (bool, error)) (DateResult, error) {
	var res DateResult
	p, err := t.plan(q)
	if err != nil {
		return res, err
	}
	res.Estimate = len(p.phrase) > 0
	if p.lo > p.hi || len(lists) == 0 {
		return res, nil
	}
	for _, g := range p.must {
		if len(g.terms) == 0 {
			return res, nil // a word with no letters: bleve's match finds nothing too
		}
	}
	err = t.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(termsPost).Cursor()
		var musts []shards
		for _, g := range p.must {
			for _, term := range g.terms {
				musts = append(musts, loadShards(c, g.kind, term))
			}
		}
		// The shards every posting list has, newest first; the smallest
		// word's list drives, and the lists' shards are read only there.
		slices.SortFunc(musts, func(a, b shards) int { return len(a) - len(b) })
		var (
			keys    []uint16
			inLists map[uint16][][]byte
		)
		if len(musts) > 0 {
			post := tx.Bucket(termsPost)
			inLists = map[uint16][][]byte{}
			for _, k := range shardKeys(musts[0], musts[1:], p.lo>>16, p.hi>>16) {
				for _, l := range lists {
					if v := post.Get(postingKey(kindList, l, k)); v != nil {
						inLists[k] = append(inLists[k], v)
					}
				}
				if len(inLists[k]) > 0 {
					keys = append(keys, k)
				}
			}
		} else {
			inLists = listShards(c, lists)
			keys = shardKeys(inLists, nil, p.lo>>16, p.hi>>16)
		}
		var nots [][]shards
		for _, g := range p.not {
			var gs []shards
			for _, term := range g.terms {
				gs = append(gs, loadShards(c, kindWord, term))
			}
			nots = append(nots, gs)
		}
		docs := tx.Bucket(termsDocs)
		for i, k := range keys {
			if i%8 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			inner := int64(k) != p.lo>>16 && int64(k) != p.hi>>16
			if len(res.Refs) >= size && inner && len(nots) == 0 && len(musts) == 1 && len(inLists[k]) == 1 {
				// Only counting now, one word in one list: no need to
				// build the intersection.
				n, err := andCardinality(inLists[k][0], musts[0][k])
				if err != nil {
					return err
				}
				res.Total += n
				if res.Total > CountLimit && i < len(keys)-1 {
					res.More = true
					return nil
				}
				continue
			}
			bm, err := shardMatches(k, inLists[k], musts, nots)
			if err != nil {
				return err
			}
			if int64(k) == p.lo>>16 && p.lo > 0 {
				bm.RemoveRange(0, uint64(p.lo))
			}
			if int64(k) == p.hi>>16 && p.hi < math.MaxUint32 {
				bm.RemoveRange(uint64(p.hi)+1, math.MaxUint32+1)
			}
			n := int(bm.GetCardinality())
			if len(res.Refs) < size {
				it := bm.ReverseIterator()
				for it.HasNext() && len(res.Refs) < size {
					r, ok := parseID(string(docs.Get(u32(it.Next()))))
					if !ok {
						n--
						continue
					}
					if len(p.phrase) > 0 && check != nil {
						okp, err := check(r, p.phrase)
						if err != nil {
							return err
						}
						if !okp {
							n--
							continue
						}
					}
					if skip > 0 {
						skip--
						continue
					}
					res.Refs = append(res.Refs, r)
				}
			}
			res.Total += n
			if len(res.Refs) >= size && res.Total > CountLimit && i < len(keys)-1 {
				res.More = true
				return nil
			}
		}
		return nil
	})
	return res, err
}

// listShards are the shards of the posting lists of lists: shard -> the
// lists' bitmaps there.
func listShards(c *bolt.Cursor, lists []string) map[uint16][][]byte {
	out := map[uint16][][]byte{}
	for _, l := range lists {
		for k, v := range loadShards(c, kindList, l) {
			out[k] = append(out[k], v)
		}
	}
	return out
}

// shardKeys are the shards from lo to hi that drive and every one of
// musts have, newest first.
func shardKeys[V any](drive map[uint16]V, musts []shards, lo, hi int64) []uint16 {
	var keys []uint16
next:
	for k := range drive {
		if int64(k) < lo || int64(k) > hi {
			continue
		}
		for _, m := range musts {
			if _, ok := m[k]; !ok {
				continue next
			}
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	return keys
}

// andCardinality counts the posts in both posting lists.
func andCardinality(a, b []byte) (int, error) {
	x, err := bitmapOf(a)
	if err != nil {
		return 0, err
	}
	y, err := bitmapOf(b)
	if err != nil {
		return 0, err
	}
	return int(x.AndCardinality(y)), nil
}

// shardMatches is the posts of shard k in the lists, with every must
// word and no not group.
func shardMatches(k uint16, lists [][]byte, musts []shards, nots [][]shards) (*roaring.Bitmap, error) {
	bm := roaring.New()
	for _, v := range lists {
		x, err := bitmapOf(v)
		if err != nil {
			return nil, err
		}
		bm.Or(x)
	}
	for _, m := range musts {
		if bm.IsEmpty() {
			return bm, nil
		}
		x, err := bitmapOf(m[k])
		if err != nil {
			return nil, err
		}
		bm.And(x)
	}
	for _, gs := range nots {
		var ex *roaring.Bitmap
		for _, s := range gs {
			v, ok := s[k]
			if !ok {
				ex = nil
				break
			}
			x, err := bitmapOf(v)
			if err != nil {
				return nil, err
			}
			if ex == nil {
				ex = x.Clone()
			} else {
				ex.And(x)
			}
		}
		if ex != nil {
			bm.AndNot(ex)
		}
	}
	return bm, nil
}
