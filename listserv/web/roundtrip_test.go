package web

import (
	"io"
	"net/http"
	"testing"
)

// formType is the Content-Type of a posted form.
const formType = "application/x-www-form-urlencoded"

// roundTrip sends one request to a test server: body may be nil, sid is
// the session cookie ("" for nobody), header holds name, value pairs (a
// "" value removes that header). Redirects are followed only when
// follow is set. It answers the status, the Location and the page.
func roundTrip(t testing.TB, method, url string, body io.Reader, sid string, follow bool, header ...string) (status int, location, page string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	if sid != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: sid})
	}
	c := &http.Client{}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
