package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/testkit"
	"minyan/store"
)

// TestLimiterBoundedPerClient: a client over its limit adds no more
// keys, however many different target addresses it sends, and the
// addresses of one IPv6 /64 (one customer's network) share one limit.
func TestLimiterBoundedPerClient(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	h := &handler{o: Options{Limits: DefaultLimits, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		limiter: newLimiter(func() time.Time { return now })}
	allowed := 0
	for i := range 1000 {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "[2001:db8:1:2:" + strconv.FormatInt(int64(i), 16) + "::1]:4000"
		if h.allowed(r, "login", "victim"+strconv.Itoa(i)+"@example.org") {
			allowed++
		}
	}
	if allowed != DefaultLimits.PerClient {
		t.Errorf("one /64 made %d requests, want %d", allowed, DefaultLimits.PerClient)
	}
	if n := len(h.limiter.hits); n > DefaultLimits.PerClient+1 {
		t.Errorf("the limiter holds %d keys after one client's flood", n)
	}
}

// TestSignInLimitsSurviveRestart: with the store counting (Counter), a
// new handler (the daemon restarted) still refuses the fourth sign-in
// mail to one address within the window.
func TestSignInLimitsSurviveRestart(t *testing.T) {
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testkit.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", Clock: clock, Logger: slog.New(slog.DiscardHandler)})
	start := func() *handler {
		return &handler{o: Options{Limits: DefaultLimits, Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Counter: svc},
			limiter: newLimiter(clock.Now)}
	}
	use := func(h *handler, i int) bool {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "192.0.2." + strconv.Itoa(i) + ":4000"
		return h.allowed(r, "login", "victim@example.org")
	}
	h := start()
	for i := range DefaultLimits.PerAddress {
		if !use(h, i+1) {
			t.Fatalf("use %d refused", i+1)
		}
	}
	h = start() // restart
	if use(h, 50) {
		t.Errorf("after a restart the address got a fresh allowance")
	}
	clock.Advance(DefaultLimits.Window)
	if !use(start(), 51) {
		t.Errorf("the next window is refused too")
	}
}
