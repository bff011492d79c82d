package main

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs this package's tests nearly all at once instead of go
// test's default of GOMAXPROCS (2 on the CI machine) at a time, unless
// -parallel is given: every test marks itself parallel, and most of their
// time is spent waiting on sockets, a child minyan process, Postfix or
// Chromium, not computing, so the slow ones (browsers, the binary's
// end-to-end and kill -9 tests, Postfix) overlap instead of queueing
// behind each other. Each test has its own data directory, ports and
// processes, so they share no state.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "128")
	}
	os.Exit(m.Run())
}
