package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/testkit"
)

// heapPeak samples the heap every 5 ms until stop is called and returns
// the highest HeapAlloc seen (the whole test process).
func heapPeak() (stop func() uint64) {
	done := make(chan struct{})
	res := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				res <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

// importCSV100k is a 100,000-row member file in the import format.
func importCSV100k(b *testing.B) string {
	var sb strings.Builder
	sb.WriteString("email,name,role,mode,good_standing\n")
	for i := range 100_000 {
		mode := "each"
		if i%10 == 0 {
			mode = "digest"
		}
		// Not in address order, as a spreadsheet export rarely is.
		fmt.Fprintf(&sb, "person%06d@example.org,Person %d,member,%s,true\n", (i*7919)%100_000, i, mode)
	}
	p := filepath.Join(b.TempDir(), "members.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchApp opens an App on a fresh data dir with one empty list.
func benchApp(b *testing.B) (*Config, *App) {
	cfg, err := LoadConfig("")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Server.DataDir = b.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := serviceOptions(cfg, log)
	opts.Clock = cliClock{cliTestTime()}
	opts.Resolver = testkit.NewDNS(nil)
	app, err := openApp(cfg, log, opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := app.Svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "big", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	return cfg, app
}

// BenchmarkMemberImport100k imports a 100,000-row CSV into an empty list,
// directly (the CLI with no daemon) and through the admin socket (the
// daemon does the work), reporting the peak heap of the process.
//
//	go test ./cmd/minyan -run XXX -bench BenchmarkMemberImport100k -benchtime 1x
func BenchmarkMemberImport100k(b *testing.B) {
	path := importCSV100k(b)
	const want = "imported 100000 rows into big: 100000 new, 0 updated, 0 waitlisted; 0 bad rows\n"
	b.Run("direct", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			b.StopTimer()
			_, app := benchApp(b)
			runtime.GC()
			var out, errb bytes.Buffer
			cio := localIO(strings.NewReader(""), &out, &errb, noProgress{})
			stop := heapPeak()
			b.StartTimer()
			code := runCommand(context.Background(), app, []string{"member", "import", "big", path}, cio)
			b.StopTimer()
			peak = max(peak, stop())
			app.Close()
			if code != 0 || out.String() != want {
				b.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
	b.Run("socket", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			b.StopTimer()
			cfg, app := benchApp(b)
			ln, err := net.Listen("unix", adminSocketPath(cfg))
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- serveAdmin(ctx, ln, app) }()
			runtime.GC()
			var out, errb bytes.Buffer
			stop := heapPeak()
			b.StartTimer()
			code := runAdmin(context.Background(), cfg, []string{"member", "import", "big", path},
				processEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
			b.StopTimer()
			peak = max(peak, stop())
			cancel()
			<-done
			app.Close()
			if code != 0 || out.String() != want {
				b.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
}
