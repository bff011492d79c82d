package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// loginCore holds every StartLogin until released, as a slow store or
// mail queue would hold the known address's path.
type loginCore struct {
	fakeCore
	started chan string
	release chan struct{}
}

func (c *loginCore) StartLogin(addr, _ string) error {
	c.started <- addr
	<-c.release
	return nil
}

func (c *loginCore) SessionAddress(string) (string, bool) { return "", false }

// TestLoginAnswerDoesNotWaitForTheMail: POST /login answers before the
// sign-in mail is prepared, for every address alike, so the time of the
// answer tells nothing about whether the address is known (the known
// address's path writes the store and queues a mail; the unknown one
// does neither). The barrier is the held StartLogin: the answer must
// come while it is still held.
func TestLoginAnswerDoesNotWaitForTheMail(t *testing.T) {
	core := &loginCore{started: make(chan string, 4), release: make(chan struct{})}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	defer close(core.release)
	for _, addr := range []string{"known@example.org", "unknown@example.org"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/login", strings.NewReader(url.Values{"email": {addr}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err != nil {
			t.Fatalf("%s: the answer waited for the sign-in mail: %v", addr, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", addr, resp.StatusCode)
		}
		if got := <-core.started; got != addr {
			t.Errorf("StartLogin(%q), want %q", got, addr)
		}
	}
}
