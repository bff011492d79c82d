package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// fakeCore knows one unsubscribe token and records its use.
type fakeCore struct {
	// Core is nil: a method this fake does not implement panics if the
	// handler under test calls it.
	Core
	mu    sync.Mutex
	token string
	used  int
}

func (c *fakeCore) Unsubscribe(token string) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if token != c.token {
		return "", "", errors.New("This unsubscribe link is not valid any more.")
	}
	c.used++
	return "network", "alice@example.net", nil
}
func (c *fakeCore) UnsubscribeInfo(token string) (string, string, bool) {
	return "network", "alice@example.net", token == c.token
}
func (c *fakeCore) ConfirmInfo(string) (string, string, string, bool) { return "", "", "", false }
func (c *fakeCore) Confirm(context.Context, string) (string, error) {
	return "", errors.New("no")
}
func (c *fakeCore) Domain() string { return "lists.example.org" }
func (c *fakeCore) Healthy() error { return nil }
func (c *fakeCore) uses() int      { c.mu.Lock(); defer c.mu.Unlock(); return c.used }

func oneClickServer(t *testing.T) (*httptest.Server, *fakeCore) {
	core := &fakeCore{token: "tok123"}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv, core
}

func multipartBody(t *testing.T, fields ...[2]string) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// One-click over real HTTP, in both encodings the one-click contract
// allows. multipart/form-data (what `curl -F` sends) answered 400.
func TestOneClickEncodings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   func() (string, io.Reader)
		status int
	}{
		{"urlencoded", func() (string, io.Reader) {
			return "application/x-www-form-urlencoded", strings.NewReader(url.Values{"List-Unsubscribe": {"One-Click"}}.Encode())
		}, 200},
		{"multipart", func() (string, io.Reader) {
			return multipartBody(t, [2]string{"List-Unsubscribe", "One-Click"})
		}, 200},
		{"multipart among other fields", func() (string, io.Reader) {
			return multipartBody(t, [2]string{"note", "bye"}, [2]string{"List-Unsubscribe", "one-click"})
		}, 200},
		{"multipart without the field", func() (string, io.Reader) {
			return multipartBody(t, [2]string{"note", "bye"})
		}, 400},
		{"multipart with another value", func() (string, io.Reader) {
			return multipartBody(t, [2]string{"List-Unsubscribe", "Maybe"})
		}, 400},
		{"multipart without boundary", func() (string, io.Reader) {
			return "multipart/form-data", strings.NewReader("List-Unsubscribe=One-Click")
		}, 400},
		{"multipart too big", func() (string, io.Reader) {
			return multipartBody(t, [2]string{"pad", strings.Repeat("x", 100<<10)}, [2]string{"List-Unsubscribe", "One-Click"})
		}, 400},
		{"empty", func() (string, io.Reader) { return "", strings.NewReader("") }, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, core := oneClickServer(t)
			ct, body := tc.body()
			resp, err := http.Post(srv.URL+"/u/tok123", ct, body)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.status, page)
			}
			want := 0
			if tc.status == 200 {
				want = 1
				if !strings.Contains(string(page), "alice@example.net") {
					t.Errorf("page does not name the address:\n%s", page)
				}
			}
			if core.uses() != want {
				t.Errorf("unsubscribed %d times, want %d", core.uses(), want)
			}
		})
	}
}

// The exact command of the report, when curl is installed.
func TestOneClickCurlForm(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	srv, core := oneClickServer(t)
	out, err := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", "List-Unsubscribe=One-Click", srv.URL+"/u/tok123").CombinedOutput()
	if err != nil || string(out) != "200" || core.uses() != 1 {
		t.Fatalf("curl -F: %v %q, used %d", err, out, core.uses())
	}
}

func FuzzOneClickRequested(f *testing.F) {
	ct, body := multipartBody(&testing.T{}, [2]string{"List-Unsubscribe", "One-Click"})
	f.Add(ct, body.String())
	f.Add("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n")
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"; filename=\"a\"\r\n\r\nOne-Click\r\n--x--\r\n")
	f.Add("multipart/form-data", "")
	f.Add("text/plain", "List-Unsubscribe=One-Click")
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest(http.MethodPost, "/u/x", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 64<<10)
		err := oneClickRequested(r)
		if err == nil && !strings.Contains(strings.ToLower(body), "one-click") {
			t.Fatalf("accepted a body without One-Click: %q %q", ct, body)
		}
	})
}
