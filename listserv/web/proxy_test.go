package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBehindProxies(t *testing.T) {
	trusted, err := ParseProxies([]string{"127.0.0.1", "::1", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	h := behindProxies(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientIP(r) }))
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1:5000", []string{"203.0.113.7"}, "203.0.113.7"},
		{"[::1]:5000", []string{"2001:db8::9"}, "2001:db8::9"},
		// The client's own entries (left) are not believed; the proxy's
		// appended one (right) is.
		{"127.0.0.1:5000", []string{"1.2.3.4, 203.0.113.7"}, "203.0.113.7"},
		{"127.0.0.1:5000", []string{"1.2.3.4", "203.0.113.7, 10.1.1.1"}, "203.0.113.7"},
		// Not from a proxy: the header is ignored.
		{"198.51.100.2:5000", []string{"1.2.3.4"}, "198.51.100.2"},
		// From the proxy without a usable header: the proxy's address.
		{"127.0.0.1:5000", nil, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"junk"}, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"::ffff:203.0.113.8"}, "203.0.113.8"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("from %s with %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := ParseProxies([]string{"not an address"}); err == nil {
		t.Error("a bad address was accepted")
	}
	// No proxies configured: nothing is rewritten.
	plain := behindProxies(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientIP(r) }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	plain.ServeHTTP(httptest.NewRecorder(), r)
	if got != "127.0.0.1" {
		t.Errorf("without trusted proxies the header was believed: %s", got)
	}
}
