package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// termsCorpus indexes the same posts in bleve and in the word index:
// two lists, words common and rare, accents, Hebrew, authors, dates over
// many shards with some posts sharing a second.
func termsCorpus(t testing.TB, n int) (*Index, *Terms, map[Ref]Doc) {
	t.Helper()
	dir := t.TempDir()
	idx, _, err := OpenIndex(filepath.Join(dir, "index.bleve"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	terms, _, err := OpenTerms(filepath.Join(dir, "terms.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { terms.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"budget", "zebra", "canción", "study", "guide", "שבת", "שלום", "kiddush", "the", "and", "time", "plan", "rare-ish"}
	names := []string{"Rivka Cohen", "Dana Levi", "Moshe Katz", "Ana García"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	all := map[Ref]Doc{}
	byList := map[string][]Doc{}
	when := t0
	for i := 1; i <= n; i++ {
		list := []string{"alpha", "beta"}[i%2]
		var body []string
		for range 3 + rng.IntN(8) {
			body = append(body, words[rng.IntN(len(words))])
		}
		if i%10 == 0 {
			body = append(body, "study", "guide")
		}
		name := names[rng.IntN(len(names))]
		if rng.IntN(5) != 0 { // some posts share a second
			when = when.Add(time.Duration(rng.IntN(40_000)) * time.Second)
		}
		d := Doc{List: list, Seq: uint64(len(byList[list]) + 1), Subject: words[rng.IntN(len(words))] + " topic",
			From: name + " " + fmt.Sprintf("u%d@example.org", i%17), Body: fmt.Sprint(body), Date: when}
		d.Body = d.Body[1 : len(d.Body)-1]
		byList[list] = append(byList[list], d)
		all[Ref{list, d.Seq}] = d
	}
	for list, docs := range byList {
		m := Mark{UIDValidity: 1, Seq: uint64(len(docs))}
		if err := idx.Put(list, docs, m); err != nil {
			t.Fatal(err)
		}
		if err := terms.Put(list, docs, m); err != nil {
			t.Fatal(err)
		}
	}
	return idx, terms, all
}

// TestTermsAgreeWithBleve: the word index finds exactly what bleve finds,
// newest first, for every kind of query.
func TestTermsAgreeWithBleve(t *testing.T) {
	idx, terms, all := termsCorpus(t, 3000)
	check := func(r Ref, phrases [][]string) (bool, error) {
		d := all[r]
		for _, ph := range phrases {
			if !containsRun(terms.termList(d.Subject), ph) && !containsRun(terms.termList(d.From), ph) && !containsRun(terms.termList(d.Body), ph) {
				return false, nil
			}
		}
		return true, nil
	}
	ctx := context.Background()
	for _, qs := range []string{"budget", "cancion", "CANCIÓN", "שבת", "budget zebra", `"study guide"`, `"guide study"`,
		"from:rivka", `from:"dana levi"`, "from:u3@example.org", "-budget", "budget -zebra", "-budget -zebra -the",
		"list:alpha time", "after:2026-02-01 before:2026-03-01", "after:2026-02-01 kiddush", "before:2026-01-20",
		"after:2100-01-01", "before:1900-01-01 budget", "nothingmatches", "budget nothingmatches", "...", "rare-ish",
		"-rare-ish and"} {
		q, err := ParseQuery(qs)
		if err != nil {
			t.Fatal(err)
		}
		for _, readable := range [][]string{{"alpha", "beta"}, {"beta"}, {}} {
			want, err := idx.search(ctx, q, allowedLists(q, readable), 0, 10_000, ByDate)
			if err != nil {
				t.Fatalf("%q: bleve: %v", qs, err)
			}
			got, err := terms.Search(ctx, q, allowedLists(q, readable), 0, 10_000, check)
			if err != nil {
				t.Fatalf("%q: %v", qs, err)
			}
			if !sameRefs(got.Refs, want.Refs) {
				t.Errorf("%q in %v: word index found %d, bleve %d", qs, readable, len(got.Refs), len(want.Refs))
				continue
			}
			if int(want.Total) != got.Total && !got.Estimate {
				t.Errorf("%q: total %d, bleve %d", qs, got.Total, want.Total)
			}
			if !slices.IsSortedFunc(got.Refs, func(a, b Ref) int { return all[b].Date.Compare(all[a].Date) }) {
				t.Errorf("%q: not newest first", qs)
			}
			// Pages: the second page follows the first.
			p1, _ := terms.Search(ctx, q, allowedLists(q, readable), 0, 7, check)
			p2, _ := terms.Search(ctx, q, allowedLists(q, readable), 7, 7, check)
			if !slices.Equal(append(p1.Refs, p2.Refs...), got.Refs[:min(14, len(got.Refs))]) {
				t.Errorf("%q: pages do not follow the full order", qs)
			}
		}
	}
	// A negated phrase is bleve's.
	q, _ := ParseQuery(`budget -"study guide"`)
	if _, err := terms.Search(ctx, q, []string{"alpha"}, 0, 20, check); !errors.Is(err, errFallback) {
		t.Errorf("negated phrase: %v", err)
	}
	// Redacted posts are gone; dropped lists too.
	q, _ = ParseQuery("budget")
	before, _ := terms.Search(ctx, q, []string{"alpha"}, 0, 10_000, nil)
	gone := before.Refs[0]
	if err := terms.Delete(gone); err != nil {
		t.Fatal(err)
	}
	after, _ := terms.Search(ctx, q, []string{"alpha"}, 0, 10_000, nil)
	if after.Total != before.Total-1 || slices.Contains(after.Refs, gone) {
		t.Errorf("after a redaction: %d of %d", after.Total, before.Total)
	}
	if err := terms.DropList("alpha"); err != nil {
		t.Fatal(err)
	}
	if r, _ := terms.Search(ctx, q, []string{"alpha"}, 0, 10, nil); r.Total != 0 {
		t.Errorf("dropped list still found: %+v", r)
	}
}

func sameRefs(a, b []Ref) bool {
	key := func(r Ref) string { return r.id() }
	x, y := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		x[i] = key(r)
	}
	for i, r := range b {
		y[i] = key(r)
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestTermsCountStops: past CountLimit hits the count stops (More) while
// the page is the newest posts; a cancelled search stops with ctx's error.
func TestTermsCountStops(t *testing.T) {
	terms, _, err := OpenTerms(filepath.Join(t.TempDir(), "terms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer terms.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3 * CountLimit
	var docs []Doc
	for i := 1; i <= n; i++ {
		docs = append(docs, Doc{List: "big", Seq: uint64(i), Body: "common words", Date: t0.Add(time.Duration(i) * time.Hour)})
	}
	if err := terms.Put("big", docs, Mark{UIDValidity: 1, Seq: n}); err != nil {
		t.Fatal(err)
	}
	q, _ := ParseQuery("common")
	res, err := terms.Search(context.Background(), q, []string{"big"}, 0, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.More || res.Total <= CountLimit || res.Total >= n {
		t.Errorf("count %d more %v: want it stopped past %d", res.Total, res.More, CountLimit)
	}
	if len(res.Refs) != 20 || res.Refs[0].Seq != n || res.Refs[19].Seq != n-19 {
		t.Errorf("page %v", res.Refs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := terms.Search(ctx, q, []string{"big"}, 0, 20, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkDateSearch is one page of hits, newest first, over 20,000
// posts shaped like the archive benchmark's, from the word index and
// from bleve (which visits, dates and scores every hit).
//
//	go test ./listserv/search -run '^$' -bench DateSearch
func BenchmarkDateSearch(b *testing.B) {
	idx := benchIndex(b, 20_000)
	terms, _, err := OpenTerms(filepath.Join(b.TempDir(), "terms.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer terms.Close()
	topics := []string{"chevruta pairing", "budget review", "zebra crossing", "study guide", "curriculum draft", "shabbat dinner", "retreat planning", "volunteer roster"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := 1; i <= 20_000; i++ {
		thread := (i-1)/5*5 + 1
		topic := topics[(thread/5)%len(topics)]
		docs = append(docs, Doc{List: "big", Seq: uint64(i), Subject: fmt.Sprintf("Re: %s %d", topic, thread),
			From: fmt.Sprintf("User %d user%d@example.org", i%300, i%300),
			Body: fmt.Sprintf("Thoughts on the %s, message %d. We should meet about the %s and share notes.\nSee https://example.net/doc/%d for the plan #guides #week%d\n", topic, i, topic, i%2000, i%52),
			Date: t0.Add(time.Duration(i) * 5 * time.Minute)})
	}
	if err := terms.Put("big", docs, Mark{UIDValidity: 1, Seq: 20_000}); err != nil {
		b.Fatal(err)
	}
	var qs []Query
	for _, s := range []string{"the", "budget", "zebra -budget", "from:user7", "curriculum draft", "after:2025-02-01 before:2025-02-10"} {
		q, err := ParseQuery(s)
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	ctx := context.Background()
	b.Run("terms", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := terms.Search(ctx, qs[i%len(qs)], []string{"big"}, 0, 20, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bleve", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := idx.search(ctx, qs[i%len(qs)], []string{"big"}, 0, 20, ByDate); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCompactTerms: after an import the word index is rewritten smaller
// and answers the same; numbers are left to bleve.
func TestCompactTerms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "terms.db")
	terms, _, err := OpenTerms(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := 1; i <= 5000; i++ {
		docs = append(docs, Doc{List: "big", Seq: uint64(i), Subject: fmt.Sprintf("topic %d", i/5), From: fmt.Sprintf("User u%d@example.org", i%30),
			Body: fmt.Sprintf("w%d w%d and message %d", i%37, i%101, i), Date: t0.Add(time.Duration(i) * 5 * time.Minute)})
		if len(docs) == 500 {
			if err := terms.Put("big", docs, Mark{UIDValidity: 1, Seq: uint64(i)}); err != nil {
				t.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	ctx := context.Background()
	var qs []Query
	for _, s := range []string{"w3", "w5 w7", "and -w3", "from:u7", "after:2025-01-05 before:2025-01-08 and"} {
		q, _ := ParseQuery(s)
		qs = append(qs, q)
	}
	var before []DateResult
	for _, q := range qs {
		r, err := terms.Search(ctx, q, []string{"big"}, 0, 50, nil)
		if err != nil || r.Total == 0 {
			t.Fatalf("%+v: %v %+v", q, err, r)
		}
		before = append(before, r)
	}
	q, _ := ParseQuery("message 77")
	if _, err := terms.Search(ctx, q, []string{"big"}, 0, 50, nil); !errors.Is(err, errFallback) {
		t.Errorf("a number: %v, want it left to bleve", err)
	}
	terms.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	was := size()
	if err := CompactTerms(path); err != nil {
		t.Fatal(err)
	}
	if now := size(); now >= was {
		t.Errorf("compacting left %d bytes of %d", now, was)
	}
	terms, rebuilt, err := OpenTerms(path)
	if err != nil || rebuilt {
		t.Fatalf("reopen: rebuilt %v %v", rebuilt, err)
	}
	defer terms.Close()
	for i, q := range qs {
		r, err := terms.Search(ctx, q, []string{"big"}, 0, 50, nil)
		if err != nil || !slices.Equal(r.Refs, before[i].Refs) || r.Total != before[i].Total {
			t.Errorf("%+v after compacting: %v %d, was %d", q, err, r.Total, before[i].Total)
		}
	}
	if m, _ := terms.Mark("big"); m.Seq != 5000 {
		t.Errorf("mark %+v", m)
	}
}

// TestFreeDocnum: the first number from n on that no document holds,
// past a run of taken ones (posts of the same second).
func TestFreeDocnum(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("docs"))
		if err != nil {
			return err
		}
		for _, n := range []uint32{5, 6, 7, 9, 1 << 20} {
			if err := b.Put(u32(n), []byte("x")); err != nil {
				return err
			}
		}
		for from, want := range map[uint32]uint32{1: 1, 5: 8, 6: 8, 8: 8, 9: 10, 1 << 20: 1<<20 + 1} {
			if got := freeDocnum(b.Cursor(), from); got != want {
				t.Errorf("freeDocnum(%d) = %d, want %d", from, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
