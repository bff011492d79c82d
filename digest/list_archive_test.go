package digest

import (
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/testkit"
	"minyan/store"
)

// TestDigestCarriesListArchive: posts carried List-Archive (RFC 2369)
// but digests, which are list mail too, did not.
func TestDigestCarriesListArchive(t *testing.T) {
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testkit.NewClock(t0)
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc := listserv.New(st, listserv.Options{
		Domain: domain, PublicURL: "https://lists.example.org", Clock: clock, Logger: log, WebArchive: true,
		Defaults: listserv.ServerDefaults{MaxMessageBytes: 10 << 20, Timezone: "America/New_York"},
	})
	e := &env{t: t, st: st, svc: svc, s: New(svc, st, Options{Logger: log, Rand: rand.New(rand.NewPCG(1, 2))}), clock: clock, logs: logs}
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	e.archive("talk", "alice@example.net", "Alice", "Curriculum ideas", "p1@example.net", "", ny(t, "2026-11-03 09:00"), "Let us plan.")
	e.run(ny(t, "2026-11-09 08:02"))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	h, _ := parts(t, ds[0].Raw)
	if got, want := h.Get("List-Archive"), "<"+svc.ArchiveListURL("talk")+">"; got != want || !strings.HasPrefix(got, "<https://") {
		t.Errorf("List-Archive = %q, want %q", got, want)
	}
}
