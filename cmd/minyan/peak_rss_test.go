package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var gcHeapRE = regexp.MustCompile(`(\d+)->\d+->\d+ MB`)

// TestMeasurePeakRSSLargePosts measures the daemon's peak resident
// memory (VmHWM) while it accepts six 10 MB posts at once on a fresh
// store, as the outside test of issue 20 did. It is a measurement, run
// on request:
//
//	MINYAN_MEASURE_RSS=1 go test ./cmd/minyan -run TestMeasurePeakRSSLargePosts -v
//
// and fails if the peak passes MINYAN_MEASURE_RSS_MAX_MB when that is set.
func TestMeasurePeakRSSLargePosts(t *testing.T) {
	if os.Getenv("MINYAN_MEASURE_RSS") == "" {
		t.Skip("a measurement; set MINYAN_MEASURE_RSS=1 to run it")
	}
	e := newE2E(t, "127.0.0.1:1")
	conf, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	conf = []byte(strings.Replace(string(conf), "[relay]", "max_message_bytes = 20000000\n\n[relay]", 1))
	if err := os.WriteFile(e.cfg, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun("list", "create", "team")
	for _, m := range []string{"dana@example.org", "eli@example.org", "fay@example.org"} {
		e.mustRun("member", "add", "team", m)
	}
	e.mustRun("list", "set", "team", "max_message_bytes=20000000")
	t.Setenv("GODEBUG", "gctrace=1") // the daemon logs each GC's heap sizes
	t.Setenv("GOGC", "100")          // Go's default, as the daemon runs (TestMain sets 400 for the tests' children)
	e.start()
	body := strings.Repeat(strings.Repeat("x", 76)+"\n", 10<<20/77)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sendSMTP(e.smtp, false, "dana@example.org", []string{"team@lists.example.org"},
				post("dana@example.org", "team@lists.example.org", fmt.Sprintf("big %d", i), body))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("post %d: %v", i, err)
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.serv.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	var hwm int
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			hwm, _ = strconv.Atoi(f[1])
		}
	}
	// The largest heap at the start of a GC (gctrace's "A->B->C MB"),
	// read once the daemon has stopped writing its log.
	e.stop()
	peakHeap := 0
	for _, m := range gcHeapRE.FindAllStringSubmatch(e.logs.String(), -1) {
		if n, _ := strconv.Atoi(m[1]); n > peakHeap {
			peakHeap = n
		}
	}
	t.Logf("six 10 MB posts accepted: peak RSS of the daemon %d MB, largest Go heap at a GC %d MB", hwm>>10, peakHeap)
	if max, err := strconv.Atoi(os.Getenv("MINYAN_MEASURE_RSS_MAX_MB")); err == nil && hwm>>10 > max {
		t.Errorf("peak RSS %d MB, more than %d MB", hwm>>10, max)
	}
}
