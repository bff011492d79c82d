package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// GET of a roster larger than one read page answers every member once,
// in address order, with names; a missing list is a JSON 404.
func TestGetMembersStreamsEveryPage(t *testing.T) {
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", Logger: discardLogger()})
	op := listserv.Operator(listserv.DoorCLI)
	if _, err := svc.CreateList(context.Background(), op, "big", "discussion", "", ""); err != nil {
		t.Fatal(err)
	}
	const n = 4500 // more than two pages
	specs := make([]listserv.MemberSpec, n)
	for i := range specs {
		specs[i] = listserv.MemberSpec{Address: fmt.Sprintf("p%05d@example.org", n-1-i), Name: fmt.Sprint("P ", n-1-i)}
	}
	if _, err := svc.SyncRoster(t.Context(), op, "big", specs, listserv.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := svc.CreateAPIToken("t", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Options{Core: ServiceCore{Svc: svc}, Logger: discardLogger()})
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := get("/api/v1/lists/big/members")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var got []memberJSON
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON array: %v", err)
	}
	if len(got) != n {
		t.Fatalf("%d members, want %d", len(got), n)
	}
	for i, m := range got {
		want := memberJSON{Address: fmt.Sprintf("p%05d@example.org", i), Name: fmt.Sprint("P ", i), Role: "member", Mode: "each", Status: "ok"}
		if m != want {
			t.Fatalf("entry %d: %+v, want %+v", i, m, want)
		}
	}
	if w := get("/api/v1/lists/nope/members"); w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("missing list: %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}
