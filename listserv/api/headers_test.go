package api

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// TestAPIResponsesNoSniff: every API answer, refusals included, carries
// X-Content-Type-Options: nosniff, so a browser never reads a JSON body
// (which may quote a list's or a person's text) as a page or a script.
func TestAPIResponsesNoSniff(t *testing.T) {
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", Logger: discardLogger()})
	if _, err := svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), "team", "discussion", "", ""); err != nil {
		t.Fatal(err)
	}
	tok, err := svc.CreateAPIToken("t", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Options{Core: ServiceCore{Svc: svc}, Logger: discardLogger()})
	for _, c := range []struct{ method, path, token string }{
		{"GET", "/api/v1/lists", tok}, {"GET", "/api/v1/lists/team/members", tok}, {"GET", "/api/v1/lists/nope", tok},
		{"GET", "/api/v1/lists", ""}, {"GET", "/api/v1/lists", "myn_wrong"}, {"POST", "/api/v1/lists", tok}, {"GET", "/api/v1/nothing", tok},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", c.method, c.path, w.Code, got)
		}
	}
}
