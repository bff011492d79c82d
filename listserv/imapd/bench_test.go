package imapd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"minyan/listserv"
)

// BenchmarkArchive100k is the performance check: import a
// generated 100,000-message mbox (about 230 MB), then, as a mail client,
// FETCH 1:* (UID FLAGS ENVELOPE) and UID SEARCH SUBJECT x. Each phase
// reports its seconds and the process's peak RSS during it (VmHWM, reset
// between phases; the process holds the server and the client, and the
// peak counts the store's memory-mapped pages the phase touched). Run it
// once, it takes about a minute:
//
//	go test ./listserv/imapd -run '^$' -bench Archive100k -benchtime 1x
func BenchmarkArchive100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MINYAN_BENCH_N")); err == nil && v > 0 {
		n = v // a quicker run while working on it
	}
	ts := startTest(b, nil)
	ts.list(b, "big", "discussion", "alice@example.org:owner")
	pw := ts.password(b, "alice@example.org")
	path := filepath.Join(b.TempDir(), "big.mbox")
	size := writeBigMbox(b, path, n)
	b.Logf("mbox: %d messages, %.0f MB", n, float64(size)/1e6)

	for b.Loop() {
		phase(b, "import", func() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			res, err := ts.svc.ImportArchive(context.Background(), "big", f, size, listserv.ImportOptions{})
			if err != nil || res.Imported+res.Duplicates != n {
				b.Fatalf("import: %+v %v", res, err)
			}
		})
		c := ts.login(b, "alice@example.org", pw)
		if _, err := c.Select("big", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		phase(b, "fetch", func() {
			cmd := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true})
			got := 0
			for m := cmd.Next(); m != nil; m = cmd.Next() {
				if _, err := m.Collect(); err != nil {
					b.Fatal(err)
				}
				got++
			}
			if err := cmd.Close(); err != nil || got != n {
				b.Fatalf("fetch: %d messages, %v", got, err)
			}
		})
		phase(b, "search", func() {
			d, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "x"}}}, nil).Wait()
			if err != nil {
				b.Fatalf("search: %v", err)
			}
			nums, _ := d.All.(imap.UIDSet).Nums()
			if len(nums) != n/100 {
				b.Fatalf("search found %d", len(nums))
			}
		})
		c.Close()
	}
}

// phase runs fn, reporting its wall time and the peak RSS while it ran.
func phase(b *testing.B, name string, fn func()) {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux)
	start := time.Now()
	fn()
	secs := time.Since(start).Seconds()
	hwm, anon, file := procKB("VmHWM"), procKB("RssAnon"), procKB("RssFile")
	b.ReportMetric(secs, name+"-s")
	b.ReportMetric(float64(hwm)/1024, name+"-peakRSS-MiB")
	b.Logf("%s: %.2f s, peak RSS %d MiB (now: %d MiB anonymous, %d MiB file-backed)", name, secs, hwm/1024, anon/1024, file/1024)
}

// procKB reads one "Name:   N kB" line of /proc/self/status (0 if absent).
func procKB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// writeBigMbox writes n list posts of realistic size (headers as a list
// sends them, a few paragraphs of text, threads of five); one in a
// hundred subjects contains an x.
func writeBigMbox(b *testing.B, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	para := strings.Repeat("We talked about the curriculum for the spring sessions and who hosts them. ", 5) + "\n"
	start := time.Date(2015, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 47 * time.Minute)
		subject := fmt.Sprintf("Session %d: planning the coming month", i/5)
		if i%100 == 7 {
			subject = fmt.Sprintf("Session %d: xeriscaping the garden", i/5)
		}
		re := ""
		if i%5 != 0 {
			re = "Re: "
		}
		fmt.Fprintf(w, "From member%d@example.org %s\n", i%250, at.Format(time.ANSIC))
		fmt.Fprintf(w, "Return-Path: <big-bounces@lists.example.org>\nFrom: Member %d <member%d@example.org>\nTo: big@lists.example.org\n", i%250, i%250)
		fmt.Fprintf(w, "Subject: [big] %s%s\nDate: %s\nMessage-ID: <m%d@example.org>\n", re, subject, at.Format(time.RFC1123Z), i)
		if i%5 != 0 {
			fmt.Fprintf(w, "In-Reply-To: <m%d@example.org>\nReferences: <m%d@example.org>\n", i-1, i-i%5)
		}
		fmt.Fprintf(w, "List-Id: \"Big\" <big.lists.example.org>\nList-Post: <mailto:big@lists.example.org>\nPrecedence: list\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n")
		for p := 0; p < 3+i%4; p++ {
			w.WriteString(para)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}
