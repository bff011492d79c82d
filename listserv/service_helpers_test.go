package listserv

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"minyan/listserv/testkit"
	"minyan/store"
)

// testStore opens a fresh store in a temporary directory, closed when
// the test (or benchmark) ends.
func testStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(tb.TempDir(), time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// newServiceWith is a Service over a fresh store, with no network: the
// list domain lists.example.org, 1 MB messages, a fake clock at
// 2026-11-02 15:00 UTC and no log, as tune changes them (nil: as they
// are).
func newServiceWith(tb testing.TB, tune func(*Options)) (*Service, *store.Store) {
	tb.Helper()
	st := testStore(tb)
	o := Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1:8080",
		Defaults: ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:    testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tune != nil {
		tune(&o)
	}
	return New(st, o), st
}

// newTestService is a Service over a fresh store, with no network.
func newTestService(t *testing.T) (*Service, *store.Store) {
	t.Helper()
	return newServiceWith(t, nil)
}

// publicURL sets the service's public address (the benchmarks render
// mail with https://lists.example.org in its links).
func publicURL(u string) func(*Options) { return func(o *Options) { o.PublicURL = u } }
