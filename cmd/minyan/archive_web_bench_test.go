package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"minyan/listserv"
)

// BenchmarkArchiveWeb100k is the web archive's performance check on a
// generated archive of 100,000 posts (MINYAN_BENCH_N overrides): the
// search index and hub build (seconds, peak heap sampled every 50 ms),
// then over HTTP as a visitor: search (median and p99 of 200 queries),
// a thread page and the hub page (medians of 200 requests each). Run it
// once:
//
//	go test ./cmd/minyan -run '^$' -bench ArchiveWeb100k -benchtime 1x
func BenchmarkArchiveWeb100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MINYAN_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	e := startEnvB(b)
	path := filepath.Join(b.TempDir(), "big.mbox")
	size := writeArchiveMbox(b, path, n)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	svc := e.srv.App.Svc
	for b.Loop() {
		runtime.GC()
		stopPeak := peakHeap(func(ms *runtime.MemStats) uint64 { return ms.HeapInuse })
		// The daemon indexes while the import commits (each batch wakes
		// its indexer); the figure is import and index together, until
		// every post is searchable.
		start := time.Now()
		res, err := svc.ImportArchive(ctx, "big", f, size, listserv.ImportOptions{})
		if err != nil || res.Imported+res.Duplicates != n {
			b.Fatalf("import: %+v %v", res, err)
		}
		imported := time.Since(start)
		if _, err := svc.IndexArchive(ctx, e.cfg.Server.DataDir, "big", nil); err != nil {
			b.Fatal(err)
		}
		build := time.Since(start)
		peak := stopPeak()
		b.ReportMetric(imported.Seconds(), "import-s")
		b.ReportMetric(build.Seconds(), "import+index-s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")

		base := "http://" + e.srv.HTTPAddr
		words := []string{"chevruta", "budget", "zebra", `"study guide"`, "from:user7", "curriculum", "shabbat", "after:2026-01-01 zebra"}
		measure := func(name string, path func(i int) string) {
			var ds []time.Duration
			for i := range 200 {
				t0 := time.Now()
				resp, err := http.Get(base + path(i))
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", path(i), resp.StatusCode)
				}
				ds = append(ds, time.Since(t0))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-median-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, name+"-p99-ms")
		}
		measure("search", func(i int) string {
			return "/search?q=" + urlEscape(words[i%len(words)]) + "&page=" + strconv.Itoa(1+i%3)
		})
		measure("thread", func(i int) string { return fmt.Sprintf("/lists/big/m/%d", 1+(i*7919)%n) })
		measure("hub", func(i int) string { return "/resources?page=" + strconv.Itoa(1+i%5) })
		measure("threads", func(i int) string { return "/lists/big/archive?page=" + strconv.Itoa(1+i%10) })
	}
}

func urlEscape(s string) string { return (&urlValues{"q": s}).enc() }

type urlValues map[string]string

func (v *urlValues) enc() string {
	s := ""
	for _, c := range []byte((*v)["q"]) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			s += string(c)
		} else {
			s += fmt.Sprintf("%%%02X", c)
		}
	}
	return s
}

// startEnvB is the daemon for a benchmark, with the web archive on and
// the public list "big".
func startEnvB(b *testing.B) *testEnv {
	srv, cfg := benchServer(b, func(c *Config) { c.Web.Archive = true })
	e := &testEnv{srv: srv, cfg: cfg}
	svc := srv.App.Svc
	if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", []string{"archive=public"}); err != nil {
		b.Fatal(err)
	}
	return e
}

// writeArchiveMbox writes n posts in threads of five, with words,
// quotes, signatures, links and #tags, some with a PDF.
func writeArchiveMbox(b *testing.B, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	topics := []string{"chevruta pairing", "budget review", "zebra crossing", "study guide", "curriculum draft", "shabbat dinner", "retreat planning", "volunteer roster"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		d := t0.Add(time.Duration(i) * 5 * time.Minute)
		thread := (i-1)/5*5 + 1
		topic := topics[(thread/5)%len(topics)]
		subj := fmt.Sprintf("%s %d", topic, thread)
		refs := ""
		if i != thread {
			subj = "Re: " + subj
			refs = fmt.Sprintf("In-Reply-To: <m%d@example.org>\nReferences: <m%d@example.org>\n", thread, thread)
		}
		fmt.Fprintf(w, "From user%d@example.org %s\nFrom: User %d <user%d@example.org>\nTo: big@lists.example.org\nSubject: %s\nMessage-ID: <m%d@example.org>\n%sDate: %s\nContent-Type: text/plain; charset=utf-8\n\n",
			i%300, d.Format(time.ANSIC), i%300, i%300, subj, i, refs, d.Format(time.RFC1123Z))
		fmt.Fprintf(w, "Thoughts on the %s, message %d. We should meet about the %s and share notes.\nSee https://example.net/doc/%d for the plan #%s #week%d\n\n> earlier words quoted here\n> and more\n\n-- \nUser %d\n\n",
			topic, i, topic, i%2000, []string{"guides", "budget", "events", "learning"}[i%4], i%52, i%300)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}
