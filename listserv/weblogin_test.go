package listserv

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"minyan/listserv/testkit"
	"minyan/store"
)

// A site admin named only in the configuration is on no list yet and has
// no person record; the sign-in link must still reach them, while an
// unknown address gets nothing (and the same answer).
func TestSignInReachesConfiguredAdmins(t *testing.T) {
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st, Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1:8080",
		Defaults:    ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:       testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)),
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Postmasters: []string{"Admin@Example.org"}})
	for _, addr := range []string{"admin@example.org", "stranger@example.org"} {
		if err := s.StartLogin(addr); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
	}
	to := map[string]int{}
	if err := st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			to[r.Address]++
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if to["admin@example.org"] != 1 || to["stranger@example.org"] != 0 {
		t.Fatalf("sign-in mail went to %v", to)
	}
}
