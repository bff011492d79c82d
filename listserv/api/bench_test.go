package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/testkit"
	"minyan/store"
)

// benchEnv is the API over a real store in a temporary directory.
func benchEnv(b *testing.B, n int) (http.Handler, string, []MemberIn) {
	b.Helper()
	st, err := store.Open(b.TempDir(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", Logger: discardLogger()})
	if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	tok, err := svc.CreateAPIToken("bench", store.ScopeWrite)
	if err != nil {
		b.Fatal(err)
	}
	roster := make([]MemberIn, n)
	specs := make([]listserv.MemberSpec, n)
	for i := range roster {
		roster[i] = MemberIn{Address: fmt.Sprintf("person%06d@example.org", i)}
		specs[i] = listserv.MemberSpec{Address: roster[i].Address}
	}
	if _, err := svc.SyncRoster(b.Context(), listserv.Operator(listserv.DoorCLI), "big", specs, listserv.SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	return Handler(Options{Core: ServiceCore{Svc: svc}, Logger: discardLogger()}), tok, roster
}

// BenchmarkGetMembers100k: GET of a 100,000-member roster, with the
// peak heap it reached.
func BenchmarkGetMembers100k(b *testing.B) {
	h, tok, _ := benchEnv(b, benchN)
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The peak is of serving the request: collect the setup's garbage
	// (the 100,000-member sync) first. Twice: the sync's commit leaves
	// ~40,000 written pages in bbolt's page pool (a sync.Pool), which
	// outlives one collection in the pool's victim cache.
	runtime.GC()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stopPeak := testkit.HeapPeak(5 * time.Millisecond)
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/lists/big/members", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < int64(benchN)*40 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
	b.ReportMetric(float64(stopPeak())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(before.HeapAlloc)/(1<<20), "heap-before-MiB")
}

// BenchmarkSync100kOnePercent: a PUT of a 100,000-member roster with
// 1,000 changes.
func BenchmarkSync100kOnePercent(b *testing.B) {
	h, tok, roster := benchEnv(b, 100_000)
	i := 0
	for b.Loop() {
		b.StopTimer()
		next := append([]MemberIn(nil), roster[500:]...)
		for k := range 500 {
			next = append(next, MemberIn{Address: fmt.Sprintf("new%d-%06d@example.org", i, k)})
		}
		body, _ := json.Marshal(next)
		roster = next
		i++
		b.StartTimer()
		req := httptest.NewRequest("PUT", "/api/v1/lists/big/members", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body.String())
		}
	}
}
