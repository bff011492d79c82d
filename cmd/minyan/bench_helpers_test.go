package main

import (
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"minyan/listserv/testkit"
)

// benchServer starts the daemon for a benchmark: the web server on a
// loopback port, no mail listeners, a fake clock and DNS. mutate (may be
// nil) changes the config first. The server stops with the benchmark.
func benchServer(b testing.TB, mutate func(*Config)) (*Server, *Config) {
	b.Helper()
	cfg, err := LoadConfig("")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Server.DataDir = b.TempDir()
	cfg.Server.SMTPListen, cfg.Server.LMTPListen, cfg.Server.IMAPListen = "", "", ""
	cfg.Server.HTTPListen = "127.0.0.1:0"
	if mutate != nil {
		mutate(cfg)
	}
	srv, err := startServer(cfg, slog.New(slog.DiscardHandler), serverDeps{Clock: newFakeClock(), Resolver: testkit.NewDNS(nil)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv, cfg
}

// peakHeap samples the heap every 50 ms until the returned stop is
// called; stop returns the largest value of what (HeapInuse, HeapAlloc)
// it saw, in bytes.
func peakHeap(what func(*runtime.MemStats) uint64) (stop func() uint64) {
	var peak atomic.Uint64
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if v := what(&ms); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-quit:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(quit)
		<-done
		return peak.Load()
	}
}
