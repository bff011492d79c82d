package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// BenchmarkRosterPage100k times the console's roster page, rendered and
// served over HTTP by the real server, for a list of 100,000 members
// (built once through the domain's batched import): the first page by
// name (the default), the second page, a search by name, and the first
// page by joined, newest first. Each reports its median.
//
//	go test ./cmd/minyan -run XXX -bench BenchmarkRosterPage100k -benchtime 50x
func BenchmarkRosterPage100k(b *testing.B) {
	srv, _ := benchServer(b, nil)
	svc := srv.App.Svc
	ctx, op := context.Background(), listserv.Operator(listserv.DoorCLI)
	const owner = "owner@example.org"
	if _, err := svc.CreateList(ctx, op, "big", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	rows := make([]listserv.MemberRow, 100_000)
	names := []string{"Ana", "Ben", "Carla", "Dov", "Elena", "Fatima", "Gil", "Hana", "Iris", "José", "Karin", "Lior", "Maya", "Noa", "Omar", "Pilar"}
	modes := []listserv.Mode{listserv.ModeEach, listserv.ModeDigest, listserv.ModeNomail}
	for i := range rows {
		good := i%2 == 0
		// Addresses and names in different orders, so ordering by name
		// is real work.
		rows[i] = listserv.MemberRow{Line: i + 2, Spec: listserv.MemberSpec{
			Address: fmt.Sprintf("p%06d@example.net", (i*7919)%100_000), Mode: modes[i%3], GoodStanding: &good,
			Name: fmt.Sprintf("%s %s %d", names[i%len(names)], names[(i/16)%len(names)], i)}}
	}
	rows = append(rows, listserv.MemberRow{Line: 1, Spec: listserv.MemberSpec{Address: owner, Role: listserv.ListOwner}})
	if p, err := svc.ImportMembers(ctx, op, "big", rows, nil); err != nil || len(p.Failures) > 0 {
		b.Fatalf("import: %v %+v", err, p.Failures)
	}
	sid := store.NewToken()
	if err := srv.App.Store.Update(func(tx *store.Tx) error {
		return tx.PutWebSession(store.WebSession{Hash: store.HashSecret(sid), Address: owner, Created: svc.Now(), Expires: svc.Now().Add(24 * time.Hour)})
	}); err != nil {
		b.Fatal(err)
	}
	base := "http://" + srv.HTTPAddr
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(&http.Cookie{Name: "minyan_session", Value: sid})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	for _, c := range []struct{ name, path, want string }{
		{"name-page1", "/lists/big/admin/members", "1–50 of 100,001"},
		{"name-page2", "/lists/big/admin/members?page=2", "51–100 of 100,001"},
		{"search", "/lists/big/admin/members?q=maya+hana", "1–50 of 391 · 100,001 people on the list"},
		{"joined-desc", "/lists/big/admin/members?sort=joined&order=desc", "1–50 of 100,001"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			cpu0 := processCPU()
			for b.Loop() {
				t0 := time.Now()
				code, page := get(c.path)
				ds = append(ds, time.Since(t0))
				if code != 200 || !strings.Contains(page, c.want) {
					b.Fatalf("%s: %d, want %q", c.path, code, c.want)
				}
			}
			// CPU time per page (the server and the client share the
			// process): what the wall clock would show on an idle
			// machine, whatever else runs on a shared one.
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
		})
	}
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
