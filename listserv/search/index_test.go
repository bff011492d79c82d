package search

import (
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// benchIndex is an index of n posts shaped like the archive benchmark's
// (threads of five on eight topics, 300 authors).
func benchIndex(b *testing.B, n int) *Index {
	b.Helper()
	x, _, err := OpenIndex(filepath.Join(b.TempDir(), "index.bleve"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	topics := []string{"chevruta pairing", "budget review", "zebra crossing", "study guide", "curriculum draft", "shabbat dinner", "retreat planning", "volunteer roster"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := 1; i <= n; i++ {
		thread := (i-1)/5*5 + 1
		topic := topics[(thread/5)%len(topics)]
		docs = append(docs, Doc{List: "big", Seq: uint64(i), Subject: fmt.Sprintf("Re: %s %d", topic, thread),
			From: fmt.Sprintf("User %d user%d@example.org", i%300, i%300),
			Body: fmt.Sprintf("Thoughts on the %s, message %d. We should meet about the %s and share notes.\nSee https://example.net/doc/%d for the plan #guides #week%d\n", topic, i, topic, i%2000, i%52),
			Date: t0.Add(time.Duration(i) * 5 * time.Minute)})
		if len(docs) == 1000 || i == n {
			if err := x.Put("big", docs, Mark{UIDValidity: 1, Seq: uint64(i)}); err != nil {
				b.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	return x
}

// BenchmarkIndexSearch is one page of hits for the archive benchmark's
// queries over 20,000 posts; it reports the median and p99.
//
//	go test ./listserv/search -run '^$' -bench IndexSearch
func BenchmarkIndexSearch(b *testing.B) {
	x := benchIndex(b, 20_000)
	var qs []Query
	for _, s := range []string{"chevruta", "budget", "zebra", `"study guide"`, "from:user7", "curriculum", "shabbat", "after:2026-01-01 zebra"} {
		q, err := ParseQuery(s)
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	var ds []time.Duration
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if _, err := x.Search(qs[i%len(qs)], []string{"big"}, (i%3)*20, 20); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
}

func openTestIndex(t *testing.T) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index.bleve")
	x, rebuilt, err := OpenIndex(dir)
	if err != nil || rebuilt {
		t.Fatalf("open: %v rebuilt %v", err, rebuilt)
	}
	return x, dir
}

func TestIndexOrdersTiesNewestFirst(t *testing.T) {
	x, _ := openTestIndex(t)
	defer x.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Same words everywhere, so every score ties; seq and date disagree
	// on purpose (an import keeps old dates).
	var docs []Doc
	for i := 1; i <= 30; i++ {
		docs = append(docs, Doc{List: "l", Seq: uint64(i), Subject: "plan", From: "Ada a@example.org", Body: "the plan",
			Date: t0.Add(time.Duration((i*7)%30) * time.Hour)})
	}
	if err := x.Put("l", docs, Mark{UIDValidity: 1, Seq: 30}); err != nil {
		t.Fatal(err)
	}
	for _, qs := range []string{"plan", "from:ada"} {
		q, err := ParseQuery(qs)
		if err != nil {
			t.Fatal(err)
		}
		var got []Ref
		for page := 0; page < 3; page++ {
			res, err := x.Search(q, []string{"l"}, page*10, 10)
			if err != nil || res.Total != 30 {
				t.Fatalf("%s: %v total %d", qs, err, res.Total)
			}
			got = append(got, res.Refs...)
		}
		if len(got) != 30 {
			t.Fatalf("%s: %d hits", qs, len(got))
		}
		for i := 1; i < len(got); i++ {
			a, b := docs[got[i-1].Seq-1].Date, docs[got[i].Seq-1].Date
			if !a.After(b) {
				t.Fatalf("%s: hit %d (%v) is not newer than hit %d (%v)", qs, i-1, a, i, b)
			}
		}
	}
}

func TestIndexOfAnotherFormatIsRebuilt(t *testing.T) {
	x, dir := openTestIndex(t)
	if err := x.Put("l", []Doc{{List: "l", Seq: 1, Subject: "hello", Date: time.Now()}}, Mark{UIDValidity: 1, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if err := x.bi.SetInternal(formatKey, []byte("1")); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x, rebuilt, err := OpenIndex(dir)
	if err != nil || !rebuilt {
		t.Fatalf("reopen: %v rebuilt %v", err, rebuilt)
	}
	if m, err := x.Mark("l"); err != nil || m != (Mark{}) {
		t.Fatalf("the old mark stayed: %+v %v", m, err)
	}
	if n, _ := x.DocCount(); n != 0 {
		t.Fatalf("%d old posts stayed", n)
	}
	x.Close()
	// The new one opens as it is.
	x, rebuilt, err = OpenIndex(dir)
	if err != nil || rebuilt {
		t.Fatalf("reopen the new one: %v rebuilt %v", err, rebuilt)
	}
	x.Close()
}

func TestCompactKeepsEveryPost(t *testing.T) {
	x, _ := openTestIndex(t)
	defer x.Close()
	for b := range 5 {
		var docs []Doc
		for i := 1; i <= 20; i++ {
			seq := uint64(b*20 + i)
			docs = append(docs, Doc{List: "l", Seq: seq, Subject: "plan", Body: fmt.Sprintf("word%d", seq), Date: time.Unix(int64(seq), 0)})
		}
		if err := x.Put("l", docs, Mark{UIDValidity: 1, Seq: uint64(b*20 + 20)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Compact(t.Context()); err != nil {
		t.Fatal(err)
	}
	q, _ := ParseQuery("plan")
	if res, err := x.Search(q, []string{"l"}, 0, 10); err != nil || res.Total != 100 || res.Refs[0].Seq != 100 {
		t.Fatalf("after compacting: %+v %v", res, err)
	}
	if m, err := x.Mark("l"); err != nil || m.Seq != 100 {
		t.Fatalf("mark after compacting: %+v %v", m, err)
	}
}
