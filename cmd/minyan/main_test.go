package main

import (
	"flag"
	"os"
	"runtime/debug"
	"testing"

	"minyan/listserv/testkit/chrome"
)

// asMinyan, set in a child's environment, makes this test binary run as
// the minyan command (main) instead of running tests: the end-to-end
// tests start it as `minyan serve` and run its admin commands. The test
// binary is this package compiled with its tests, so main is the same code
// a `go build` links; running it spares each `go test` a second link of
// a 40 MB binary (2 s of CPU, 4 s of waiting for every end-to-end test
// on a loaded 2-core machine). No test file has an init or a package
// variable that changes what main does.
const asMinyan = "MINYAN_TEST_BINARY_IS_MINYAN"

// TestMain runs this package's tests nearly all at once instead of go
// test's default of GOMAXPROCS (2 on the CI machine) at a time, unless
// -parallel is given: every test marks itself parallel, and most of their
// time is spent waiting on sockets, a child minyan process, Postfix or
// Chromium, not computing, so the slow ones (browsers, the binary's
// end-to-end and kill -9 tests, Postfix) overlap instead of queueing
// behind each other. Each test has its own data directory, ports and
// processes, so they share no state; the browser tests share one
// Chromium process, each in a browser context of its own (see
// listserv/testkit/chrome), ended after the last test.
//
// The test process and the children that run as minyan collect garbage
// at 4 times the live heap instead of twice (GOGC=400, unless GOGC is
// set): the hundred-odd servers allocate a great deal that dies young,
// and collecting less often saves CPU (about 3 of the package's 38 s for
// the children alone) for a few hundred MB more of the machine's memory
// (see docs/testing.md). It changes when memory is reclaimed, not what
// the daemon does; the one test that measures the daemon's memory
// (TestMeasurePeakRSSLargePosts) runs it with Go's default.
func TestMain(m *testing.M) {
	if os.Getenv(asMinyan) == "1" {
		main()
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
		os.Setenv("GOGC", "400") // for the children
	}
	os.Setenv(asMinyan, "1") // for the children that run buildOnce's binary
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "128")
	}
	os.Exit(chrome.Main(m))
}
