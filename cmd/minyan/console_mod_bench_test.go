package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// BenchmarkConsole imports 100,000 rows through the console's CSV import
// on the real server (the peak heap sampled while it runs), then times
// the roster page of that 100,000-member list: the first page, a late
// page, a search and a filter (median of 50 requests each).
//
//	go test ./cmd/minyan -run XXX -bench BenchmarkConsole -benchtime 1x
func BenchmarkConsole(b *testing.B) {
	srv, _ := benchServer(b, nil)
	svc := srv.App.Svc
	const owner = "owner@example.org"
	if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "big", []listserv.MemberSpec{{Address: owner, Role: "owner"}}, false); err != nil {
		b.Fatal(err)
	}
	sid := store.NewToken()
	if err := srv.App.Store.Update(func(tx *store.Tx) error {
		return tx.PutWebSession(store.WebSession{Hash: store.HashSecret(sid), Address: owner, Created: svc.Now(), Expires: svc.Now().Add(time.Hour)})
	}); err != nil {
		b.Fatal(err)
	}
	base := "http://" + srv.HTTPAddr
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(req *http.Request) (*http.Response, string) {
		req.AddCookie(&http.Cookie{Name: "minyan_session", Value: sid})
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}

	const rows = 100_000
	var csv bytes.Buffer
	csv.WriteString("email,name,mode,good_standing\n")
	modes := []string{"each", "digest", "nomail"}
	for i := range rows {
		fmt.Fprintf(&csv, "person%06d@example.net,Person Number %d,%s,%t\n", i, i, modes[i%3], i%2 == 0)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.csv")
	fw.Write(csv.Bytes())
	mw.Close()
	csv = bytes.Buffer{}

	runtime.GC()
	stopPeak := peakHeap(func(ms *runtime.MemStats) uint64 { return ms.HeapAlloc })
	b.ResetTimer()
	start := time.Now()
	req, _ := http.NewRequest("POST", base+"/lists/big/admin/members/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, page := do(req)
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("import: %d %s", resp.StatusCode, page)
	}
	loc := resp.Header.Get("Location")
	for {
		req, _ := http.NewRequest("GET", base+loc, nil)
		_, page = do(req)
		if strings.Contains(page, "finished") || strings.Contains(page, "stopped") {
			break
		}
		time.Sleep(200 * time.Millisecond) // a person's browser refreshing the page
	}
	took := time.Since(start)
	peak := stopPeak()
	if !strings.Contains(page, fmt.Sprintf("%d added", rows)) {
		b.Fatalf("import page: %s", page)
	}
	b.ReportMetric(took.Seconds(), "import-s")
	b.ReportMetric(float64(peak)/(1<<20), "import-peak-heap-MiB")

	median := func(path, want string) time.Duration {
		var ds []time.Duration
		for range 50 {
			req, _ := http.NewRequest("GET", base+path, nil)
			t0 := time.Now()
			resp, page := do(req)
			ds = append(ds, time.Since(t0))
			if resp.StatusCode != 200 || !strings.Contains(page, want) {
				b.Fatalf("%s: %d, want %q", path, resp.StatusCode, want)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	for _, c := range []struct{ name, path, want string }{
		{"roster-first-ms", "/lists/big/admin/members", "1–50 of 100,001"},
		{"roster-page-1500-ms", "/lists/big/admin/members?page=1500", "Page 1500 of 2001"},
		{"roster-search-ms", "/lists/big/admin/members?q=number+4242", "1–11 of 11 · 100,001 people on the list"},
		{"roster-filter-ms", "/lists/big/admin/members?mode=digest&status=ok", "1–50 of 33,333"},
		{"roster-standing-ms", "/lists/big/admin/members?standing=good", "1–50 of 50,000"},
	} {
		b.ReportMetric(float64(median(c.path, c.want).Microseconds())/1000, c.name)
	}
}
