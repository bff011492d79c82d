package listserv

import (
	"compress/gzip"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"minyan/listserv/testkit"
	"minyan/store"
)

// TestServiceReadsStoreOf837ae7d runs the domain over the store 837ae7d
// wrote (store/testdata): the roster, its waitlist and seats, the held
// queue, the member count and the site overview read the old records
// with the typed vocabulary, and a held post can still be decided.
func TestServiceReadsStoreOf837ae7d(t *testing.T) {
	dir := t.TempDir()
	in, err := os.Open(filepath.Join("..", "store", "testdata", "store-837ae7d.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "minyan.db"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := New(st, Options{Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:    testkit.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)), Resolver: testkit.NewDNS(nil),
		Logger: slog.New(slog.DiscardHandler), TemplateDir: t.TempDir()})

	page, err := svc.RosterPageOf(bg, op, "small", RosterFilter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 4 || page.Seats != 1 || page.Capacity != 1 || len(page.Waitlist) != 1 || page.Waitlist[0].Address != "wait@example.org" {
		t.Errorf("small's roster: total %d, seats %d/%d, waitlist %+v", page.Total, page.Seats, page.Capacity, page.Waitlist)
	}
	owners, err := svc.RosterPageOf(bg, op, "disc", RosterFilter{Role: ListOwner}, 1)
	if err != nil || owners.Matched != 1 || owners.Rows[0].Address != "own@example.org" {
		t.Errorf("disc's owners: %+v, %v", owners.Rows, err)
	}
	sum, err := svc.SiteOverview(bg, op)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sum {
		want := map[string]int{"disc": 6, "small": 2}[l.Name]
		if l.Members != want {
			t.Errorf("%s (%s): %d members, want %d", l.Name, l.Kind, l.Members, want)
		}
	}
	held, err := svc.HeldQueue(bg, op, "disc")
	if err != nil || len(held) != 1 || held[0].Kind != store.HeldPost || held[0].From != "stranger@example.net" {
		t.Fatalf("disc's held queue: %+v, %v", held, err)
	}
	h, err := svc.Decide(bg, op, "disc", held[0].ID, DecideReject, "not now")
	if err != nil || h.Status != store.HeldRejected {
		t.Errorf("deciding the old held post: %+v, %v", h, err)
	}
}
