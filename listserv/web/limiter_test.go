package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
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
