package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNotLogged: a refused cross-site POST to a sign-in or
// confirmation link logs the refusal without the link's secret.
func TestSecretsNotLogged(t *testing.T) {
	var logs lockedBuffer
	core := &fakeCore{token: "tok123"}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	t.Cleanup(srv.Close)
	const secret = "abcdefghijklmnopqrstuvwxyz234567"
	for _, p := range []string{"/login/" + secret, "/confirm/" + secret} {
		req, _ := http.NewRequest("POST", srv.URL+p, strings.NewReader(""))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", p, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "cross-site request refused") {
		t.Fatalf("refusal not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("a link's secret is in the log:\n%s", logs.String())
	}
}
