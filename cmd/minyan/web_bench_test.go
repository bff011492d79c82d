package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// BenchmarkWebPages measures /, /lists/NAME and /me on the real server
// with 100,000 members on 50 lists (2,000 each): median time per request
// and requests/s, sequential and with 32 concurrent clients, and the heap
// after the runs.
//
//	go test ./cmd/minyan -run XXX -bench BenchmarkWebPages -benchtime 1x
func BenchmarkWebPages(b *testing.B) {
	srv, _ := benchServer(b, nil)
	svc := srv.App.Svc
	const lists, per = 50, 2000
	me := "member00000@example.org"
	for l := range lists {
		name := fmt.Sprintf("list%02d", l)
		if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, "discussion", "", "A list for the benchmark."); err != nil {
			b.Fatal(err)
		}
		specs := make([]listserv.MemberSpec, 0, per)
		for i := range per {
			specs = append(specs, listserv.MemberSpec{Address: fmt.Sprintf("member%05d@example.org", (l*per+i)%100000)})
		}
		if l%10 == 0 {
			specs[0].Address = me // the signed-in person is on 5 lists
		}
		if _, err := svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), name, specs, false); err != nil {
			b.Fatal(err)
		}
	}
	sid := store.NewToken()
	if err := srv.App.Store.Update(func(tx *store.Tx) error {
		return tx.PutWebSession(store.WebSession{Hash: store.HashSecret(sid), Address: me, Created: svc.Now(), Expires: svc.Now().Add(time.Hour)})
	}); err != nil {
		b.Fatal(err)
	}
	base := "http://" + srv.HTTPAddr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(path string) time.Duration {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(&http.Cookie{Name: "minyan_session", Value: sid})
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for range b.N {
		for _, path := range []string{"/", "/lists/list07", "/me"} {
			for _, conc := range []int{1, 32} {
				const n = 2000
				ds := make([]time.Duration, n)
				var wg sync.WaitGroup
				start := time.Now()
				for w := range conc {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := w; i < n; i += conc {
							ds[i] = get(path)
						}
					}()
				}
				wg.Wait()
				el := time.Since(start)
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				b.Logf("%-14s clients=%-2d median=%v p99=%v req/s=%.0f", path, conc, ds[n/2].Round(time.Microsecond), ds[n*99/100].Round(time.Microsecond), float64(n)/el.Seconds())
			}
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("heap after GC: %.1f MiB (whole test process: server and clients)", float64(ms.HeapAlloc)/(1<<20))
}
